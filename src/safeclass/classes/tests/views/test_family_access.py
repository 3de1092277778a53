"""A parent sees a child's class, lessons and details only once the school has
confirmed the link (FAM-1, LAW-1)."""

from __future__ import annotations

import pytest
from django.test import Client

from safeclass.accounts.services import guardianship_create, guardianship_verify
from safeclass.accounts.tests.factories import PASSWORD, ParentFactory
from safeclass.classes.tests.factories import ACTOR, class_world

pytestmark = pytest.mark.django_db


def test_an_unconfirmed_parent_sees_nothing_of_the_child() -> None:
    world = class_world(students=1)
    child = world.students[0]
    parent = ParentFactory(username="bo.chua.xac.nhan")
    link = guardianship_create(actor=ACTOR, parent=parent, student=child, verified=False)
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.11.0.1")
    client.post("/dang-nhap/", {"identifier": "bo.chua.xac.nhan", "password": PASSWORD})
    home = client.get("/")
    assert home.status_code == 200, "no class-rules gate for a link the school has not confirmed"
    assert child.full_name in home.content.decode()
    for url in [f"/hoc-sinh/{child.pk}/", f"/lop/{world.school_class.pk}/"]:
        assert client.get(url).status_code == 404, url
    assert client.get("/lop/").status_code == 403

    guardianship_verify(actor=ACTOR, guardianship=link)
    # Now confirmed, the parent of a primary-school child accepts the rules first
    # (checked at the next sign-in, or within a minute in a running session).
    fresh = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.11.0.2")
    fresh.post("/dang-nhap/", {"identifier": "bo.chua.xac.nhan", "password": PASSWORD})
    gate = fresh.get(f"/lop/{world.school_class.pk}/")
    assert gate.headers["Location"].startswith("/noi-quy/")
    assert client.get(f"/hoc-sinh/{child.pk}/").status_code == 200
