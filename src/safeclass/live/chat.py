"""Lesson chat: every message goes through moderation before it is stored (CLS-1…CLS-3).

The database is the truth: each message gets the lesson's next sequence number
when it is stored, whatever the verdict, so the log has no gaps and a held
message that the teacher approves appears where it was said.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from safeclass.accounts import selectors as account_selectors
from safeclass.audit.services import audit_record
from safeclass.core.context import Actor
from safeclass.core.db import (
    InsertTemplate,
    instance_from,
    on_conflict_retry,
    select_list,
    unique_row,
)
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.core.files import store_bytes
from safeclass.core.memo import Submit
from safeclass.live import events, hub, loopdb, room
from safeclass.live.models import (
    ChatMessage,
    ChatStatus,
    Participant,
    RoomControls,
    RoomEvent,
    Session,
    SessionStatus,
)
from safeclass.live.selectors import SessionAccess, can_review_chat, chat_role
from safeclass.moderation import selectors as moderation_selectors
from safeclass.moderation import services as moderation_services
from safeclass.moderation.data import Action, Category, Policy, Sender, Verdict
from safeclass.moderation.services import Outcome
from safeclass.notify import services as notify_services

log = logging.getLogger(__name__)

MAX_LENGTH = 1000
_STATUS_OF = {
    Action.ALLOW: ChatStatus.DELIVERED,
    Action.MASK: ChatStatus.DELIVERED,
    Action.HOLD: ChatStatus.HELD,
    Action.BLOCK: ChatStatus.BLOCKED,
}


def chat_post(
    *,
    actor: Actor,
    access: SessionAccess,
    text: str,
    image: bytes | None = None,
    private: bool = False,
    role: Sender | None = None,
    memo: RoomMemo | None = None,
) -> ChatMessage:
    """Moderate and store one message: text, a picture, or both.

    A student may add a picture only when the teacher allows pictures in the
    lesson; every picture, a teacher's too, is compared with the hash lists.
    ``role``: the sender's part in the lesson when the caller already worked it
    out for this access (a room socket does once, when it opens); whether they
    were removed or muted since is checked on every message. ``memo``: what the
    caller keeps of the room between this sender's messages (a socket). A message whose
    transaction lost a deadlock is stored on a later attempt (``on_conflict_retry``).
    """
    return on_conflict_retry(
        lambda: _chat_post_once(
            actor=actor,
            access=access,
            text=text,
            image=image,
            private=private,
            role=role,
            memo=memo,
        )
    )


def _chat_post_once(
    *,
    actor: Actor,
    access: SessionAccess,
    text: str,
    image: bytes | None,
    private: bool,
    role: Sender | None,
    memo: RoomMemo | None,
) -> ChatMessage:
    user = account_selectors.acting_user(actor)
    if user is None:
        raise Forbidden
    if role is None:
        role = chat_role(access, user)
    if role is None:
        raise Forbidden
    text = text.strip()
    if not text and not image:
        raise ServiceError(_("Write a message first."), field="text")
    if len(text) > MAX_LENGTH:
        raise ServiceError(
            _("A message can be at most %(count)s characters.") % {"count": MAX_LENGTH},
            field="text",
        )
    assessed = None
    if not image and _quick_available():
        message, assessed = _store_quick(
            user=user, access=access, text=text, private=private, role=role, memo=memo
        )
        if message is not None:
            return message
    return _store_locked(
        user=user,
        access=access,
        text=text,
        image=image,
        private=private,
        role=role,
        assessed=assessed,
    )


@transaction.atomic
def _store_locked(
    *,
    user: Any,
    access: SessionAccess,
    text: str,
    image: bytes | None,
    private: bool,
    role: Sender,
    assessed: Outcome | None,
) -> ChatMessage:
    """Any message, checked and stored under the lesson's lock; the refusals are
    explained here. ``assessed``: the text's moderation, when already made."""
    # One locked read gives the lesson's switches and both counters: every
    # message, and every other room event, takes this lock first, so numbers
    # follow the order in which the teacher's switches and the messages came.
    controls = room.locked_controls(access.session.pk)
    session = controls.session
    if session.status == SessionStatus.CANCELLED:
        raise ServiceError(_("This lesson was cancelled."), field="text")
    if image and role == Sender.STUDENT and not session.student_images:
        raise ServiceError(
            _("Your teacher has not allowed pictures in this lesson."), field="image"
        )
    participant = unique_row(Participant.objects.filter(session_id=session.pk, user=user))
    restriction = refusal(controls, participant, role, private)
    if restriction is not None:
        raise ServiceError(restriction, field="text")
    if role != Sender.TEACHER and controls.slow_mode_seconds:
        since = timezone.now() - timedelta(seconds=controls.slow_mode_seconds)
        if ChatMessage.objects.filter(session=session, sender=user, created_at__gt=since).exists():
            raise ServiceError(
                _("Slow mode is on: you can write one message every %(seconds)s seconds.")
                % {"seconds": controls.slow_mode_seconds},
                field="text",
            )
    school = access.session.school_class.school
    context = f"live.session:{session.pk}"
    outcome = moderation_services.moderate(
        school=school,
        sender=user,
        sender_role=role,
        on_roster=True,
        text=text,
        context=context,
        counsellor_url=reverse("live:session_detail", args=[session.pk]),
        assessed=assessed,
    )
    if outcome.muted_until is not None:
        local = timezone.localtime(outcome.muted_until)
        raise ServiceError(
            _(
                "You cannot write in the chat until %(time)s because several of your "
                "messages broke the class rules."
            )
            % {"time": formats.time_format(local, "H:i")},
            field="text",
        )
    verdict = outcome.verdict
    if links_refused(controls, role, verdict):
        raise ServiceError(_("The teacher has turned links off for students."), field="text")
    status = _STATUS_OF[verdict.action]
    categories = [str(category) for category in verdict.categories]
    event = outcome.event
    picture = None
    if image:
        checked = moderation_services.moderate_image(
            school=school,
            sender=user,
            sender_role=role,
            on_roster=True,
            data=image,
            context=context,
        )
        if checked.blocked:
            status = ChatStatus.BLOCKED
            categories.append(str(Category.IMAGE))
            event = checked.event
        else:
            picture = checked.image
    controls.chat_seq += 1
    RoomControls.objects.filter(pk=controls.pk).update(chat_seq=controls.chat_seq)
    message = ChatMessage(
        session=session,
        seq=controls.chat_seq,
        sender=user,
        text=verdict.text if verdict.action == Action.MASK else text,
        status=status,
        private=private,
        categories=categories,
        moderation_event=event,
    )
    if picture is not None:
        message.image_width, message.image_height = picture.width, picture.height
        message.image_sha256 = store_bytes(picture.jpeg)
    message.save()
    name = participant.display_name if participant is not None else user.full_name
    _announce(controls, message, {user.pk: name})
    return message


