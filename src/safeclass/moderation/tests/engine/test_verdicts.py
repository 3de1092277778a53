"""Verdicts for chat messages under the default policy.

CLS-1 (no personal data to strangers), CLS-3 (orderly chat: profanity,
harassment, bullying), INC-1 (sexual and grooming content is reported at once)
and SPC-3 (the self-harm reason gives the 111 hotline).
"""

from __future__ import annotations

import pytest

from safeclass.moderation.engine import Action, Category, Sender, check

# --- innocent messages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "cac ban oi mo sach trang 12",  # the first acceptance example
        "Em chào cô ạ 😊",
        "các bạn",
        "đeo khẩu trang",
        "deo khau trang",
        "con chim non",
        "đụng vào bàn",
        "Scunthorpe",
        "classic assignment",
        "kết quả là 1234567",
        "3 x 4 = 12",
        "trang 12.",
        "T.Anh",
        "Q.1",
        "v.v.",
        "TP.HCM",
        "U.S.A.",
        "baitap.docx",
        "ví dụ: 2.5 + 3.5 = 6",
        "năm 2024, 7:30 sáng",
        "gọi 113 nhé",
        "Hôm nay lớp mình học về tục ngữ",
        "gửi ảnh bài tập cho cô nhé",
        "các em nhớ không chia sẻ mật khẩu cho ai nhé",
    ],
)
@pytest.mark.parametrize("sender", list(Sender))
def test_innocent_messages_and_look_alikes_are_allowed(text: str, sender: Sender) -> None:
    """CLS-3 without false alarms: unaccented Vietnamese, Scunthorpe words, numbers, dots."""
    verdict = check(text, sender_role=sender)
    assert verdict.action == Action.ALLOW
    assert verdict.allowed
    assert verdict.categories == ()
    assert verdict.reasons == ()
    assert verdict.text == text
    assert not (verdict.report or verdict.counsellor or verdict.strike)


def test_the_default_sender_is_a_student_on_the_roster() -> None:
    assert check("d.m may").action == check("d.m may", sender_role=Sender.STUDENT).action
    assert check("d.m may").action == Action.MASK


# --- profanity (CLS-3) -----------------------------------------------------------------------


def test_a_disguised_swear_word_is_not_allowed() -> None:
    """CLS-3: the issue's example ``d.m may``."""
    verdict = check("d.m may", sender_role="student")
    assert verdict.action != Action.ALLOW
    assert "profanity" in [str(category) for category in verdict.categories]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("cặc", "***"),
        ("l0n", "***"),  # leetspeak
        ("ｆｕｃｋ", "****"),  # full-width
        ("fu\u200bck", "*****"),  # zero-width space inside
        ("đmmmm", "*****"),  # repeated letters
        ("f*ck", "****"),  # a star for a letter
        ("\u0455h\u0456t", "****"),  # Cyrillic look-alikes
        ("ĐỊT", "***"),  # capitals
        ("bài này khó vãi l0n luôn", "bài này khó *** *** luôn"),  # "vãi lồn" is one phrase
        ("hôm nay ｆｕｃｋ thật", "hôm nay **** thật"),
        ("what the fu\u200bck man", "what the ***** man"),
        ("trời ơi đmmmm lag quá", "trời ơi ***** lag quá"),
        ("oh f*ck quên bài", "oh **** quên bài"),
        ("đồ cặc, trả bút đây", "đồ ***, trả bút đây"),
        ("thôi đ.m, lại sai", "thôi ***, lại sai"),
        ("f-u-c-k bài này", "******* bài này"),
        ("đ ị t lag quá", "* * * lag quá"),  # spaces stay spaces
        ("bài này khó vl", "bài này khó **"),
    ],
)
def test_profanity_from_a_student_is_masked_and_the_rest_kept(text: str, shown: str) -> None:
    """CLS-3: disguised swear words are caught; only the word is hidden."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.MASK
    assert verdict.categories == (Category.PROFANITY,)
    assert verdict.text == shown
    assert len(verdict.text) == len(text)
    assert verdict.strike
    assert not verdict.report
    assert not verdict.counsellor
    (reason,) = verdict.reasons
    assert reason.category == Category.PROFANITY
    assert "hidden" in reason.en


def test_masked_spans_point_into_the_text_as_typed() -> None:
    verdict = check("hôm nay ｆｕｃｋ thật")
    (finding,) = verdict.findings
    assert finding.category == "profanity"
    assert (finding.start, finding.end) == (8, 12)
    spans = verdict.as_dict()["spans"]
    assert spans == [
        {"category": "profanity", "start": 8, "end": 12, "evidence": "fuck"},
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("fuck this, fuck that", "**** this, **** that"),
        ("đm đm đm", "** ** **"),
        ("vl bài khó vl", "** bài khó **"),
    ],
)
def test_every_occurrence_of_a_swear_word_is_masked(text: str, shown: str) -> None:
    """CLS-3: masking hides the word wherever it appears, not only the first time."""
    verdict = check(text)
    assert verdict.action == Action.MASK
    assert verdict.text == shown


@pytest.mark.parametrize("text", ["what the fu\u00adck", "sh\u0131t", "bi\u00adtch"])
def test_a_soft_hyphen_or_latin_look_alike_does_not_hide_a_swear_word(text: str) -> None:
    """CLS-3: invisible and look-alike characters are undone before matching."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.MASK
    assert verdict.categories == (Category.PROFANITY,)


