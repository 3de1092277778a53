"""``flush`` that refuses to erase the audit log.

Django's ``flush`` empties every table. The audit log's triggers already refuse
that; this command says so clearly, and lets only the test suite (which empties
the database between transactional tests) lift the triggers for the flush.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections

from safeclass.audit import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not getattr(settings, "SAFECLASS_ALLOW_AUDIT_FLUSH", False):
            raise CommandError("flush would erase the audit log, which is append-only; refused.")
        connection = connections[options["database"]]
        triggers.remove(connection)
        try:
            super().handle(**options)
        finally:
            triggers.install(connection)
