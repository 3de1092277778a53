# ruff: noqa: E501
"""What the sender is told, per category, in Vietnamese and English.

Written for a child: say what happened and what to do, never shame. Self-harm
gets care and the national child-protection hotline 111 (SPC-3).
"""

from __future__ import annotations

from dataclasses import dataclass

from safeclass.moderation.engine.policy import Action, Category


@dataclass(frozen=True, slots=True)
class Reason:
    category: Category
    vi: str
    en: str


_TEXT: dict[Category, tuple[str, str]] = {
    Category.PROFANITY: (
        "Tin nhắn có từ ngữ thô tục nên đã bị ẩn bớt. Lớp học của chúng mình dùng lời hay ý đẹp nhé.",
        "Your message had rude words, so they were hidden. Let's keep our class words kind.",
    ),
    Category.HARASSMENT: (
        "Tin nhắn này có thể làm bạn khác buồn nên thầy cô sẽ xem trước. Hãy nói với nhau thật tử tế nhé.",
        "This message could hurt someone, so your teacher will look at it first. Please be kind to each other.",
    ),
    Category.VIOLENCE: (
        "Tin nhắn có lời đe dọa hoặc bạo lực nên thầy cô sẽ xem trước. Nếu em đang gặp chuyện, hãy nói với thầy cô.",
        "Your message sounded like a threat or violence, so your teacher will read it first. If something is wrong, tell your teacher.",
    ),
    Category.SELF_HARM: (
        "Cảm ơn em đã chia sẻ. Tin nhắn này sẽ đến thầy cô để giúp em, không gửi cho cả lớp. Em có thể gọi 111 (miễn phí, 24/7) để được lắng nghe và hỗ trợ.",
        "Thank you for telling us. This message goes to your teacher, who will help you, not to the whole class. You can call 111 (free, any time) to talk to someone who cares.",
    ),
    Category.SEXUAL: (
        "Tin nhắn có nội dung không phù hợp với lớp học nên không được gửi. Thầy cô và nhà trường sẽ được báo.",
        "This message has content that is not allowed in class, so it was not sent. Your teacher and school will be told.",
    ),
    Category.GROOMING: (
        "Tin nhắn này giống cách người lạ dụ dỗ trẻ em (hỏi tuổi, hỏi ở nhà một mình, rủ nói chuyện riêng, xin ảnh, tặng quà) nên không được gửi.",
        "This message looks like what strangers say to trick children (asking age, being home alone, private chats, photos, gifts), so it was not sent.",
    ),
    Category.PERSONAL_DATA: (
        "Để an toàn, đừng chia sẻ số điện thoại, địa chỉ, email, tài khoản mạng xã hội hay mật khẩu trong lớp. Thông tin đó đã được che đi.",
        "To stay safe, don't share phone numbers, addresses, emails, social accounts or passwords in class. That part was hidden.",
    ),
    Category.LINK: (
        "Đường liên kết lạ có thể không an toàn nên thầy cô sẽ xem trước khi cả lớp thấy.",
        "Unknown links can be unsafe, so your teacher will check this one before the class sees it.",
    ),
    Category.SCAM: (
        "Tin nhắn giống lừa đảo (đòi chuyển tiền, mã OTP, bán tài liệu, mạo danh Bộ hoặc Sở Giáo dục) nên không được gửi. Đừng chuyển tiền cho ai qua lớp học.",
        "This looks like a scam (money, OTP codes, selling materials, pretending to be the education authorities), so it was not sent. Never send money through class.",
    ),
    Category.IMAGE: (
        "Ảnh này không được gửi vào lớp học.",
        "This picture cannot be posted in class.",
    ),
}


def reason_for(category: Category, action: Action) -> Reason:
    vi, en = _TEXT[category]
    if category == Category.PERSONAL_DATA and action > Action.MASK:
        vi = vi.replace(" Thông tin đó đã được che đi.", " Tin nhắn chưa được gửi.")
        en = en.replace(" That part was hidden.", " The message was not sent.")
    if category == Category.PROFANITY and action > Action.MASK:
        vi = "Tin nhắn có từ ngữ thô tục nên không được gửi."
        en = "Your message had rude words, so it was not sent."
    return Reason(category, vi, en)
