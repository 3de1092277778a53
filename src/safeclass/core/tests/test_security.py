"""Cross-site request forgery and script injection (architecture §12)."""

from __future__ import annotations

import pytest
from django.test import Client

from safeclass.accounts.models import User
from safeclass.accounts.tests.factories import PASSWORD, UserFactory, staff_with_role
from safeclass.core.roles import Role
from safeclass.orgs.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_forms_refuse_posts_without_the_csrf_token() -> None:
    UserFactory(username="co.an")
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    response = client.post("/dang-nhap/", {"identifier": "co.an", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    # With the token from the page, the same post works.
    page = client.get("/dang-nhap/")
    token = page.cookies["safeclass-csrf"].value
    response = client.post(
        "/dang-nhap/",
        {"identifier": "co.an", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_a_signed_in_action_cannot_be_forged_from_another_site() -> None:
    victim = UserFactory(username="co.binh")
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.force_login(victim)
    response = client.post("/tai-khoan/phien-khac/ket-thuc/", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403


def test_names_people_type_are_shown_as_text_never_run() -> None:
    school = SchoolFactory(name=f"Trường {PAYLOAD}")
    staff_with_role(school, Role.SCHOOL_LEADER, username="bgh.xss", full_name=f"Cô {PAYLOAD}")
    client = Client(HTTP_HOST="127.0.0.1")
    client.post("/dang-nhap/", {"identifier": "bgh.xss", "password": PASSWORD})
    for url in ["/", f"/don-vi/{school.pk}/", f"/don-vi/{school.pk}/nhan-su/", "/nhat-ky/"]:
        page = client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
    assert "&lt;script&gt;" in client.get("/").content.decode()
    assert User.objects.filter(username="bgh.xss").exists()
