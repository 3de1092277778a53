"""``safeclass import-roster``: roster files for one or many classes, from the shell.

    safeclass import-roster --school th-demo --class 5B 5B.xlsx [--dry-run]
    safeclass import-roster --school th-demo rosters/*.xlsx   # class = file name

Every file is checked first; problems are printed with their row numbers, in
the same words the web page uses, and the exit status is non-zero. With
--dry-run nothing is imported even when all files are clean. Each class is
imported all or nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeclass.classes import selectors
from safeclass.classes.roster.messages import problem_message
from safeclass.classes.services import roster as roster_services
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.orgs import selectors as org_selectors


class ProgressBar:
    """A plain text progress bar on standard error (no terminal tricks when piped)."""

    def __init__(self, label: str, stream: Any) -> None:
        self.label = label
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        if percent == self.last:
            return
        self.last = percent
        filled = percent // 5
        bar = f"{self.label} [{'#' * filled}{'.' * (20 - filled)}] {percent:3d}% ({done}/{total})"
        if self.tty:
            self.stream.write("\r" + bar)
            if done >= total:
                self.stream.write("\n")
        elif done >= total or percent % 25 == 0:
            self.stream.write(bar + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import class rosters (XLSX or CSV) for a school."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--school", required=True, help="the school's code, e.g. th-demo")
        parser.add_argument(
            "--class", dest="class_name", help="class name; default: each file's name (5B.xlsx)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, import nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        school = org_selectors.unit_by_code(options["school"])
        if school is None or not school.is_school:
            raise CommandError(f"No school has the code {options['school']!r}.")
        files: list[Path] = options["files"]
        if options["class_name"] and len(files) > 1:
            raise CommandError("--class names one class: give one file, or leave it out.")
        actor = Actor.system()
        previews = []
        failed = False
        for path in files:
            class_name = options["class_name"] or path.stem
            school_class = selectors.current_class_by_name(school.pk, class_name)
            if school_class is None:
                self.stderr.write(f"{path}: no class {class_name!r} in {school.name} this year.")
                failed = True
                continue
            try:
                data = path.read_bytes()
            except OSError as error:
                self.stderr.write(f"{path}: {error.strerror}")
                failed = True
                continue
            try:
                preview = roster_services.roster_upload(
                    actor=actor, school_class=school_class, data=data, file_name=path.name
                )
            except ServiceError as error:
                self.stderr.write(f"{path}: {error.message}")
                failed = True
                continue
            for problem in preview.problems:
                marker = "error" if problem.blocking else "note"
                self.stderr.write(f"{path}: {marker}: {problem_message(problem)}")
            for enrollment in preview.leavers:
                self.stdout.write(
                    f"{path}: not in the file, stays on the roster: "
                    f"{enrollment.roster_no}. {enrollment.student.full_name}"
                )
            if not preview.ok:
                failed = True
            self.stdout.write(
                f"{path}: class {school_class.name}: {len(preview.planned)} students, "
                f"{preview.count('create')} new, {preview.count('update')} to update, "
                f"{preview.count('unchanged')} unchanged, "
                f"{len(preview.bad_row_numbers())} rows with errors"
            )
            previews.append(preview)
        if failed:
            raise CommandError("Nothing was imported: fix the errors above and run again.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was imported.")
            return
        for preview in previews:
            label = f"{preview.roster_import.school_class.name:>6}"
            result = roster_services.roster_apply(
                actor=actor,
                roster_import=preview.roster_import,
                progress=ProgressBar(label, sys.stderr),
            )
            self.stdout.write(
                f"{preview.roster_import.file_name}: {result.created} created, "
                f"{result.updated} updated, {result.unchanged} unchanged."
            )
