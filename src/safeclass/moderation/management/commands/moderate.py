"""``safeclass moderate``: JSON Lines in, one verdict per line out.

Each input line is ``{"id": ..., "text": "...", "sender": "student"|"teacher"|"guest"}``;
each output line is ``{"id": ..., "action": "allow|mask|hold|block", "categories": [...]}``.
The default school policy applies. A line that cannot be read gives
``{"id": null, "error": "..."}`` on standard output and a note on standard
error; the exit status is then 1, after every other line was answered.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from safeclass.moderation.engine import DEFAULT_POLICY, Sender, check, warm_up


class Command(BaseCommand):
    help = "Moderate chat messages read as JSON Lines from standard input."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--details",
            action="store_true",
            help="Also print the masked text, reasons and matched spans.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        warm_up()
        details = options["details"]
        out = sys.stdout
        failures = 0
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError("expected an object with a text string")
                sender = Sender.parse(str(item.get("sender") or "student"))
            except ValueError as error:
                failures += 1
                sys.stderr.write(f"line {number}: {error}\n")
                out.write(json.dumps({"id": None, "line": number, "error": str(error)}) + "\n")
                continue
            verdict = check(item["text"], sender_role=sender, policy=DEFAULT_POLICY)
            answer: dict[str, Any] = {
                "id": item.get("id"),
                "action": verdict.action.label,
                "categories": [str(category) for category in verdict.categories],
            }
            if details:
                answer.update(verdict.as_dict())
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
        if failures:
            raise SystemExit(1)
