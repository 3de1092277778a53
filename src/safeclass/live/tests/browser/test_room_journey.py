"""In Chromium, six people in their own browsers: a teacher, three students, an
invited guest and a stranger (ACC-1, ACC-3, ACC-5, ACC-6, CLS-1…CLS-5, TRK-1).

The lobby lets two ready students in by themselves; an unverified one and the
guest wait for the teacher; the stranger is refused and the teacher sees it at
once; a moderated message reaches the class masked; a removed student cannot
come back; the suspend button stops student chat; the attendance sheet shows
who was there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from safeclass.accounts.tests.factories import PASSWORD, UserFactory
from safeclass.audit.models import AuditEvent
from safeclass.classes.tests.factories import accept_pending_rules, class_world
from safeclass.core.context import Actor
from safeclass.live import services
from safeclass.live.models import AttendanceStatus, ChatMessage, Participant

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/dang-nhap/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


def person(new_context: Any, base: str, username: str) -> Any:
    page = new_context().new_page()
    sign_in(page, base, username)
    return page


def connected(page: Any) -> None:
    page.wait_for_function(
        "() => document.getElementById('room-status')"
        " && document.getElementById('room-status').textContent.length > 0",
        timeout=WAIT,
    )


def say(page: Any, text: str) -> None:
    page.fill("#chat-text", text)
    page.click("#chat-form button[type=submit]")


def test_a_lesson_with_a_teacher_three_students_a_guest_and_a_stranger(
    live_server_url: str, new_context: Any
) -> None:
    base = live_server_url
    world = class_world(students=3)
    ready_1, ready_2, unverified = world.students
    for student in world.students:
        accept_pending_rules(student)
    unverified.activated_at = None
    unverified.save(update_fields=["activated_at"])
    inspector = UserFactory(username="thanh.tra.so", full_name="Phạm Thanh Tra")
    stranger = class_world(students=1).students[0]
    accept_pending_rules(stranger)  # a real student elsewhere, with nothing left to do
    start = timezone.now() + timedelta(minutes=5)
    lesson = services.session_create(
        actor=Actor.system(),
        school_class=world.school_class,
        teacher=world.homeroom,
        subject=None,
        title="Tiếng Việt",
        starts_at=start,
        ends_at=start + timedelta(minutes=40),
    )
    room_url = f"{base}/buoi-hoc/{lesson.pk}/phong/"

    # The teacher opens the room and invites the inspector by name.
    teacher = person(new_context, base, world.homeroom.username)
    teacher.goto(room_url)
    assert teacher.locator("[data-testid=room-phase]").get_attribute("data-phase") == "lobby"
    teacher.fill("#guest-username", "thanh.tra.so")
    teacher.click("form:has(#guest-username) button")
    teacher.wait_for_load_state()
    connected(teacher)

    # Two ready students come in by themselves, under their roster names.
    first = person(new_context, base, ready_1.username)
    first.goto(room_url)
    second = person(new_context, base, ready_2.username)
    second.goto(room_url)
    for page in (first, second):
        assert page.locator("#room").count() == 1
        connected(page)
    names = first.locator("[data-testid=participants] .participant-name").all_inner_texts()
    assert any(name.startswith("01 - ") for name in names)

    # The unverified student and the guest wait in the lobby.
    third = person(new_context, base, unverified.username)
    third.goto(room_url)
    guest = person(new_context, base, "thanh.tra.so")
    guest.goto(room_url)
    for page in (third, guest):
        assert page.locator("[data-testid=room-waiting]").count() == 1

    # A stranger with the lesson's address is refused, and the teacher sees it live.
    outsider = person(new_context, base, stranger.username)
    answer = outsider.goto(room_url)
    assert answer is not None and answer.status == 403
    assert (
        outsider.locator("[data-testid=room-refused]").get_attribute("data-refusal")
        == "not_allowed"
    )
    teacher.wait_for_selector(f"#security-events li:has-text('{stranger.full_name}')", timeout=WAIT)
    assert AuditEvent.objects.filter(action="security.live_entry_refused", actor=stranger).exists()

    # The teacher admits everyone waiting; their lobby pages, listening on the
    # lobby socket rather than asking every few seconds, take them in.
    for page in (third, guest):
        page.wait_for_selector("[data-testid=room-waiting][data-listening='1']", timeout=WAIT)
    teacher.reload()
    teacher.click("button[value=admit_all]")
    teacher.wait_for_load_state()
    for page in (third, guest):
        page.wait_for_selector("#room", timeout=WAIT)
        connected(page)
    guest_row = teacher.locator(
        f"[data-participant='{Participant.objects.get(user=inspector).pk}']"
    )
    assert (
        "not on roster" in guest_row.inner_text()
        or "không có trong danh sách" in guest_row.inner_text()
    )

    # The lesson starts; a message with a phone number reaches the class masked.
    teacher.click("button[value=start]")
    teacher.wait_for_load_state()
    connected(teacher)
    say(first, "số của tớ là 0912 345 678")
    shown = second.locator("#chat-log .chat-text", has_text="số của tớ là")
    shown.wait_for(timeout=WAIT)
    assert "0912" not in shown.inner_text()
    # An insult is held: the teacher sees it, the class does not.
    say(second, "Thằng Nam ngu như bò")
    teacher.wait_for_selector("#chat-log .chat-held", timeout=WAIT)
    assert first.locator("#chat-log", has_text="ngu như bò").count() == 0

    # The teacher removes the second student, who cannot come back.
    removed = Participant.objects.get(user=ready_2)
    teacher.reload()
    teacher.click(f"[data-participant='{removed.pk}'] [data-testid=remove]")
    teacher.wait_for_load_state()
    second.wait_for_function(
        "() => document.getElementById('room').getAttribute('data-closed') === 'removed'",
        timeout=WAIT,
    )
    answer = second.goto(room_url)
    assert answer is not None and answer.status == 403
    assert second.locator("[data-testid=room-refused]").get_attribute("data-refusal") == "removed"

    # Suspend: student chat stops at once; the teacher can still speak.
    teacher.click("[data-testid=suspend]")
    teacher.wait_for_load_state()
    connected(teacher)
    say(first, "alo alo")
    first.wait_for_selector("#chat-error:not(:empty)", timeout=WAIT)
    assert not ChatMessage.objects.filter(sender=ready_1, text="alo alo").exists()
    say(teacher, "Các em chờ cô một chút nhé")
    first.locator("#chat-log .chat-text", has_text="chờ cô một chút").wait_for(timeout=WAIT)

    # Attendance: everyone who came has a first arrival; nobody is absent.
    sheet = person(new_context, base, world.homeroom.username)
    sheet.goto(f"{base}/buoi-hoc/{lesson.pk}/diem-danh/")
    rows = sheet.locator("[data-testid=attendance] tbody tr")
    assert rows.count() == 3
    statuses = [rows.nth(i).get_attribute("data-status") for i in range(3)]
    assert statuses == [AttendanceStatus.ON_TIME] * 3


def test_a_pupil_who_came_too_early_is_taken_in_when_the_lobby_opens(
    live_server_url: str, new_context: Any, settings: Any
) -> None:
    """ACC-6: the lobby opens 10 minutes before the start; a pupil who came
    earlier keeps the page open and is let in then, without coming back."""
    from safeclass.live.tests.services.test_room import make_lesson, ready

    settings.SAFECLASS_LOBBY_SPREAD_SECONDS = 0  # no random spread in a test
    made = make_lesson(minutes_from_now=10 + 4 / 60, students=1)  # lobby in 4 s
    lesson, student = made.session, ready(made.world.students[0])
    page = person(new_context, live_server_url, student.username)
    page.goto(f"{live_server_url}/buoi-hoc/{lesson.pk}/phong/")
    assert page.locator("[data-refusal=too_early]").count() == 1
    page.wait_for_selector("#room", timeout=WAIT)
    assert Participant.objects.get(session=lesson, user=student).state == "admitted"
