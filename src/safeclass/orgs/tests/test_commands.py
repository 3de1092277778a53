"""Setting up a new installation from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeclass.accounts.models import Membership
from safeclass.accounts.tests.factories import UserFactory
from safeclass.orgs.models import Unit

pytestmark = pytest.mark.django_db


def test_the_first_units_and_officer_come_from_the_command_line() -> None:
    out = io.StringIO()
    call_command(
        "unit_create",
        code="sgd-hue",
        name="Sở Giáo dục và Đào tạo Huế",
        kind="department",
        province=46,
        stdout=out,
    )
    call_command(
        "unit_create",
        code="th-thuan-hoa",
        name="Trường Tiểu học Thuận Hóa",
        kind="school",
        parent="sgd-hue",
        school_level="primary",
        stdout=out,
    )
    department = Unit.objects.get(code="sgd-hue")
    school = Unit.objects.get(code="th-thuan-hoa")
    assert department.parent is None
    assert school.parent == department
    assert "th-thuan-hoa" in out.getvalue()

    UserFactory(username="can.bo.hue")
    call_command(
        "role_grant", username="can.bo.hue", unit="sgd-hue", role="authority_officer", stdout=out
    )
    assert Membership.objects.get(user__username="can.bo.hue").unit == department


def test_bad_input_is_refused_with_a_clear_message() -> None:
    with pytest.raises(CommandError, match="No unit has the code"):
        call_command("unit_create", code="x", name="X", kind="school", parent="khong-co")
    call_command("unit_create", code="sgd-a", name="Sở A", kind="department", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("unit_create", code="sgd-a", name="Sở B", kind="department")
    with pytest.raises(CommandError, match="No staff account"):
        call_command("role_grant", username="nobody", unit="sgd-a", role="teacher")
    UserFactory(username="co.giao.a")
    with pytest.raises(CommandError, match="trường học"):  # messages are in Vietnamese
        call_command("role_grant", username="co.giao.a", unit="sgd-a", role="teacher")
    assert not Membership.objects.exists()
    assert Unit.objects.count() == 1
