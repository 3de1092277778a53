"""notify(): in-app rows and the outbox, in the caller's transaction (TRK-3, FAM-2)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils.translation import gettext_noop

from safeclass.accounts.services import account_set_active
from safeclass.core.context import Actor
from safeclass.core.errors import NotFound
from safeclass.notify.events import created_event
from safeclass.notify.models import Notification, OutboundEmail, OutboxStatus
from safeclass.notify.services import (
    notification_mark_read,
    notifications_mark_all_read,
    notify,
)

pytestmark = pytest.mark.django_db

SUBJECT = gettext_noop("Timetable of %(class_name)s changed")
BODY = gettext_noop("From %(day)s, %(subject)s is taught in period %(period)s.")
PARAMS = {"class_name": "5A", "day": "thứ Hai 7/12", "subject": "Toán", "period": "3"}


def timetable_change(recipients, **kwargs):
    return notify(
        recipients=recipients,
        kind="timetable.change",
        subject=SUBJECT,
        body=BODY,
        params=PARAMS,
        **kwargs,
    )


class CauseFailedError(Exception):
    pass


def test_rows_are_written_in_the_callers_transaction_and_vanish_with_it(
    person, smtp_server, django_capture_on_commit_callbacks
) -> None:
    parent = person(email="me.hoa@example.org")

    def cause_that_fails() -> None:
        with transaction.atomic():
            timetable_change([parent])
            # The cause's transaction sees them…
            assert Notification.objects.filter(recipient=parent).count() == 1
            assert OutboundEmail.objects.count() == 1
            raise CauseFailedError

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(CauseFailedError):
            cause_that_fails()
    # …and they go with it: no row, no queued delivery, no email.
    assert not Notification.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert callbacks == []
    assert smtp_server.messages == []


def test_on_commit_each_outbox_row_is_delivered(
    person, smtp_server, django_capture_on_commit_callbacks
) -> None:
    parent = person(email="me.hoa@example.org")
    student = person(email="hs.an@example.org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = timetable_change([parent, student], url="/lop/7/")
        assert smtp_server.messages == []  # nothing leaves before the commit
    assert len(callbacks) == 2
    assert [n.recipient for n in created] == [parent, student]
    mails = smtp_server.wait_for(2)
    assert sorted(m.to for m in mails) == ["hs.an@example.org", "me.hoa@example.org"]
    assert {m.subject for m in mails} == {"Timetable of 5A changed"}
    assert all("From thứ Hai 7/12, Toán is taught in period 3." in m.body for m in mails)
    for email in OutboundEmail.objects.all():
        assert email.status == OutboxStatus.SENT
        assert email.sent_at is not None
        assert email.attempts == 1
        assert email.notification is not None


def test_each_recipient_reads_it_in_their_own_language(
    person, smtp_server, django_capture_on_commit_callbacks
) -> None:
    # Msgids that Django itself translates into Vietnamese.
    english = person(email="teacher.en@example.org", language="en")
    vietnamese = person(email="co.lan@example.org", language="vi")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[english, vietnamese],
            kind="test.language",
            subject=gettext_noop("January"),
            body=gettext_noop("%(model_name)s with this %(field_label)s already exists."),
            params={"model_name": "Lớp 5A", "field_label": "tên"},
        )
    in_english = Notification.objects.get(recipient=english)
    in_vietnamese = Notification.objects.get(recipient=vietnamese)
    assert in_english.subject == "January"
    assert in_english.body == "Lớp 5A with this tên already exists."
    assert in_vietnamese.subject == "Tháng 1"
    assert in_vietnamese.body == "Lớp 5A có tên đã tồn tại."
    subjects = {m.to: m.subject for m in smtp_server.wait_for(2)}
    assert subjects == {
        "teacher.en@example.org": "January",
        "co.lan@example.org": "Tháng 1",
    }


def test_inactive_accounts_get_nothing_and_nobody_gets_it_twice(
    person, smtp_server, django_capture_on_commit_callbacks
) -> None:
    active = person(email="active@example.org")
    disabled = person(email="disabled@example.org")
    account_set_active(actor=Actor.system(), user=disabled, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        created = timetable_change([active, disabled, active, active])
    assert [n.recipient for n in created] == [active]
    assert Notification.objects.filter(recipient=disabled).count() == 0
    assert list(OutboundEmail.objects.values_list("recipient", flat=True)) == ["active@example.org"]
    [mail] = smtp_server.wait_for(1)
    assert mail.to == "active@example.org"


def test_without_an_address_or_with_email_off_only_the_app_is_notified(
    person, smtp_server, django_capture_on_commit_callbacks
) -> None:
    no_address = person()
    has_address = person(email="co.mai@example.org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        timetable_change([no_address])
        timetable_change([has_address], email=False)
    assert Notification.objects.count() == 2
    assert not OutboundEmail.objects.exists()
    assert callbacks == []
    assert smtp_server.messages == []


def test_parameters_cannot_break_the_subject_line(
    person, smtp_server, django_capture_on_commit_callbacks
) -> None:
    parent = person(email="me.hoa@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        [created] = notify(
            recipients=[parent],
            kind="test.subject",
            subject=gettext_noop("Timetable of %(class_name)s changed"),
            body=BODY,
            params={**PARAMS, "class_name": "5A\r\nBcc: someone@example.org"},
        )
    assert created.subject == "Timetable of 5A Bcc: someone@example.org changed"
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["me.hoa@example.org"]
    assert mail.message["Bcc"] is None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "lop/7/"]
)
def test_links_go_to_this_site_only(person, url: str) -> None:
    with pytest.raises(ValueError, match="this site only"):
        timetable_change([person()], url=url)
    assert not Notification.objects.exists()


def test_mark_read_is_for_ones_own_notifications(person) -> None:
    owner, other = person(), person()
    [mine] = timetable_change([owner])
    with pytest.raises(NotFound):
        notification_mark_read(user=other, notification_id=mine.pk)
    mine.refresh_from_db()
    assert mine.read_at is None
    read = notification_mark_read(user=owner, notification_id=mine.pk)
    assert read.read_at is not None
    first_read = read.read_at
    assert notification_mark_read(user=owner, notification_id=mine.pk).read_at == first_read


def test_mark_all_read_leaves_other_peoples_alone(person) -> None:
    owner, other = person(), person()
    timetable_change([owner, other])
    timetable_change([owner])
    assert notifications_mark_all_read(user=owner) == 2
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


def test_the_created_event_names_the_recipient_and_not_the_body(person) -> None:
    recipient = person()
    [created] = timetable_change([recipient], url="/lop/7/")
    assert created_event(created) == {
        "type": "notify.created",
        "recipient_id": recipient.pk,
        "notification_id": created.pk,
        "kind": "timetable.change",
        "subject": "Timetable of 5A changed",
        "url": "/lop/7/",
    }


def test_the_email_carries_the_full_link_when_the_site_address_is_known(
    person, settings, smtp_server, django_capture_on_commit_callbacks
) -> None:
    settings.SAFECLASS_SITE_URL = "https://truong.example.vn/"
    with django_capture_on_commit_callbacks(execute=True):
        timetable_change([person(email="me.hoa@example.org")], url="/lop/7/")
    [mail] = smtp_server.wait_for(1)
    assert mail.body.rstrip().endswith("https://truong.example.vn/lop/7/")
