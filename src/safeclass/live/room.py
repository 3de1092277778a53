"""The live room: who may come in, when, under which name, and the teacher's controls.

Entry depends only on who you are (ACC-1, ACC-5): there is no class-wide link,
code or password, and a lesson's address grants nothing by itself. The class's
teachers come in directly; enrolled students who verified their account and
accepted the class rules are let in from the lobby's opening (ACC-6) unless the
school wants the teacher to admit everyone; guests must be invited by name and
always wait; anyone else is refused and the attempt is a security event shown
to the teacher at once and kept in the audit log.

Everything that happens in the room is written to :class:`RoomEvent` with the
lesson's next number, then announced (see :mod:`safeclass.live.events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeclass.accounts import selectors as account_selectors
from safeclass.audit.services import audit_record
from safeclass.classes import selectors as class_selectors
from safeclass.core.context import Actor
from safeclass.core.db import unique_row
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.core.memo import ProcessMemo
from safeclass.live import events
from safeclass.live.models import (
    GuestInvite,
    LiveSettings,
    Participant,
    ParticipantState,
    RoomControls,
    RoomRole,
    Session,
    SessionStatus,
)

# Repeated take-overs of one account in one lesson: possibly a shared account (ACC-4).
SHARED_ACCOUNT_TAKEOVERS = 3
SLOW_MODE_CHOICES = (0, 5, 10, 30, 60)
_CONTROL_FIELDS = [
    "started_at",
    "ended_at",
    "locked",
    "chat_off",
    "slow_mode_seconds",
    "student_links",
    "suspended",
    "private_questions",
    "pinned",
]
# How long a started lesson may run past its end time before it counts as ended.
OVERRUN = timedelta(hours=1)


class Phase(StrEnum):
    SCHEDULED = "scheduled"  # before the lobby opens
    LOBBY = "lobby"  # students may come in and wait; the teacher has not started
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


def _stored_settings(school_id: int) -> LiveSettings:
    found = unique_row(LiveSettings.objects.filter(school_id=school_id))
    return found if found is not None else LiveSettings(school_id=school_id)


# The school's live settings (the defaults, unsaved, if it never changed them):
# read by every room entry, so each process keeps them for a few seconds
# (``settings_update`` marks them changed). Shared between requests: read only.
settings_of = ProcessMemo(_stored_settings, seconds=10.0)


def controls_of(session: Session) -> RoomControls:
    """The lesson's switches, unlocked: read with the session when the caller's
    query asked for ``controls`` (``select_related``), otherwise now."""
    try:
        return session.controls
    except RoomControls.DoesNotExist:
        return RoomControls(session=session)


def lobby_opens_at(session: Session, live_settings: LiveSettings) -> datetime:
    return session.starts_at - timedelta(minutes=live_settings.lobby_minutes)


def phase_of(
    session: Session,
    controls: RoomControls,
    live_settings: LiveSettings,
    now: datetime | None = None,
) -> Phase:
    now = now or timezone.now()
    if session.status == SessionStatus.CANCELLED:
        return Phase.CANCELLED
    if controls.ended_at is not None:
        return Phase.ENDED
    if controls.started_at is not None:
        # A lesson may run over, but not forever.
        return Phase.ENDED if now >= session.ends_at + OVERRUN else Phase.LIVE
    if now >= session.ends_at:
        return Phase.ENDED
    if now >= lobby_opens_at(session, live_settings):
        return Phase.LOBBY
    return Phase.SCHEDULED


def teaches(session: Session, user: Any) -> bool:
    if session.teacher_id == getattr(user, "pk", None):
        return True
    return class_selectors.teaches_class(user, session.school_class_id)


class Refusal(StrEnum):
    NOT_ALLOWED = "not_allowed"  # not in this class, not invited: a security event
    REMOVED = "removed"  # removed by the teacher for this lesson
    DENIED = "denied"  # the teacher said no
    TOO_EARLY = "too_early"
    LOCKED = "locked"
    ENDED = "ended"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Entry:
    """The outcome of coming to a lesson's room."""

    session: Session
    phase: Phase
    participant: Participant | None
    refusal: Refusal | None = None
    opens_at: datetime | None = None
    controls: RoomControls | None = None  # the room's switches as entry found them

    @property
    def admitted(self) -> bool:
        return self.participant is not None and self.participant.state == ParticipantState.ADMITTED


@dataclass(frozen=True)
class _Person:
    """Who someone is for this lesson; ``role`` None: a stranger."""

    role: RoomRole | None
    display_name: str
    on_roster: bool
    rules_accepted: bool = False  # a student: the class rules are accepted


