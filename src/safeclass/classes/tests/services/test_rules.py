"""Class rules (CLS-4): versions, acceptance, and the gate before anything else."""

from __future__ import annotations

import pytest
from django.test import Client

from safeclass.accounts.tests.factories import PASSWORD
from safeclass.classes.models import RulesAcceptance, RulesVersion
from safeclass.classes.selectors import current_rules, rules_pending_for
from safeclass.classes.services import rules_accept, rules_additions_save, rules_template_save
from safeclass.classes.tests.factories import class_world
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.orgs.models import SchoolLevel

pytestmark = pytest.mark.django_db
ACTOR = Actor.system()


def test_a_new_class_starts_with_the_schools_rules() -> None:
    world = class_world()
    version = current_rules(world.school_class)
    assert version is not None
    assert version.number == 1
    keys = [section["key"] for section in version.sections]
    assert keys == ["time", "place", "dress", "conduct", "prohibited", "sharing"]
    assert "mật khẩu" in version.sections[-1]["text"]


def test_changes_publish_a_new_version_only_when_the_text_changes() -> None:
    world = class_world()
    rules_additions_save(
        actor=ACTOR, school_class=world.school_class, additions="Bật camera khi cô gọi."
    )
    assert current_rules(world.school_class).number == 2
    rules_additions_save(
        actor=ACTOR, school_class=world.school_class, additions="Bật camera khi cô gọi."
    )
    assert current_rules(world.school_class).number == 2
    sections = {s["key"]: s["text"] for s in current_rules(world.school_class).sections}
    sections["dress"] = "Mặc đồng phục."
    rules_template_save(actor=ACTOR, school=world.school, sections=sections)
    latest = current_rules(world.school_class)
    assert latest.number == 3
    assert latest.sections[-1] == {"key": "class", "text": "Bật camera khi cô gọi."}
    with pytest.raises(ServiceError):
        rules_template_save(actor=ACTOR, school=world.school, sections={**sections, "place": " "})
    assert RulesVersion.objects.filter(school_class=world.school_class).count() == 3


def test_students_and_primary_parents_must_accept_the_current_version() -> None:
    world = class_world(students=1)
    student, parent = world.students[0], world.parents[0]
    assert [p.student for p in rules_pending_for(student)] == [student]
    assert [p.student for p in rules_pending_for(parent)] == [student]
    version = current_rules(world.school_class)
    rules_accept(actor=Actor(user=student), version=version, student=student)
    rules_accept(actor=Actor(user=parent), version=version, student=student)
    assert rules_pending_for(student) == []
    assert rules_pending_for(parent) == []
    # A new version asks again.
    rules_additions_save(actor=ACTOR, school_class=world.school_class, additions="Giữ trật tự.")
    assert len(rules_pending_for(student)) == 1
    with pytest.raises(ServiceError):
        rules_accept(actor=Actor(user=student), version=version, student=student)


def test_parents_of_secondary_students_are_not_asked() -> None:
    world = class_world(students=1, level=SchoolLevel.LOWER_SECONDARY, name="7A", grade=7)
    assert rules_pending_for(world.parents[0]) == []
    assert len(rules_pending_for(world.students[0])) == 1


def test_nobody_else_accepts_for_a_student() -> None:
    world = class_world(students=2)
    version = current_rules(world.school_class)
    with pytest.raises(ServiceError):
        rules_accept(
            actor=Actor(user=world.students[1]), version=version, student=world.students[0]
        )
    with pytest.raises(ServiceError):
        rules_accept(actor=Actor(user=world.parents[1]), version=version, student=world.students[0])
    assert not RulesAcceptance.objects.exists()


def test_a_student_is_asked_before_anything_else() -> None:
    world = class_world(students=1)
    student = world.students[0]
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.8.0.1")
    client.post("/dang-nhap/", {"identifier": student.username, "password": PASSWORD})
    for url in ["/", "/lop/", f"/lop/{world.school_class.pk}/", "/lich/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/noi-quy/?next="), url
    # Help, privacy and signing out stay open.
    assert client.get("/tro-giup/").status_code == 200
    page = client.get("/noi-quy/?next=/lich/")
    assert page.status_code == 200
    version = current_rules(world.school_class)
    done = client.post(
        "/noi-quy/", {"version": version.pk, "student": student.pk, "next": "/lich/"}
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/lich/"
    assert client.get("/").status_code == 200
    assert RulesAcceptance.objects.get(user=student).capacity == "student"


def test_a_room_entry_reads_the_place_and_the_current_rules_in_one_query() -> None:
    """ACC-5 via CLS-4: the entry check answers for the class's newest version
    and the student's own acceptance only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safeclass.classes.models import Enrollment
    from safeclass.classes.selectors import enrollment_for_entry

    world = class_world(students=2)
    student, classmate = world.students
    school_class = world.school_class
    with CaptureQueriesContext(connection) as queries:
        enrollment, accepted = enrollment_for_entry(student, school_class)
    assert len(queries.captured_queries) == 1
    assert enrollment is not None and enrollment.student == student and accepted is False
    # The same place, field by field, as the ORM reads it.
    read = Enrollment.objects.get(pk=enrollment.pk)
    for field in Enrollment._meta.concrete_fields:
        assert getattr(enrollment, field.attname) == getattr(read, field.attname)
    version = current_rules(school_class)
    # The parent's acceptance and a classmate's are not the student's own.
    rules_accept(actor=Actor(user=world.parents[0]), version=version, student=student)
    rules_accept(actor=Actor(user=classmate), version=version, student=classmate)
    assert enrollment_for_entry(student, school_class)[1] is False
    rules_accept(actor=Actor(user=student), version=version, student=student)
    assert enrollment_for_entry(student, school_class)[1] is True
    rules_additions_save(actor=ACTOR, school_class=school_class, additions="Giữ trật tự.")
    assert enrollment_for_entry(student, school_class)[1] is False  # the new version asks again
    # A class without any rules yet holds nobody back; someone not in it has no place.
    RulesAcceptance.objects.filter(version__school_class=school_class).delete()
    RulesVersion.objects.filter(school_class=school_class).delete()
    assert enrollment_for_entry(classmate, school_class)[1] is True
    Enrollment.objects.filter(student=classmate).update(left_at=version.published_at)
    assert enrollment_for_entry(classmate, school_class) == (None, False)
