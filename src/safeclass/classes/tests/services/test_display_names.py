"""Display names (ACC-3): set by the school, from the roster, never by students."""

from __future__ import annotations

import pytest

from safeclass.audit.models import AuditEvent
from safeclass.classes.selectors import class_roster, display_names
from safeclass.classes.services import display_name_template_set, student_name_correct
from safeclass.classes.tests.factories import class_world
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def names(world) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        e.display_name
        for e in display_names(world.school_class, list(class_roster(world.school_class)))
    ]


def test_the_default_is_roster_number_and_full_name() -> None:
    world = class_world(students=2)
    assert names(world) == [
        f"01 - {world.students[0].full_name}",
        f"02 - {world.students[1].full_name}",
    ]


def test_a_school_chooses_its_own_template() -> None:
    world = class_world(students=1)
    display_name_template_set(
        actor=Actor.system(),
        school=world.school,
        template="{class_name}-{roster_no:02d} {given_name}",
    )
    given = world.students[0].full_name.split()[-1]
    assert names(world) == [f"4B-01 {given}"]
    assert AuditEvent.objects.filter(action="classes.display_name_template_set").exists()


@pytest.mark.parametrize(
    "template",
    [
        "{roster_no}",
        "{full_name.__class__}",
        "{0} {full_name}",
        "{full_name!r}",
        "",
        "{x} {full_name}",
    ],
)
def test_unsafe_or_nameless_templates_are_refused(template: str) -> None:
    world = class_world(students=1)
    with pytest.raises(ServiceError):
        display_name_template_set(actor=Actor.system(), school=world.school, template=template)
    assert names(world)[0].startswith("01 - ")


def test_a_teacher_corrects_a_name_and_it_is_audited() -> None:
    world = class_world(students=1)
    enrollment = class_roster(world.school_class).get()
    student_name_correct(
        actor=Actor(user=world.homeroom), enrollment=enrollment, full_name="  trần   thị  BÉ  "
    )
    enrollment.student.refresh_from_db()
    assert enrollment.student.full_name == "trần thị BÉ"
    event = AuditEvent.objects.get(action="accounts.user_rename")
    assert event.actor_id == world.homeroom.pk
    assert event.data["to"] == "trần thị BÉ"