def _role_of(session: Session, user: Any) -> _Person:
    if teaches(session, user):
        return _Person(RoomRole.TEACHER, user.full_name, True)
    enrollment, rules_accepted = class_selectors.enrollment_for_entry(user, session.school_class)
    if enrollment is not None:
        return _Person(
            RoomRole.STUDENT, class_selectors.display_name_of(enrollment), True, rules_accepted
        )
    if GuestInvite.objects.filter(session=session, user=user).exists():
        return _Person(RoomRole.GUEST, user.full_name, False)
    return _Person(None, user.full_name, False)


def _student_may_pass(person: _Person, user: Any, live_settings: LiveSettings) -> bool:
    """Let in without the teacher: a verified account whose class rules are accepted."""
    if live_settings.admit_manually or not user.is_verified_account:
        return False
    return person.rules_accepted


@transaction.atomic
def room_enter(
    *, actor: Actor, session_id: int, request_meta: dict[str, str] | None = None
) -> Entry:
    """Come to a lesson's room: admitted, waiting, or refused (see the module's docstring)."""
    user = account_selectors.acting_user(actor)
    if user is None:
        raise Forbidden
    lessons = Session.objects.select_related("school_class", "subject", "controls")
    session = unique_row(lessons.filter(pk=session_id))
    if session is None:
        raise NotFound
    school_id = session.school_class.school_id
    live_settings = settings_of(school_id)
    # Who the person is and what the lesson's state is are read without a lock:
    # the controls row is locked only to change the room (below), so the
    # students of a class coming in at once wait on each other only for that.
    controls = controls_of(session)
    phase = phase_of(session, controls, live_settings)
    person = _role_of(session, user)
    role, display_name, on_roster = person.role, person.display_name, person.on_roster
    if role is None:
        events.emit(
            session,
            "entry_refused",
            {"name": user.full_name, "user": user.pk},
            teachers_only=True,
        )
        audit_record(
            action="security.live_entry_refused",
            actor=actor,
            target=session,
            unit_id=school_id,
            data={"session": session.pk, **(request_meta or {})},
        )
        return Entry(session, phase, None, Refusal.NOT_ALLOWED)
    if phase == Phase.CANCELLED:
        return Entry(session, phase, None, Refusal.CANCELLED)
    participant = unique_row(Participant.objects.filter(session=session, user=user))
    if participant is not None and participant.banned:
        events.emit(
            session,
            "removed_retry",
            {"participant": participant.pk, "name": display_name},
            teachers_only=True,
        )
        return Entry(session, phase, participant, Refusal.REMOVED)
    if phase == Phase.ENDED and role != RoomRole.TEACHER:
        return Entry(session, phase, participant, Refusal.ENDED)
    if phase == Phase.SCHEDULED and role == RoomRole.STUDENT:
        return Entry(
            session, phase, participant, Refusal.TOO_EARLY, lobby_opens_at(session, live_settings)
        )
    if participant is not None:
        if participant.state == ParticipantState.DENIED:
            return Entry(session, phase, participant, Refusal.DENIED)
        return Entry(session, phase, participant, controls=controls)
    if controls.locked and role != RoomRole.TEACHER:
        return Entry(session, phase, None, Refusal.LOCKED)
    if role == RoomRole.TEACHER or (
        role == RoomRole.STUDENT and _student_may_pass(person, user, live_settings)
    ):
        state = ParticipantState.ADMITTED
    else:
        state = ParticipantState.WAITING
    # Now the room changes: under its lock, with its newest state.
    controls = events.controls_for_update(session.pk)
    phase = phase_of(session, controls, live_settings)
    if phase == Phase.ENDED and role != RoomRole.TEACHER:
        return Entry(session, phase, None, Refusal.ENDED)
    if controls.locked and role != RoomRole.TEACHER:
        return Entry(session, phase, None, Refusal.LOCKED)
    participant = unique_row(Participant.objects.filter(session=session, user=user))
    if participant is not None:  # the same account, from another tab, came in just now
        return Entry(session, phase, participant, controls=controls)
    participant = Participant.objects.create(
        session=session,
        user=user,
        role=role,
        state=state,
        display_name=display_name,
        on_roster=on_roster,
        decided_at=timezone.now() if state == ParticipantState.ADMITTED else None,
    )
    events.emit(session, "participant", events.participant_data(participant), controls=controls)
    return Entry(session, phase, participant, controls=controls)


