"""Attendance over days for a class, a child's own record for the family, and
absence notices when the school wants them (TRK-1, TRK-2, FAM-2)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeclass.classes.tests.factories import accept_pending_rules, class_world
from safeclass.core.context import Actor
from safeclass.live import attendance, room, services
from safeclass.live.models import AttendanceStatus, LiveSettings, Presence
from safeclass.live.tests.services.test_room import enter, make_lesson, ready
from safeclass.notify.models import Notification

pytestmark = pytest.mark.django_db


def tell_parents_of_absences(school: Any) -> None:
    """The school turns absence notices on, as its settings page does (FAM-2)."""
    room.settings_update(
        actor=Actor.system(),
        school=school,
        lobby_minutes=10,
        late_after_minutes=5,
        admit_manually=False,
        notify_absence=True,
    )


def past_lesson(world: Any, hours_ago: float, minutes: int = 45) -> Any:
    start = timezone.now() - timedelta(hours=hours_ago)
    return services.session_create(
        actor=Actor.system(),
        school_class=world.school_class,
        teacher=world.homeroom,
        subject=None,
        title="Ôn tập",
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
    )


def was_there(session: Any, student: Any, connection: str) -> None:
    """A student who was in the lesson from its start to its end."""
    from safeclass.live.models import Participant

    participant = Participant.objects.create(
        session=session,
        user=student,
        role="student",
        state="admitted",
        display_name=student.full_name,
    )
    Presence.objects.create(
        participant=participant,
        connection=connection,
        joined_at=session.starts_at,
        left_at=session.ends_at,
        seen_at=session.ends_at,
    )


def test_a_class_over_days_and_its_spreadsheet() -> None:
    world = class_world(students=2)
    present, absent = world.students
    first = past_lesson(world, hours_ago=26)
    second = past_lesson(world, hours_ago=3)
    was_there(first, present, "c1")
    was_there(second, present, "c2")
    today = timezone.localdate()
    sessions, _roster, cells = attendance.class_range(
        world.school_class, today - timedelta(days=3), today
    )
    assert [s.pk for s in sessions] == [first.pk, second.pk]
    assert cells[(first.pk, present.pk)].status == AttendanceStatus.ON_TIME
    assert cells[(second.pk, absent.pk)].status == AttendanceStatus.ABSENT

    client = Client()
    client.force_login(world.homeroom)
    url = reverse("live:class_attendance", args=[world.school_class.pk])
    page = client.get(url, {"tu": (today - timedelta(days=3)).isoformat()})
    assert page.status_code == 200
    assert page.content.decode().count('class="att-absent"') == 2
    download = client.get(url, {"tu": (today - timedelta(days=3)).isoformat(), "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    absences = sorted(int(str(row[-2])) for row in rows[2:])  # absences per student
    assert absences == [0, 2]


def test_a_parent_sees_their_childs_attendance() -> None:
    world = class_world(students=1)
    child = world.students[0]
    parent = world.parents[0]
    accept_pending_rules(parent)
    lesson = past_lesson(world, hours_ago=2)
    was_there(lesson, child, "p1")
    client = Client()
    client.force_login(parent)
    page = client.get(reverse("portal:student_detail", args=[child.pk]))
    assert page.status_code == 200
    assert 'data-status="on_time"' in page.content.decode()


def test_parents_of_absent_students_are_told_once_when_the_school_wants_it() -> None:
    world = class_world(students=2)
    present, absent = world.students
    lesson = past_lesson(world, hours_ago=1)
    was_there(lesson, present, "n1")
    # Off by default: nothing is sent.
    assert attendance.notify_absences(lesson) == 0
    assert not Notification.objects.filter(kind="live.absence").exists()
    tell_parents_of_absences(world.school)
    from safeclass.live.models import RoomControls

    RoomControls.objects.filter(session=lesson).update(absences_notified_at=None)
    assert attendance.notify_absences(lesson) == 1
    told = Notification.objects.filter(kind="live.absence")
    assert [n.recipient_id for n in told] == [world.parents[1].pk]
    assert absent.full_name in told[0].body
    assert attendance.notify_absences(lesson) == 0  # once per lesson
    assert told.count() == 1


def test_live_close_ends_intervals_no_server_closed_and_sends_notices() -> None:
    planned = make_lesson(students=1)
    lesson = planned.session
    student = ready(planned.world.students[0])
    assert enter(planned, student).admitted
    attendance.connect(session_id=lesson.pk, user=student, connection="dead")
    later = lesson.ends_at + timedelta(minutes=10)
    closed, handled = attendance.close_ended(now=later)
    assert closed == 1 and handled >= 1
    presence = Presence.objects.get(connection="dead")
    assert presence.left_at is not None and presence.left_at <= lesson.ends_at
    assert attendance.close_ended(now=later)[0] == 0  # repeating changes nothing


def test_ending_the_lesson_sends_the_notices_at_once() -> None:
    world = class_world(students=1)
    tell_parents_of_absences(world.school)
    lesson = past_lesson(world, hours_ago=0.2)
    room.room_control(actor=Actor(user=world.homeroom), session_id=lesson.pk, action="end")
    assert Notification.objects.filter(kind="live.absence", recipient=world.parents[0]).exists()


def test_a_school_sets_its_live_lesson_rules_within_limits() -> None:
    from safeclass.audit.models import AuditEvent
    from safeclass.core.errors import ServiceError

    world = class_world(students=1)
    with pytest.raises(ServiceError):
        room.settings_update(
            actor=Actor(user=world.leader),
            school=world.school,
            lobby_minutes=5,  # ACC-6: at least 10 minutes early
            late_after_minutes=5,
            admit_manually=False,
            notify_absence=False,
        )
    assert not LiveSettings.objects.exists()
    room.settings_update(
        actor=Actor(user=world.leader),
        school=world.school,
        lobby_minutes=15,
        late_after_minutes=10,
        admit_manually=True,
        notify_absence=True,
    )
    stored = room.settings_of(world.school.pk)
    assert (stored.lobby_minutes, stored.late_after_minutes) == (15, 10)
    assert stored.admit_manually and stored.notify_absence
    assert AuditEvent.objects.filter(action="live.settings_update").exists()


@pytest.mark.django_db(transaction=True)
def test_the_run_commands_sweeper_closes_lessons_a_dead_server_left_open() -> None:
    """``safeclass run`` (what ``make run`` starts) does live-close every minute by itself."""
    import threading
    from io import StringIO

    from safeclass.core.management.commands.run import Command as RunCommand
    from safeclass.live.models import Participant

    world = class_world(students=1)
    tell_parents_of_absences(world.school)
    lesson = past_lesson(world, hours_ago=2)
    student = world.students[0]
    participant = Participant.objects.create(
        session=lesson, user=student, role="student", state="admitted", connection="dead"
    )
    seen = lesson.starts_at + timedelta(minutes=20)
    Presence.objects.create(
        participant=participant, connection="dead", joined_at=lesson.starts_at, seen_at=seen
    )
    stop = threading.Event()
    errors = StringIO()
    sweeper = threading.Thread(
        target=RunCommand(stderr=errors)._sweep_periodically, args=(stop, 0.05)
    )
    sweeper.start()
    try:
        presence = Presence.objects.get(connection="dead")
        for _ in range(200):
            presence.refresh_from_db()
            if presence.left_at is not None:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        sweeper.join(timeout=5)
    assert not sweeper.is_alive()
    assert presence.left_at == seen  # the last heartbeat, not the time of the sweep
    assert errors.getvalue() == ""
