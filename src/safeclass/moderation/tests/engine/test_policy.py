"""Who may post what: links (CLS-2), the school's allow-lists, and strangers (ACC-5, INC-1)."""

from __future__ import annotations

import pytest

from safeclass.moderation.engine import DEFAULT_POLICY, Action, Category, Policy, Sender, check
from safeclass.moderation.engine.detect import find_links
from safeclass.moderation.engine.normalize import base

LINKS = [
    "https://example.com/abc",
    "http://example.org",
    "www.example.com",
    "example.com",
    "xem ở example.com nhé",
    "vào web abc.xyz nhé",
    "bit.ly/abc123",
    "example[.]com",
    "example(dot)com",
    "hxxp://evil.example.org",
    "192.168.1.1:8080",
    "http://10.0.0.5/login",
]


# --- links (CLS-2) ------------------------------------------------------------------------


@pytest.mark.parametrize("text", LINKS)
def test_a_link_from_a_student_is_held_for_the_teacher(text: str) -> None:
    """CLS-2: no strange links reach the class until a teacher has looked."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action == Action.HOLD
    assert verdict.categories == (Category.LINK,)
    (reason,) = verdict.reasons
    assert reason.category == Category.LINK
    # A child posting a link is not misbehaving.
    assert not verdict.strike
    assert not verdict.report


@pytest.mark.parametrize("text", LINKS)
def test_a_link_from_a_teacher_is_allowed(text: str) -> None:
    """CLS-2: teachers share material; their links go straight through."""
    verdict = check(text, sender_role=Sender.TEACHER)
    assert verdict.action == Action.ALLOW
    assert verdict.reasons == ()
    assert verdict.text == text
    assert not verdict.strike


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("https://www.example.com/abc?x=1", "example.com"),
        ("http://evil.example.org", "evil.example.org"),
        ("bit.ly/abc123", "bit.ly"),
        ("192.168.1.1:8080/admin", "192.168.1.1"),
        ("https://olm.vn@evil.com/x", "evil.com"),  # the part before @ is not the host
    ],
)
def test_find_links_reports_the_host(text: str, host: str) -> None:
    found = find_links(base(text))
    assert [link.host for link in found] == [host]


@pytest.mark.parametrize("text", ["T.Anh", "Q.1", "v.v.", "TP.HCM", "baitap.docx", "2.5 + 3.5"])
def test_dotted_abbreviations_and_file_names_are_not_links(text: str) -> None:
    """CLS-2 without false alarms."""
    assert find_links(base(text)) == []


# --- the school's allow-lists ------------------------------------------------------------

OLM = Policy(allowed_domains=frozenset({"olm.vn"}))


@pytest.mark.parametrize(
    "text",
    [
        "olm.vn",
        "https://olm.vn/bai-tap/123",
        "www.olm.vn",
        "OLM.VN/abc",
        "hoc.olm.vn",  # subdomains are included
        "https://hoc.olm.vn/x",
        "làm bài trên olm[.]vn nhé",
    ],
)
def test_a_link_to_an_allowed_domain_is_allowed_for_a_student(text: str) -> None:
    """CLS-2: the school's own sites are not strange."""
    verdict = check(text, sender_role=Sender.STUDENT, policy=OLM)
    assert verdict.action == Action.ALLOW
    assert verdict.categories == ()


@pytest.mark.parametrize(
    "text",
    [
        "olm.vn.evil.com",
        "https://olm.vn.evil.com/x",
        "evil-olm.vn",
        "evilolm.vn",
        "https://olm.vn@evil.com/x",
    ],
)
def test_look_alike_domains_are_not_allowed(text: str) -> None:
    """CLS-2: only the domain itself and its subdomains are trusted."""
    verdict = check(text, sender_role=Sender.STUDENT, policy=OLM)
    assert verdict.action == Action.HOLD
    assert Category.LINK in verdict.categories


def test_an_allowed_link_does_not_excuse_another_one() -> None:
    verdict = check("olm.vn và example.com", sender_role=Sender.STUDENT, policy=OLM)
    assert verdict.action == Action.HOLD
    assert [finding.evidence for finding in verdict.findings] == ["example.com"]


SCHOOL_OFFICE = Policy(allowed_phones=frozenset({"02438261234"}))


@pytest.mark.parametrize(
    "text",
    ["02438261234", "gọi trường 024 3826 1234 nhé", "+84 24 3826 1234", "024.3826.1234"],
)
@pytest.mark.parametrize("sender", list(Sender))
def test_the_schools_own_phone_number_goes_through(text: str, sender: Sender) -> None:
    """CLS-1: the school's office number is not a child's personal data."""
    verdict = check(text, sender_role=sender, policy=SCHOOL_OFFICE)
    assert verdict.action == Action.ALLOW
    assert verdict.text == text


def test_other_numbers_are_still_masked_under_an_allow_list() -> None:
    """CLS-1."""
    verdict = check("gọi 02438261234 hoặc 0912345678", policy=SCHOOL_OFFICE)
    assert verdict.action == Action.MASK
    assert verdict.text == "gọi 02438261234 hoặc **********"


def test_allowed_phones_may_be_given_in_international_form() -> None:
    policy = Policy(allowed_phones=frozenset({"84912345678"}))
    assert check("0912 345 678", policy=policy).action == Action.ALLOW


# --- per-school actions -------------------------------------------------------------------


