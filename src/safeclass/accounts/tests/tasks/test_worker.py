"""Mail goes through the database task queue and the worker, as in `make run`."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from safeclass.accounts.tasks import send_account_email

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_delivers_queued_mail(settings, smtp_server) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    result = send_account_email.enqueue(
        recipient="phu.huynh@example.org",
        language="vi",
        subject="Your SafeClass password was changed",
        body="Hello %(name)s",
        params={"name": "Nguyễn Văn Bình"},
    )
    assert smtp_server.messages == []  # queued, not sent inside the request
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    [mail] = smtp_server.wait_for(1)
    assert mail.to == "phu.huynh@example.org"
    assert "Nguyễn Văn Bình" in mail.body
    result.refresh()
    assert result.status == "SUCCESSFUL"
