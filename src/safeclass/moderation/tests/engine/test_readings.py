"""Readings that decide between a harmful and an innocent message.

CLS-1 (personal data, links), CLS-3 (profanity, bullying, threats), INC-1 and
SPC-3 (self-harm goes to the counsellor path): each case below is a way of
writing that the lexicons alone would get wrong.
"""

from __future__ import annotations

import pytest

from safeclass.moderation.engine import Action, Category, Sender, check
from safeclass.moderation.engine.detect import scan


@pytest.mark.parametrize(
    "text",
    [
        "Mẹ em mua hạt óc chó về làm bánh",  # walnut, not "dog brain"
        "Con lợn đất của em sắp đầy rồi",  # piggy bank
        "Môn Vật lý (VL) mai có kiểm tra không mn?",
        "Cô ơi, cc trong email nghĩa là gửi kèm bản sao phải không ạ?",
        "1 m = 10 dm = 100 cm",  # units after a number
        "xe máy 50 cc",
        "Moby-Dick is a very long book.",
        "hiep si trong truyen rat dung cam",  # hiệp sĩ, typed plain
        "Gạch được nung trong lò ở nhiệt độ rất cao",
        "Bài thể dục có động tác xoạc chân khó quá",
        "tap the duc cho co the deo dai",
        "tu tu da, minh chua xong",  # từ từ đã
        "buồn cười muốn chết 😂",
        "cai lon nuoc ngot bi mop roi",  # cái lon nước ngọt
        "I forgot my password, how do I reset it?",
        "Lão Hạc đã tự tử bằng bả chó",  # literature, not the writer
        "em có facebook không cô",  # a student asking the teacher
        "con cu gáy kêu",  # a dove
        "Con chó nhà em tên là Mực",
    ],
)
def test_innocent_look_alikes_are_delivered(text: str) -> None:
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.ALLOW, (text, verdict.categories, verdict.findings)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("thằng óc ch0 kia", Category.HARASSMENT),  # accented word + disguised word
        ("nhìn mặt óc chóóóóó vãi", Category.HARASSMENT),
        ("đ ị t m ẹ cái wifi", Category.PROFANITY),  # spelt letter by letter
        ("tan\u200bhoc\u200bbiet\u200btay", Category.VIOLENCE),  # zero-width as word gaps
        ("đêm nào cũng nghĩ cách tự\u200btử", Category.SELF_HARM),
        ("ra chơi tao đ\u200bánh gãy răng mày", Category.VIOLENCE),  # zero-width inside a word
        ("muon tu tu", Category.SELF_HARM),  # plain "tự tử" counts with its context
        ("e hc lp mấy r", Category.GROOMING),  # teencode for "em học lớp mấy rồi"
        ("I just want to die", Category.SELF_HARM),
        ("em ước gì mình chưa từng được sinh ra", Category.SELF_HARM),
        ("I can't take it anymore", Category.SELF_HARM),
        ("mày là đồ khốn nạn", Category.HARASSMENT),
        ("anh sẽ mua cho em điện thoại nhé", Category.GROOMING),
        ("tài khoản của bạn sẽ bị khóa, bấm vào link để xác minh", Category.SCAM),
    ],
)
def test_disguised_harm_is_caught(text: str, category: Category) -> None:
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action != Action.ALLOW
    assert category in verdict.categories, (text, verdict.categories)


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("sdt: 09o3 4l7 2O6 8", "4l7"),  # letters for digits, and cued by "sđt"
        ("call me 09O5.22I.7I8", "22I"),
        ("mã OTP của em là 482913 ạ", "482913"),
        ("pass wifi nhà t: matkhau2468", "matkhau2468"),
        ("số CCCD của mẹ em là 001185012345", "001185012345"),
        ("ngày sinh của em 12/03/2013", "12/03/2013"),
        ("id zoom: 123 456 7890", "7890"),
    ],
)
def test_personal_data_in_new_spellings_is_masked(text: str, hidden: str) -> None:
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action != Action.ALLOW
    assert Category.PERSONAL_DATA in verdict.categories
    assert hidden not in verdict.text


def test_an_address_by_hamlet_and_commune_is_personal_data() -> None:
    verdict = check("tớ ở thôn 3 xã Tân Lập, nhà có cổng xanh", sender_role=Sender.STUDENT)
    assert Category.PERSONAL_DATA in verdict.categories


def test_a_url_spelt_with_spaces_is_a_link() -> None:
    found = scan("h t t p s : / / example . com / abc")
    assert [link.host for link in found.links] == ["example.com"]


@pytest.mark.parametrize(
    "text",
    [
        "stk: 0451000987654 MB Bank, nội dung: họ tên + lớp",
        "S T K: 1 9 0 3 4 4 5 5 6 6 chuyển gấp trong hôm nay",
        "nạp 50k nhận 500k, uy tín 100%",
        "đề kiểm tra giữa kì có đáp án, ck 30k qua m0m0",
    ],
)
def test_bank_accounts_and_pay_to_get_offers_are_scams(text: str) -> None:
    verdict = check(text, sender_role=Sender.STUDENT)
    assert Category.SCAM in verdict.categories, verdict.findings


def test_an_innocent_phrase_does_not_hide_harm_next_to_it() -> None:
    """The walnut exception covers the walnut only, not an insult in the same message."""
    verdict = check("hạt óc chó ngon, còn mày là đồ óc chó", sender_role=Sender.STUDENT)
    assert Category.HARASSMENT in verdict.categories