# --- harassment and violence (CLS-3) -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("mày ngu quá", Category.HARASSMENT),
        ("nobody likes you", Category.HARASSMENT),
        ("tao giết mày", Category.VIOLENCE),
        ("i'll kill you", Category.VIOLENCE),
    ],
)
def test_bullying_and_threats_are_held_for_the_teacher(text: str, category: Category) -> None:
    """CLS-3: held, counted as a strike, not reported (a classmate on the roster)."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.HOLD
    assert verdict.categories == (category,)
    assert verdict.strike
    assert not verdict.report
    assert verdict.text == text


# --- grooming and sexual content (INC-1) -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # age
        "em năm nay mấy tuổi rồi",
        "how old are you",
        # home alone
        "em đang ở nhà một mình à",
        "are you home alone",
        # moving the chat to another app
        "kết bạn zalo anh nhé",
        "add me on snapchat",
        # photos for an adult
        "gửi ảnh cho anh xem nào",
        "send me a pic",
        # gifts
        "anh tặng em kim cương free fire nhé",
        "i'll buy you robux",
        # secrecy
        "đừng nói với bố mẹ nhé",
        "don't tell your parents",
        "our little secret",
    ],
)
@pytest.mark.parametrize("sender", list(Sender))
def test_grooming_is_blocked_and_reported_whoever_sends_it(text: str, sender: Sender) -> None:
    """INC-1: grooming from anyone, a teacher included, opens an incident at once."""
    verdict = check(text, sender_role=sender)
    assert verdict.action == Action.BLOCK
    assert Category.GROOMING in verdict.categories
    assert verdict.report
    assert verdict.strike
    assert not verdict.counsellor


@pytest.mark.parametrize("text", ["send nudes", "nudes", "địt nhau"])
@pytest.mark.parametrize("sender", list(Sender))
def test_sexual_content_is_blocked_and_reported_whoever_sends_it(text: str, sender: Sender) -> None:
    """INC-1: sexual content from anyone is reported at once."""
    verdict = check(text, sender_role=sender)
    assert verdict.action == Action.BLOCK
    assert Category.SEXUAL in verdict.categories
    assert verdict.report


# --- self-harm (SPC-3) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "em muốn chết",
        "mình muốn tự tử",
        "chán sống quá",
        "I want to kill myself",
        "nobody would miss me",
    ],
)
def test_self_harm_is_held_for_a_counsellor_with_the_hotline(text: str) -> None:
    """SPC-3: held for a caring adult, never a strike, and the reason gives 111."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.HOLD
    assert verdict.categories == (Category.SELF_HARM,)
    assert verdict.counsellor
    assert not verdict.strike
    assert not verdict.report
    (reason,) = verdict.reasons
    assert reason.category == Category.SELF_HARM
    assert "111" in reason.vi
    assert "111" in reason.en


def test_self_harm_is_held_not_blocked_even_from_a_guest() -> None:
    """SPC-3 and INC-1: a stranger's self-harm message reaches a counsellor and is reported."""
    verdict = check("em muốn chết", sender_role=Sender.GUEST)
    assert verdict.action == Action.HOLD
    assert verdict.counsellor
    assert verdict.report


