"""Production settings: secure by default, refuse to start unsafely (LED-1, ACC-4)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'session': s.SESSION_COOKIE_NAME, 'csrf': s.CSRF_COOKIE_NAME, "
    "'secure': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'redirect': s.SECURE_SSL_REDIRECT, 'debug': s.DEBUG, 'demo': s.DEMO_MODE, "
    "'referrer': s.SECURE_REFERRER_POLICY}))"
)


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SAFECLASS_", "DJANGO_"))
        and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        {
            "SAFECLASS_ENV": "production",
            "SAFECLASS_VAR_DIR": str(tmp_path),
            "SAFECLASS_SECRET_KEY": secrets.token_urlsafe(64),
            "SAFECLASS_ALLOWED_HOSTS": "lophoc.example.edu.vn",
            "DJANGO_SETTINGS_MODULE": "safeclass.settings",
        }
    )
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_warnings(tmp_path: Path) -> None:
    result = run(
        production_env(tmp_path), "-m", "safeclass", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_uses_host_prefixed_secure_cookies_and_hsts(tmp_path: Path) -> None:
    import json

    result = run(production_env(tmp_path), "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["session"].startswith("__Host-")
    assert values["csrf"].startswith("__Host-")
    assert values["secure"] is True
    assert values["hsts"] >= 31536000
    assert values["redirect"] is True
    assert values["debug"] is False
    assert values["demo"] is False, "production never runs demo mode"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SAFECLASS_SECRET_KEY"]
    result = run(env, "-m", "safeclass", "check")
    assert result.returncode != 0
    assert "SAFECLASS_SECRET_KEY is required" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_a_short_secret_key_and_missing_hosts(tmp_path: Path) -> None:
    short = run(
        production_env(tmp_path, SAFECLASS_SECRET_KEY="kh0ng-du-dai"), "-m", "safeclass", "check"
    )
    assert short.returncode != 0
    env = production_env(tmp_path)
    del env["SAFECLASS_ALLOWED_HOSTS"]
    hosts = run(env, "-m", "safeclass", "check")
    assert hosts.returncode != 0
    assert "SAFECLASS_ALLOWED_HOSTS" in hosts.stderr


def test_production_never_seeds_demo_accounts(tmp_path: Path) -> None:
    env = production_env(tmp_path, SAFECLASS_DEMO="1")
    result = run(env, "-m", "safeclass", "seed-demo")
    assert result.returncode != 0
    assert "never in production" in result.stderr


def test_the_embedded_default_generates_its_key_once(tmp_path: Path) -> None:
    env = production_env(tmp_path, SAFECLASS_ENV="development")
    del env["SAFECLASS_SECRET_KEY"]
    script = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    first = run(env, "-c", script)
    second = run(env, "-c", script)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first.stdout.strip()
    assert key_file.stat().st_mode & 0o077 == 0, "the key file is readable by its owner only"


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy() -> None:
    response = Client(HTTP_HOST="127.0.0.1").get("/dang-nhap/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_scripts_carry_the_nonce_of_the_policy() -> None:
    import re

    response = Client(HTTP_HOST="127.0.0.1").get("/dang-nhap/")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None, policy
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()
    again = Client(HTTP_HOST="127.0.0.1").get("/dang-nhap/").headers["Content-Security-Policy"]
    assert nonce.group(1) not in again, "a nonce is used for one response only"