def locked_controls(session_id: int) -> RoomControls:
    """The lesson's controls row and its session row, both locked, in one read
    (in the order of :func:`events.controls_for_update`)."""
    found = unique_row(
        RoomControls.objects.select_for_update()
        .select_related("session")
        .filter(session_id=session_id)
    )
    if found is not None:
        return found
    controls = events.controls_for_update(session_id)
    controls.session = Session.objects.select_for_update().get(pk=session_id)
    return controls


# --- teacher controls ------------------------------------------------------------------


def _teacher_controls(actor: Actor, session_id: int) -> tuple[Session, RoomControls, Any]:
    user = account_selectors.acting_user(actor)
    session = (
        Session.objects.select_related("school_class", "school_class__school")
        .filter(pk=session_id)
        .first()
    )
    if session is None or user is None:
        raise NotFound
    if not teaches(session, user):
        raise Forbidden
    return session, events.controls_for_update(session.pk), user


def _audit(actor: Actor, session: Session, action: str, **data: Any) -> None:
    audit_record(
        action=f"live.room_{action}",
        actor=actor,
        target=session,
        unit_id=session.school_class.school_id,
        data={"session": session.pk, **data},
    )


def _participant(session: Session, participant_id: int) -> Participant:
    found = (
        Participant.objects.select_for_update().filter(session=session, pk=participant_id).first()
    )
    if found is None:
        raise NotFound
    return found


def _decide(participant: Participant, state: str, user: Any) -> None:
    participant.state = state
    participant.decided_by = user
    participant.decided_at = timezone.now()
    participant.save(update_fields=["state", "decided_by", "decided_at"])


@transaction.atomic
def room_control(*, actor: Actor, session_id: int, action: str, **params: Any) -> RoomControls:
    """Apply one teacher control; every one is audited and announced in the room.

    ``action`` is one of: ``start``, ``end``, ``admit``, ``deny``, ``admit_all``,
    ``lock``, ``remove``, ``mute_all``, ``mute``, ``slow_mode``, ``links``,
    ``images``, ``suspend``, ``pin``, ``questions``, ``invite``.
    """
    session, controls, user = _teacher_controls(actor, session_id)
    now = timezone.now()
    changed: dict[str, Any] = {}
    if action == "start":
        if controls.started_at is None:
            controls.started_at = now
            changed["started_at"] = now.isoformat()
    elif action == "end":
        if controls.ended_at is None:
            controls.ended_at = now
            if controls.started_at is None:
                controls.started_at = now
            changed["ended_at"] = now.isoformat()
    elif action in {"admit", "deny"}:
        participant = _participant(session, int(params["participant_id"]))
        if participant.banned:
            raise ServiceError(_("This person was removed from the lesson and cannot come back."))
        was_waiting = participant.state == ParticipantState.WAITING
        decision = ParticipantState.ADMITTED if action == "admit" else ParticipantState.DENIED
        _decide(participant, decision, user)
        events.emit(session, "participant", events.participant_data(participant), controls=controls)
        # The lobby's socket takes them in, or to the refusal; someone turned
        # away after being let in leaves the room at once.
        if was_waiting or decision == ParticipantState.DENIED:
            events.disconnect_member(session.pk, participant.user_id, reason=str(decision))
        _audit(actor, session, action, participant=participant.pk, user=participant.user_id)
        return controls
    elif action == "admit_all":
        waiting = list(
            Participant.objects.select_for_update().filter(
                session=session, state=ParticipantState.WAITING, banned=False
            )
        )
        for participant in waiting:
            _decide(participant, ParticipantState.ADMITTED, user)
            events.emit(
                session, "participant", events.participant_data(participant), controls=controls
            )
            events.disconnect_member(
                session.pk, participant.user_id, reason=str(ParticipantState.ADMITTED)
            )
        _audit(actor, session, action, admitted=len(waiting))
        return controls
    elif action == "remove":
        participant = _participant(session, int(params["participant_id"]))
        if participant.role == RoomRole.TEACHER:
            raise ServiceError(_("A teacher of the class cannot be removed."))
        participant.state = ParticipantState.REMOVED
        participant.banned = bool(params.get("ban", True))
        participant.decided_by = user
        participant.decided_at = now
        participant.save(update_fields=["state", "banned", "decided_by", "decided_at"])
        events.emit(session, "participant", events.participant_data(participant), controls=controls)
        events.disconnect_member(session.pk, participant.user_id, reason="removed")
        _audit(
            actor,
            session,
            action,
            participant=participant.pk,
            user=participant.user_id,
            ban=participant.banned,
        )
        return controls
    elif action == "mute":
        participant = _participant(session, int(params["participant_id"]))
        participant.chat_muted = bool(params.get("on", True))
        participant.save(update_fields=["chat_muted"])
        events.emit(session, "participant", events.participant_data(participant), controls=controls)
        _audit(actor, session, action, participant=participant.pk, on=participant.chat_muted)
        return controls
    elif action == "invite":
        guest = account_selectors.staff_account_by_username(str(params.get("username", "")))
        if guest is None:
            raise ServiceError(_("No staff account has this user name."), field="username")
        GuestInvite.objects.get_or_create(
            session=session, user=guest, defaults={"invited_by": user}
        )
        _audit(actor, session, action, user=guest.pk)
        return controls
    elif action in {"lock", "mute_all", "links", "images", "suspend", "questions"}:
        on = bool(params.get("on", True))
        field = {
            "lock": "locked",
            "mute_all": "chat_off",
            "links": "student_links",
            "suspend": "suspended",
            "questions": "private_questions",
        }.get(action)
        if action == "images":
            session.student_images = on
            session.save(update_fields=["student_images", "updated_at"])
            changed["student_images"] = on
        elif field is not None:
            setattr(controls, field, on)
            changed[field] = on
        if action == "suspend" and on:
            # One button for emergencies: chat off, pictures off, room locked.
            controls.chat_off = controls.locked = True
            session.student_images = False
            session.save(update_fields=["student_images", "updated_at"])
            changed.update(chat_off=True, locked=True, student_images=False)
    elif action == "slow_mode":
        seconds = int(params.get("seconds", 0))
        if seconds not in SLOW_MODE_CHOICES:
            raise ServiceError(_("Choose one of the offered slow-mode intervals."))
        controls.slow_mode_seconds = seconds
        changed["slow_mode_seconds"] = seconds
    elif action == "pin":
        text = " ".join(str(params.get("text", "")).split())
        if len(text) > 300:
            raise ServiceError(_("An announcement can be at most 300 characters."), field="text")
        controls.pinned = text
        changed["pinned"] = text
    else:
        raise ServiceError(_("Unknown control."))
    # Never the event counter: events.emit owns it.
    controls.save(update_fields=_CONTROL_FIELDS)
    events.emit(session, "controls", events.controls_data(controls, session), controls=controls)
    _audit(actor, session, action, **{k: v for k, v in changed.items() if k != "pinned"})
    if action == "end":
        events.disconnect_room(session.pk, reason="ended")
        from safeclass.live.attendance import notify_absences  # attendance imports room

        notify_absences(session, now)
    return controls


