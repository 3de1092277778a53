"""The class roster as an XLSX file, in the column layout schools import from."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

HEADERS = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Mã học sinh",
    "Tên hiển thị",
    "Tên đăng nhập",
    "Tài khoản",
    "Họ tên phụ huynh",
    "SĐT phụ huynh",
    "Email phụ huynh",
]
GENDER = {"male": "Nam", "female": "Nữ"}


def roster_xlsx(*, school_class: Any, entries: list[Any]) -> bytes:
    """``entries``: RosterEntry items (enrollment and display name) with guardians prefetched."""
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new workbook always has one sheet; satisfies the type checker
        sheet = workbook.create_sheet()
    sheet.title = f"Lớp {school_class.name}"[:31]
    sheet.append([f"{school_class.school.name} – Danh sách lớp {school_class.name}"])
    sheet.append([f"Năm học {school_class.school_year.name}"])
    sheet.append([])
    sheet.append(HEADERS)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for entry in entries:
        student = entry.enrollment.student
        guardians = [g.parent for g in student.guardians.all()]
        first = guardians[0] if guardians else None
        status = (
            "Đã khóa"
            if not student.is_active
            else ("Đã xác minh" if student.activated_at else "Chưa kích hoạt")
        )
        sheet.append(
            [
                entry.enrollment.roster_no,
                student.full_name,
                student.date_of_birth.strftime("%d/%m/%Y") if student.date_of_birth else "",
                GENDER.get(student.gender, ""),
                student.student_code,
                entry.display_name,
                student.username,
                status,
                first.full_name if first else "",
                first.phone.replace("+84", "0", 1) if first and first.phone else "",
                first.email if first else "",
            ]
        )
    widths = [6, 28, 12, 9, 16, 32, 18, 16, 26, 14, 28]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A5"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
