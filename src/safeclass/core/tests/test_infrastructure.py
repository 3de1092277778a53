"""Tests of the test infrastructure itself (conftest.py at the repository root)."""

from __future__ import annotations

import json
import os
import pickle
import urllib.request
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from safeclass.audit.models import AuditEvent
from safeclass.audit.services import audit_record_now
from safeclass.core.context import Actor

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from conftest import SMTPServer


def test_settings_are_the_test_settings() -> None:
    assert os.environ["SAFECLASS_ENV"] == "test"
    assert settings.TESTING is True
    assert settings.SAFECLASS_ALLOW_AUDIT_FLUSH is True


def test_mail_reaches_the_smtp_server_with_vietnamese_intact(smtp_server: SMTPServer) -> None:
    send_mail(
        subject="Thông báo lịch học lớp 6A",
        message="Thông báo lịch học: thứ Hai, 7 giờ 30.\nTrân trọng, cô Nguyễn Thị Hương",
        from_email=None,
        recipient_list=["phu.huynh@example.vn"],
    )

    (mail,) = smtp_server.wait_for(1, timeout=10)
    assert mail.rcpt_tos == ["phu.huynh@example.vn"]
    assert mail.to == "phu.huynh@example.vn"
    assert mail.subject == "Thông báo lịch học lớp 6A"
    assert mail.body.splitlines() == [
        "Thông báo lịch học: thứ Hai, 7 giờ 30.",
        "Trân trọng, cô Nguyễn Thị Hương",
    ]


def test_wait_for_fails_clearly_when_mail_does_not_arrive(smtp_server: SMTPServer) -> None:
    with pytest.raises(AssertionError, match="expected at least 1 message"):
        smtp_server.wait_for(1, timeout=0.2)


@pytest.mark.services
def test_services_profile_uses_postgresql_and_redis() -> None:
    assert connection.vendor == "postgresql"

    key = f"infrastructure-{uuid.uuid4().hex}"
    value = {"lớp": "6A", "sĩ số": 32}
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        cache.set(key, value, timeout=60)
        # Django pickles non-integer values under "<KEY_PREFIX>:<version>:<key>".
        raw = client.get(cache.make_key(key))
        assert isinstance(raw, bytes)
        assert pickle.loads(raw) == value  # noqa: S301 - our own value, just written

        # And the other way: an integer written by plain redis-py reads back.
        client.set(cache.make_key(f"{key}-count"), 7, ex=60)
        assert cache.get(f"{key}-count") == 7
    finally:
        client.delete(cache.make_key(key), cache.make_key(f"{key}-count"))
        client.close()


@pytest.mark.django_db(transaction=True)
def test_transactional_flush_empties_the_audit_log_and_restores_its_triggers() -> None:
    # pytest-django empties the database after every transactional test with
    # the project's own flush command; this is the same call.
    audit_record_now(action="infrastructure.test", actor=Actor.system())
    assert AuditEvent.objects.count() == 1

    call_command("flush", interactive=False, verbosity=0)

    assert AuditEvent.objects.count() == 0
    audit_record_now(action="infrastructure.test", actor=Actor.system())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


def test_live_server_answers_healthz(live_server_url: str) -> None:
    with urllib.request.urlopen(f"{live_server_url}/healthz", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers.get_content_type() == "application/json"
        assert json.load(response) == {"status": "ok"}


@pytest.mark.browser
def test_browser_contexts_are_separate_people_speaking_vietnamese(
    live_server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    first, second = new_context(), new_context()
    first.add_cookies([{"name": "who", "value": "first", "url": live_server_url}])

    for context in (first, second):
        page = context.new_page()
        response = page.goto(f"{live_server_url}/healthz")
        assert response is not None
        assert response.ok
        assert json.loads(page.inner_text("body")) == {"status": "ok"}
        assert page.evaluate("navigator.language") == "vi-VN"

    assert "who" in {cookie["name"] for cookie in first.cookies()}
    assert "who" not in {cookie["name"] for cookie in second.cookies()}
    # The ORM still works in the test's own thread while Playwright runs.
    assert AuditEvent.objects.count() == 0
