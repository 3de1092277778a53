"""The mute that strikes earn, judged by the database inside the statement that stores
an everyday chat message (CLS-3): it must agree with the mute the locked way explains
to the pupil, for every arrangement of strikes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from safeclass.accounts.tests.factories import StudentFactory
from safeclass.moderation import selectors
from safeclass.moderation.engine import Policy
from safeclass.moderation.models import ModerationEvent
from safeclass.orgs.tests.factories import SchoolFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]

POLICY = Policy(mute_after=3, mute_window_seconds=600, mute_seconds=900)


def strike(school: Any, sender: Any, seconds_ago: float, *, strike: bool = True) -> None:
    event = ModerationEvent.objects.create(
        school=school,
        sender=sender,
        sender_role="student",
        action="hold",
        text="…",
        text_sha256="0" * 64,
        strike=strike,
    )
    at = timezone.now() - timedelta(seconds=seconds_ago)
    ModerationEvent.objects.filter(pk=event.pk).update(created_at=at)


def muted_in_sql(school: Any, sender: Any, policy: Policy | None) -> bool:
    params = selectors.muted_condition_params(
        school_id=school.pk, sender_id=sender.pk, policy=policy
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selectors.muted_condition_sql()}", params)
        (muted,) = cursor.fetchone()
    return bool(muted)


@pytest.mark.parametrize(
    ("seconds_ago", "muted"),
    [
        ([], False),
        ([100, 10], False),  # two strikes: one short of a mute
        ([100, 50, 10], True),  # three within ten minutes, the last just now
        ([590, 300, 0.5], True),  # three just within the window
        ([1000, 500, 10], False),  # three, but spread over more than the window
        ([1500, 1400, 1300], False),  # a mute earned long ago has run out
        ([1000, 950, 890], True),  # ... and one that has not, yet
        ([2000, 300, 200, 100], True),  # the last three make the run
        ([700, 650, 600, 20], True),  # a run that ended ten minutes ago, a mute of fifteen
    ],
)
def test_the_database_judges_a_mute_as_the_explanation_does(
    seconds_ago: list[float], muted: bool
) -> None:
    school = SchoolFactory()
    pupil = StudentFactory(school=school)
    for ago in seconds_ago:
        strike(school, pupil, ago)
    explained = selectors.muted_until(school_id=school.pk, sender=pupil, policy=POLICY)
    assert (explained is not None) == muted
    assert muted_in_sql(school, pupil, POLICY) == muted


def test_only_the_senders_own_strikes_in_that_school_count() -> None:
    school, other_school = SchoolFactory(), SchoolFactory()
    pupil, classmate = StudentFactory(school=school), StudentFactory(school=school)
    for ago in (30, 20, 10):
        strike(other_school, pupil, ago)  # another school's
        strike(school, classmate, ago)  # a classmate's
    strike(school, pupil, 15, strike=False)  # a verdict that was no strike
    strike(school, pupil, 5)
    assert not muted_in_sql(school, pupil, POLICY)
    assert muted_in_sql(school, classmate, POLICY)


def test_no_mute_applies_without_a_policy_or_with_muting_turned_off() -> None:
    school = SchoolFactory()
    pupil = StudentFactory(school=school)
    for ago in (30, 20, 10):
        strike(school, pupil, ago)
    assert muted_in_sql(school, pupil, POLICY)
    assert not muted_in_sql(school, pupil, None)  # a teacher
    off = Policy(mute_after=0, mute_window_seconds=600, mute_seconds=900)
    assert not muted_in_sql(school, pupil, off)
