"""``safeclass hashlist-import``: import a list of PDQ hashes of abusive images (CLS-2).

    safeclass hashlist-import --name "Danh sách 2026-09" --source "Bộ GD&ĐT" hashes.csv
    safeclass hashlist-import --name "Danh sách 2026-09" hashes.csv --dry-run

The file format is in ``docs/hash-lists.md``. Every line is checked first;
bad lines are printed with their numbers and the exit status is non-zero, and
then nothing is imported. With --dry-run nothing is imported even when the
file is clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeclass.core.errors import ServiceError
from safeclass.moderation.engine.images import MIN_QUALITY
from safeclass.moderation.hashlists import import_hash_list, parse_hash_file


class Command(BaseCommand):
    help = "Import a list of PDQ hashes of known abusive images (see docs/hash-lists.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file: pdq,quality,label")
        parser.add_argument("--name", required=True, help="the list's name, shown in reports")
        parser.add_argument("--source", default="", help="where the list comes from")
        parser.add_argument("--dry-run", action="store_true", help="check only, import nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows, errors = parse_hash_file(handle)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(path)s: the file is not UTF-8 text (byte %(at)d).")
                % {"path": path, "at": error.start}
            ) from error
        for problem in errors:
            self.stderr.write(f"{path}: {problem}")
        if errors:
            raise CommandError(
                ngettext(
                    "%(count)d line is not valid: nothing was imported. Fix it and run again.",
                    "%(count)d lines are not valid: nothing was imported. Fix them and run again.",
                    len(errors),
                )
                % {"count": len(errors)}
            )
        low = sum(1 for row in rows if row.quality < MIN_QUALITY)
        if low:
            self.stdout.write(
                ngettext(
                    "%(count)d hash has a quality below %(min)d and will not be used for matching.",
                    "%(count)d hashes have a quality below %(min)d and will not be used "
                    "for matching.",
                    low,
                )
                % {"count": low, "min": MIN_QUALITY}
            )
        if options["dry_run"]:
            self.stdout.write(
                ngettext(
                    "%(count)d hash is valid. Dry run: nothing was imported.",
                    "%(count)d hashes are valid. Dry run: nothing was imported.",
                    len(rows),
                )
                % {"count": len(rows)}
            )
            return
        try:
            hash_list = import_hash_list(name=options["name"], source=options["source"], rows=rows)
        except ServiceError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            ngettext(
                "Imported %(count)d hash into the list “%(name)s” (number %(id)d).",
                "Imported %(count)d hashes into the list “%(name)s” (number %(id)d).",
                len(rows),
            )
            % {"count": len(rows), "name": hash_list.name, "id": hash_list.pk}
        )
