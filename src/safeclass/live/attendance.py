"""Attendance from the room's connections (TRK-1) and one connection per account (ACC-4).

Every live connection opens a :class:`Presence`; closing it (or the same
account connecting again elsewhere) closes it. Statuses are computed from
these intervals against the lesson's times and the school's grace period, and
a teacher may correct a status with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from safeclass.accounts import selectors as account_selectors
from safeclass.audit.services import audit_record
from safeclass.classes import selectors as class_selectors
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.live import events, room
from safeclass.live.models import (
    AttendanceCorrection,
    AttendanceStatus,
    Participant,
    ParticipantState,
    Presence,
    RoomRole,
    Session,
)
from safeclass.notify import services as notify_services

# Leaving this long before the end, and not coming back, is "left early".
LEFT_EARLY_MARGIN = timedelta(minutes=5)
# Clients send a heartbeat every 25 seconds; an open interval not heard from
# for this long ended (its server died) when it was last heard from.
HEARTBEAT_EVERY = timedelta(seconds=20)
SILENT_FOR = timedelta(seconds=60)


@dataclass(frozen=True)
class Joined:
    participant_id: int
    teacher: bool
    connection: str


@transaction.atomic
def connect(*, session_id: int, user: Any, connection: str) -> Joined | None:
    """A socket opens: admitted participants only. Takes over any other connection
    of the same account in this lesson (ACC-4)."""
    try:
        controls = events.controls_for_update(session_id)
    except NotFound:
        return None
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("session", "session__school_class")
        .filter(session_id=session_id, user=user)
        .first()
    )
    if participant is None or participant.state != ParticipantState.ADMITTED:
        return None
    session = participant.session
    phase = room.phase_of(session, controls, room.settings_of(session.school_class.school_id))
    if phase in {room.Phase.ENDED, room.Phase.CANCELLED, room.Phase.SCHEDULED}:
        return None
    now = timezone.now()
    previous = participant.connection
    if previous:
        closed = Presence.objects.filter(
            participant=participant, connection=previous, left_at__isnull=True
        ).update(left_at=now)
        if closed:
            participant.takeovers += 1
            events.emit(
                session,
                "takeover",
                {"participant": participant.pk, "name": participant.display_name},
                teachers_only=True,
                controls=controls,
                quiet=True,
            )
            if participant.takeovers == room.SHARED_ACCOUNT_TAKEOVERS:
                audit_record(
                    action="security.shared_account_suspected",
                    actor=Actor(user=user),
                    target=session,
                    unit_id=session.school_class.school_id,
                    data={"session": session.pk, "takeovers": participant.takeovers},
                )
        events.disconnect_member(session.pk, user.pk, reason="takeover", keep=connection)
    participant.connection = connection
    participant.save(update_fields=["connection", "takeovers"])
    Presence.objects.create(
        participant=participant, connection=connection, joined_at=now, seen_at=now
    )
    events.emit(
        session, "participant", events.participant_data(participant), controls=controls, quiet=True
    )
    return Joined(participant.pk, participant.role == RoomRole.TEACHER, connection)


@transaction.atomic
def disconnect(*, connection: str) -> None:
    """A socket closed: close its interval; the account is offline unless it connected again."""
    now = timezone.now()
    presence = (
        Presence.objects.select_related("participant")
        .filter(connection=connection, left_at__isnull=True)
        .first()
    )
    session_id = (
        presence.participant.session_id
        if presence is not None
        else Participant.objects.filter(connection=connection)
        .values_list("session_id", flat=True)
        .first()
    )
    if session_id is None:
        return
    controls = events.controls_for_update(session_id)
    if presence is not None:
        Presence.objects.filter(pk=presence.pk).update(left_at=now)
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("session")
        .filter(connection=connection)
        .first()
    )
    if participant is not None:
        participant.connection = ""
        participant.hand_raised_at = None
        participant.save(update_fields=["connection", "hand_raised_at"])
        events.emit(
            participant.session,
            "participant",
            events.participant_data(participant),
            controls=controls,
            quiet=True,
        )


def heartbeat(*, connection: str) -> None:
    """The client is still there (at most one write per ``HEARTBEAT_EVERY``)."""
    now = timezone.now()
    Presence.objects.filter(
        connection=connection, left_at__isnull=True, seen_at__lt=now - HEARTBEAT_EVERY
    ).update(seen_at=now)


@transaction.atomic
def hand(*, session_id: int, user: Any, up: bool) -> None:
    controls = events.controls_for_update(session_id)
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("session")
        .filter(session_id=session_id, user=user, state=ParticipantState.ADMITTED)
        .first()
    )
    if participant is None:
        raise Forbidden
    participant.hand_raised_at = timezone.now() if up else None
    participant.save(update_fields=["hand_raised_at"])
    events.emit(
        participant.session,
        "participant",
        events.participant_data(participant),
        controls=controls,
        quiet=True,
    )


# Reactions a participant can send: a fixed set, so nothing free-form bypasses moderation.
REACTIONS = ("👍", "👏", "❤️", "😂", "😮", "❓")


@transaction.atomic
def react(*, session_id: int, user: Any, emoji: object) -> None:
    if emoji not in REACTIONS:
        return
    participant = (
        Participant.objects.select_related("session")
        .filter(session_id=session_id, user=user, state=ParticipantState.ADMITTED)
        .first()
    )
    if participant is None:
        raise Forbidden
    controls = room.controls_of(participant.session)
    if participant.role != RoomRole.TEACHER and (controls.suspended or controls.chat_off):
        return
    events.emit(
        participant.session,
        "reaction",
        {"participant": participant.pk, "name": participant.display_name, "emoji": emoji},
        quiet=True,
    )


# --- computing attendance ----------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One student's attendance in one lesson."""

    student: Any
    roster_no: int
    display_name: str
    status: str
    computed: str  # before any correction
    first_in: datetime | None
    last_out: datetime | None
    minutes: int
    correction: AttendanceCorrection | None


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def status_of(
    intervals: list[tuple[datetime, datetime | None]],
    *,
    starts_at: datetime,
    ends_at: datetime,
    late_after: timedelta,
    now: datetime,
) -> tuple[str, datetime | None, datetime | None, int]:
    """(status, first in, last out, minutes present) from raw intervals.

    An interval still open counts up to ``now`` (or the end of the lesson).
    Time before the start (the lobby) counts as present from the start.
    """
    horizon = min(now, ends_at)
    closed = [(start, end if end is not None else max(start, horizon)) for start, end in intervals]
    if not closed:
        return AttendanceStatus.ABSENT, None, None, 0
    merged = _merged(closed)
    first_in = merged[0][0]
    last_out = merged[-1][1]
    seconds = sum(
        max(0.0, (min(end, ends_at) - max(start, starts_at)).total_seconds())
        for start, end in merged
    )
    minutes = int(seconds // 60)
    still_in = any(end is None for _start, end in intervals)
    if first_in > starts_at + late_after:
        status = AttendanceStatus.LATE
    elif (
        not still_in
        and now >= ends_at - LEFT_EARLY_MARGIN
        and last_out < ends_at - LEFT_EARLY_MARGIN
    ):
        status = AttendanceStatus.LEFT_EARLY
    else:
        status = AttendanceStatus.ON_TIME
    return status, first_in, last_out, minutes


def sheet(session: Session, now: datetime | None = None) -> list[Line]:
    """Every enrolled student's attendance in one lesson, in roster order."""
    now = now or timezone.now()
    live_settings = room.settings_of(session.school_class.school_id)
    late_after = timedelta(minutes=live_settings.late_after_minutes)
    roster = list(class_selectors.class_roster(session.school_class))
    names = {
        entry.enrollment.pk: entry.display_name
        for entry in class_selectors.display_names(session.school_class, roster)
    }
    intervals: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for presence in Presence.objects.filter(
        participant__session=session, participant__role=RoomRole.STUDENT
    ).values("participant__user_id", "joined_at", "left_at", "seen_at"):
        left_at = presence["left_at"]
        seen_at = presence["seen_at"]
        if left_at is None and seen_at is not None and now - seen_at > SILENT_FOR:
            left_at = seen_at  # its server died: it lasted until last heard from
        intervals.setdefault(presence["participant__user_id"], []).append(
            (presence["joined_at"], left_at)
        )
    corrections = {
        c.student_id: c
        for c in AttendanceCorrection.objects.filter(session=session).select_related("corrected_by")
    }
    lines = []
    for enrollment in roster:
        computed, first_in, last_out, minutes = status_of(
            intervals.get(enrollment.student_id, []),
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            late_after=late_after,
            now=now,
        )
        correction = corrections.get(enrollment.student_id)
        lines.append(
            Line(
                student=enrollment.student,
                roster_no=enrollment.roster_no,
                display_name=names.get(enrollment.pk, enrollment.student.full_name),
                status=correction.status if correction else computed,
                computed=computed,
                first_in=first_in,
                last_out=last_out,
                minutes=minutes,
                correction=correction,
            )
        )
    return lines


@transaction.atomic
def correct(
    *, actor: Actor, session_id: int, student_id: int, status: str, reason: str
) -> AttendanceCorrection:
    """A teacher of the class corrects one student's status, with a reason (audited)."""
    user = account_selectors.acting_user(actor)
    session = Session.objects.select_related("school_class").filter(pk=session_id).first()
    if session is None or user is None:
        raise NotFound
    if not room.teaches(session, user):
        raise Forbidden
    if status not in AttendanceStatus.values:
        raise ServiceError(_("Choose an attendance status."), field="status")
    reason = " ".join(reason.split())
    if not reason:
        raise ServiceError(_("Say why the status is corrected."), field="reason")
    if len(reason) > 300:
        raise ServiceError(_("The reason can be at most 300 characters."), field="reason")
    enrollment = (
        class_selectors.class_roster(session.school_class).filter(student_id=student_id).first()
    )
    if enrollment is None:
        raise NotFound
    correction, _created = AttendanceCorrection.objects.update_or_create(
        session=session,
        student_id=student_id,
        defaults={"status": status, "reason": reason, "corrected_by": user},
    )
    audit_record(
        action="live.attendance_correct",
        actor=actor,
        target=session,
        unit_id=session.school_class.school_id,
        data={"session": session.pk, "student": student_id, "status": status},
    )
    return correction


# --- over time, for a class and for one child ----------------------------------------------


def _intervals_by_student(
    sessions: list[Session], now: datetime
) -> dict[tuple[int, int], list[tuple[datetime, datetime | None]]]:
    found: dict[tuple[int, int], list[tuple[datetime, datetime | None]]] = {}
    for presence in Presence.objects.filter(
        participant__session__in=sessions, participant__role=RoomRole.STUDENT
    ).values("participant__session_id", "participant__user_id", "joined_at", "left_at", "seen_at"):
        left_at = presence["left_at"]
        seen_at = presence["seen_at"]
        if left_at is None and seen_at is not None and now - seen_at > SILENT_FOR:
            left_at = seen_at
        key = (presence["participant__session_id"], presence["participant__user_id"])
        found.setdefault(key, []).append((presence["joined_at"], left_at))
    return found


@dataclass(frozen=True)
class Cell:
    session: Session
    status: str
    minutes: int
    corrected: bool

    @property
    def status_label(self) -> str:
        return str(AttendanceStatus(self.status).label)


def statuses(
    sessions: list[Session], student_ids: list[int], now: datetime | None = None
) -> dict[tuple[int, int], Cell]:
    """(session id, student id) → status, for lessons that have started."""
    now = now or timezone.now()
    started = [s for s in sessions if s.starts_at <= now and s.status != "cancelled"]
    if not started:
        return {}
    school_ids = {s.school_class.school_id for s in started}
    late = {
        school_id: timedelta(minutes=room.settings_of(school_id).late_after_minutes)
        for school_id in school_ids
    }
    intervals = _intervals_by_student(started, now)
    corrections = {
        (c.session_id, c.student_id): c
        for c in AttendanceCorrection.objects.filter(
            session__in=started, student_id__in=student_ids
        )
    }
    cells = {}
    for session in started:
        for student_id in student_ids:
            computed, _first, _last, minutes = status_of(
                intervals.get((session.pk, student_id), []),
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                late_after=late[session.school_class.school_id],
                now=now,
            )
            correction = corrections.get((session.pk, student_id))
            cells[(session.pk, student_id)] = Cell(
                session,
                correction.status if correction else computed,
                minutes,
                correction is not None,
            )
    return cells


def class_range(
    school_class: Any, first_day: date, last_day: date, now: datetime | None = None
) -> tuple[list[Session], list[Any], dict[tuple[int, int], Cell]]:
    """A class's lessons in a date range, its roster, and every student's status in each."""
    sessions = list(
        Session.objects.filter(
            school_class=school_class,
            starts_at__date__gte=first_day,
            starts_at__date__lte=last_day,
        )
        .exclude(status="cancelled")
        .select_related("school_class", "subject")
        .order_by("starts_at")
    )
    roster = class_selectors.display_names(
        school_class, list(class_selectors.class_roster(school_class))
    )
    cells = statuses(sessions, [entry.enrollment.student_id for entry in roster], now)
    return sessions, roster, cells


def child_history(student: Any, days: int = 30, now: datetime | None = None) -> list[Cell]:
    """One child's attendance in the lessons of the last ``days`` days, newest first (FAM-2)."""
    now = now or timezone.now()
    class_ids = [e.school_class_id for e in class_selectors.enrollments_of_students([student.pk])]
    sessions = list(
        Session.objects.filter(
            school_class_id__in=class_ids,
            starts_at__gte=now - timedelta(days=days),
            starts_at__lte=now,
        )
        .exclude(status="cancelled")
        .select_related("school_class", "subject")
        .order_by("-starts_at")
    )
    cells = statuses(sessions, [student.pk], now)
    return [cells[(s.pk, student.pk)] for s in sessions if (s.pk, student.pk) in cells]


@transaction.atomic
def notify_absences(session: Session, now: datetime | None = None) -> int:
    """Tell the verified parents of each absent student, once, if the school wants it (FAM-2).

    Returns the number of students reported. Runs when the teacher ends the
    lesson and from ``safeclass live-close`` for lessons that simply ran out.
    """
    now = now or timezone.now()
    controls = events.controls_for_update(session.pk)
    if controls.absences_notified_at is not None:
        return 0
    if not room.settings_of(session.school_class.school_id).notify_absence:
        return 0
    controls.absences_notified_at = now
    controls.save(update_fields=["absences_notified_at"])
    absent = [line for line in sheet(session, now) if line.status == AttendanceStatus.ABSENT]
    when = timezone.localtime(session.starts_at)
    for line in absent:
        parents = [
            link.parent for link in account_selectors.guardians_of(line.student) if link.verified
        ]
        notify_services.notify(
            recipients=parents,
            kind="live.absence",
            subject=gettext_noop("Absent from a lesson"),
            body=gettext_noop(
                "%(name)s did not come to the %(class)s lesson of %(time)s. If you already told "
                "the school, there is nothing to do."
            ),
            params={
                "name": line.student.full_name,
                "class": session.school_class.name,
                "time": when.strftime("%H:%M %d/%m/%Y"),
            },
            url=reverse("portal:student_detail", args=[line.student.pk]),
        )
    return len(absent)


def close_ended(now: datetime | None = None, days: int = 2) -> tuple[int, int]:
    """After lessons end: close intervals nobody closed (a server died) and send the
    absence notices. Returns (intervals closed, lessons handled). Safe to repeat."""
    now = now or timezone.now()
    ended = list(
        Session.objects.filter(ends_at__lte=now, ends_at__gte=now - timedelta(days=days))
        .exclude(status="cancelled")
        .select_related("school_class")
    )
    closed = 0
    for presence in Presence.objects.filter(
        participant__session__in=ended, left_at__isnull=True
    ).select_related("participant__session"):
        ends_at = presence.participant.session.ends_at
        presence.left_at = min(presence.seen_at or ends_at, ends_at)
        presence.save(update_fields=["left_at"])
        closed += 1
    for session in ended:
        notify_absences(session, now)
    return closed, len(ended)
