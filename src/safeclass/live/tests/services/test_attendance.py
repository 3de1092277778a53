"""Attendance from connection intervals (TRK-1) and one connection per account (ACC-4)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from safeclass.audit.models import AuditEvent
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, ServiceError
from safeclass.live import attendance, room
from safeclass.live.exports import attendance_xlsx
from safeclass.live.models import AttendanceStatus, Presence, RoomEvent
from safeclass.live.tests.services.test_room import enter, make_lesson, ready

START = datetime(2026, 12, 2, 7, 30, tzinfo=timezone.get_fixed_timezone(7 * 60))
END = START + timedelta(minutes=45)
LATE_AFTER = timedelta(minutes=5)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def status(intervals: list[tuple[float, float | None]], now: float = 60) -> tuple[str, int]:
    found, _first, _last, minutes = attendance.status_of(
        [(at(a), at(b) if b is not None else None) for a, b in intervals],
        starts_at=START,
        ends_at=END,
        late_after=LATE_AFTER,
        now=at(now),
    )
    return found, minutes


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([], (AttendanceStatus.ABSENT, 0)),
        ([(-8, 45)], (AttendanceStatus.ON_TIME, 45)),  # the lobby counts from the start
        ([(3, 45)], (AttendanceStatus.ON_TIME, 42)),  # within the grace period
        ([(12, 45)], (AttendanceStatus.LATE, 33)),
        ([(-2, 20)], (AttendanceStatus.LEFT_EARLY, 20)),
        ([(-2, 20), (22, 45)], (AttendanceStatus.ON_TIME, 43)),  # a dropped connection
        ([(-2, 20), (10, 30)], (AttendanceStatus.LEFT_EARLY, 30)),  # overlapping devices
        ([(0, None)], (AttendanceStatus.ON_TIME, 45)),  # still connected at the end
    ],
)
def test_status_from_intervals(
    intervals: list[tuple[float, float | None]], expected: tuple[str, int]
) -> None:
    assert status(intervals) == expected


def test_during_the_lesson_nobody_has_left_early_yet() -> None:
    assert status([(-2, 10)], now=20)[0] == AttendanceStatus.ON_TIME


pytestmark = pytest.mark.django_db


def test_connections_make_the_sheet_and_a_second_device_takes_over() -> None:
    lesson = make_lesson(minutes_from_now=5, students=3)
    first, second, _absent = (ready(s) for s in lesson.world.students)
    for student in (first, second):
        assert enter(lesson, student).admitted
    assert attendance.connect(session_id=lesson.session.pk, user=first, connection="a1")
    assert attendance.connect(session_id=lesson.session.pk, user=second, connection="b1")
    # The same account on another device: the first connection's interval ends.
    joined = attendance.connect(session_id=lesson.session.pk, user=first, connection="a2")
    assert joined is not None
    assert Presence.objects.get(connection="a1").left_at is not None
    assert RoomEvent.objects.filter(session=lesson.session, kind="takeover").count() == 1
    attendance.disconnect(connection="b1")
    lines = {line.student.pk: line for line in attendance.sheet(lesson.session)}
    assert lines[first.pk].first_in is not None
    assert lines[second.pk].last_out is not None
    assert lines[_absent.pk].status == AttendanceStatus.ABSENT
    assert [line.roster_no for line in attendance.sheet(lesson.session)] == [1, 2, 3]


def test_repeated_takeovers_are_a_shared_account_security_event() -> None:
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    enter(lesson, student)
    for n in range(room.SHARED_ACCOUNT_TAKEOVERS + 2):
        attendance.connect(session_id=lesson.session.pk, user=student, connection=f"c{n}")
    assert AuditEvent.objects.filter(action="security.shared_account_suspected").count() == 1


def test_waiting_or_unknown_people_get_no_connection() -> None:
    lesson = make_lesson()
    student = lesson.world.students[0]
    student.activated_at = None
    student.save(update_fields=["activated_at"])
    enter(lesson, student)  # waits
    assert attendance.connect(session_id=lesson.session.pk, user=student, connection="x") is None
    other = lesson.world.students[1]  # never came to the room
    assert attendance.connect(session_id=lesson.session.pk, user=other, connection="y") is None
    assert not Presence.objects.exists()


def test_a_teacher_corrects_a_status_with_a_reason_and_it_is_audited() -> None:
    lesson = make_lesson()
    student = lesson.world.students[0]
    with pytest.raises(ServiceError):
        attendance.correct(
            actor=Actor(user=lesson.teacher),
            session_id=lesson.session.pk,
            student_id=student.pk,
            status=AttendanceStatus.EXCUSED,
            reason="   ",
        )
    with pytest.raises(Forbidden):
        attendance.correct(
            actor=Actor(user=lesson.world.students[1]),
            session_id=lesson.session.pk,
            student_id=student.pk,
            status=AttendanceStatus.EXCUSED,
            reason="Ốm",
        )
    attendance.correct(
        actor=Actor(user=lesson.teacher),
        session_id=lesson.session.pk,
        student_id=student.pk,
        status=AttendanceStatus.EXCUSED,
        reason="Mẹ em báo ốm",
    )
    line = next(x for x in attendance.sheet(lesson.session) if x.student.pk == student.pk)
    assert line.status == AttendanceStatus.EXCUSED and line.computed == AttendanceStatus.ABSENT
    assert AuditEvent.objects.filter(action="live.attendance_correct").exists()


def test_the_sheet_exports_to_a_spreadsheet() -> None:
    lesson = make_lesson(students=2)
    data = attendance_xlsx(lesson.session, attendance.sheet(lesson.session))
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[3][0] == 1 and rows[4][0] == 2
    assert all(row[2] for row in rows[3:5])  # a status for everyone
    assert len(book.worksheets) == 1


def test_a_connection_whose_server_died_ends_when_it_was_last_heard_from() -> None:
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    enter(lesson, student)
    attendance.connect(session_id=lesson.session.pk, user=student, connection="lost")
    start = lesson.session.starts_at
    Presence.objects.filter(connection="lost").update(
        joined_at=start - timedelta(minutes=1), seen_at=start + timedelta(minutes=10)
    )
    lines = attendance.sheet(lesson.session, now=lesson.session.ends_at + timedelta(minutes=1))
    line = next(x for x in lines if x.student.pk == student.pk)
    assert line.minutes == 10
    assert line.status == AttendanceStatus.LEFT_EARLY
    # A heartbeat keeps a live connection's interval open.
    Presence.objects.filter(connection="lost").update(seen_at=timezone.now() - timedelta(minutes=1))
    attendance.heartbeat(connection="lost")
    assert timezone.now() - Presence.objects.get(connection="lost").seen_at < timedelta(seconds=5)
