"""Timetables generate the term's lessons; changes reach families at once (TRK-3)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from safeclass.audit.models import AuditEvent
from safeclass.classes.services import subject_get_or_create
from safeclass.classes.tests.factories import class_world
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.live import services
from safeclass.live.models import Session, SessionStatus
from safeclass.notify.models import Notification, OutboundEmail

pytestmark = pytest.mark.django_db
ACTOR = Actor.system()


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    world = class_world(students=2)
    periods = services.periods_ensure(actor=ACTOR, school=world.school)
    maths = subject_get_or_create(actor=ACTOR, school=world.school, name="Toán")
    services.slot_set(
        actor=ACTOR,
        school_class=world.school_class,
        term=world.term,
        weekday=1,
        period=periods[0],
        subject=maths,
        teacher=world.homeroom,
    )
    services.slot_set(
        actor=ACTOR,
        school_class=world.school_class,
        term=world.term,
        weekday=3,
        period=periods[1],
        subject=maths,
        teacher=world.homeroom,
    )
    return SimpleNamespace(**vars(world), periods=periods, maths=maths)


def expected_count(term, weekday: int) -> int:  # type: ignore[no-untyped-def]
    day = max(term.starts_on, timezone.localdate())
    count = 0
    while day <= term.ends_on:
        if day.isoweekday() == weekday:
            count += 1
        day += timedelta(days=1)
    return count


def test_generation_creates_every_lesson_of_the_term_once(world) -> None:
    created = services.sessions_generate(
        actor=ACTOR, school_class=world.school_class, term=world.term
    )
    assert created == expected_count(world.term, 1) + expected_count(world.term, 3)
    assert (
        services.sessions_generate(actor=ACTOR, school_class=world.school_class, term=world.term)
        == 0
    )
    first = Session.objects.order_by("starts_at").first()
    local = timezone.localtime(first.starts_at)
    assert local.isoweekday() in {1, 3}
    assert (local.hour, local.minute) in {(7, 30), (8, 10)}


def test_a_teacher_cannot_be_in_two_classes_at_once(world) -> None:
    from safeclass.classes.services import class_create

    other = class_create(
        actor=ACTOR, school=world.school, school_year=world.year, name="4C", grade=4
    )
    with pytest.raises(ServiceError) as error:
        services.slot_set(
            actor=ACTOR,
            school_class=other,
            term=world.term,
            weekday=1,
            period=world.periods[0],
            subject=world.maths,
            teacher=world.homeroom,
        )
    assert error.value.field == "teacher"


def test_moving_a_lesson_notifies_students_and_parents(world) -> None:
    services.sessions_generate(actor=ACTOR, school_class=world.school_class, term=world.term)
    Notification.objects.all().delete()
    OutboundEmail.objects.all().delete()
    session = Session.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    new_start = session.starts_at + timedelta(days=1, hours=1)
    services.session_move(
        actor=Actor(user=world.homeroom),
        session=session,
        starts_at=new_start,
        ends_at=new_start + timedelta(minutes=35),
        reason="Cô đi tập huấn.",
    )
    session.refresh_from_db()
    assert session.original_starts_at is not None
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {s.pk for s in world.students} | {p.pk for p in world.parents}
    emails = set(OutboundEmail.objects.values_list("recipient", flat=True))
    assert emails == {p.email for p in world.parents}
    note = Notification.objects.filter(recipient=world.parents[0]).get()
    assert "Cô đi tập huấn." in note.body
    assert AuditEvent.objects.filter(action="live.session_move").exists()


def test_cancelling_keeps_the_lesson_and_says_so(world) -> None:
    services.sessions_generate(actor=ACTOR, school_class=world.school_class, term=world.term)
    session = Session.objects.filter(starts_at__gt=timezone.now()).first()
    services.session_cancel(actor=ACTOR, session=session, reason="Nghỉ lễ.")
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert Notification.objects.filter(
        kind="timetable.change", subject__icontains=world.school_class.name
    ).exists()


def test_changing_a_cell_replaces_its_future_lessons(world) -> None:
    services.sessions_generate(actor=ACTOR, school_class=world.school_class, term=world.term)
    science = subject_get_or_create(actor=ACTOR, school=world.school, name="Khoa học")
    future_before = Session.objects.filter(
        starts_at__gte=timezone.now(), status=SessionStatus.SCHEDULED, subject=world.maths
    ).count()
    services.slot_set(
        actor=ACTOR,
        school_class=world.school_class,
        term=world.term,
        weekday=1,
        period=world.periods[0],
        subject=science,
        teacher=world.homeroom,
    )
    monday_science = Session.objects.filter(subject=science, status=SessionStatus.SCHEDULED).count()
    assert monday_science == expected_count(world.term, 1)
    assert (
        Session.objects.filter(
            starts_at__gte=timezone.now(), status=SessionStatus.SCHEDULED, subject=world.maths
        ).count()
        == future_before - monday_science
    )


def test_a_timetable_change_reaches_the_parents_by_real_email(  # the done-when
    world, smtp_server, django_capture_on_commit_callbacks
) -> None:
    services.sessions_generate(actor=ACTOR, school_class=world.school_class, term=world.term)
    session = Session.objects.filter(starts_at__gt=timezone.now()).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(actor=ACTOR, session=session, reason="Trường tổ chức thi.")
    received = smtp_server.wait_for(len(world.parents))
    assert {mail.to for mail in received} == {p.email for p in world.parents}
    assert all("Trường tổ chức thi." in mail.body for mail in received)
    assert all(world.school_class.name in mail.subject for mail in received)
