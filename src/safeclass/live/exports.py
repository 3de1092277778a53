"""Attendance as a spreadsheet (TRK-1)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from safeclass.live.attendance import Line
from safeclass.live.models import AttendanceStatus, Session


def _time(value: object) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%H:%M")  # type: ignore[arg-type]


def attendance_xlsx(session: Session, lines: Sequence[Line]) -> bytes:
    """One lesson's sheet: roster number, name, status, first in, last out, minutes, correction."""
    book = openpyxl.Workbook()
    sheet = book.create_sheet(index=0)
    book.remove(book.worksheets[1])  # the empty default sheet
    sheet.title = _("Attendance")[:31]
    start = timezone.localtime(session.starts_at)
    sheet.append(
        [
            f"{session.school_class.name} · {session.title or ''} · "
            f"{start:%d/%m/%Y %H:%M}–{timezone.localtime(session.ends_at):%H:%M}"
        ]
    )
    sheet.append([])
    header = [
        _("No."),
        _("Student"),
        _("Status"),
        _("First in"),
        _("Last out"),
        _("Minutes present"),
        _("Correction"),
    ]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    labels = dict(AttendanceStatus.choices)
    for line in lines:
        correction = ""
        if line.correction is not None:
            correction = f"{labels.get(line.computed, line.computed)} → {line.correction.reason}"
        sheet.append(
            [
                line.roster_no,
                line.display_name,
                str(labels.get(line.status, line.status)),
                _time(line.first_in),
                _time(line.last_out),
                line.minutes,
                correction,
            ]
        )
    for column, width in zip("ABCDEFG", (6, 34, 14, 10, 10, 16, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def class_attendance_xlsx(
    school_class: Any,
    sessions: Sequence[Session],
    roster: Sequence[Any],
    cells: Mapping[tuple[int, int], Any],
) -> bytes:
    """A class over a date range: one row per student, one column per lesson, totals."""
    book = openpyxl.Workbook()
    sheet = book.create_sheet(index=0)
    book.remove(book.worksheets[1])
    sheet.title = _("Attendance")[:31]
    labels = dict(AttendanceStatus.choices)
    header: list[Any] = [_("No."), _("Student")]
    for session in sessions:
        start = timezone.localtime(session.starts_at)
        subject = session.subject.name if session.subject else (session.title or "")
        header.append(f"{start:%d/%m %H:%M} {subject}".strip())
    header += [_("Absent"), _("Late")]
    sheet.append([school_class.name])
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for entry in roster:
        student_id = entry.enrollment.student_id
        found = [cells.get((s.pk, student_id)) for s in sessions]
        row: list[Any] = [entry.enrollment.roster_no, entry.display_name]
        row += [str(labels.get(c.status, c.status)) if c else "" for c in found]
        row.append(sum(1 for c in found if c and c.status == AttendanceStatus.ABSENT))
        row.append(sum(1 for c in found if c and c.status == AttendanceStatus.LATE))
        sheet.append(row)
    sheet.column_dimensions["B"].width = 34
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
