"""A school's moderation policy: what the school changes applies to the next message
(CLS-2, CLS-3); each server process keeps the policy for a few seconds only."""

from __future__ import annotations

from typing import Any

import pytest

from safeclass.accounts.tests.factories import StudentFactory
from safeclass.core.context import Actor
from safeclass.moderation import selectors, services
from safeclass.moderation.engine import Action, Sender
from safeclass.moderation.models import SchoolPolicy
from safeclass.orgs.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the policy is forgotten on commit

LINK = "Các em xem bài ở https://hoc-vui.example.vn/bai-1 nhé"


def moderate(school: Any) -> Action:
    """What a student's message with a link to the site gets."""
    outcome = services.moderate(
        school=school,
        sender=StudentFactory(school=school),
        sender_role=Sender.STUDENT,
        on_roster=True,
        text=LINK,
        context="test",
    )
    return outcome.verdict.action


def allow_site(school: Any, domains: str) -> None:
    services.policy_update(
        actor=Actor.system(),
        school=school,
        allowed_domains=domains,
        allowed_phones="",
        actions={},
        mute_after=3,
        mute_window_minutes=10,
        mute_minutes=15,
    )


def test_a_policy_change_applies_to_the_next_message_at_once() -> None:
    school = SchoolFactory()
    before = moderate(school)  # the policy is now kept by this process
    allow_site(school, "hoc-vui.example.vn")
    assert before != Action.ALLOW
    assert moderate(school) == Action.ALLOW
    allow_site(school, "")
    assert moderate(school) == before


def test_another_process_change_is_read_within_the_keeping_time(monkeypatch: Any) -> None:
    """A change made elsewhere (here: straight in the database, as another server
    process's commit looks to this one) is seen once the kept copy expires."""
    school = SchoolFactory()
    allow_site(school, "hoc-vui.example.vn")
    assert moderate(school) == Action.ALLOW
    SchoolPolicy.objects.filter(school=school).update(allowed_domains="")
    assert moderate(school) == Action.ALLOW  # still this process's copy
    monkeypatch.setattr(selectors.policy_for, "seconds", 0.0)
    assert moderate(school) != Action.ALLOW
