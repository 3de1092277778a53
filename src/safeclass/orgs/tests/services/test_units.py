"""Unit tree services: paths, moves, validation (ACC-2 scope depends on them)."""

from __future__ import annotations

import pytest

from safeclass.audit.models import AuditEvent
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.orgs.models import Unit, UnitKind
from safeclass.orgs.services import unit_create, unit_move, unit_update
from safeclass.orgs.tests.factories import SchoolFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_paths_follow_the_tree_at_any_depth() -> None:
    ministry = UnitFactory(kind=UnitKind.MINISTRY)
    department = UnitFactory(parent=ministry)
    commune = UnitFactory(parent=department, kind=UnitKind.COMMUNE)
    school = SchoolFactory(parent=commune)
    assert ministry.path == f"/{ministry.pk}/"
    assert school.path == f"/{ministry.pk}/{department.pk}/{commune.pk}/{school.pk}/"
    assert [u.depth for u in (ministry, department, commune, school)] == [0, 1, 2, 3]
    assert school.ancestor_ids() == [ministry.pk, department.pk, commune.pk, school.pk]


def test_creating_a_unit_is_audited() -> None:
    unit = UnitFactory(name="Sở Giáo dục và Đào tạo Thử nghiệm")
    event = AuditEvent.objects.get(action="orgs.unit_create", target_id=str(unit.pk))
    assert event.unit_id == unit.pk
    assert event.data["name"] == "Sở Giáo dục và Đào tạo Thử nghiệm"


def test_a_school_cannot_contain_units() -> None:
    school = SchoolFactory()
    before = Unit.objects.count()
    with pytest.raises(ServiceError) as error:
        UnitFactory(parent=school)
    assert error.value.field == "parent"
    assert Unit.objects.count() == before


def test_codes_are_unique_and_slugged() -> None:
    UnitFactory(code="sgd-ha-noi")
    with pytest.raises(ServiceError) as error:
        UnitFactory(code="SGD Ha Noi")
    assert error.value.field == "code"


def test_ward_must_belong_to_the_province() -> None:
    # 4 is Phường Ba Đình (Hà Nội, province 1); province 79 is Hồ Chí Minh City.
    with pytest.raises(ServiceError) as error:
        SchoolFactory(province_code=79, ward_code=4)
    assert error.value.field == "ward_code"
    school = SchoolFactory(province_code=1, ward_code=4)
    assert school.ward_code == 4


def test_only_schools_have_a_school_level() -> None:
    with pytest.raises(ServiceError):
        UnitFactory(kind=UnitKind.DIVISION, school_level="primary")
    with pytest.raises(ServiceError):
        SchoolFactory(school_level="")


def test_moving_a_unit_moves_its_whole_subtree() -> None:
    department = UnitFactory()
    old_division = UnitFactory(parent=department, kind=UnitKind.DIVISION)
    commune = UnitFactory(parent=department, kind=UnitKind.COMMUNE)
    school = SchoolFactory(parent=old_division)
    unit_move(actor=Actor.system(), unit=school, new_parent=commune)
    school.refresh_from_db()
    assert school.parent_id == commune.pk
    assert school.path == f"/{department.pk}/{commune.pk}/{school.pk}/"

    # The reform case: a whole division with its schools goes under another unit.
    other = SchoolFactory(parent=old_division)
    unit_move(actor=Actor.system(), unit=old_division, new_parent=commune)
    other.refresh_from_db()
    old_division.refresh_from_db()
    assert old_division.depth == 2
    assert other.depth == 3
    assert other.path == f"/{department.pk}/{commune.pk}/{old_division.pk}/{other.pk}/"
    assert AuditEvent.objects.filter(action="orgs.unit_move").count() == 2


def test_a_unit_cannot_move_inside_itself() -> None:
    department = UnitFactory()
    division = UnitFactory(parent=department, kind=UnitKind.DIVISION)
    with pytest.raises(ServiceError):
        unit_move(actor=Actor.system(), unit=department, new_parent=division)
    division.refresh_from_db()
    assert division.path == f"/{department.pk}/{division.pk}/"


def test_update_changes_only_what_changed() -> None:
    school = SchoolFactory(name="Trường Tiểu học Cũ")
    unit_update(
        actor=Actor.system(),
        unit=school,
        name="Trường Tiểu học Mới",
        code=school.code,
        school_level=school.school_level,
        province_code=None,
        ward_code=None,
        address="",
        phone="",
        email="",
    )
    event = AuditEvent.objects.get(action="orgs.unit_update")
    assert event.data["fields"] == ["name"]


def test_unit_create_rejects_blank_names_without_writing() -> None:
    before = (Unit.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceError):
        unit_create(actor=Actor.system(), parent=None, kind="department", name="   ", code="x")
    assert (Unit.objects.count(), AuditEvent.objects.count()) == before


def test_closing_a_unit_ends_the_reach_of_roles_held_there() -> None:
    from safeclass.accounts.selectors import forget_cached_memberships, user_capabilities_at
    from safeclass.accounts.tests.factories import staff_with_role
    from safeclass.core.roles import Capability, Role
    from safeclass.orgs.services import unit_set_active

    department = UnitFactory()
    school = SchoolFactory(parent=department)
    leader = staff_with_role(school, Role.SCHOOL_LEADER)
    assert Capability.VIEW_UNIT in user_capabilities_at(leader, school.path)
    with pytest.raises(ServiceError):
        unit_set_active(actor=Actor.system(), unit=department, active=False)
    unit_set_active(actor=Actor.system(), unit=school, active=False)
    forget_cached_memberships(leader)
    assert user_capabilities_at(leader, school.path) == frozenset()
    unit_set_active(actor=Actor.system(), unit=school, active=True)
    forget_cached_memberships(leader)
    assert Capability.VIEW_UNIT in user_capabilities_at(leader, school.path)
    assert (
        AuditEvent.objects.filter(action__in=["orgs.unit_close", "orgs.unit_reopen"]).count() == 2
    )
