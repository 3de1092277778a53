"""The room's durable event log and its best-effort announcement (architecture §6).

``emit`` stores an event with the lesson's next number inside the caller's
transaction; once that transaction commits, the event is announced to the
room's sockets through the project's own fan-out (``hub``: this process
directly, the others over Redis pub/sub when ``REDIS_URL`` is set). An
announcement may fail or be dropped; clients notice a gap in the numbers, or
reconnect, and read what they missed from the database (``events_after``).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from safeclass.core.db import unique_row
from safeclass.core.errors import NotFound
from safeclass.live import hub
from safeclass.live.models import Participant, RoomControls, RoomEvent, Session


def as_message(event: RoomEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "data": event.data,
        "at": event.created_at.isoformat(),
        "teachers_only": event.teachers_only,
    }


def controls_for_update(session_id: int) -> RoomControls:
    """The lesson's controls row, locked for this transaction.

    The room's rows are locked in one order everywhere: controls, then the
    session, then participants. Every room event takes this lock anyway (it
    hands out the event numbers), so taking it first costs no concurrency and
    two writers can never wait on each other.
    """
    found = unique_row(RoomControls.objects.select_for_update().filter(session_id=session_id))
    if found is not None:
        return found
    if not Session.objects.filter(pk=session_id).exists():
        raise NotFound
    controls, _created = RoomControls.objects.select_for_update().get_or_create(
        session_id=session_id
    )
    return controls


def emit(
    session: Session,
    kind: str,
    data: dict[str, Any],
    *,
    teachers_only: bool = False,
    controls: RoomControls | None = None,
    quiet: bool = False,
) -> RoomEvent:
    """Store one room event with the lesson's next number; announce it after commit.

    ``controls``: the lesson's controls row when the caller already holds its
    lock in this transaction (saves a query). ``quiet``: the event changes
    nothing the chat's checks read (a message, a reaction, someone's connection
    or raised hand); any other event also becomes the room's ``rules_seq``, which
    makes every view of the room taken before it stale (see ``chat``).
    """
    if controls is None:
        controls = controls_for_update(session.pk)
    controls.event_seq += 1
    counters = {"event_seq": controls.event_seq}
    if not quiet:
        controls.rules_seq = counters["rules_seq"] = controls.event_seq
    RoomControls.objects.filter(pk=controls.pk).update(**counters)
    event = RoomEvent.objects.create(
        session=session,
        seq=controls.event_seq,
        kind=kind,
        data=data,
        teachers_only=teachers_only,
    )
    message = announcement(event)
    transaction.on_commit(lambda: hub.publish(message))
    return event


def frame(event: dict[str, Any]) -> str:
    """The text a room socket sends for one event."""
    return json.dumps({"type": "event", **event})


def announcement(event: RoomEvent) -> hub.Announcement:
    """One event as the hub hands it out: its number, and its frames written once for
    every socket in the room rather than once per socket.

    Everyone's clients count every number, so a teachers-only event still reaches
    the others as a bare number ("nothing for you here") to keep the count whole.
    """
    public = frame(visible(event, teacher=False))
    teachers = frame(as_message(event)) if event.teachers_only else None
    return {"s": event.session_id, "q": event.seq, "p": public, "t": teachers}


def disconnect_member(session_id: int, user_id: int, *, reason: str, keep: str = "") -> None:
    """Close this person's sockets in the lesson (all but ``keep``) once the transaction commits."""
    message = {"s": session_id, "c": reason, "u": user_id, "k": keep}
    transaction.on_commit(lambda: hub.publish(message))


def disconnect_room(session_id: int, *, reason: str) -> None:
    message = {"s": session_id, "c": reason, "u": None, "k": ""}
    transaction.on_commit(lambda: hub.publish(message))


def announcements_after(session_id: int, after: int) -> list[hub.Announcement]:
    """What the hub hands out again when an announcement went missing."""
    return [announcement(event) for event in events_after(session_id, after)]


def events_after(session_id: int, after: int, limit: int = 500) -> list[RoomEvent]:
    """The log after number ``after`` (pass each through :func:`visible` before sending)."""
    return list(
        RoomEvent.objects.filter(session_id=session_id, seq__gt=after).order_by("seq")[:limit]
    )


def visible(event: RoomEvent, *, teacher: bool) -> dict[str, Any]:
    if event.teachers_only and not teacher:
        return {"seq": event.seq, "kind": "private", "data": {}, "at": event.created_at.isoformat()}
    return as_message(event)


def participant_data(participant: Participant) -> dict[str, Any]:
    return {
        "id": participant.pk,
        "user": participant.user_id,
        "name": participant.display_name,
        "role": participant.role,
        "state": participant.state,
        "on_roster": participant.on_roster,
        "muted": participant.chat_muted,
        "hand": participant.hand_raised_at is not None,
        "online": bool(participant.connection),
    }


def controls_data(controls: RoomControls, session: Session) -> dict[str, Any]:
    return {
        "started": controls.started_at is not None,
        "ended": controls.ended_at is not None,
        "locked": controls.locked,
        "chat_off": controls.chat_off,
        "slow_mode_seconds": controls.slow_mode_seconds,
        "student_links": controls.student_links,
        "student_images": session.student_images,
        "suspended": controls.suspended,
        "private_questions": controls.private_questions,
        "pinned": controls.pinned,
    }
