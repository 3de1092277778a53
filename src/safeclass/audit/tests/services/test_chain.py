"""The audit log is append-only and tamper-evident (LED-1, INC evidence later)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from safeclass.audit import triggers
from safeclass.audit.models import GENESIS_HASH, AuditEvent
from safeclass.audit.services import audit_record, audit_record_now
from safeclass.audit.verify import chain_verify
from safeclass.core.context import Actor


def record_some(count: int) -> list[AuditEvent]:
    return [
        audit_record_now(
            action="test.event",
            actor=Actor(user=None, ip="192.0.2.10"),
            data={"n": index, "text": "Nhật ký tiếng Việt"},
        )
        for index in range(count)
    ]


@pytest.mark.django_db
def test_events_form_a_chain_from_genesis() -> None:
    events = record_some(5)
    assert events[0].prev_hash == GENESIS_HASH
    for earlier, later in itertools.pairwise(events):
        assert later.prev_hash == earlier.hash
    report = chain_verify()
    assert report.intact
    assert report.checked == 5


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_a_bug() -> None:
    with pytest.raises(RuntimeError):
        audit_record(action="test.event", actor=Actor.system())


@pytest.mark.django_db(transaction=True)
def test_update_and_delete_are_refused_by_the_database() -> None:
    event = record_some(1)[0]
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET action = 'forged' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    event.refresh_from_db()
    assert event.action == "test.event"


@pytest.mark.django_db(transaction=True)
def test_verify_names_the_row_changed_behind_the_triggers_back() -> None:
    events = record_some(6)
    target = events[3]
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s",
                [json.dumps({"n": 99, "text": "sửa lén"}), target.pk],
            )
    finally:
        triggers.install(connection)
    report = chain_verify()
    assert report.first_break is not None
    assert report.first_break.event_id == target.pk
    assert report.checked == 3
    with pytest.raises(CommandError, match=f"row {target.pk}"):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_deleted_row() -> None:
    events = record_some(4)
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[1].pk])
    finally:
        triggers.install(connection)
    report = chain_verify()
    assert report.first_break is not None
    assert report.first_break.event_id == events[2].pk
    assert "removed" in report.first_break.reason


@pytest.mark.django_db(transaction=True)
def test_the_console_command_exits_non_zero_on_a_broken_chain(tmp_path) -> None:
    """`safeclass audit-verify` as an operator runs it, against the test database."""
    record_some(3)
    env = _command_env()
    ok = subprocess.run(
        [sys.executable, "-m", "safeclass", "audit-verify"], env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "3 rows verified" in ok.stdout
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET ip = '198.51.100.1'")
    finally:
        triggers.install(connection)
    broken = subprocess.run(
        [sys.executable, "-m", "safeclass", "audit-verify"], env=env, capture_output=True, text=True
    )
    first = AuditEvent.objects.order_by("id").first()
    assert first is not None
    assert broken.returncode != 0
    assert f"row {first.pk}" in broken.stderr


def _command_env() -> dict[str, str]:
    import os

    from django.conf import settings

    env = dict(os.environ)
    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        )
    env["SAFECLASS_ENV"] = "development"
    return env


@pytest.mark.django_db
def test_flush_refuses_to_erase_the_audit_log_outside_tests(settings) -> None:
    settings.SAFECLASS_ALLOW_AUDIT_FLUSH = False
    record_some(1)
    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False)
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    """Several connections appending at once still give one unbroken chain."""
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for index in range(15):
                audit_record_now(
                    action="test.concurrent",
                    actor=Actor(user=None, ip=f"192.0.2.{worker}"),
                    data={"worker": worker, "n": index},
                )
        except BaseException as error:  # reported below, with the thread's own traceback
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    report = chain_verify()
    assert report.intact, report.first_break
    assert report.checked == 60
    assert AuditEvent.objects.values("prev_hash").distinct().count() == 60
