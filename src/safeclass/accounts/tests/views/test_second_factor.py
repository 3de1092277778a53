"""TOTP: required for school leaders and authority officers, optional for teachers (ACC-4)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeclass.accounts.tests.factories import PASSWORD, staff_with_role
from safeclass.core.roles import Role
from safeclass.orgs.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.2.0.1")
    response = client.post("/dang-nhap/", {"identifier": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def production_like(settings):
    settings.DEMO_MODE = False


def test_a_leader_must_set_up_totp_before_anything_else(production_like) -> None:
    staff_with_role(SchoolFactory(), Role.SCHOOL_LEADER, username="hieu.truong")
    client = signed_in("hieu.truong")
    for url in ["/", "/don-vi/", "/tai-khoan/bao-mat/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == "/xac-thuc-hai-buoc/cai-dat/"
    page = client.get("/xac-thuc-hai-buoc/cai-dat/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, drawn inline


def test_setup_confirms_with_a_real_code_and_gives_recovery_codes(production_like) -> None:
    leader = staff_with_role(SchoolFactory(), Role.SCHOOL_LEADER, username="pho.hieu.truong")
    client = signed_in("pho.hieu.truong")
    client.get("/xac-thuc-hai-buoc/cai-dat/")
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    wrong = client.post(
        "/xac-thuc-hai-buoc/cai-dat/",
        {"token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200
    assert not TOTPDevice.objects.filter(user=leader, confirmed=True).exists()
    response = client.post("/xac-thuc-hai-buoc/cai-dat/", {"token": current_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([A-Z0-9]{4}-[A-Z0-9]{4})</li>", response.content.decode())
    assert len(codes) == 10
    assert client.get("/").status_code == 200

    # Next sign-in: the second step is asked, and a recovery code works once.
    again = signed_in("pho.hieu.truong")
    assert again.get("/").headers["Location"] == "/xac-thuc-hai-buoc/"
    before = again.session.session_key
    assert again.post("/xac-thuc-hai-buoc/", {"token": codes[0]}).status_code == 302
    assert again.session.session_key != before, "the second step gives the session a new key"
    assert again.get("/").status_code == 200
    third = signed_in("pho.hieu.truong")
    refused = third.post("/xac-thuc-hai-buoc/", {"token": codes[0]})
    assert refused.status_code == 200
    assert third.get("/").status_code == 302


def test_demo_mode_waives_the_requirement_with_a_visible_notice() -> None:
    staff_with_role(SchoolFactory(), Role.SCHOOL_LEADER, username="bgh.thu")
    client = signed_in("bgh.thu")
    page = client.get("/")
    assert page.status_code == 200
    assert 'class="banner banner-demo"' in page.content.decode()


def test_totp_is_optional_for_teachers(production_like) -> None:
    staff_with_role(SchoolFactory(), Role.TEACHER, username="co.giao")
    client = signed_in("co.giao")
    assert client.get("/").status_code == 200