def refusal(
    controls: RoomControls, participant: Participant | None, role: Sender, private: bool
) -> str | None:
    """Why this person may not write this message in the lesson now, or None;
    the lesson's pictures, slow mode and the text itself are checked apart."""
    restriction = room.chat_restriction(controls, participant, str(role))
    if restriction is not None:
        return restriction
    if private and (role != Sender.STUDENT or not controls.private_questions):
        return _("Private questions to the teacher are not open in this lesson.")
    return None


def links_refused(controls: RoomControls, role: Sender, verdict: Verdict) -> bool:
    return (
        role != Sender.TEACHER
        and not controls.student_links
        and Category.LINK in verdict.categories
    )


# --- the everyday message, in one statement ------------------------------------------


def _quick_available() -> bool:
    """PostgreSQL (a statement that writes three tables at once), outside any transaction
    (the statement is its own: it commits, or leaves nothing)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class RoomView(NamedTuple):
    """A sender's place in a lesson and the lesson's switches, read together unlocked."""

    participant: Participant
    controls: RoomControls


@dataclass
class RoomMemo:
    """What a room socket remembers of the room between its sender's messages.

    ``view`` is the room as the last stored message saw it. The next message is
    checked on it and stored only while the room's ``rules_seq`` is still the
    one read (no switch or participant changed since); otherwise the room is
    read again. A teacher's everyday message is then one statement.
    """

    view: RoomView | None = None


def _store_quick(
    *,
    user: Any,
    access: SessionAccess,
    text: str,
    private: bool,
    role: Sender,
    memo: RoomMemo | None,
) -> tuple[ChatMessage | None, Outcome | None]:
    """Store an everyday message (text the engine allows, from someone who may write)
    without holding the lesson's lock while it is checked; the stored message, or
    None and the text's moderation if made, for the locked path to decide.

    The sender's place and the lesson's switches are read unlocked, in one query
    (or taken from ``memo``), and checked as the locked path checks them; the
    message is then stored, numbered and announced in one statement, only if the
    lesson was not cancelled and its ``rules_seq`` is still the one read. Every
    change of a switch or of a participant's place is a room event taken under
    the lesson's lock that moves ``rules_seq`` on, so an unchanged number means
    the checks were made on what is still true. A remembered room that fails the
    checks or the statement is read again once, since it may only be out of date.
    Anything else (a refusal to explain, a verdict to keep, slow mode, a room that
    changed meanwhile) goes the locked way.
    """
    session_id = access.session.pk
    view = memo.view if memo is not None else None
    remembered = view is not None
    assessed: Outcome | None = None
    stored: ChatMessage | None = None
    while True:
        if view is None:
            view, remembered = _room_as_seen_by(session_id, user.pk), False
            if view is None:
                break
        if _may_write(view, role, private):
            if assessed is None:
                assessed = moderation_services.assess(
                    school_id=access.session.school_class.school_id,
                    sender=user,
                    sender_role=role,
                    on_roster=True,
                    text=text,
                )
            verdict = assessed.verdict
            if assessed.muted_until is not None or verdict.action != Action.ALLOW:
                break  # the text's own verdict, for the locked way to keep and explain
            if not links_refused(view.controls, role, verdict):
                stored = _insert(
                    user=user,
                    access=access,
                    view=view,
                    text=text,
                    private=private,
                    role=role,
                    assessed=assessed,
                )
                if stored is not None:
                    break
        if not remembered:
            break
        view = None  # checked on a remembered room, which may be out of date: read it again
    if memo is not None:
        memo.view = view if stored is not None else None
    return stored, assessed


def _may_write(view: RoomView, role: Sender, private: bool) -> bool:
    controls = view.controls
    if refusal(controls, view.participant, role, private) is not None:
        return False
    return role == Sender.TEACHER or not controls.slow_mode_seconds


def _insert(
    *,
    user: Any,
    access: SessionAccess,
    view: RoomView,
    text: str,
    private: bool,
    role: Sender,
    assessed: Outcome,
) -> ChatMessage | None:
    """The one statement: the next numbers, the message and its room event, committed
    together; None when the lesson was cancelled or its rules moved on since ``view``,
    or a strike given since the sender's were read muted them."""
    school_id = access.session.school_class.school_id
    statement = _insert_statement(
        user=user,
        view=view,
        text=text,
        private=private,
        verdict=assessed.verdict,
        role=role,
        school_id=school_id,
        policy=moderation_selectors.policy_for(school_id),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        row = cursor.fetchone()
    return statement.stored(row)


@dataclass
class _Insert:
    """The everyday message's statement, and what it stores once it ran."""

    sql: str
    encoded: bytes  # the same statement, as the event loop's connection sends it
    params: list[Any]
    message: ChatMessage
    event: RoomEvent
    data: dict[str, object]

    def stored(self, row: Any) -> ChatMessage | None:
        """The stored message, announced; None if the statement stored nothing."""
        if row is None:
            return None
        message, event = self.message, self.event
        message.pk, message.seq, event.seq = row
        self.data["id"], self.data["seq"] = message.pk, message.seq
        hub.publish(events.announcement(event))
        for instance in (message, event):
            instance._state.adding, instance._state.db = False, connection.alias
        return message


class _Everyday(NamedTuple):
    """The everyday message's statement, written once per process."""

    sql: str
    encoded: bytes
    message: InsertTemplate[ChatMessage]
    event: InsertTemplate[RoomEvent]


@cache
def _everyday() -> _Everyday:
    message = InsertTemplate(ChatMessage, {"seq": "room.chat_seq"})
    event = InsertTemplate(
        RoomEvent,
        {
            "seq": "room.event_seq",
            "data": "%s::jsonb || jsonb_build_object('id', message.id, 'seq', room.chat_seq)",
        },
    )
    quote = connection.ops.quote_name
    sql = f"""
        WITH room AS (
            UPDATE {quote(RoomControls._meta.db_table)}
               SET chat_seq = chat_seq + 1, event_seq = event_seq + 1
             WHERE id = %s AND rules_seq = %s
               AND EXISTS (SELECT 1 FROM {quote(Session._meta.db_table)}
                            WHERE id = %s AND status <> %s)
               AND NOT {moderation_selectors.muted_condition_sql()}
         RETURNING chat_seq, event_seq
        ), message AS (
            INSERT INTO {quote(ChatMessage._meta.db_table)} ({message.columns})
            SELECT {message.values} FROM room
            RETURNING id
        ), event AS (
            INSERT INTO {quote(RoomEvent._meta.db_table)} ({event.columns})
            SELECT {event.values} FROM room, message
            RETURNING seq
        )
        SELECT message.id, room.chat_seq, event.seq FROM room, message, event
    """  # noqa: S608 - table and column names from the models, values as parameters
    return _Everyday(sql, sql.encode(), message, event)


def _insert_statement(
    *,
    user: Any,
    view: RoomView,
    text: str,
    private: bool,
    verdict: Verdict,
    role: Sender,
    school_id: int,
    policy: Policy,
) -> _Insert:
    """The statement that stores an everyday message, unless the room's rules moved on,
    the lesson was cancelled or the sender's strikes mute them under the school's
    moderation ``policy`` (a teacher is never muted)."""
    participant, controls = view
    everyday = _everyday()
    now = timezone.now()
    message = everyday.message.instance(
        {
            "session": controls.session_id,
            "seq": 0,
            "sender": user.pk,
            "text": text,
            "status": ChatStatus.DELIVERED,
            "private": private,
            "categories": [str(category) for category in verdict.categories],
        },
        now,
    )
    ChatMessage.sender.field.set_cached_value(message, user)
    data = message_data(message, {user.pk: participant.display_name})
    event = everyday.event.instance(
        {
            "session": controls.session_id,
            "seq": 0,
            "kind": "question" if private else "chat",
            "data": data,
            "teachers_only": private,
        },
        now,
    )
    guard: list[Any] = [
        controls.pk,
        controls.rules_seq,
        controls.session_id,
        str(SessionStatus.CANCELLED),
        *moderation_selectors.muted_condition_params(
            school_id=school_id,
            sender_id=user.pk,
            policy=None if role == Sender.TEACHER else policy,
        ),
    ]
    params = [*guard, *everyday.message.params(message), *everyday.event.params(event)]
    return _Insert(everyday.sql, everyday.encoded, params, message, event, data)


async def post_on_loop(
    *,
    user: Any,
    access: SessionAccess,
    text: str,
    private: bool,
    role: Sender,
    memo: RoomMemo,
    database: loopdb.LoopDatabase,
    submit: Submit,
) -> ChatMessage | None:
    """An everyday message from a room socket, stored on the event loop itself.

    The same checks and the same statement as :func:`_store_quick`, on the room
    the socket remembers, with the school's policy as this process keeps it
    (read through ``submit``, on a database thread, when it is due: see
    :func:`_kept_policy`); a pupil's strikes are judged by the statement. None,
    with nothing stored, for anything else (no remembered room or policy, a verdict other than
    "allow", a room that changed meanwhile, a muted pupil): the caller then posts
    it the usual way, which explains or stores the verdict. Raises
    :class:`loopdb.NotSent` when PostgreSQL could not be reached, and any
    other error of the statement that stores the message.
    """
    view = memo.view
    text = text.strip()
    if view is None or not text or len(text) > MAX_LENGTH:
        return None
    if not _may_write(view, role, private):
        return None
    school_id = access.session.school_class.school_id
    policy = await _kept_policy(school_id, submit)
    if policy is None:
        return None
    verdict = moderation_services.verdict_under(policy, text=text, sender_role=role, on_roster=True)
    if verdict.action != Action.ALLOW or links_refused(view.controls, role, verdict):
        return None
    # The sender's strikes are judged by the statement itself (it stores nothing
    # for a muted pupil): one round trip.
    statement = _insert_statement(
        user=user,
        view=view,
        text=text,
        private=private,
        verdict=verdict,
        role=role,
        school_id=school_id,
        policy=policy,
    )
    rows = await database.fetch(statement.encoded, statement.params, prepared=True)
    stored = statement.stored(rows[0] if rows else None)
    if stored is None:
        memo.view = None  # out of date: the usual way reads the room again
    return stored


async def _kept_policy(school_id: int, submit: Submit) -> Policy | None:
    """The school's moderation policy as this process keeps it, for the event loop
    (``ProcessMemo.on_loop``: read again through ``submit`` before the copy
    expires; with no fresh copy the loop waits for that read, where the message
    sent down the usual way took a locked transaction, and every other lesson's
    message of that moment took it too). None if the read failed: the usual way
    reads it again or explains.
    """
    try:
        return await moderation_selectors.policy_for.on_loop(school_id, submit)
    except Exception:
        log.warning("moderation policy of school %s not read", school_id, exc_info=True)
        return None


def _room_as_seen_by(session_id: int, user_id: int) -> RoomView | None:
    """A person's place in the lesson and its switches, in one unlocked read; None
    without either row (the locked path explains or makes them)."""
    quote = connection.ops.quote_name
    sql = f"""
        SELECT {select_list(Participant, "p")}, {select_list(RoomControls, "c")}
          FROM {quote(Participant._meta.db_table)} p
          JOIN {quote(RoomControls._meta.db_table)} c ON c.session_id = p.session_id
         WHERE p.session_id = %s AND p.user_id = %s
    """  # noqa: S608 - table and column names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [session_id, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(Participant._meta.concrete_fields)
    return RoomView(
        instance_from(Participant, row[:width]), instance_from(RoomControls, row[width:])
    )


def message_data(message: ChatMessage, names: dict[int, str] | None = None) -> dict[str, object]:
    """A chat message as the room's clients show it.

    ``names``: the room's display names by user id, when the caller has them
    (a page of many messages); otherwise the sender's is looked up.
    """
    if names is not None:
        name = names.get(message.sender_id) or message.sender.full_name
    else:
        participant = Participant.objects.filter(
            session_id=message.session_id, user_id=message.sender_id
        ).first()
        name = participant.display_name if participant else message.sender.full_name
    return {
        "id": message.pk,
        "seq": message.seq,
        "sender": message.sender_id,
        "name": name,
        "text": message.text,
        "status": message.status,
        "private": message.private,
        "image": reverse("live:chat_image", args=[message.session_id, message.pk])
        if message.image_sha256
        else "",
    }


def _announce(controls: RoomControls, message: ChatMessage, names: dict[int, str]) -> None:
    """Delivered messages go to the room; held ones only to its teachers.

    ``controls``: the lesson's row, locked by the caller.
    """
    session = controls.session
    data = message_data(message, names)
    if message.status == ChatStatus.DELIVERED and message.private:
        events.emit(session, "question", data, teachers_only=True, controls=controls, quiet=True)
    elif message.status == ChatStatus.DELIVERED:
        events.emit(session, "chat", data, controls=controls, quiet=True)
    elif message.status == ChatStatus.HELD:
        events.emit(session, "chat_held", data, teachers_only=True, controls=controls, quiet=True)


@transaction.atomic
def chat_images_set(*, actor: Actor, access: SessionAccess, allowed: bool) -> Session:
    """The teacher lets students post pictures in this lesson, or stops them (audited)."""
    if not can_review_chat(access, actor.user):
        raise Forbidden
    session = Session.objects.select_for_update().get(pk=access.session.pk)
    if session.student_images != allowed:
        session.student_images = allowed
        session.save(update_fields=["student_images", "updated_at"])
        audit_record(
            action="live.chat_images_on" if allowed else "live.chat_images_off",
            actor=actor,
            target=session,
            unit_id=access.session.school_class.school_id,
            data={"session": session.pk},
        )
    return session


@transaction.atomic
def chat_review(
    *, actor: Actor, access: SessionAccess, message_id: int, approve: bool, note: str = ""
) -> ChatMessage:
    if not can_review_chat(access, actor.user):
        raise Forbidden
    message = (
        ChatMessage.objects.select_for_update()
        .filter(pk=message_id, session=access.session)
        .first()
    )
    if message is None:
        raise NotFound
    if message.status != ChatStatus.HELD:
        raise ServiceError(_("This message has already been reviewed."))
    message.status = ChatStatus.DELIVERED if approve else ChatStatus.REJECTED
    message.reviewed_by = account_selectors.acting_user(actor)
    message.reviewed_at = timezone.now()
    message.review_note = note.strip()[:300]
    message.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    if approve:
        kind = "question" if message.private else "chat"
        events.emit(
            access.session, kind, message_data(message), teachers_only=message.private, quiet=True
        )
    audit_record(
        action="live.chat_approve" if approve else "live.chat_reject",
        actor=actor,
        target=message,
        unit_id=access.session.school_class.school_id,
        data={"session": access.session.pk, "seq": message.seq, "categories": message.categories},
    )
    if not approve:
        notify_services.notify(
            recipients=[message.sender],
            kind="live.chat_rejected",
            subject=gettext_noop("Your message was not shown to the class"),
            body=gettext_noop(
                "Your teacher read your message and decided not to show it to the class. "
                "%(note)s If you are worried about something, you can talk to your teacher "
                "or call 111."
            ),
            params={"note": message.review_note},
            url=reverse("live:chat", args=[access.session.pk]),
            email=False,
        )
    return message
