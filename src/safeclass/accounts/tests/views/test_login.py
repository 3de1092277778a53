"""Signing in: identifiers, fresh sessions, throttling without lock-out (ACC-4)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from safeclass.accounts.models import AccountSession
from safeclass.accounts.tests.factories import PASSWORD, UserFactory
from safeclass.audit.models import AuditEvent
from safeclass.demo.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/dang-nhap/"


def client_from(address: str) -> Client:
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address)


def sign_in(client: Client, identifier: str, password: str = PASSWORD):
    return client.post(LOGIN, {"identifier": identifier, "password": password})


@pytest.mark.parametrize(
    "identifier",
    [
        "co.lan",
        "CO.LAN",
        "co.lan@truong.example.org",
        "0912 345 678",
        "+84912345678",
        "84912345678",
    ],
)
def test_sign_in_with_username_email_or_phone(identifier: str) -> None:
    UserFactory(username="co.lan", email="co.lan@truong.example.org", phone="0912345678")
    response = sign_in(client_from("10.1.0.1"), identifier)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_with_a_clear_vietnamese_message() -> None:
    UserFactory(username="thay.minh")
    client = client_from("10.1.0.2")
    response = sign_in(client, "thay.minh", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu chưa đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.login_failed").exists()


def test_unknown_account_gets_the_same_answer_as_a_wrong_password() -> None:
    UserFactory(username="co.hoa")
    wrong = sign_in(client_from("10.1.0.3"), "co.hoa", "sai-mat-khau").content.decode()
    unknown = sign_in(client_from("10.1.0.4"), "khong.ton.tai", "sai-mat-khau").content.decode()
    marker = "Tên đăng nhập hoặc mật khẩu chưa đúng"
    assert marker in wrong
    assert marker in unknown


def test_every_sign_in_gets_a_new_session_key() -> None:
    UserFactory(username="co.mai")
    client = client_from("10.1.0.5")
    client.get(LOGIN)  # a session may exist before signing in (CSRF, language)
    client.session.save()
    before = client.session.session_key
    sign_in(client, "co.mai")
    after = client.session.session_key
    assert after and after != before
    session = AccountSession.objects.get(session_key=after)
    assert session.user is not None and session.user.username == "co.mai"
    assert session.ip == "10.1.0.5"


def test_disabled_accounts_cannot_sign_in() -> None:
    user = UserFactory(username="nghi.viec")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert sign_in(client_from("10.1.0.6"), "nghi.viec").status_code == 200


def test_twenty_failures_lock_that_address_but_not_the_real_user_elsewhere() -> None:
    """The issue's scenario: 20 wrong passwords for gvcn.demo from one address lock
    that address out for that account; the right password from another address works."""
    call_command("seed_demo", verbosity=0)
    attacker = client_from("203.0.113.66")
    for attempt in range(20):
        response = sign_in(attacker, "gvcn.demo", f"doan-mo-{attempt}")
        assert response.status_code == (429 if attempt == 19 else 200), attempt
    locked = sign_in(attacker, "gvcn.demo", DEMO_PASSWORD)
    assert locked.status_code == 429, "the attacker's address stays locked, even with the password"
    assert "Quá nhiều lần thử" in locked.content.decode()
    assert "_auth_user_id" not in attacker.session
    # The same address can still sign in to other accounts (a whole school may share it).
    assert sign_in(attacker, "gvbm.demo", DEMO_PASSWORD).status_code == 302

    teacher = client_from("198.51.100.7")
    response = sign_in(teacher, "gvcn.demo", DEMO_PASSWORD)
    assert response.status_code == 302
    assert teacher.get("/").status_code == 200


def test_the_lock_counts_every_identifier_of_the_account() -> None:
    UserFactory(username="co.yen", email="co.yen@truong.example.org", phone="0987654321")
    attacker = client_from("203.0.113.67")
    identifiers = ["co.yen", "co.yen@truong.example.org", "0987 654 321", "+84987654321"]
    for attempt in range(20):
        sign_in(attacker, identifiers[attempt % 4], "doan-mo")
    assert sign_in(attacker, "co.yen@truong.example.org").status_code == 429


def test_one_address_trying_many_accounts_hits_the_address_ceiling(settings) -> None:
    settings.SAFECLASS_ADDRESS_FAILURE_LIMIT = 5
    UserFactory(username="nan.nhan")
    sprayer = client_from("203.0.113.90")
    for index in range(5):
        sign_in(sprayer, f"tai.khoan{index}", "123456789")
    response = sign_in(sprayer, "nan.nhan")
    assert response.status_code == 429
    assert "quá nhiều" in response.content.decode().lower()
    # Another address is not affected.
    assert sign_in(client_from("198.51.100.8"), "nan.nhan").status_code == 302


def test_next_parameter_only_allows_local_targets() -> None:
    UserFactory(username="co.ngan")
    client = client_from("10.1.0.7")
    response = client.post(
        LOGIN + "?next=https://evil.example/",
        {"identifier": "co.ngan", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/"
    client2 = client_from("10.1.0.8")
    response = client2.post(
        LOGIN, {"identifier": "co.ngan", "password": PASSWORD, "next": reverse("accounts:security")}
    )
    assert response.headers["Location"] == reverse("accounts:security")


def test_logout_is_a_post_and_ends_the_session() -> None:
    UserFactory(username="co.chi")
    client = client_from("10.1.0.9")
    sign_in(client, "co.chi")
    key = client.session.session_key
    assert client.get("/dang-xuat/").status_code == 405
    client.post("/dang-xuat/")
    assert not AccountSession.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302
