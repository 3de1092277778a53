"""Reads about lessons, always through the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from safeclass.accounts.selectors import user_capabilities_at
from safeclass.classes import selectors as class_selectors
from safeclass.core import tokens
from safeclass.core.errors import Forbidden, NotFound
from safeclass.core.roles import Capability
from safeclass.live import events
from safeclass.live.models import (
    CalendarFeed,
    ChatMessage,
    ChatStatus,
    Material,
    MaterialView,
    Participant,
    ParticipantState,
    PeriodTime,
    RoomEvent,
    RoomRole,
    Session,
    WeeklySlot,
)
from safeclass.moderation.data import Sender

FEED_PURPOSE = "calendar_feed"


def periods_of(school_id: int) -> list[PeriodTime]:
    return list(PeriodTime.objects.filter(school_id=school_id).order_by("number"))


def slots_of(class_id: int, term_id: int) -> list[WeeklySlot]:
    return list(
        WeeklySlot.objects.filter(school_class_id=class_id, term_id=term_id).select_related(
            "period", "subject", "teacher"
        )
    )


def slot_in_class(*, class_id: int, slot_id: int) -> WeeklySlot:
    slot = WeeklySlot.objects.filter(pk=slot_id, school_class_id=class_id).first()
    if slot is None:
        raise NotFound
    return slot


def week_bounds(day: date) -> tuple[datetime, datetime]:
    monday = day - timedelta(days=day.isoweekday() - 1)
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(monday, time(0, 0)), zone)
    return start, start + timedelta(days=7)


def _visible_sessions(user: Any) -> QuerySet[Session]:
    """Sessions a person follows: taught, of classes they teach or attend, of their
    children's classes, and of schools where they see every student."""
    if not getattr(user, "is_authenticated", False):
        return Session.objects.none()
    condition = (
        Q(teacher=user)
        | Q(school_class__teachings__teacher=user)
        | Q(
            school_class__enrollments__student=user, school_class__enrollments__left_at__isnull=True
        )
        | Q(
            school_class__enrollments__student__guardians__parent=user,
            school_class__enrollments__student__guardians__verified=True,
            school_class__enrollments__left_at__isnull=True,
        )
    )
    return Session.objects.filter(condition).distinct()


