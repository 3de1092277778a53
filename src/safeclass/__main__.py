"""The ``safeclass`` command: Django's ``manage.py`` under the project's name.

``safeclass seed-demo`` and ``safeclass seed_demo`` are the same command: the
console spells commands with hyphens, Django's modules need underscores.
"""

from __future__ import annotations

import os
import sys


def _command_name(argv: list[str]) -> list[str]:
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        return [argv[0], argv[1].replace("-", "_"), *argv[2:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeclass.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(_command_name(list(sys.argv if argv is None else argv)))


if __name__ == "__main__":
    main()
