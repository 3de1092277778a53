"""Spreadsheets for the roster tests, built in code the way schools' systems export them."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import openpyxl

# The first week of school year 2026-2027: pupils of grade 5 were born in 2015.
TODAY = date(2026, 9, 5)


Rows = Sequence[Sequence[object]]


@dataclass
class Sheet:
    rows: Rows
    title: str = "Sheet1"
    merges: Sequence[str] = ()
    hidden: bool = False


def xlsx(*sheets: Sheet) -> bytes:
    workbook = openpyxl.Workbook()
    for default in list(workbook.worksheets):
        workbook.remove(default)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title)
        for row in sheet.rows:
            worksheet.append(list(row))
        for cells in sheet.merges:
            worksheet.merge_cells(cells)
        if sheet.hidden:
            worksheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_rows(rows: Rows, *, merges: Sequence[str] = ()) -> bytes:
    return xlsx(Sheet(rows, merges=merges))


def csv_bytes(rows: Rows, *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """``encoding="utf-8-sig"`` writes the BOM Excel puts in "CSV UTF-8" files."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Windows wrote it: ă â ê ô ơ ư đ are single
    bytes, the five tone marks separate combining characters."""
    clusters: list[list[str]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and clusters:
            clusters[-1].append(char)
        else:
            clusters.append([char])
    encoded = []
    for base, *marks in clusters:
        shape = [mark for mark in marks if mark not in _TONE_MARKS]
        tones = [mark for mark in marks if mark in _TONE_MARKS]
        encoded.append(unicodedata.normalize("NFC", base + "".join(shape)) + "".join(tones))
    return "".join(encoded).encode("cp1258")


FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ")
MIDDLE_NAMES = ("Văn", "Thị", "Minh", "Ngọc", "Gia", "Đức", "Thanh", "Bảo", "Khánh")
GIVEN_NAMES = (
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Đạt",
    "Giang",
    "Hà",
    "Hiếu",
    "Khoa",
    "Linh",
    "Long",
    "Mai",
    "Ngân",
    "Phúc",
    "Quân",
    "Quỳnh",
    "Sơn",
    "Thảo",
    "Uyên",
    "Yến",
)


@dataclass(frozen=True)
class Student:
    roster_no: int
    family_name: str
    given_name: str
    born: date
    gender: str
    code: str
    parent: str
    phone: str

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"


def students(count: int) -> list[Student]:
    """A class of ``count`` pupils born in 2015, every one different."""
    result = []
    for index in range(count):
        middle = MIDDLE_NAMES[index % len(MIDDLE_NAMES)]
        family = f"{FAMILY_NAMES[index % len(FAMILY_NAMES)]} {middle}"
        result.append(
            Student(
                roster_no=index + 1,
                family_name=family,
                given_name=GIVEN_NAMES[(index * 7) % len(GIVEN_NAMES)],
                born=date(2015, 1, 3) + timedelta(days=index * 8),
                gender="female" if middle == "Thị" or index % 2 else "male",
                code=f"01{index + 1:08d}",
                parent=f"{FAMILY_NAMES[index % len(FAMILY_NAMES)]} Văn Cường",
                phone=f"09{12345600 + index:08d}",
            )
        )
    return result


EXCEL_EPOCH = date(1899, 12, 30)


def date_cell(born: date, index: int) -> object:
    """Dates of birth the ways teachers end up with them in one column."""
    match index % 4:
        case 0:
            return born  # a date cell
        case 1:
            return (born - EXCEL_EPOCH).days  # a date cell that lost its date format
        case 2:
            return f"{born:%d/%m/%Y}"
        case _:
            return f"{born.day}-{born.month}-{born.year}"


def phone_cell(phone: str, index: int) -> object:
    match index % 3:
        case 0:
            return phone
        case 1:
            return int(phone)  # typed into a number cell: the leading 0 is gone
        case _:
            return f"{phone[:4]} {phone[4:7]} {phone[7:]}"


@dataclass
class SchoolExport:
    """A SMAS-style export: school and title lines with merged cells, a two-row
    header ("Phụ huynh" merged over "Họ tên" and "SĐT"), extra columns, the data
    (dates and phones in mixed forms), then a total line and signatures."""

    students: list[Student]
    header: tuple[str, ...] = (
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Mã định danh",
        "Dân tộc",
        "Phụ huynh",
        "",
        "Ghi chú",
    )
    extra_merges: list[str] = field(default_factory=list)

    FIRST_DATA_ROW = 9

    def row_number(self, index: int) -> int:
        return self.FIRST_DATA_ROW + index

    def data(self) -> list[list[object]]:
        return [
            [
                student.roster_no,
                student.full_name,
                date_cell(student.born, index),
                "Nữ" if student.gender == "female" else "Nam",
                student.code,
                "Kinh",
                student.parent,
                phone_cell(student.phone, index),
                None,
            ]
            for index, student in enumerate(self.students)
        ]

    def workbook(self, data: list[list[object]] | None = None) -> bytes:
        data = self.data() if data is None else data
        last = self.FIRST_DATA_ROW + len(data)
        rows: list[Sequence[object]] = [
            ["SỞ GD&ĐT HÀ NỘI", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
            ["TRƯỜNG TIỂU HỌC KIM LIÊN", None, None, None, "Độc lập - Tự do - Hạnh phúc"],
            [],
            ["DANH SÁCH HỌC SINH LỚP 5B"],
            ["Năm học 2026-2027"],
            [],
            [text or None for text in self.header],
            [None] * 6 + ["Họ tên", "SĐT"],
            *data,
            [f"Tổng cộng: {len(data)} học sinh"],
            [],
            [None] * 6 + ["Hà Nội, ngày 05 tháng 9 năm 2026"],
            [None, "Người lập biểu"] + [None] * 4 + ["HIỆU TRƯỞNG"],
            [None, "(Ký, ghi rõ họ tên)"] + [None] * 4 + ["(Ký tên, đóng dấu)"],
            [],
            [],
            [None, "Trần Thị Hoa"] + [None] * 4 + ["Lê Văn Hùng"],
        ]
        merges = [
            "A1:C1",
            "E1:I1",
            "A2:C2",
            "E2:I2",
            "A4:I4",
            "A5:I5",
            *(f"{column}7:{column}8" for column in "ABCDEFI"),
            "G7:H7",
            f"A{last}:C{last}",
            *self.extra_merges,
        ]
        return xlsx(Sheet(rows, title="5B", merges=merges))
