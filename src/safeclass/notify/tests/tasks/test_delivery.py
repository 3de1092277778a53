"""deliver_email: sent once, retried with backoff, never lost (TRK-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext_noop

from safeclass.notify.models import OutboundEmail, OutboxStatus
from safeclass.notify.services import notify, outbox_sweep
from safeclass.notify.tasks import MAX_ATTEMPTS, deliver_email, retry_delay

SUBJECT = gettext_noop("Timetable of %(class_name)s changed")
BODY = gettext_noop("From Monday, %(subject)s is taught in period %(period)s.")
PARAMS = {"class_name": "5A", "subject": "Toán", "period": "3"}


def notify_parent(parent):
    return notify(
        recipients=[parent],
        kind="timetable.change",
        subject=SUBJECT,
        body=BODY,
        params=PARAMS,
        url="/lop/7/",
    )


@pytest.mark.django_db
def test_a_down_mail_server_leaves_the_email_waiting_until_the_sweep_delivers_it(
    person, smtp_server, mail_server_down, django_capture_on_commit_callbacks
) -> None:
    parent = person(email="me.hoa@example.org")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notify_parent(parent)  # the delivery runs on commit, and must not raise

    email = OutboundEmail.objects.get()
    assert email.status == OutboxStatus.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at is not None
    assert email.next_attempt_at >= before + timedelta(minutes=1)
    assert email.last_error.startswith("ConnectionRefusedError")
    assert "me.hoa" not in email.last_error
    assert smtp_server.messages == []

    mail_server_down()  # the server is back
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 0  # not due yet
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=email.next_attempt_at) == 1

    [mail] = smtp_server.wait_for(1)
    assert mail.to == "me.hoa@example.org"
    assert mail.subject == "Timetable of 5A changed"
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert email.attempts == 2
    assert email.last_error == ""
    assert email.next_attempt_at is None


@pytest.mark.django_db
def test_an_email_is_never_sent_twice(
    person, smtp_server, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify_parent(person(email="me.hoa@example.org"))
    email = OutboundEmail.objects.get()
    deliver_email.enqueue(email.pk)
    deliver_email.enqueue(email.pk)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_sweep(now=timezone.now() + timedelta(days=1))
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1
    email.refresh_from_db()
    assert email.attempts == 1


@pytest.mark.django_db
def test_a_row_being_sent_by_another_delivery_is_left_alone(smtp_server) -> None:
    email = OutboundEmail.objects.create(
        recipient="me.hoa@example.org",
        subject="Thời khoá biểu",
        body="Tiết 3: Toán.",
        attempts=1,
        claimed_until=timezone.now() + timedelta(minutes=5),
    )
    deliver_email.enqueue(email.pk)
    assert smtp_server.messages == []
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.status == OutboxStatus.PENDING


def test_retries_wait_1_2_4_8_minutes_and_at_most_6_hours() -> None:
    waits = [retry_delay(n) for n in range(1, 12)]
    assert waits[:5] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert waits[-1] == timedelta(hours=6)
    assert max(waits) == timedelta(hours=6)


@pytest.mark.django_db
def test_after_the_last_attempt_the_email_is_given_up_visibly(
    person, smtp_server, mail_server_down, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify_parent(person(email="me.hoa@example.org"))
    email = OutboundEmail.objects.get()
    minutes_to_wait = []
    while email.status == OutboxStatus.PENDING:
        assert email.next_attempt_at is not None
        minutes_to_wait.append(
            round((email.next_attempt_at - timezone.now()) / timedelta(minutes=1))
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_sweep(now=email.next_attempt_at) == 1
        email.refresh_from_db()
    assert minutes_to_wait == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert email.status == OutboxStatus.FAILED
    assert email.attempts == MAX_ATTEMPTS
    assert email.last_error.startswith("ConnectionRefusedError")
    assert email.next_attempt_at is None

    # Given up stays given up: the sweep does not pick it again, and it is kept.
    mail_server_down()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=timezone.now() + timedelta(days=30)) == 0
    assert smtp_server.messages == []
    assert OutboundEmail.objects.filter(status=OutboxStatus.FAILED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_delivers_what_notify_queued_on_commit(
    person, settings, smtp_server
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    notify_parent(person(email="me.hoa@example.org"))  # commits: no test transaction here
    assert smtp_server.messages == []  # queued, not sent in the request
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    [mail] = smtp_server.wait_for(1)
    assert mail.to == "me.hoa@example.org"
    assert OutboundEmail.objects.get().status == OutboxStatus.SENT
