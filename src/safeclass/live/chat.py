"""Lesson chat: every message goes through moderation before it is stored (CLS-1…CLS-3).

The database is the truth: each message gets the lesson's next sequence number
when it is stored, whatever the verdict, so the log has no gaps and a held
message that the teacher approves appears where it was said.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from safeclass.accounts import selectors as account_selectors
from safeclass.audit.services import audit_record
from safeclass.classes import selectors as class_selectors
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.live.models import ChatMessage, ChatStatus, Session, SessionStatus
from safeclass.live.selectors import SessionAccess
from safeclass.moderation import services as moderation_services
from safeclass.moderation.data import Action, Sender
from safeclass.notify import services as notify_services

MAX_LENGTH = 1000
_STATUS_OF = {
    Action.ALLOW: ChatStatus.DELIVERED,
    Action.MASK: ChatStatus.DELIVERED,
    Action.HOLD: ChatStatus.HELD,
    Action.BLOCK: ChatStatus.BLOCKED,
}


def chat_role(access: SessionAccess, user: object) -> Sender | None:
    """How a person takes part in a lesson's chat; None if they cannot write in it."""
    if access.session.teacher_id == getattr(user, "pk", None) or access.class_access.teaches:
        return Sender.TEACHER
    enrollment = class_selectors.enrollment_of(user, access.session.school_class)
    if enrollment is not None and enrollment.left_at is None:
        return Sender.STUDENT
    return None


def can_review(access: SessionAccess, user: object) -> bool:
    return chat_role(access, user) == Sender.TEACHER


@transaction.atomic
def chat_post(*, actor: Actor, access: SessionAccess, text: str) -> ChatMessage:
    user = account_selectors.acting_user(actor)
    if user is None:
        raise Forbidden
    role = chat_role(access, user)
    if role is None:
        raise Forbidden
    text = text.strip()
    if not text:
        raise ServiceError(_("Write a message first."), field="text")
    if len(text) > MAX_LENGTH:
        raise ServiceError(
            _("A message can be at most %(count)s characters.") % {"count": MAX_LENGTH},
            field="text",
        )
    session = (
        Session.objects.select_for_update()
        .select_related("school_class__school")
        .get(pk=access.session.pk)
    )
    if session.status == SessionStatus.CANCELLED:
        raise ServiceError(_("This lesson was cancelled."), field="text")
    outcome = moderation_services.moderate(
        school=session.school_class.school,
        sender=user,
        sender_role=role,
        on_roster=True,
        text=text,
        context=f"live.session:{session.pk}",
        counsellor_url=reverse("live:session_detail", args=[session.pk]),
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
    session.chat_seq += 1
    session.save(update_fields=["chat_seq"])
    return ChatMessage.objects.create(
        session=session,
        seq=session.chat_seq,
        sender=user,
        text=verdict.text if verdict.action == Action.MASK else text,
        status=_STATUS_OF[verdict.action],
        categories=[str(category) for category in verdict.categories],
        moderation_event=outcome.event,
    )


def visible_messages(access: SessionAccess, user: object) -> QuerySet[ChatMessage]:
    """Delivered messages, plus one's own whatever became of them; teachers also see held ones."""
    from django.db.models import Q

    mine = Q(sender=user)
    shown = Q(status=ChatStatus.DELIVERED)
    if can_review(access, user):
        shown |= Q(status=ChatStatus.HELD)
    return (
        ChatMessage.objects.filter(session=access.session)
        .filter(shown | mine)
        .select_related("sender", "moderation_event")
        .order_by("seq")
    )


def held_for_review(user: object) -> QuerySet[ChatMessage]:
    """Held messages in lessons this teacher teaches, oldest first."""
    from django.db.models import Q

    return (
        ChatMessage.objects.filter(status=ChatStatus.HELD)
        .filter(Q(session__teacher=user) | Q(session__school_class__teachings__teacher=user))
        .select_related("sender", "session", "session__school_class", "moderation_event")
        .distinct()
        .order_by("created_at", "seq")
    )


@transaction.atomic
def chat_review(
    *, actor: Actor, access: SessionAccess, message_id: int, approve: bool, note: str = ""
) -> ChatMessage:
    if not can_review(access, actor.user):
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


def message_for_review(*, user: object, message_id: int) -> ChatMessage:
    """A message in a lesson this person teaches; "not found" otherwise."""
    message = held_or_reviewed(user).filter(pk=message_id).first()
    if message is None:
        raise NotFound
    return message


def held_or_reviewed(user: object) -> QuerySet[ChatMessage]:
    from django.db.models import Q

    return ChatMessage.objects.filter(
        Q(session__teacher=user) | Q(session__school_class__teachings__teacher=user)
    ).distinct()
