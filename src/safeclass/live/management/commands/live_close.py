"""``safeclass live-close``: after lessons end, close attendance intervals that no
server closed and send absence notices (run it every few minutes, e.g. from a
systemd timer or cron; repeating it is harmless)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safeclass.live.attendance import close_ended


class Command(BaseCommand):
    help = "Close attendance of ended lessons and tell parents of absences (where schools want it)."

    def handle(self, *args: Any, **options: Any) -> None:
        closed, lessons = close_ended()
        self.stdout.write(f"{lessons} ended lessons checked, {closed} open intervals closed")
