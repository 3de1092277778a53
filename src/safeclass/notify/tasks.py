"""Email delivery from the outbox, run by the task worker.

Rules:
- A row is claimed in a short transaction (row lock, ``claimed_until``) and
  the mail server is spoken to outside any transaction: on SQLite a
  transaction holds the write lock of the whole database, and an SMTP exchange
  may take up to its timeout.
- A row that is sent, given up, or claimed by another delivery is left alone,
  so delivering the same row twice sends one email.
- A failure never raises: it is written on the row (``attempts``,
  ``last_error``, ``next_attempt_at``) and the sweep retries it later, with
  exponential backoff, until ``MAX_ATTEMPTS`` have failed.
- ``last_error`` and the log name the error, never the address or the body.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from safeclass.notify.models import OutboundEmail, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# Longer than any SMTP timeout: a claim older than this belongs to a delivery
# that died (worker killed, machine restarted), and the sweep may retry it.
CLAIM_LEASE = timedelta(minutes=10)


def retry_delay(failed_attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd, 4th … failure; at most 6 hours."""
    exponent = min(max(failed_attempts - 1, 0), 20)
    return min(FIRST_RETRY * (1 << exponent), LONGEST_RETRY)


def _claim(outbox_id: int, now: datetime) -> OutboundEmail | None:
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=outbox_id).first()
        if email is None or email.status != OutboxStatus.PENDING:
            return None
        if email.claimed_until is not None and email.claimed_until > now:
            return None
        if email.attempts >= MAX_ATTEMPTS:
            # The last attempt's delivery died before it could record itself.
            email.status = OutboxStatus.FAILED
            email.next_attempt_at = None
            email.claimed_until = None
            email.save(update_fields=["status", "next_attempt_at", "claimed_until"])
            logger.error("Outbox email %s given up after %s attempts", email.pk, email.attempts)
            return None
        # Counted before sending, so a delivery that crashes still counts.
        email.attempts += 1
        email.claimed_until = now + CLAIM_LEASE
        email.save(update_fields=["attempts", "claimed_until"])
    return email


def describe_error(error: BaseException) -> str:
    """What went wrong, without the server's text (it can quote the address)."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name}: SMTP {error.smtp_code}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _message in error.recipients.values()})
        return f"{name}: SMTP {', '.join(codes)}"
    if isinstance(error, OSError) and error.strerror:
        return f"{name}: {error.strerror}"[:200]
    return name[:200]


def _record_failure(email: OutboundEmail, error: BaseException) -> None:
    now = timezone.now()
    email.last_error = describe_error(error)
    email.claimed_until = None
    if email.attempts >= MAX_ATTEMPTS:
        email.status = OutboxStatus.FAILED
        email.next_attempt_at = None
        logger.error(
            "Outbox email %s given up after %s attempts: %s",
            email.pk,
            email.attempts,
            email.last_error,
        )
    else:
        email.next_attempt_at = now + retry_delay(email.attempts)
        logger.warning(
            "Outbox email %s attempt %s failed (%s); next at %s",
            email.pk,
            email.attempts,
            email.last_error,
            email.next_attempt_at.isoformat(),
        )
    email.save(update_fields=["last_error", "claimed_until", "status", "next_attempt_at"])


def _record_sent(email: OutboundEmail) -> None:
    email.status = OutboxStatus.SENT
    email.sent_at = timezone.now()
    email.claimed_until = None
    email.next_attempt_at = None
    email.last_error = ""
    email.save(
        update_fields=["status", "sent_at", "claimed_until", "next_attempt_at", "last_error"]
    )


@task()
def deliver_email(outbox_id: int) -> None:
    email = _claim(outbox_id, timezone.now())
    if email is None:
        return
    try:
        send_mail(
            subject=email.subject,
            message=email.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email.recipient],
        )
    # Any failure (connection, SMTP, a malformed message) must end on the row,
    # not in a task traceback the school never sees.
    except Exception as error:
        _record_failure(email, error)
        return
    _record_sent(email)
