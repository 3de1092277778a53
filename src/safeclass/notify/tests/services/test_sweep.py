"""outbox_sweep(): every pending email that is due is queued again; nothing else is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from safeclass.notify.models import OutboundEmail, OutboxStatus
from safeclass.notify.services import outbox_sweep

pytestmark = pytest.mark.django_db


def outbox_row(**fields) -> OutboundEmail:
    created_at = fields.pop("created_at", None)
    email = OutboundEmail.objects.create(
        recipient=fields.pop("recipient", "me.hoa@example.org"),
        subject="Thời khoá biểu lớp 5A thay đổi",
        body="Từ thứ Hai, tiết 3 học Toán.",
        **fields,
    )
    if created_at is not None:
        OutboundEmail.objects.filter(pk=email.pk).update(created_at=created_at)
    return email


def test_the_sweep_queues_what_is_due_and_leaves_the_rest(
    smtp_server, django_capture_on_commit_callbacks
) -> None:
    now = timezone.now()
    due = outbox_row(recipient="due@example.org", attempts=1, next_attempt_at=now)
    lost = outbox_row(recipient="lost@example.org", created_at=now - timedelta(minutes=2))
    outbox_row(recipient="fresh@example.org")  # its own on-commit delivery is still coming
    outbox_row(recipient="later@example.org", next_attempt_at=now + timedelta(minutes=5))
    outbox_row(
        recipient="sending@example.org",
        next_attempt_at=now,
        claimed_until=now + timedelta(minutes=5),
    )
    outbox_row(recipient="sent@example.org", status=OutboxStatus.SENT, next_attempt_at=now)
    outbox_row(recipient="failed@example.org", status=OutboxStatus.FAILED, next_attempt_at=now)

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=now) == 2

    assert sorted(m.to for m in smtp_server.wait_for(2)) == ["due@example.org", "lost@example.org"]
    for row in (due, lost):
        row.refresh_from_db()
        assert row.status == OutboxStatus.SENT
    assert OutboundEmail.objects.filter(status=OutboxStatus.PENDING).count() == 3


def test_a_queued_row_is_not_queued_again_by_the_next_sweep(
    django_capture_on_commit_callbacks,
) -> None:
    now = timezone.now()
    outbox_row(next_attempt_at=now)
    # Callbacks not run: the worker has not got to the row yet.
    with django_capture_on_commit_callbacks(execute=False):
        assert outbox_sweep(now=now) == 1
        assert outbox_sweep(now=now + timedelta(minutes=1)) == 0
        # A task that never ran is queued again later.
        assert outbox_sweep(now=now + timedelta(minutes=15)) == 1
