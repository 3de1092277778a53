"""Vietnamese first, English on request; the catalogue is complete."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from safeclass.accounts.tests.factories import PASSWORD, UserFactory

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_every_message_is_translated_into_vietnamese() -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    assert "untranslated" not in result.stderr, result.stderr


@pytest.mark.django_db
def test_pages_are_vietnamese_even_for_an_english_browser() -> None:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get("/dang-nhap/")
    assert page.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in page.content.decode()
    assert "Đăng nhập SafeClass" in page.content.decode()


@pytest.mark.django_db
def test_the_english_switch_is_remembered() -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/ngon-ngu/", {"language": "en", "next": "/dang-nhap/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dang-nhap/"
    page = client.get("/dang-nhap/")
    assert page.headers["Content-Language"] == "en"
    assert "Sign in to SafeClass" in page.content.decode()


@pytest.mark.django_db
def test_a_saved_preference_follows_the_person() -> None:
    user = UserFactory(username="teacher.en")
    client = Client(HTTP_HOST="127.0.0.1")
    client.post("/dang-nhap/", {"identifier": "teacher.en", "password": PASSWORD})
    client.post("/ngon-ngu/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    # A new browser: English again as soon as they sign in.
    other = Client(HTTP_HOST="127.0.0.1")
    other.post("/dang-nhap/", {"identifier": "teacher.en", "password": PASSWORD})
    assert "Hello," in other.get("/").content.decode()


@pytest.mark.django_db
def test_the_switch_refuses_foreign_redirects() -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/ngon-ngu/", {"language": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
