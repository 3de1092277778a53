"""A school with a year, a term, a class, its homeroom teacher and students."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from safeclass.accounts.services import guardianship_create
from safeclass.accounts.tests.factories import ParentFactory, StudentFactory, staff_with_role
from safeclass.classes.services import class_create, enrollment_add, teaching_assign
from safeclass.core.context import Actor
from safeclass.core.roles import Role
from safeclass.orgs.models import SchoolLevel
from safeclass.orgs.services import school_year_create, term_create
from safeclass.orgs.tests.factories import SchoolFactory, UnitFactory

ACTOR = Actor.system()


@dataclass
class ClassWorld:
    department: Any
    school: Any
    year: Any
    term: Any
    school_class: Any
    homeroom: Any
    leader: Any
    students: list[Any]
    parents: list[Any]


def class_world(
    *, students: int = 3, level: str = SchoolLevel.PRIMARY, name: str = "4B", grade: int = 4
) -> ClassWorld:
    today = timezone.localdate()
    department = UnitFactory()
    school = SchoolFactory(parent=department, school_level=level)
    year = school_year_create(
        actor=ACTOR,
        unit=department,
        name=f"{today.year}–{today.year + 1}",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=240),
    )
    term = term_create(
        actor=ACTOR,
        school_year=year,
        name="Học kỳ I",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
    )
    school_class = class_create(
        actor=ACTOR, school=school, school_year=year, name=name, grade=grade
    )
    homeroom = staff_with_role(school, Role.TEACHER)
    teaching_assign(actor=ACTOR, teacher=homeroom, school_class=school_class, is_homeroom=True)
    leader = staff_with_role(school, Role.SCHOOL_LEADER)
    pupils, parents = [], []
    for number in range(1, students + 1):
        born = date(today.year - 9, 1, 1) + timedelta(days=number)  # any class size
        pupil = StudentFactory(school=school, date_of_birth=born)
        enrollment_add(actor=ACTOR, school_class=school_class, student=pupil, roster_no=number)
        parent = ParentFactory(email=f"phu.huynh.{pupil.pk}@example.org")
        guardianship_create(actor=ACTOR, parent=parent, student=pupil, verified=True)
        pupils.append(pupil)
        parents.append(parent)
    return ClassWorld(
        department, school, year, term, school_class, homeroom, leader, pupils, parents
    )


def accept_pending_rules(user: Any) -> None:
    """Accept every class-rules version waiting for ``user`` (a student or a parent)."""
    from safeclass.classes.selectors import rules_pending_for
    from safeclass.classes.services import rules_accept

    for pending in rules_pending_for(user):
        rules_accept(actor=Actor(user=user), version=pending.version, student=pending.student)
