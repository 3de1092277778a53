"""The demo school: every account the README promises, created once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeclass.accounts.models import AccountKind, Guardianship, Membership, User
from safeclass.audit.verify import chain_verify
from safeclass.classes.models import Enrollment, SchoolClass, Teaching
from safeclass.core.roles import Role
from safeclass.demo.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from safeclass.orgs.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def test_seed_creates_the_promised_world() -> None:
    call_command("seed_demo", verbosity=0)
    department = Unit.objects.get(code="sgd-demo")
    division = Unit.objects.get(code="pgd-demo")
    primary = Unit.objects.get(code="th-demo")
    secondary = Unit.objects.get(code="thcs-demo")
    assert department.kind == UnitKind.DEPARTMENT and department.parent is None
    assert division.parent == department
    assert primary.parent == division and primary.school_level == "primary"
    assert secondary.parent == division and secondary.school_level == "lower_secondary"

    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD), account.username
        assert user.is_verified_account

    def role(username: str) -> tuple[str, str]:
        membership = Membership.objects.get(user__username=username)
        return membership.unit.code, membership.role

    assert role("sogd.demo") == ("sgd-demo", Role.AUTHORITY_OFFICER)
    assert role("phonggd.demo") == ("pgd-demo", Role.AUTHORITY_OFFICER)
    assert role("bgh.demo") == ("th-demo", Role.SCHOOL_LEADER)
    class_5a = SchoolClass.objects.get(school=primary, name="5A")
    assert (
        Teaching.objects.get(school_class=class_5a, is_homeroom=True).teacher.username
        == "gvcn.demo"
    )
    assert Teaching.objects.filter(
        school_class=class_5a, teacher__username="gvbm.demo", is_homeroom=False
    ).exists()
    first = Enrollment.objects.get(school_class=class_5a, roster_no=1)
    assert first.student.username == "hs.demo"
    assert first.student.kind == AccountKind.STUDENT
    link = Guardianship.objects.get(student=first.student)
    assert link.parent.username == "ph.demo" and link.verified

    # Realistic classes: full rosters of Vietnamese names, no gaps in numbering.
    roster = list(class_5a.enrollments.order_by("roster_no").values_list("roster_no", flat=True))
    assert roster == list(range(1, len(roster) + 1)) and len(roster) >= 30
    names = [e.student.full_name for e in class_5a.enrollments.select_related("student")]
    assert all(len(name.split()) >= 3 for name in names)
    assert any("ễ" in name or "ạ" in name or "ồ" in name or "ư" in name for name in names)
    assert SchoolClass.objects.filter(school=secondary).exists()
    assert chain_verify().intact


def test_seed_is_idempotent() -> None:
    call_command("seed_demo", verbosity=0)
    counts = (User.objects.count(), Unit.objects.count(), Enrollment.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), Unit.objects.count(), Enrollment.objects.count()) == counts


def test_seed_refuses_outside_demo_mode(settings) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()
