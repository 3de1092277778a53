"""``safeclass audit-verify``: exit status 0 when the chain is intact, 1 otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safeclass.audit.verify import chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and name the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if report.first_break is not None:
            raise CommandError(
                f"Audit chain broken at row {report.first_break.event_id}: "
                f"{report.first_break.reason} ({report.checked} rows before it are intact)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} rows verified.")
