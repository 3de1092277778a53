"""Consent for children's data: parent, and the child from age 7 (LAW-1)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from safeclass.accounts import services
from safeclass.accounts.selectors import student_consent_status
from safeclass.accounts.tests.factories import ParentFactory, StudentFactory
from safeclass.audit.models import AuditEvent
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.orgs.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def years_ago(years: int) -> date:
    today = timezone.localdate()
    return date(today.year - years, 1, 1)


def family(*, child_age: int, verified: bool = True):
    school = SchoolFactory()
    child = StudentFactory(school=school, date_of_birth=years_ago(child_age))
    parent = ParentFactory()
    services.guardianship_create(
        actor=Actor.system(), parent=parent, student=child, verified=verified
    )
    return parent, child


def test_young_child_needs_only_a_parent() -> None:
    parent, child = family(child_age=6)
    assert not student_consent_status(child).complete
    services.consent_grant(actor=Actor(user=parent), student=child)
    status = student_consent_status(child)
    assert status.complete
    assert not status.child_required


def test_child_of_seven_or_more_must_agree_too() -> None:
    parent, child = family(child_age=10)
    services.consent_grant(actor=Actor(user=parent), student=child)
    assert not student_consent_status(child).complete
    services.consent_grant(actor=Actor(user=child), student=child)
    assert student_consent_status(child).complete


def test_a_child_under_seven_cannot_consent_alone() -> None:
    _parent, child = family(child_age=5)
    with pytest.raises(ServiceError):
        services.consent_grant(actor=Actor(user=child), student=child)


def test_an_unconfirmed_parent_cannot_consent() -> None:
    parent, child = family(child_age=9, verified=False)
    with pytest.raises(ServiceError):
        services.consent_grant(actor=Actor(user=parent), student=child)
    stranger = ParentFactory()
    with pytest.raises(ServiceError):
        services.consent_grant(actor=Actor(user=stranger), student=child)


def test_consent_can_be_withdrawn_and_the_history_stays() -> None:
    parent, child = family(child_age=6)
    record = services.consent_grant(actor=Actor(user=parent), student=child)
    services.consent_withdraw(actor=Actor(user=parent), record=record)
    assert not student_consent_status(child).complete
    record.refresh_from_db()
    assert record.withdrawn_at is not None
    # Giving it again creates a new record; the withdrawn one is kept.
    services.consent_grant(actor=Actor(user=parent), student=child)
    assert child.consents.count() == 2
    actions = list(
        AuditEvent.objects.filter(action__startswith="accounts.consent").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "accounts.consent_grant",
        "accounts.consent_grant",
        "accounts.consent_withdraw",
    ]


def test_only_the_giver_withdraws() -> None:
    parent, child = family(child_age=6)
    record = services.consent_grant(actor=Actor(user=parent), student=child)
    other_parent = ParentFactory()
    with pytest.raises(ServiceError):
        services.consent_withdraw(actor=Actor(user=other_parent), record=record)
    record.refresh_from_db()
    assert record.withdrawn_at is None