# --- personal data (CLS-1) --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "không chín một hai ba bốn năm sáu bảy tám",
        "zero nine one two three four five six seven eight",
        "sdt tớ không chín một hai ba bốn năm sáu bảy tám nha",
    ],
)
def test_a_phone_number_spelt_in_words_is_personal_data(text: str) -> None:
    """CLS-1: the issue's examples of a number written out in Vietnamese or English."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.MASK
    assert verdict.categories == (Category.PERSONAL_DATA,)
    for word in ("chín", "nine", "tám", "eight"):
        assert word not in verdict.text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("0912345678", "**********"),
        ("gọi cho tớ 0912 345 678 nhé", "gọi cho tớ **** *** *** nhé"),
        ("zalo tớ: 0912345678 nha", "zalo tớ: ********** nha"),
        ("+84 912 345 678", "*** *** *** ***"),
        ("gọi 0912345678 hoặc 0987654321", "gọi ********** hoặc **********"),
        ("mail tớ lan.nguyen@example.com nhé", "mail tớ ********************** nhé"),
    ],
)
def test_personal_data_from_a_student_is_masked(text: str, shown: str) -> None:
    """CLS-1: the number or address is hidden, the rest of the message goes through."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.MASK
    assert verdict.categories == (Category.PERSONAL_DATA,)
    assert verdict.text == shown
    assert not any(char.isdigit() for char in verdict.text)
    # Children who share their own details are protected, not punished.
    assert not verdict.strike
    assert not verdict.report
    (reason,) = verdict.reasons
    assert "hidden" in reason.en


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mật khẩu là abc123", "abc123"),
        ("mật khẩu của tớ là abc123", "abc123"),
        ("my password is hunter22", "hunter22"),
        ("mã lớp là 7a2024", "7a2024"),
    ],
)
def test_a_password_or_class_code_is_masked(text: str, secret: str) -> None:
    """CLS-1: passwords and class codes must not reach the class."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.MASK
    assert Category.PERSONAL_DATA in verdict.categories
    assert secret not in verdict.text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mật khẩu zoom là abc123", "abc123"),
        ("mật khẩu lớp là hoc2024", "hoc2024"),
        ("pass lớp là hoc2024", "hoc2024"),
        ("id zoom: 123 456 7890", "7890"),
    ],
)
def test_a_qualified_password_or_meeting_id_is_masked(text: str, secret: str) -> None:
    """CLS-1: 'the zoom password is …' hides the password, not only the words before it."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.MASK
    assert secret not in verdict.text


def test_a_teacher_may_share_contact_details() -> None:
    """CLS-1: staff post the school's contacts; nothing is hidden."""
    verdict = check("gọi cho cô 0912345678 nhé", sender_role=Sender.TEACHER)
    assert verdict.action == Action.ALLOW
    assert verdict.text == "gọi cho cô 0912345678 nhé"
    assert verdict.reasons == ()
    assert not verdict.report


# --- scams -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the education authority asking for money
        "Sở Giáo dục thông báo: phụ huynh chuyển khoản 500.000đ phí xác nhận",
        "bộ giáo dục yêu cầu chuyển khoản 500k",
        "Ministry of Education: pay the fee to this bank account",
        # selling exam answers
        "bán đáp án đề thi cuối kì, 50k một bộ",
        "selling exam answers for 100k",
        # one-time codes
        "gửi mã otp cho mình nhé",
        "share your otp",
        # fake prizes
        "chúc mừng em trúng thưởng, bấm vào example.com",
    ],
)
def test_scams_are_blocked(text: str) -> None:
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.BLOCK
    assert Category.SCAM in verdict.categories
    assert verdict.strike
    reasons = {reason.category: reason for reason in verdict.reasons}
    assert "OTP" in reasons[Category.SCAM].en


def test_a_scam_from_a_teacher_account_is_held() -> None:
    """A teacher's account may be hijacked: the message waits for review rather than vanishing."""
    verdict = check("gửi mã otp cho cô nhé", sender_role=Sender.TEACHER)
    assert verdict.action == Action.HOLD
    assert verdict.categories == (Category.SCAM,)


# --- several findings -------------------------------------------------------------------


def test_the_most_severe_action_wins_and_every_reason_is_given() -> None:
    """CLS-2 and CLS-3: a swear word (mask) and a link (hold) → held, with both reasons."""
    verdict = check("đm example.com", sender_role=Sender.STUDENT)
    assert verdict.action == Action.HOLD
    assert verdict.categories == (Category.PROFANITY, Category.LINK)
    assert [reason.category for reason in verdict.reasons] == [Category.PROFANITY, Category.LINK]
    assert verdict.strike
    # Only a masked verdict changes the text.
    assert verdict.text == "đm example.com"


def test_as_dict_describes_the_verdict() -> None:
    verdict = check("zalo tớ: 0912345678 nha")
    described = verdict.as_dict()
    assert described["action"] == "mask"
    assert described["categories"] == ["personal_data"]
    assert described["text"] == "zalo tớ: ********** nha"
    assert described["report"] is False
    assert described["counsellor"] is False
    assert described["spans"] == [
        {"category": "personal_data", "start": 9, "end": 19, "evidence": "0912345678"},
    ]


def test_text_is_returned_in_nfc() -> None:
    decomposed = "ca\u0301c ba\u0323n"  # "các bạn" with combining marks
    verdict = check(decomposed)
    assert verdict.action == Action.ALLOW
    assert verdict.text == "các bạn"
