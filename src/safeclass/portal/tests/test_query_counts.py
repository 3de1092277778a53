"""List pages cost the same number of queries whatever the length of the list."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from safeclass.accounts.services import guardianship_create
from safeclass.accounts.tests.factories import (
    PASSWORD,
    ParentFactory,
    StudentFactory,
    staff_with_role,
)
from safeclass.audit.services import audit_record_now
from safeclass.classes.services import class_create, enrollment_add, teaching_assign
from safeclass.core.context import Actor
from safeclass.core.roles import Role
from safeclass.orgs.services import school_year_create
from safeclass.orgs.tests.factories import SchoolFactory, UnitFactory

pytestmark = pytest.mark.django_db
ACTOR = Actor.system()


@pytest.fixture
def school_world():
    department = UnitFactory()
    school = SchoolFactory(parent=department)
    year = school_year_create(
        actor=ACTOR,
        unit=department,
        name="2026–2027",
        starts_on=date(2026, 8, 15),
        ends_on=date(2027, 7, 31),
    )
    school_class = class_create(actor=ACTOR, school=school, school_year=year, name="4B", grade=4)
    leader = staff_with_role(school, Role.SCHOOL_LEADER, username="bgh.dem")
    teacher = staff_with_role(school, Role.TEACHER, username="gv.dem")
    teaching_assign(actor=ACTOR, teacher=teacher, school_class=school_class, is_homeroom=True)
    return {"school": school, "class": school_class, "leader": leader}


def add_students(world, start: int, count: int) -> None:
    for number in range(start, start + count):
        student = StudentFactory(school=world["school"])
        enrollment_add(actor=ACTOR, school_class=world["class"], student=student, roster_no=number)
        guardianship_create(actor=ACTOR, parent=ParentFactory(), student=student, verified=True)
        audit_record_now(action="test.filler", actor=ACTOR, unit_id=world["school"].pk)


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/don-vi/",
        "/lop/",
        "/lop/{class}/",
        "/don-vi/{school}/hoc-sinh/",
        "/don-vi/{school}/nhan-su/",
        "/nhat-ky/",
    ],
)
def test_list_pages_do_not_grow_with_their_rows(school_world, page: str) -> None:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.7.0.1")
    client.post("/dang-nhap/", {"identifier": "bgh.dem", "password": PASSWORD})
    url = page.format(**{"class": school_world["class"].pk, "school": school_world["school"].pk})
    add_students(school_world, 1, 3)
    client.get(url)  # warm the session and caches once
    few = queries_for(client, url)
    add_students(school_world, 4, 25)
    many = queries_for(client, url)
    assert many == few, f"{url}: {few} queries with 3 students, {many} with 28"
    assert few <= 30, f"{url}: {few} queries"
