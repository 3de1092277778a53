"""``safeclass notify-sweep`` and the sweeper thread of ``safeclass run``."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from safeclass.core.management.commands.run import Command as RunCommand
from safeclass.notify.models import OutboundEmail, OutboxStatus


def outbox_row(**fields) -> OutboundEmail:
    return OutboundEmail.objects.create(
        subject="Thời khoá biểu lớp 5A thay đổi", body="Tiết 3: Toán.", **fields
    )


@pytest.mark.django_db
def test_the_command_sweeps_once_and_reports_the_outbox(
    smtp_server, django_capture_on_commit_callbacks
) -> None:
    outbox_row(recipient="due@example.org", attempts=1, next_attempt_at=timezone.now())
    outbox_row(recipient="gave.up@example.org", status=OutboxStatus.FAILED)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_sweep", stdout=out)
    assert out.getvalue().strip() == (
        "Queued 1 email(s) for delivery; outbox: 1 pending, 0 sent, 1 given up."
    )
    [mail] = smtp_server.wait_for(1)
    assert mail.to == "due@example.org"


@pytest.mark.django_db(transaction=True)
def test_the_run_commands_sweeper_delivers_due_mail_and_stops_when_told(smtp_server) -> None:
    outbox_row(recipient="due@example.org", attempts=1, next_attempt_at=timezone.now())
    stop = threading.Event()
    sweeper = threading.Thread(
        target=RunCommand(stderr=StringIO())._sweep_periodically, args=(stop, 0.05)
    )
    sweeper.start()
    try:
        [mail] = smtp_server.wait_for(1)
        assert mail.to == "due@example.org"
    finally:
        stop.set()
        sweeper.join(timeout=5)
    assert not sweeper.is_alive()
    assert OutboundEmail.objects.get().status == OutboxStatus.SENT
    assert len(smtp_server.messages) == 1  # later sweeps found nothing more to do
