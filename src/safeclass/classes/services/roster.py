"""Roster import: a spreadsheet from the school-management system becomes the
class's roster, student accounts and parent invitations (ACC-2, FAM-1).

Two steps. ``roster_upload`` stores the file and returns a preview: every
problem with its row number and reason, and what the import would do.
``roster_apply`` imports exactly the stored file, all or nothing, and refuses
while any blocking problem stands. Re-importing matches students by student
code (by name and date of birth when the file has no codes): it updates them,
never duplicates them, and reports students missing from the file instead of
removing them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeclass.accounts import selectors as account_selectors
from safeclass.accounts import services as account_services
from safeclass.accounts.data import AccountKind
from safeclass.audit.services import audit_record
from safeclass.classes.models import Enrollment, ImportStatus, RosterImport, SchoolClass
from safeclass.classes.roster.parser import ParsedRoster, Problem, RosterRow, parse_roster
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.text import alnum_folded

if TYPE_CHECKING:
    from safeclass.accounts.models import User

MAX_FILE_BYTES = 5 * 1024 * 1024

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PlannedRow:
    row: RosterRow
    roster_no: int
    student: User | None  # the existing student this row updates, if any
    action: Literal["create", "update", "unchanged"]
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RosterPreview:
    roster_import: RosterImport
    parsed: ParsedRoster
    planned: list[PlannedRow]
    problems: list[Problem]
    leavers: list[Enrollment] = field(default_factory=list)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def bad_row_numbers(self) -> list[int]:
        return sorted({p.row_number for p in self.blocking if p.row_number is not None})

    def count(self, action: str) -> int:
        return sum(1 for row in self.planned if row.action == action)


def _name_key(full_name: str, born: object) -> tuple[str, str]:
    return alnum_folded(full_name), str(born or "")


def _changes(student: User, row: RosterRow) -> tuple[str, ...]:
    from safeclass.core.text import normalize_person_name

    wanted = {
        "full_name": normalize_person_name(row.full_name),
        "date_of_birth": row.date_of_birth,
        "gender": row.gender,
        "student_code": row.student_code,
    }
    return tuple(
        name
        for name, value in wanted.items()
        if value not in ("", None) and getattr(student, name) != value
    )


def _problem(code: str, row: int | None, value: str = "", column: str | None = None) -> Problem:
    return Problem(code=code, row_number=row, column=column, value=value, blocking=True)


def _plan(school_class: SchoolClass, parsed: ParsedRoster) -> RosterPreview:
    current = list(
        Enrollment.objects.filter(school_class=school_class, left_at__isnull=True).select_related(
            "student"
        )
    )
    by_student = {e.student_id: e for e in current}
    codes = [row.student_code for row in parsed.rows if row.student_code]
    students_by_code = account_selectors.students_by_code(school_class.school_id, codes)
    elsewhere = {
        e.student_id: e.school_class
        for e in Enrollment.objects.filter(
            student__in=list(students_by_code.values()),
            left_at__isnull=True,
            school_class__school_year=school_class.school_year,
        )
        .exclude(school_class=school_class)
        .select_related("school_class")
    }
    by_name = {_name_key(e.student.full_name, e.student.date_of_birth): e for e in current}

    problems = list(parsed.problems)
    planned: list[PlannedRow] = []
    taken_numbers = {row.roster_no for row in parsed.rows if row.roster_no}
    next_free = 1
    matched_ids: set[int] = set()
    for row in parsed.rows:
        student: User | None = None
        if row.student_code:
            student = students_by_code.get(row.student_code)
            if student is not None and student.pk in elsewhere:
                problems.append(
                    _problem(
                        "code_in_other_class",
                        row.row_number,
                        f"{row.student_code}|{student.full_name}|{elsewhere[student.pk].name}",
                    )
                )
                continue
        else:
            match = by_name.get(_name_key(row.full_name, row.date_of_birth))
            student = match.student if match is not None else None
        if row.roster_no:
            roster_no = row.roster_no
        else:
            while next_free in taken_numbers:
                next_free += 1
            roster_no = next_free
            taken_numbers.add(roster_no)
        if student is None:
            planned.append(PlannedRow(row, roster_no, None, "create"))
            continue
        matched_ids.add(student.pk)
        changes = _changes(student, row)
        enrollment = by_student.get(student.pk)
        if enrollment is None or enrollment.roster_no != roster_no:
            changes = (*changes, "roster_no")
        planned.append(
            PlannedRow(row, roster_no, student, "update" if changes else "unchanged", changes)
        )

    leavers = [e for e in current if e.student_id not in matched_ids]
    return RosterPreview(
        roster_import=RosterImport(),  # replaced by the caller
        parsed=parsed,
        planned=planned,
        problems=sorted(problems, key=lambda p: (p.row_number or 0, p.code)),
        leavers=sorted(leavers, key=lambda e: e.roster_no),
    )


def roster_preview(*, roster_import: RosterImport) -> RosterPreview:
    """Check the stored file again against the class as it is now."""
    parsed = parse_roster(bytes(roster_import.content), roster_import.file_name)
    preview = _plan(roster_import.school_class, parsed)
    return RosterPreview(
        roster_import=roster_import,
        parsed=preview.parsed,
        planned=preview.planned,
        problems=preview.problems,
        leavers=preview.leavers,
    )


@transaction.atomic
def roster_upload(
    *, actor: Actor, school_class: SchoolClass, data: bytes, file_name: str
) -> RosterPreview:
    if not data:
        raise ServiceError(_("The file is empty."), field="file")
    if len(data) > MAX_FILE_BYTES:
        raise ServiceError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    roster_import = RosterImport.objects.create(
        school_class=school_class,
        uploaded_by=account_selectors.acting_user(actor),
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        content=data,
    )
    return roster_preview(roster_import=roster_import)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    left: int
    invitations: int
    new_students: list[User]


def _renumber_out_of_the_way(enrollments: list[Enrollment]) -> None:
    """Move roster numbers aside first, so numbers can swap without a clash."""
    for enrollment in enrollments:
        Enrollment.objects.filter(pk=enrollment.pk).update(roster_no=enrollment.roster_no + 10000)


@transaction.atomic
def roster_apply(
    *,
    actor: Actor,
    roster_import: RosterImport,
    leave: set[int] | None = None,
    invitation_link_for: Callable[[str], str] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the previewed file, all or nothing.

    ``leave`` names enrollments (of students missing from the file) to mark as
    having left; the others stay on the roster, and a clash of roster numbers
    with them is a problem the teacher resolves first.
    """
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.status != ImportStatus.PREVIEW:
        raise ServiceError(_("This file has already been imported."))
    school_class = locked.school_class
    preview = roster_preview(roster_import=locked)
    if not preview.ok:
        count = len(preview.bad_row_numbers()) or len(preview.blocking)
        raise ServiceError(
            ngettext(
                "Nothing was imported: %(count)s row needs fixing first.",
                "Nothing was imported: %(count)s rows need fixing first.",
                count,
            )
            % {"count": count}
        )
    leave = leave or set()
    staying = [e for e in preview.leavers if e.pk not in leave]
    file_numbers = {row.roster_no for row in preview.planned}
    clashes = [e for e in staying if e.roster_no in file_numbers]
    if clashes:
        raise ServiceError(
            _(
                "Roster number %(number)s belongs to %(name)s, who is not in the file. Mark "
                "them as having left, or give the new row another number."
            )
            % {"number": clashes[0].roster_no, "name": clashes[0].student.full_name}
        )

    from safeclass.classes.services.classes import enrollment_leave

    left = 0
    for enrollment in preview.leavers:
        if enrollment.pk in leave:
            enrollment_leave(actor=actor, enrollment=enrollment)
            left += 1

    enrolled = {
        e.student_id: e
        for e in Enrollment.objects.filter(school_class=school_class, left_at__isnull=True)
    }
    _renumber_out_of_the_way(
        [enrolled[p.student.pk] for p in preview.planned if p.student and p.student.pk in enrolled]
    )

    created = updated = unchanged = invitations = 0
    new_students: list[User] = []
    total = len(preview.planned)
    for index, plan in enumerate(preview.planned, start=1):
        row = plan.row
        if plan.student is None:
            student = account_services.user_create(
                actor=actor,
                username=account_services.username_for_student(row.full_name, row.date_of_birth),
                full_name=row.full_name,
                kind=AccountKind.STUDENT,
                date_of_birth=row.date_of_birth,
                gender=row.gender,
                school=school_class.school,
                student_code=row.student_code,
            )
            Enrollment.objects.create(
                school_class=school_class, student=student, roster_no=plan.roster_no
            )
            new_students.append(student)
            created += 1
        else:
            student = plan.student
            account_services.student_update(
                actor=actor,
                student=student,
                full_name=row.full_name,
                date_of_birth=row.date_of_birth,
                gender=row.gender,
                student_code=row.student_code,
            )
            current = enrolled.get(student.pk)
            if current is None:
                Enrollment.objects.update_or_create(
                    school_class=school_class,
                    student=student,
                    defaults={"roster_no": plan.roster_no, "left_at": None},
                )
            else:
                Enrollment.objects.filter(pk=current.pk).update(roster_no=plan.roster_no)
            if plan.action == "update":
                updated += 1
            else:
                unchanged += 1
        if row.parent_email or row.parent_phone:
            invitation = account_services.parent_invitations_create(
                actor=actor,
                student=student,
                parent_name=row.parent_name,
                email=row.parent_email,
                phone=row.parent_phone,
                link_for=invitation_link_for,
            )
            invitations += invitation is not None
        if progress is not None:
            progress(index, total)

    locked.status = ImportStatus.IMPORTED
    locked.imported_at = timezone.now()
    locked.result = {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "left": left,
        "not_in_file": len(staying),
        "invitations": invitations,
    }
    locked.save(update_fields=["status", "imported_at", "result"])
    audit_record(
        action="classes.roster_import",
        actor=actor,
        target=locked,
        unit_id=school_class.school_id,
        data={"class": school_class.name, "file_sha256": locked.file_sha256, **locked.result},
    )
    return ImportResult(created, updated, unchanged, left, invitations, new_students)
