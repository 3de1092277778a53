"""Changing one's own contact details needs the password and tells the old address."""

from __future__ import annotations

import pytest
from django.test import Client

from safeclass.accounts.models import User
from safeclass.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signed_in() -> Client:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.6.0.1")
    client.post("/dang-nhap/", {"identifier": "co.lien", "password": PASSWORD})
    return client


def test_a_new_email_needs_the_current_password(
    smtp_server, django_capture_on_commit_callbacks
) -> None:
    UserFactory(username="co.lien", email="lien.cu@truong.example.org")
    client = signed_in()
    refused = client.post(
        "/tai-khoan/thong-tin/",
        {"email": "ke.gian@example.org", "phone": "", "language": "vi", "current_password": ""},
    )
    assert refused.status_code == 200
    assert "Hãy nhập mật khẩu hiện tại" in refused.content.decode()
    assert User.objects.get(username="co.lien").email == "lien.cu@truong.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/tai-khoan/thong-tin/",
            {
                "email": "lien.moi@truong.example.org",
                "phone": "0912 000 111",
                "language": "vi",
                "current_password": PASSWORD,
            },
        )
    assert done.status_code == 302
    user = User.objects.get(username="co.lien")
    assert (user.email, user.phone) == ("lien.moi@truong.example.org", "+84912000111")
    [notice] = smtp_server.wait_for(1)
    assert notice.to == "lien.cu@truong.example.org"


def test_language_alone_needs_no_password() -> None:
    UserFactory(username="co.lien", email="lien@truong.example.org")
    client = signed_in()
    response = client.post(
        "/tai-khoan/thong-tin/",
        {"email": "lien@truong.example.org", "phone": "", "language": "en", "current_password": ""},
    )
    assert response.status_code == 302
    assert User.objects.get(username="co.lien").language == "en"


def test_an_email_of_another_account_is_refused() -> None:
    UserFactory(username="co.khac", email="trung@truong.example.org")
    UserFactory(username="co.lien")
    client = signed_in()
    response = client.post(
        "/tai-khoan/thong-tin/",
        {
            "email": "TRUNG@truong.example.org",
            "phone": "",
            "language": "vi",
            "current_password": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert User.objects.get(username="co.lien").email == ""
