"""Forgotten passwords: a one-time link by real email (SMTP), no account enumeration."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from safeclass.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Hoa-sen-nở-giữa-hè"


def test_reset_link_arrives_by_email_and_works_once(
    smtp_server, django_capture_on_commit_callbacks
) -> None:
    UserFactory(username="co.nhung", email="co.nhung@truong.example.org")
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.5.0.1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/quen-mat-khau/", {"identifier": "co.nhung@truong.example.org"})
    assert response.status_code == 200
    [mail] = smtp_server.wait_for(1)
    assert mail.to == "co.nhung@truong.example.org"
    assert mail.subject == "Đặt lại mật khẩu SafeClass"
    link = re.search(r"http://127\.0\.0\.1/dat-lai-mat-khau/[\w-]+/", mail.body)
    assert link is not None, mail.body
    path = link.group(0).removeprefix("http://127.0.0.1")

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert done.status_code == 302
    # The change is confirmed by email too.
    notice = smtp_server.wait_for(2)[1]
    assert notice.subject == "Mật khẩu SafeClass của bạn đã được thay đổi"
    assert client.get(path).status_code == 410
    signed = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.5.0.2")
    assert (
        signed.post("/dang-nhap/", {"identifier": "co.nhung", "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_the_answer_is_the_same_for_unknown_accounts(
    smtp_server, django_capture_on_commit_callbacks
) -> None:
    UserFactory(username="co.vy", email="co.vy@truong.example.org")
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.5.0.3")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/quen-mat-khau/", {"identifier": "co.vy"}).content.decode()
        unknown = client.post("/quen-mat-khau/", {"identifier": "khong.co.ai"}).content.decode()

    def strip(html: str) -> str:
        """Per-response values (CSRF token, CSP nonce) aside, the pages must be identical."""
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return re.sub(r'nonce="[^"]+"', "", html)

    assert strip(known) == strip(unknown)
    assert len(smtp_server.wait_for(1)) == 1


def test_a_weak_new_password_keeps_the_link_usable() -> None:
    from safeclass.accounts import services
    from safeclass.core.context import Actor

    UserFactory(username="co.uyen", email="co.uyen@truong.example.org")
    values: list[str] = []

    def link_for(value: str) -> str:
        values.append(value)
        return value

    services.password_reset_request(actor=Actor.system(), identifier="co.uyen", link_for=link_for)
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.5.0.4")
    path = f"/dat-lai-mat-khau/{values[0]}/"
    weak = client.post(path, {"new_password": "co.uyen123", "new_password_again": "co.uyen123"})
    assert weak.status_code == 200
    assert 'aria-invalid="true"' in weak.content.decode()
    ok = client.post(path, {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert ok.status_code == 302
    old = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.5.0.5")
    assert (
        old.post("/dang-nhap/", {"identifier": "co.uyen", "password": PASSWORD}).status_code == 200
    )