def test_a_school_can_let_students_post_links() -> None:
    """CLS-2 is the default; a school may relax it for its students."""
    relaxed = DEFAULT_POLICY.with_actions({(Sender.STUDENT, Category.LINK): Action.ALLOW})
    assert check("example.com", sender_role=Sender.STUDENT, policy=relaxed).action == Action.ALLOW
    # The default policy is untouched, and guests are still kept out (ACC-5).
    assert check("example.com", sender_role=Sender.STUDENT).action == Action.HOLD
    assert check("example.com", sender_role=Sender.GUEST, policy=relaxed).action == Action.BLOCK


def test_a_school_can_make_profanity_stricter() -> None:
    strict = DEFAULT_POLICY.with_actions({(Sender.STUDENT, Category.PROFANITY): Action.BLOCK})
    verdict = check("bài này khó vl", policy=strict)
    assert verdict.action == Action.BLOCK
    assert verdict.text == "bài này khó vl"  # not masked: not shown at all
    (reason,) = verdict.reasons
    assert "not sent" in reason.en


def test_with_actions_keeps_earlier_changes_and_other_settings() -> None:
    policy = Policy(allowed_domains=frozenset({"olm.vn"}), mute_after=5)
    changed = policy.with_actions({(Sender.STUDENT, Category.LINK): Action.MASK}).with_actions(
        {(Sender.TEACHER, Category.LINK): Action.HOLD}
    )
    assert changed.action(Sender.STUDENT, Category.LINK) == Action.MASK
    assert changed.action(Sender.TEACHER, Category.LINK) == Action.HOLD
    assert changed.allowed_domains == frozenset({"olm.vn"})
    assert changed.mute_after == 5
    assert policy.action(Sender.STUDENT, Category.LINK) == Action.HOLD


def test_a_masked_link_hides_the_link_only() -> None:
    policy = DEFAULT_POLICY.with_actions({(Sender.STUDENT, Category.LINK): Action.MASK})
    verdict = check("xem ở example.com nhé", policy=policy)
    assert verdict.action == Action.MASK
    assert verdict.text == "xem ở *********** nhé"


@pytest.mark.parametrize("role", ["teacher", " Teacher ", "TEACHER", Sender.TEACHER])
def test_the_sender_role_may_be_given_as_text(role: str | Sender) -> None:
    assert check("example.com", sender_role=role).action == Action.ALLOW


def test_an_unknown_sender_role_is_refused() -> None:
    with pytest.raises(ValueError, match="parent"):
        check("xin chào", sender_role="parent")


# --- strangers (ACC-5, INC-1) ---------------------------------------------------------

HARMFUL = [
    ("đm", Category.PROFANITY),
    ("mày ngu quá", Category.HARASSMENT),
    ("tao giết mày", Category.VIOLENCE),
    ("example.com", Category.LINK),
    ("0987654321", Category.PERSONAL_DATA),
    ("gửi mã otp", Category.SCAM),
    ("how old are you", Category.GROOMING),
    ("send nudes", Category.SEXUAL),
]


@pytest.mark.parametrize(("text", "category"), HARMFUL)
@pytest.mark.parametrize(
    "sender",
    [
        {"sender_role": Sender.GUEST},
        {"sender_role": "guest"},
        {"sender_role": Sender.STUDENT, "on_roster": False},
    ],
    ids=["guest", "guest-as-text", "student-off-roster"],
)
def test_anything_harmful_from_someone_not_on_the_roster_is_blocked_and_reported(
    text: str, category: Category, sender: dict[str, object]
) -> None:
    """ACC-5 (strangers are treated more strictly) and INC-1 (reported at once)."""
    verdict = check(text, **sender)  # type: ignore[arg-type]
    assert verdict.action == Action.BLOCK
    assert category in verdict.categories
    assert verdict.report
    assert verdict.text == text  # blocked, not masked


@pytest.mark.parametrize(("text", "category"), HARMFUL[:6])
def test_the_same_messages_from_a_classmate_are_not_reported(text: str, category: Category) -> None:
    """INC-1: classmates' ordinary misbehaviour is handled in class, not as an incident."""
    verdict = check(text, sender_role=Sender.STUDENT)
    assert verdict.action in {Action.MASK, Action.HOLD, Action.BLOCK}
    assert category in verdict.categories
    assert not verdict.report


@pytest.mark.parametrize(
    "sender",
    [{"sender_role": Sender.GUEST}, {"sender_role": Sender.STUDENT, "on_roster": False}],
    ids=["guest", "student-off-roster"],
)
def test_an_innocent_message_from_a_guest_goes_through(sender: dict[str, object]) -> None:
    verdict = check("xin chào các em, cô là mẹ bạn Lan", **sender)  # type: ignore[arg-type]
    assert verdict.action == Action.ALLOW
    assert not verdict.report


def test_a_school_may_let_guests_post_its_own_site() -> None:
    """ACC-5 stays strict for strange links while the school's own site is allowed."""
    assert check("olm.vn/bai-1", sender_role=Sender.GUEST, policy=OLM).action == Action.ALLOW
    assert check("example.com", sender_role=Sender.GUEST, policy=OLM).action == Action.BLOCK


def test_threads_share_one_build_of_the_automata() -> None:
    """Several socket threads checking their first messages at once build the lexicons once."""
    from concurrent.futures import ThreadPoolExecutor

    from safeclass.moderation.engine import lexicon

    with ThreadPoolExecutor(max_workers=4) as pool:
        built = list(pool.map(lambda _n: lexicon.automata(), range(8)))
    assert all(machine is built[0] for machine in built)
