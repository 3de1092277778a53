"""The class rules a new school starts from (CLS-4), in Vietnamese.

Written for SafeClass after the education authorities' letters of 2020–2022:
time, place, dress and conduct; what learners must not do; never sharing
accounts or class details. Each school edits them; each class may add its own.
"""

DEFAULT_RULES = {
    "time": (
        "Vào lớp trước giờ học ít nhất 10 phút. Nếu không thể tham gia, cha mẹ báo cho "
        "giáo viên chủ nhiệm trước buổi học."
    ),
    "place": (
        "Học ở nơi yên tĩnh, đủ ánh sáng, có người lớn trong nhà; không học trong phòng "
        "tối hoặc khi đang di chuyển."
    ),
    "dress": "Mặc trang phục gọn gàng, lịch sự như khi đến trường.",
    "conduct": (
        "Dùng đúng tài khoản của mình, với họ tên thật và số thứ tự. Chỉ phát biểu khi "
        "thầy cô cho phép; trò chuyện đúng chủ đề bài học; tôn trọng thầy cô và các bạn; "
        "làm theo hướng dẫn kỹ thuật của thầy cô."
    ),
    "prohibited": (
        "Không đăng hoặc gửi nội dung thô tục, bạo lực, hình ảnh hay video không phù hợp; "
        "không trêu chọc, bắt nạt, xúc phạm bất kỳ ai; không ghi hình, chụp màn hình hay "
        "phát lại buổi học khi chưa được phép; không bấm vào đường liên kết, hình ảnh, "
        "video lạ; không cho người lạ biết số điện thoại, địa chỉ, ảnh hay thông tin cá "
        "nhân của mình."
    ),
    "sharing": (
        "Không bao giờ chia sẻ tài khoản, mật khẩu, mã kích hoạt hay thông tin lớp học "
        "với bất kỳ ai, kể cả bạn bè. Nếu thấy người lạ trong lớp hoặc điều gì làm em sợ, "
        "hãy báo ngay cho thầy cô và cha mẹ, hoặc gọi 111."
    ),
}
