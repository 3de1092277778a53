"""Writes about notifications.

Rules:
- ``notify`` writes in the caller's transaction: if the cause rolls back, so
  do its notifications and emails. Delivery tasks are queued only on commit.
- Texts are msgids (marked with ``gettext_noop`` at the call site), rendered
  once per recipient in the recipient's language and stored rendered.
- Inactive accounts get nothing; a person named twice gets one notification.
- The outbox is the truth about email: ``outbox_sweep`` queues delivery again
  for every row that is due, so a lost task only delays an email.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from safeclass.notify.links import is_site_relative
from safeclass.notify.models import (
    SUBJECT_MAX_LENGTH,
    Notification,
    OutboundEmail,
    OutboxStatus,
)
from safeclass.notify.selectors import access_notification
from safeclass.notify.tasks import CLAIM_LEASE, deliver_email

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from safeclass.accounts.models import User

# An on-commit enqueue that has not run after this long was lost (the process
# died between the commit and the enqueue): the sweep queues it again.
LOST_ENQUEUE_AFTER = timedelta(minutes=1)
# A row the sweep has queued is not queued again for this long, so a worker
# with a backlog does not receive the same row every minute.
SWEEP_REQUEUE_AFTER = CLAIM_LEASE
SWEEP_BATCH = 1000


def _render(msgid: str, params: Mapping[str, str], language: str) -> str:
    with translation.override(language):
        return gettext(msgid) % dict(params)


def _one_line(text: str) -> str:
    # Email headers cannot hold line breaks, and parameters may bring some.
    line = " ".join(text.split())
    if len(line) > SUBJECT_MAX_LENGTH:
        line = line[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"
    return line


def _email_body(body: str, url: str) -> str:
    site = str(getattr(settings, "SAFECLASS_SITE_URL", "")).rstrip("/")
    if url and site:
        return f"{body}\n\n{site}{url}"
    return body


def _distinct_active(recipients: Iterable[User]) -> list[User]:
    seen: set[int] = set()
    people = []
    for person in recipients:
        if person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        people.append(person)
    return people


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    params: Mapping[str, str],
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each active recipient in the app and, if they have an address, by email."""
    if not kind:
        raise ValueError("A notification needs a kind.")
    if url and not is_site_relative(url):
        raise ValueError(f"A notification links to this site only, not to {url!r}.")
    people = _distinct_active(recipients)
    notifications = []
    for person in people:
        language = person.language or settings.LANGUAGE_CODE
        notifications.append(
            Notification(
                recipient=person,
                kind=kind,
                subject=_one_line(_render(subject, params, language)),
                body=_render(body, params, language),
                url=url,
            )
        )
    created = Notification.objects.bulk_create(notifications)
    if email:
        emails = OutboundEmail.objects.bulk_create(
            OutboundEmail(
                notification=notification,
                recipient=person.email,
                subject=notification.subject,
                body=_email_body(notification.body, url),
            )
            for person, notification in zip(people, created, strict=True)
            if person.email
        )
        for outbound in emails:
            # robust: one failed enqueue must not stop the others; the sweep
            # picks the row up.
            transaction.on_commit(partial(deliver_email.enqueue, outbound.pk), robust=True)
    return created


@transaction.atomic
def notification_mark_read(*, user: AbstractBaseUser, notification_id: int) -> Notification:
    """Raises ``NotFound`` for another person's notification."""
    notification = access_notification(user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def outbox_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Queue delivery of every pending email that is due; returns how many were queued."""
    now = now or timezone.now()
    due = (
        OutboundEmail.objects.select_for_update(skip_locked=True)
        .filter(status=OutboxStatus.PENDING)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True, created_at__lte=now - LOST_ENQUEUE_AFTER)
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("pk")
    )
    ids = list(due.values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    OutboundEmail.objects.filter(pk__in=ids).update(next_attempt_at=now + SWEEP_REQUEUE_AFTER)
    for outbox_id in ids:
        transaction.on_commit(partial(deliver_email.enqueue, outbox_id), robust=True)
    return len(ids)


@transaction.atomic
def email_queue(
    *, to: str, language: str, subject: str, body: str, params: Mapping[str, str]
) -> OutboundEmail:
    """An email to an address (a parent not yet on SafeClass, an account notice),
    through the same outbox: written in the caller's transaction, retried until
    delivered."""
    outbound = OutboundEmail.objects.create(
        recipient=to,
        subject=_one_line(_render(subject, params, language)),
        body=_render(body, params, language),
    )
    transaction.on_commit(partial(deliver_email.enqueue, outbound.pk), robust=True)
    return outbound
