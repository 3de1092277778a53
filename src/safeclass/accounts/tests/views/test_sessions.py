"""Seeing and ending one's own sessions (ACC-4)."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client

from safeclass.accounts.models import AccountSession
from safeclass.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(address: str, agent: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    assert (
        client.post("/dang-nhap/", {"identifier": "co.thao", "password": PASSWORD}).status_code
        == 302
    )
    return client


def session_id(session_key: str | None) -> str:
    """The opaque id the page uses for a session (never the key itself)."""
    assert session_key is not None
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def test_the_security_page_lists_each_device_and_ends_one() -> None:
    UserFactory(username="co.thao")
    phone = sign_in("10.3.0.1", ANDROID)
    laptop = sign_in("10.3.0.2", WINDOWS)
    page = laptop.get("/tai-khoan/bao-mat/").content.decode()
    assert "10.3.0.1" in page and "10.3.0.2" in page
    assert "Android" in page and "Windows" in page
    # The page never shows a session key.
    for key in AccountSession.objects.values_list("session_key", flat=True):
        assert key not in page

    ids = re.findall(r"/tai-khoan/phien/([0-9a-f]{16})/ket-thuc/", page)
    phone_key = phone.session.session_key
    phone_id = session_id(phone_key)
    assert sorted(ids) == sorted([phone_id, session_id(laptop.session.session_key)])
    laptop.post(f"/tai-khoan/phien/{phone_id}/ket-thuc/")
    assert not AccountSession.objects.filter(session_key=phone_key).exists()
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_sign_out_everywhere_else_keeps_this_device() -> None:
    UserFactory(username="co.thao")
    others = [sign_in(f"10.3.1.{n}", ANDROID) for n in range(3)]
    me = sign_in("10.3.1.9", WINDOWS)
    me.post("/tai-khoan/phien-khac/ket-thuc/")
    assert me.get("/").status_code == 200
    assert all(other.get("/").status_code == 302 for other in others)


def test_another_persons_session_cannot_be_ended() -> None:
    UserFactory(username="co.thao")
    victim = sign_in("10.3.2.1", ANDROID)
    UserFactory(username="ke.xau")
    attacker = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.3.2.2")
    attacker.post("/dang-nhap/", {"identifier": "ke.xau", "password": PASSWORD})
    victim_id = session_id(victim.session.session_key)
    assert attacker.post(f"/tai-khoan/phien/{victim_id}/ket-thuc/").status_code == 404
    assert victim.get("/").status_code == 200