def chat_restriction(
    controls: RoomControls, participant: Participant | None, role: str
) -> str | None:
    """Why this person may not write in the lesson's chat now, or None (teachers always may).

    ``participant``: their place in the room, if they entered it. A student
    writes only once the room let them in (ACC-5): not from the lobby, not
    after the teacher said no, and not from the chat page without entering.
    """
    if role == RoomRole.TEACHER:
        return None
    if participant is not None and (
        participant.banned or participant.state == ParticipantState.REMOVED
    ):
        return _("You were removed from this lesson.")
    if participant is None or participant.state != ParticipantState.ADMITTED:
        return _("You can write in the chat once you are let into the lesson's room.")
    if controls.suspended or controls.chat_off:
        return _("The teacher has turned the chat off for now.")
    if participant is not None and participant.chat_muted:
        return _("The teacher has muted you in the chat for now.")
    return None


@transaction.atomic
def settings_update(
    *,
    actor: Actor,
    school: Any,
    lobby_minutes: int,
    late_after_minutes: int,
    admit_manually: bool,
    notify_absence: bool,
) -> LiveSettings:
    """A school's rules for live lessons (ACC-6, TRK-1, FAM-2); audited."""
    if not 10 <= lobby_minutes <= 60:
        raise ServiceError(
            _("The lobby opens between 10 and 60 minutes before the lesson."),
            field="lobby_minutes",
        )
    if not 0 <= late_after_minutes <= 30:
        raise ServiceError(
            _("Lateness starts between 0 and 30 minutes after the start."),
            field="late_after_minutes",
        )
    found, _created = LiveSettings.objects.select_for_update().get_or_create(school=school)
    found.lobby_minutes = lobby_minutes
    found.late_after_minutes = late_after_minutes
    found.admit_manually = admit_manually
    found.notify_absence = notify_absence
    found.save()
    settings_of.changed(school.pk)
    audit_record(
        action="live.settings_update",
        actor=actor,
        target=found,
        unit_id=school.pk,
        data={
            "lobby_minutes": lobby_minutes,
            "late_after_minutes": late_after_minutes,
            "admit_manually": admit_manually,
            "notify_absence": notify_absence,
        },
    )
    return found