def sessions_between(user: Any, start: datetime, end: datetime) -> list[Session]:
    return list(
        _visible_sessions(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("school_class", "subject", "teacher")
        .order_by("starts_at")
    )


def upcoming_sessions(user: Any, *, limit: int = 5) -> list[Session]:
    now = timezone.now()
    return list(
        _visible_sessions(user)
        .filter(ends_at__gte=now, status="scheduled")
        .select_related("school_class", "subject", "teacher")
        .order_by("starts_at")[:limit]
    )


def class_sessions(class_id: int, start: datetime, end: datetime) -> list[Session]:
    return list(
        Session.objects.filter(school_class_id=class_id, starts_at__gte=start, starts_at__lt=end)
        .select_related("subject", "teacher")
        .order_by("starts_at")
    )


@dataclass(frozen=True)
class SessionAccess:
    session: Session
    class_access: class_selectors.ClassAccess
    can_change: bool  # move, cancel
    can_add_materials: bool
    sees_views: bool  # who opened which material


def access_session(*, user: Any, session_id: int) -> SessionAccess:
    session = (
        Session.objects.select_related(
            "school_class",
            "school_class__school",
            "school_class__school_year",
            "subject",
            "teacher",
        )
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise NotFound
    class_access = class_selectors.access_class(user=user, class_id=session.school_class_id)
    own = session.teacher_id == getattr(user, "pk", None)
    manages = class_access.is_homeroom or class_access.manages_class
    return SessionAccess(
        session=session,
        class_access=class_access,
        can_change=own or manages,
        can_add_materials=own or class_access.is_homeroom,
        sees_views=class_access.sees_roster,
    )


def access_session_to_change(*, user: Any, session_id: int) -> SessionAccess:
    access = access_session(user=user, session_id=session_id)
    if not access.can_change:
        raise Forbidden
    return access


def session_materials(session: Session) -> list[Material]:
    """The lesson's materials, each with how many people opened it (``opened``)."""
    return list(
        session.materials.filter(removed_at__isnull=True)
        .annotate(opened=Count("views"))
        .order_by("created_at")
    )


def room_materials(session: Session) -> list[Material]:
    """The lesson's materials as the room and its lobby list them: no counts."""
    return list(session.materials.filter(removed_at__isnull=True).order_by("created_at"))


def access_material(*, user: Any, material_id: int) -> tuple[Material, SessionAccess]:
    material = Material.objects.filter(pk=material_id, removed_at__isnull=True).first()
    if material is None:
        raise NotFound
    return material, access_session(user=user, session_id=material.session_id)


def material_views(session: Session) -> dict[int, dict[int, MaterialView]]:
    """material id → user id → view, for the teacher's "who opened what"."""
    table: dict[int, dict[int, MaterialView]] = {}
    for view in MaterialView.objects.filter(material__session=session):
        table.setdefault(view.material_id, {})[view.user_id] = view
    return table


def feed_owner(value: str) -> Any:
    feed = (
        CalendarFeed.objects.filter(digest=tokens.token_digest(FEED_PURPOSE, value))
        .select_related("user")
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise NotFound
    return feed.user


def has_calendar_feed(user: Any) -> bool:
    return CalendarFeed.objects.filter(user=user).exists()


def feed_sessions(user: Any) -> list[Session]:
    """What a feed shows: from four weeks ago to the end of the known timetable."""
    start = timezone.now() - timedelta(weeks=4)
    return list(
        _visible_sessions(user)
        .filter(starts_at__gte=start)
        .select_related("school_class", "subject")
        .order_by("starts_at")[:2000]
    )


def can_manage_school_periods(user: Any, school_path: str) -> bool:
    return Capability.MANAGE_CLASSES in user_capabilities_at(user, school_path)


# --- Lesson chat -------------------------------------------------------------------


def chat_role(access: SessionAccess, user: Any) -> Sender | None:
    """How a person takes part in a lesson's chat; None if they cannot write in it."""
    if access.session.teacher_id == getattr(user, "pk", None) or access.class_access.teaches:
        return Sender.TEACHER
    enrollment = class_selectors.enrollment_of(user, access.session.school_class)
    if enrollment is not None and enrollment.left_at is None:
        return Sender.STUDENT
    return None


def can_review_chat(access: SessionAccess, user: Any) -> bool:
    return chat_role(access, user) == Sender.TEACHER


def _taught_by(user: Any) -> Q:
    return Q(session__teacher=user) | Q(session__school_class__teachings__teacher=user)


def chat_messages_visible(access: SessionAccess, user: Any) -> QuerySet[ChatMessage]:
    """Delivered messages, plus one's own whatever became of them; teachers also see held ones.

    Someone the teacher removed from the lesson for good (ACC-5) reads none of its chat.
    """
    teacher = can_review_chat(access, user)
    if not teacher and (
        Participant.objects.filter(session=access.session, user=user, banned=True).exists()
    ):
        return ChatMessage.objects.none()
    shown = (
        Q(status=ChatStatus.DELIVERED) if teacher else Q(status=ChatStatus.DELIVERED, private=False)
    )
    if teacher:
        shown |= Q(status=ChatStatus.HELD)
    return (
        ChatMessage.objects.filter(session=access.session)
        .filter(shown | Q(sender=user))
        .select_related("sender", "moderation_event")
        .order_by("seq")
    )


def chat_messages_held_for(user: Any) -> QuerySet[ChatMessage]:
    """Held messages in lessons this teacher teaches, oldest first."""
    return (
        ChatMessage.objects.filter(_taught_by(user), status=ChatStatus.HELD)
        .select_related("sender", "session", "session__school_class", "moderation_event")
        .distinct()
        .order_by("created_at", "seq")
    )


def access_chat_message(*, user: Any, message_id: int) -> ChatMessage:
    """A chat message in a lesson this person teaches; "not found" otherwise."""
    message = ChatMessage.objects.filter(_taught_by(user), pk=message_id).distinct().first()
    if message is None:
        raise NotFound
    return message


def room_participants(session: Session, *, teacher: bool) -> list[Participant]:
    """Who is in the room; teachers also see who waits and who was turned away."""
    found = Participant.objects.filter(session=session)
    if not teacher:
        found = found.filter(state=ParticipantState.ADMITTED)
    return list(found.order_by("role", "display_name"))


def room_participant(*, session_id: int, user: Any) -> Participant:
    """One's own place in a lesson's room; "not found" if one never came."""
    found = Participant.objects.filter(session_id=session_id, user=user).first()
    if found is None:
        raise NotFound
    return found


def participant_state(*, session_id: int, user: Any) -> str | None:
    """One's state in a lesson's room (waiting, admitted, …); None if one never came."""
    found: str | None = (
        Participant.objects.filter(session_id=session_id, user=user)
        .values_list("state", flat=True)
        .first()
    )
    return found


def room_log_for(*, session_id: int, user: Any, after: int) -> tuple[str, list[dict[str, Any]]]:
    """One's state in a lesson's room and the room's log after ``after``, as one sees it.

    Only someone the room admitted reads the log (ACC-1): a person waiting in
    the lobby, turned away or removed reads their own state and nothing that
    was said or who is there. "Not found" if one never came.
    """
    participant = room_participant(session_id=session_id, user=user)
    if participant.state != ParticipantState.ADMITTED:
        return participant.state, []
    teacher = participant.role == RoomRole.TEACHER
    return participant.state, [
        events.visible(event, teacher=teacher) for event in events.events_after(session_id, after)
    ]


def room_security_events(session: Session) -> list[RoomEvent]:
    """Entries refused, take-overs, removed people trying again: for the teachers."""
    return list(
        RoomEvent.objects.filter(
            session=session, kind__in=["entry_refused", "takeover", "removed_retry"]
        ).order_by("-seq")[:20]
    )


ROOM_CHAT_SHOWN = 200  # the latest messages a room page opens with; all are on the chat page


def room_chat_messages(
    session: Session, user: Any, *, teacher: bool, latest: int | None = None
) -> tuple[list[ChatMessage], bool]:
    """The chat as one participant of the room sees it (guests included): delivered
    messages and one's own; teachers also see held ones. Only the ``latest``
    messages, in order, and whether there are earlier ones: a lesson that ran
    for hours does not make every page load read and draw all of it."""
    latest = ROOM_CHAT_SHOWN if latest is None else latest
    shown = Q(status=ChatStatus.DELIVERED, private=False) | Q(sender=user)
    if teacher:
        shown |= Q(status__in=[ChatStatus.DELIVERED, ChatStatus.HELD])
    # Senders' names come from the room's participants (``chat.message_data``).
    newest = list(
        ChatMessage.objects.filter(session=session).filter(shown).order_by("-seq")[: latest + 1]
    )
    return newest[:latest][::-1], len(newest) > latest


def child_attendance(student: Any, days: int = 30) -> list[Any]:
    """One child's attendance in the last ``days`` days, newest first (FAM-2)."""
    from safeclass.live.attendance import child_history  # attendance builds on selectors

    return child_history(student, days)
