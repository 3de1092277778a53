"""The room's durable event log and its best-effort announcement (architecture §6).

``emit`` stores an event with the lesson's next number inside the caller's
transaction; once that transaction commits, the event is sent to the room's
channel-layer group (Redis pub/sub between processes when ``REDIS_URL`` is
set). Sending may fail or be dropped; clients notice a gap in the numbers, or
reconnect, and read what they missed from the database (``events_after``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from safeclass.core.errors import NotFound
from safeclass.live.models import Participant, RoomControls, RoomEvent, Session

log = logging.getLogger(__name__)


def room_group(session_id: int) -> str:
    return f"room.{session_id}"


def teachers_group(session_id: int) -> str:
    return f"room.{session_id}.teachers"


def member_group(session_id: int, user_id: int) -> str:
    return f"room.{session_id}.user.{user_id}"


def as_message(event: RoomEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "data": event.data,
        "at": event.created_at.isoformat(),
        "teachers_only": event.teachers_only,
    }


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the log in the database is the truth; clients will catch up
        log.warning("room announcement to %s failed", group, exc_info=True)


def controls_for_update(session_id: int) -> RoomControls:
    """The lesson's controls row, locked for this transaction.

    The room's rows are locked in one order everywhere: controls, then the
    session, then participants. Every room event takes this lock anyway (it
    hands out the event numbers), so taking it first costs no concurrency and
    two writers can never wait on each other.
    """
    found = RoomControls.objects.select_for_update().filter(session_id=session_id).first()
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
) -> RoomEvent:
    """Store one room event with the lesson's next number; announce it after commit.

    ``controls``: the lesson's controls row when the caller already holds its
    lock in this transaction (saves a query).
    """
    if controls is None:
        controls = controls_for_update(session.pk)
    controls.event_seq += 1
    RoomControls.objects.filter(pk=controls.pk).update(event_seq=controls.event_seq)
    event = RoomEvent.objects.create(
        session=session,
        seq=controls.event_seq,
        kind=kind,
        data=data,
        teachers_only=teachers_only,
    )
    payload = as_message(event)
    # Everyone's clients count every number, so a teachers-only event still goes
    # to the room as a bare number ("nothing for you here") to keep the count whole.
    if teachers_only:
        stub = {"seq": event.seq, "kind": "private", "data": {}, "at": payload["at"]}
        public, full = announcement(stub), announcement(payload)
        transaction.on_commit(lambda: _send(room_group(session.pk), public))
        transaction.on_commit(lambda: _send(teachers_group(session.pk), full))
    else:
        message = announcement(payload)
        transaction.on_commit(lambda: _send(room_group(session.pk), message))
    return event


def frame(event: dict[str, Any]) -> str:
    """The text a room socket sends for one event."""
    return json.dumps({"type": "event", **event})


def announcement(event: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for one event: its number, and its frame written once
    for every socket in the room rather than once per socket."""
    return {"type": "room.event", "seq": event["seq"], "kind": event["kind"], "frame": frame(event)}


def disconnect_member(session_id: int, user_id: int, *, reason: str, keep: str = "") -> None:
    """Close this person's sockets in the lesson (all but ``keep``) once the transaction commits."""
    message = {"type": "member.close", "reason": reason, "keep": keep}
    transaction.on_commit(lambda: _send(member_group(session_id, user_id), message))


def disconnect_room(session_id: int, *, reason: str) -> None:
    message = {"type": "member.close", "reason": reason, "keep": ""}
    transaction.on_commit(lambda: _send(room_group(session_id), message))


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
