"""``safeclass notify-sweep``: queue delivery of every email in the outbox that is due.

``safeclass run`` does this every minute next to its worker. Where workers run
on their own hosts, run this command from cron (or a timer) every minute.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safeclass.notify.selectors import outbox_counts
from safeclass.notify.services import outbox_sweep


class Command(BaseCommand):
    help = "Queue delivery of every pending email in the outbox that is due."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = outbox_sweep()
        if options["verbosity"] >= 1:
            counts = outbox_counts()
            self.stdout.write(
                f"Queued {queued} email(s) for delivery; outbox: {counts['pending']} pending, "
                f"{counts['sent']} sent, {counts['failed']} given up."
            )
