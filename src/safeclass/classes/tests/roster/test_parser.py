"""The roster parser, on spreadsheets shaped like the ones Vietnamese schools export."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from safeclass.classes.roster import parser
from safeclass.classes.roster.messages import problem_message
from safeclass.classes.roster.parser import (
    NON_BLOCKING_CODES,
    ROSTER_FIELDS,
    ParsedRoster,
    Problem,
    ProblemCode,
    RosterRow,
    parse_roster,
)
from safeclass.classes.tests.roster.sheets import (
    EXCEL_EPOCH,
    TODAY,
    Rows,
    SchoolExport,
    Sheet,
    csv_bytes,
    students,
    xlsx,
    xlsx_rows,
)


def parse(data: bytes, filename: str = "lop5b.xlsx", **options: int) -> ParsedRoster:
    return parse_roster(data, filename, today=TODAY, **options)


def problems(parsed: ParsedRoster) -> list[tuple[str, int | None]]:
    return [(problem.code, problem.row_number) for problem in parsed.problems]


def one_column(header: str, *values: object) -> bytes:
    """A CSV with a name column and one more column."""
    return csv_bytes([["Họ và tên", header], *(["Nguyễn Văn An", value] for value in values)])


def only_row(parsed: ParsedRoster) -> RosterRow:
    assert len(parsed.rows) == 1, parsed
    return parsed.rows[0]


# --- The demo: a class of 45 with three mistakes ------------------------------


def demo_with_mistakes() -> tuple[SchoolExport, list[list[object]]]:
    export = SchoolExport(students(45))
    data = export.data()
    data[6][1] = None  # the name was deleted, the rest of the row is there
    data[19][2] = "31/02/2016"
    data[32][4] = data[10][4]  # a student code copied from another row
    return export, data


def test_the_demo_roster_names_exactly_its_three_bad_rows() -> None:
    export, data = demo_with_mistakes()

    parsed = parse(export.workbook(data))

    assert parsed.bad_row_numbers() == [15, 28, 41]
    assert not parsed.ok
    assert [(p.code, p.row_number, p.value) for p in parsed.blocking] == [
        ("missing_name", 15, ""),
        ("bad_date", 28, "31/02/2016"),
        ("duplicate_code_in_file", 41, "0100000011"),
    ]
    duplicate = parsed.blocking[2]
    assert duplicate.first_row_number == export.row_number(10) == 19
    assert duplicate.column == "Mã định danh"
    assert len(parsed.rows) == 45


def test_the_demo_roster_once_fixed_gives_45_clean_rows() -> None:
    export = SchoolExport(students(45))

    parsed = parse(export.workbook())

    assert parsed.ok
    assert parsed.bad_row_numbers() == []
    assert parsed.sheet_name == "5B"
    assert parsed.header_row == 7
    assert parsed.columns == {
        "roster_no": "STT",
        "full_name": "Họ và tên",
        "date_of_birth": "Ngày sinh",
        "gender": "Giới tính",
        "student_code": "Mã định danh",
        "parent_name": "Phụ huynh / Họ tên",
        "parent_phone": "Phụ huynh / SĐT",
    }
    assert [(p.code, p.column, p.blocking) for p in parsed.problems] == [
        ("unknown_header", "Dân tộc", False),
        ("unknown_header", "Ghi chú", False),
    ]
    assert parsed.rows == [
        RosterRow(
            row_number=export.row_number(index),
            roster_no=student.roster_no,
            full_name=student.full_name,
            date_of_birth=student.born,
            gender=student.gender,
            student_code=student.code,
            parent_name=student.parent,
            parent_phone="+84" + student.phone[1:],
            parent_email="",
        )
        for index, student in enumerate(export.students)
    ]


def test_titles_total_line_and_signatures_are_not_students() -> None:
    parsed = parse(SchoolExport(students(3)).workbook())

    assert [row.full_name for row in parsed.rows] == [s.full_name for s in students(3)]
    assert [row.row_number for row in parsed.rows] == [9, 10, 11]
    assert parsed.ok


# --- Headers --------------------------------------------------------------------


def test_headers_without_accents_in_odd_case_and_spacing_are_recognised() -> None:
    header = ["stt.", "ho va ten", "NGÀY  SINH :", "Giới Tính (*)", "mã  HS", "S.Đ.T", "E-MAIL"]
    row = [1, "Nguyễn Văn An", "05/09/2015", "Nam", "HS01", "0912345678", "a@b.vn"]

    parsed = parse(xlsx_rows([header, row]))

    assert parsed.problems == []
    assert set(parsed.columns) == set(ROSTER_FIELDS) - {"family_name", "given_name", "parent_name"}
    assert parsed.columns["date_of_birth"] == "NGÀY SINH :"
    assert only_row(parsed).date_of_birth == date(2015, 9, 5)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("TT", "roster_no"),
        ("Số TT", "roster_no"),
        ("Số thứ tự", "roster_no"),
        ("Ngày tháng năm sinh", "date_of_birth"),
        ("NS", "date_of_birth"),
        ("Ngày sinh (dd/mm/yyyy)", "date_of_birth"),
        ("GT", "gender"),
        ("Nữ", "gender"),
        ("Mã HS", "student_code"),
        ("Mã định danh", "student_code"),
        ("Mã định danh học sinh", "student_code"),
        ("Mã số học sinh", "student_code"),
        ("Mã số định danh", "student_code"),
        ("Mã định danh Bộ GD&ĐT", "student_code"),
        ("Họ tên cha/mẹ", "parent_name"),
        ("Họ tên phụ huynh", "parent_name"),
        ("Phụ huynh", "parent_name"),
        ("Cha mẹ học sinh", "parent_name"),
        ("Người giám hộ", "parent_name"),
        ("Số điện thoại", "parent_phone"),
        ("Điện thoại", "parent_phone"),
        ("SĐT phụ huynh", "parent_phone"),
        ("Điện thoại liên hệ", "parent_phone"),
        ("Số điện thoại cha", "parent_phone"),
        ("SĐT phụ huynh học sinh", "parent_phone"),
        ("Họ tên cha", "parent_name"),
        ("Họ tên mẹ", "parent_name"),
        ("Email (nếu có)", "parent_email"),
        ("Email phụ huynh", "parent_email"),
        ("Thư điện tử", "parent_email"),
    ],
)
def test_header_synonyms(header: str, field: str) -> None:
    parsed = parse(one_column(header, ""))

    assert parsed.columns == {"full_name": "Họ và tên", field: header}


@pytest.mark.parametrize("header", ["Họ và tên", "Họ tên", "Họ và tên học sinh", "Tên học sinh"])
def test_name_header_synonyms(header: str) -> None:
    parsed = parse(csv_bytes([["STT", header], [1, "Nguyễn Văn An"]]))

    assert parsed.columns == {"roster_no": "STT", "full_name": header}
    assert only_row(parsed).full_name == "Nguyễn Văn An"


@pytest.mark.parametrize(
    "header",
    [
        "Ngày sinh của cha",
        "Ngày sinh bố",
        "Số điện thoại học sinh",
        "Email HS",
        "Họ khẩu",
        "Năm sinh",
        "Nơi sinh",
    ],
)
def test_look_alike_headers_are_not_taken_for_known_ones(header: str) -> None:
    parsed = parse(one_column(header, "x"))

    assert parsed.columns == {"full_name": "Họ và tên"}
    assert problems(parsed) == [("unknown_header", None)]


def test_unknown_columns_are_warnings_only() -> None:
    header = ["STT", "Họ và tên", "Dân tộc", "Địa chỉ", "Ghi chú"]
    parsed = parse(xlsx_rows([header, [1, "Lê Thị Mai", "Kinh", "Số 5, Kim Liên", "Lớp trưởng"]]))

    assert parsed.ok
    assert [(p.code, p.column, p.row_number, p.blocking) for p in parsed.problems] == [
        ("unknown_header", "Dân tộc", None, False),
        ("unknown_header", "Địa chỉ", None, False),
        ("unknown_header", "Ghi chú", None, False),
    ]
    assert only_row(parsed).full_name == "Lê Thị Mai"


def test_a_second_column_for_the_same_field_is_ignored_with_a_warning() -> None:
    parsed = parse(csv_bytes([["Họ và tên", "Mã HS", "Mã định danh"], ["An", "HS1", "0123"]]))

    assert [(p.code, p.column, p.blocking) for p in parsed.problems] == [
        ("duplicate_column", "Mã định danh", False)
    ]
    assert only_row(parsed).student_code == "HS1"


def test_split_family_and_given_name_columns_are_joined() -> None:
    data = xlsx_rows(
        [
            ["STT", "Họ và đệm", "Tên", "Ngày sinh"],
            [1, "NGUYỄN VĂN", "AN", "05/09/2015"],
            [2, "trần thị", "bích", "06/09/2015"],
            [3, "Phạm", "Minh Châu", None],
        ]
    )

    parsed = parse(data)

    assert parsed.ok
    assert parsed.columns["family_name"] == "Họ và đệm"
    assert parsed.columns["given_name"] == "Tên"
    assert [row.full_name for row in parsed.rows] == [
        "Nguyễn Văn An",
        "Trần Thị Bích",
        "Phạm Minh Châu",
    ]


def test_ho_and_ten_under_a_merged_ho_va_ten_header() -> None:
    data = xlsx_rows(
        [
            ["STT", "Họ và tên", None, "Ngày sinh"],
            [None, "Họ đệm", "Tên", None],
            [1, "Đỗ Văn", "Hùng", "05/09/2015"],
        ],
        merges=["B1:C1", "A1:A2", "D1:D2"],
    )

    parsed = parse(data)

    assert parsed.header_row == 1
    assert parsed.columns["family_name"] == "Họ và tên / Họ đệm"
    assert [(row.row_number, row.full_name) for row in parsed.rows] == [(3, "Đỗ Văn Hùng")]


def test_a_name_header_merged_across_two_columns_takes_both_cells() -> None:
    data = xlsx_rows(
        [
            ["STT", "Họ và tên", None, "Ngày sinh"],
            [1, "Nguyễn Văn", "An", "05/09/2015"],
            [2, "Lê Thị Mai", None, "06/09/2015"],
        ],
        merges=["B1:C1", "B3:C3"],
    )

    parsed = parse(data)

    assert [row.full_name for row in parsed.rows] == ["Nguyễn Văn An", "Lê Thị Mai"]
    assert parsed.problems == []


def test_two_row_header_in_a_csv_without_merged_cells() -> None:
    data = csv_bytes(
        [
            ["STT", "Họ và tên", "Phụ huynh", "", "Ghi chú"],
            ["", "", "Họ tên", "SĐT", ""],
            ["1", "Nguyễn Văn An", "Nguyễn Văn Bình", "0912 345 678", ""],
        ]
    )

    parsed = parse(data)

    assert parsed.header_row == 1
    assert parsed.columns["parent_name"] == "Phụ huynh / Họ tên"
    assert parsed.columns["parent_phone"] == "SĐT"
    row = only_row(parsed)
    assert (row.row_number, row.parent_name, row.parent_phone) == (
        3,
        "Nguyễn Văn Bình",
        "+84912345678",
    )


def test_father_and_mother_columns_fall_back_on_each_other() -> None:
    header = ["Họ và tên", "Cha", None, "Mẹ", None]
    sub_header = [None, "Họ tên", "SĐT", "Họ tên", "SĐT"]
    data = xlsx_rows(
        [
            header,
            sub_header,
            ["Nguyễn Văn An", "Nguyễn Văn Bình", "0912345678", "Lê Thị Hoa", "0987654321"],
            ["Trần Thị Chi", None, None, "Phạm Thị Dung", "0987 000 111"],
        ],
        merges=["A1:A2", "B1:C1", "D1:E1"],
    )

    parsed = parse(data)

    assert parsed.problems == []
    assert [(row.parent_name, row.parent_phone) for row in parsed.rows] == [
        ("Nguyễn Văn Bình", "+84912345678"),
        ("Phạm Thị Dung", "+84987000111"),
    ]


def test_the_first_worksheet_with_a_header_is_used() -> None:
    data = xlsx(
        Sheet([["HƯỚNG DẪN NHẬP LIỆU"], ["Điền mỗi học sinh một dòng."]], title="Hướng dẫn"),
        Sheet([["STT", "Họ và tên"], [1, "Lê Thị Mai"]], title="5A"),
        Sheet([["STT", "Họ và tên"], [1, "Trần Văn Nam"]], title="5B"),
    )

    parsed = parse(data)

    assert parsed.sheet_name == "5A"
    assert [row.full_name for row in parsed.rows] == ["Lê Thị Mai"]


def test_a_visible_sheet_comes_before_a_hidden_one() -> None:
    data = xlsx(
        Sheet([["STT", "Họ và tên"], [1, "Mẫu"]], title="Mẫu", hidden=True),
        Sheet([["STT", "Họ và tên"], [1, "Lê Thị Mai"]], title="5A"),
    )

    assert parse(data).sheet_name == "5A"


def test_a_table_without_a_name_column_is_refused() -> None:
    parsed = parse(xlsx_rows([["Danh sách"], ["STT", "Ngày sinh", "Giới tính"], [1, "05/09/2015"]]))

    assert problems(parsed) == [("no_name_column", None)]
    assert parsed.blocking == parsed.problems
    assert parsed.header_row == 2
    assert parsed.columns == {
        "roster_no": "STT",
        "date_of_birth": "Ngày sinh",
        "gender": "Giới tính",
    }
    assert parsed.rows == []


def test_a_sheet_without_a_header_is_refused() -> None:
    rows: Rows = [
        ["DANH SÁCH HỌC SINH"],
        ["Nguyễn Văn An", "05/09/2015"],
        ["Lê Thị Mai", "06/09/2015"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert problems(parsed) == [("no_header", None)]
    assert not parsed.ok


def test_a_header_below_the_first_twenty_rows_is_not_looked_for() -> None:
    rows: Rows = [[] for _ in range(20)]
    parsed = parse(xlsx_rows([*rows, ["STT", "Họ và tên"], [1, "Lê Thị Mai"]]))

    assert problems(parsed) == [("no_header", None)]


# --- Rows -----------------------------------------------------------------------


def test_blank_rows_are_skipped_and_five_in_a_row_end_the_list() -> None:
    rows: Rows = [
        ["STT", "Họ và tên"],
        [1, "Lê Thị Mai"],
        [],
        [2, "Trần Văn Nam"],
        *([] for _ in range(5)),
        ["", "Ngô Bảo Châu"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert [(row.row_number, row.full_name) for row in parsed.rows] == [
        (2, "Lê Thị Mai"),
        (4, "Trần Văn Nam"),
    ]


def test_lines_of_a_pre_numbered_template_without_a_student_are_skipped() -> None:
    rows: Rows = [["STT", "Họ và tên", "Ngày sinh"], [1, "Lê Thị Mai", "05/09/2015"], [2], [3], [4]]

    parsed = parse(xlsx_rows(rows))

    assert parsed.ok
    assert [row.full_name for row in parsed.rows] == ["Lê Thị Mai"]


def test_a_row_with_data_but_no_name_blocks() -> None:
    rows: Rows = [
        ["STT", "Họ và tên", "Ngày sinh"],
        [1, "Lê Thị Mai", None],
        [2, " \u200b ", "05/09/2015"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert [(p.code, p.row_number, p.column) for p in parsed.problems] == [
        ("missing_name", 3, "Họ và tên")
    ]
    assert parsed.bad_row_numbers() == [3]
    assert parsed.rows[1] == RosterRow(3, 2, "", date(2015, 9, 5), "", "", "", "", "")


@pytest.mark.parametrize(
    "footer",
    [
        "Tổng cộng: 2 học sinh",
        "TỔNG SỐ: 2",
        "Tong cong: 2 hoc sinh",
        "Người lập biểu",
        "Hà Nội, ngày 05 tháng 9 năm 2026",
        "(Ký, ghi rõ họ tên)",
        "Giáo viên chủ nhiệm",
        "Trong đó: nữ 2",
    ],
)
def test_footer_lines_end_the_list(footer: str) -> None:
    rows: Rows = [
        ["STT", "Họ và tên"],
        [1, "Lê Thị Mai"],
        [2, "Trần Văn Nam"],
        [None, footer],
        [None, "Nguyễn Thị Hoa"],  # who signed the list
    ]

    parsed = parse(xlsx_rows(rows))

    assert [row.full_name for row in parsed.rows] == ["Lê Thị Mai", "Trần Văn Nam"]
    assert parsed.ok


def test_a_note_in_a_row_without_a_name_does_not_end_the_list() -> None:
    rows: Rows = [
        ["STT", "Họ và tên", "Ghi chú"],
        [1, "Lê Thị Mai"],
        [None, None, "Nghỉ học từ ngày 5 tháng 9"],
        [2, "Trần Văn Nam"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert [row.full_name for row in parsed.rows] == ["Lê Thị Mai", "", "Trần Văn Nam"]
    assert problems(parsed) == [("unknown_header", None), ("missing_name", 3)]


def test_a_student_named_tong_cong_is_not_a_footer() -> None:
    parsed = parse(xlsx_rows([["STT", "Họ và tên"], [1, "Tống Công Minh"], [2, "Tong Cong Tuan"]]))

    assert [row.full_name for row in parsed.rows] == ["Tống Công Minh", "Tong Cong Tuan"]


def test_a_repeated_header_and_a_column_numbering_line_are_skipped() -> None:
    rows: Rows = [
        ["STT", "Họ và tên", "Ngày sinh", "Ghi chú"],
        ["(1)", "(2)", "(3)", "(4)"],
        [1, "Lê Thị Mai", "05/09/2015"],
        ["STT", "Họ và tên", "Ngày sinh", "Ghi chú"],
        [2, "Trần Văn Nam", "06/09/2015"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert [(row.row_number, row.roster_no) for row in parsed.rows] == [(3, 1), (5, 2)]
    assert parsed.ok


def test_more_rows_than_allowed_blocks_the_file() -> None:
    header: Rows = [["STT", "Họ và tên"]]
    class_of_ten = [[n, f"Học Sinh {n}"] for n in range(1, 11)]

    assert parse(xlsx_rows([*header, *class_of_ten]), max_rows=10).ok
    parsed = parse(xlsx_rows([*header, *class_of_ten, [11, "Học Sinh 11"]]), max_rows=10)

    assert [(p.code, p.row_number, p.value) for p in parsed.problems] == [
        ("too_many_rows", None, "10")
    ]
    assert len(parsed.rows) == 10


def test_problems_come_file_first_then_by_row() -> None:
    rows: Rows = [
        ["STT", "Họ và tên", "Ngày sinh", "Dân tộc", "SĐT"],
        [1, "Lê Thị Mai", "31/02/2015", "Kinh", "123"],
        [1, None, "05/09/2015"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert problems(parsed) == [
        ("unknown_header", None),
        ("bad_date", 2),
        ("bad_phone", 2),
        ("missing_name", 3),
        ("duplicate_roster_no", 3),
    ]
    assert parsed.bad_row_numbers() == [2, 3]


# --- Values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "05/09/2015",
        "5/9/2015",
        "05-09-2015",
        "05.09.2015",
        "2015-09-05",
        "05/09/15",
        " 05 / 09 / 2015 ",
        "2015-09-05 00:00:00",
        "05/09/2015 0:00",
    ],
)
def test_dates_written_as_text(written: str) -> None:
    assert only_row(parse(one_column("Ngày sinh", written))).date_of_birth == date(2015, 9, 5)


def test_dates_from_excel_cells_and_serial_numbers() -> None:
    serial = (date(2015, 9, 5) - EXCEL_EPOCH).days
    rows: Rows = [
        ["Họ và tên", "Ngày sinh"],
        ["A", datetime(2015, 9, 5)],
        ["B", date(2015, 9, 5)],
        ["C", serial],
        ["D", serial + 0.0],
        ["E", "05/09/2015"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert parsed.ok
    assert {row.date_of_birth for row in parsed.rows} == {date(2015, 9, 5)}


def test_two_digit_years_belong_to_this_century_up_to_this_year() -> None:
    parsed = parse_roster(
        one_column("Ngày sinh", "05/09/95", "05/09/05", "01/01/10"), "x.csv", today=date(2010, 6, 1)
    )

    assert [row.date_of_birth for row in parsed.rows] == [date(1995, 9, 5), date(2005, 9, 5), None]
    assert problems(parsed) == [("bad_date", 4)]  # 2010: a baby, not a pupil


@pytest.mark.parametrize(
    "written",
    [
        "31/02/2016",
        "29/02/2015",
        "32/01/2016",
        "13/13/2015",
        "2015/13/01",
        "05/09",
        "ngày 5 tháng 9",
        "42252",  # a serial number typed as text
        "05/09/2030",  # in the future
        "05/09/2024",  # two years old
        "05/09/1990",  # thirty-six years old
        "09/2015/05",
    ],
)
def test_impossible_or_implausible_dates_block(written: str) -> None:
    parsed = parse(one_column("Ngày sinh", written))

    assert [(p.code, p.row_number, p.column, p.value, p.blocking) for p in parsed.problems] == [
        ("bad_date", 2, "Ngày sinh", written.strip(), True)
    ]
    assert only_row(parsed).date_of_birth is None


def test_excel_cells_that_are_not_dates_of_birth_block() -> None:
    rows: Rows = [["Họ và tên", "Ngày sinh"], ["A", datetime(2030, 1, 1)], ["B", 5], ["C", 2015]]

    parsed = parse(xlsx_rows(rows))

    assert [(p.code, p.value) for p in parsed.problems] == [
        ("bad_date", "01/01/2030"),
        ("bad_date", "5"),
        ("bad_date", "2015"),
    ]


def test_ages_from_three_to_twenty_five_are_accepted() -> None:
    def born(years: int, days: int = 0) -> str:
        return f"{TODAY.replace(year=TODAY.year - years) + timedelta(days=days):%d/%m/%Y}"

    parsed = parse(one_column("Ngày sinh", born(3), born(3, days=1), born(25), born(26)))

    assert problems(parsed) == [("bad_date", 3), ("bad_date", 5)]


def test_the_default_today_is_the_real_one() -> None:
    next_year = f"{date.today() + timedelta(days=400):%d/%m/%Y}"
    ten_years_ago = f"{date.today() - timedelta(days=3653):%d/%m/%Y}"

    parsed = parse_roster(one_column("Ngày sinh", ten_years_ago, next_year), "x.csv")

    assert problems(parsed) == [("bad_date", 3)]


def test_a_missing_date_or_number_is_allowed() -> None:
    row = only_row(parse(csv_bytes([["STT", "Họ và tên", "Ngày sinh"], ["", "Lê Thị Mai", ""]])))

    assert (row.roster_no, row.date_of_birth) == (None, None)


def test_a_date_in_a_merged_cell_does_not_crash() -> None:
    rows: Rows = [["Họ và tên", "Ngày sinh"], ["Lê Thị Mai", date(2015, 9, 5)], ["Lê Thị Mơ", None]]

    parsed = parse(xlsx_rows(rows, merges=["B2:B3"]))

    assert [row.date_of_birth for row in parsed.rows] == [date(2015, 9, 5)] * 2


@given(
    born=st.dates(min_value=date(2002, 1, 1), max_value=date(2023, 9, 5)),
    layout=st.sampled_from(["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]),
)
def test_any_date_of_birth_written_day_first_round_trips(born: date, layout: str) -> None:
    assert only_row(parse(one_column("Ngày sinh", born.strftime(layout)))).date_of_birth == born


@pytest.mark.parametrize(
    ("written", "gender"),
    [
        ("Nam", "male"),
        ("NAM", "male"),
        ("M", "male"),
        ("Male", "male"),
        ("1", "male"),
        ("Nữ", "female"),
        ("NỮ", "female"),
        ("nu", "female"),
        ("F", "female"),
        ("Female", "female"),
        ("0", "female"),
        ("", ""),
    ],
)
def test_gender_values(written: str, gender: str) -> None:
    parsed = parse(one_column("Giới tính", written))

    assert parsed.problems == []
    assert only_row(parsed).gender == gender


def test_an_unknown_gender_is_a_warning_and_left_empty() -> None:
    parsed = parse(one_column("Giới tính", "Khác"))

    assert [(p.code, p.value, p.blocking) for p in parsed.problems] == [
        ("unknown_gender", "Khác", False)
    ]
    assert parsed.ok
    assert only_row(parsed).gender == ""


def test_a_nu_column_ticks_the_girls_and_the_others_are_boys() -> None:
    rows: Rows = [
        ["Họ và tên", "Nữ"],
        ["Lê Thị Mai", "x"],
        ["Trần Văn Nam", None],
        ["Đỗ Thị Lan", "X"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert [row.gender for row in parsed.rows] == ["female", "male", "female"]
    assert parsed.columns["gender"] == "Nữ"


def test_an_unused_nu_column_says_nothing_about_gender() -> None:
    parsed = parse(xlsx_rows([["Họ và tên", "Nữ"], ["Lê Thị Mai"], ["Trần Văn Nam"]]))

    assert [row.gender for row in parsed.rows] == ["", ""]


def test_nam_and_nu_columns_under_gioi_tinh() -> None:
    rows: Rows = [
        ["Họ và tên", "Giới tính", None],
        [None, "Nam", "Nữ"],
        ["Trần Văn Nam", "x", None],
        ["Lê Thị Mai", None, "x"],
        ["Đỗ Thị Lan", "x", "x"],
    ]

    parsed = parse(xlsx_rows(rows, merges=["A1:A2", "B1:C1"]))

    assert [row.gender for row in parsed.rows] == ["male", "female", ""]
    assert problems(parsed) == [("unknown_gender", 5)]


@pytest.mark.parametrize(("written", "number"), [(1, 1), (1.0, 1), ("01", 1), ("12.", 12)])
def test_roster_numbers(written: object, number: int) -> None:
    parsed = parse(xlsx_rows([["STT", "Họ và tên"], [written, "Lê Thị Mai"]]))

    assert only_row(parsed).roster_no == number


@pytest.mark.parametrize("written", [0, -1, 2.5, "1a", "một", True])
def test_a_roster_number_that_is_not_a_positive_whole_number_blocks(written: object) -> None:
    parsed = parse(xlsx_rows([["STT", "Họ và tên"], [written, "Lê Thị Mai"]]))

    assert [(p.code, p.row_number, p.column) for p in parsed.problems] == [
        ("bad_roster_no", 2, "STT")
    ]
    assert only_row(parsed).roster_no is None


def test_a_repeated_roster_number_blocks_the_later_rows() -> None:
    rows: Rows = [["STT", "Họ và tên"], [1, "A"], [2, "B"], [1, "C"], [1, "D"]]

    parsed = parse(xlsx_rows(rows))

    assert [(p.code, p.row_number, p.first_row_number) for p in parsed.problems] == [
        ("duplicate_roster_no", 4, 2),
        ("duplicate_roster_no", 5, 2),
    ]


def test_a_repeated_student_code_blocks_every_row_after_the_first() -> None:
    rows: Rows = [
        ["Họ và tên", "Mã học sinh"],
        ["A", "HS001"],
        ["B", "HS002"],
        ["C", " hs001 "],
        ["D", None],
        ["E", None],
        ["F", "HS001"],
    ]

    parsed = parse(xlsx_rows(rows))

    assert [(p.code, p.row_number, p.value, p.first_row_number) for p in parsed.problems] == [
        ("duplicate_code_in_file", 4, "hs001", 2),
        ("duplicate_code_in_file", 7, "HS001", 2),
    ]
    assert [row.student_code for row in parsed.rows] == ["HS001", "HS002", "hs001", "", "", "HS001"]


def test_a_student_code_stored_as_a_number_keeps_its_digits() -> None:
    parsed = parse(xlsx_rows([["Họ và tên", "Mã định danh"], ["A", 7901234567.0], ["B", 42]]))

    assert [row.student_code for row in parsed.rows] == ["7901234567", "42"]


@pytest.mark.parametrize(
    "written",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84 912 345 678",
        "84912345678",
        912345678,  # Excel dropped the leading 0
        912345678.0,
        "912345678",
        "0912345678 - 0987654321",
        "0912.345.678 / 0987 654 321",
        "Mẹ: 0912345678, bố: 0987654321",
        "091234567 - 0912345678",  # the first one is a digit short
    ],
)
def test_phone_numbers(written: object) -> None:
    parsed = parse(xlsx_rows([["Họ và tên", "SĐT"], ["Lê Thị Mai", written]]))

    assert parsed.problems == []
    assert only_row(parsed).parent_phone == "+84912345678"


@pytest.mark.parametrize(
    "written", ["12345", "0123456789", "091234567", "chưa có số", "+1 202 555 0100"]
)
def test_a_cell_without_a_vietnamese_number_blocks(written: str) -> None:
    parsed = parse(one_column("SĐT", written))

    assert [(p.code, p.value, p.blocking) for p in parsed.problems] == [
        ("bad_phone", written, True)
    ]
    assert only_row(parsed).parent_phone == ""


@pytest.mark.parametrize("written", ["", "-", "...", "Không có", "không"])
def test_a_phone_or_email_cell_saying_none_is_empty(written: str) -> None:
    parsed = parse(csv_bytes([["Họ và tên", "SĐT", "Email"], ["Lê Thị Mai", written, written]]))

    assert parsed.problems == []
    assert (only_row(parsed).parent_phone, only_row(parsed).parent_email) == ("", "")


def test_parent_email_is_lower_case() -> None:
    parsed = parse(one_column("Email", " PhuHuynh.Lan@Gmail.COM ", "mailto:a.b@truong.edu.vn"))

    assert [row.parent_email for row in parsed.rows] == [
        "phuhuynh.lan@gmail.com",
        "a.b@truong.edu.vn",
    ]


@pytest.mark.parametrize(
    "written", ["lan@", "lan@gmail", "lan gmail.com", "lan@@gmail.com", "@x.vn"]
)
def test_an_invalid_email_blocks(written: str) -> None:
    parsed = parse(one_column("Email", written))

    assert [(p.code, p.row_number, p.value) for p in parsed.problems] == [("bad_email", 2, written)]


@pytest.mark.parametrize(
    ("written", "clean"),
    [
        ("NGUYỄN VĂN AN", "Nguyễn Văn An"),
        ("nguyễn văn an", "Nguyễn Văn An"),
        ("ĐẶNG THỊ ĐÀO", "Đặng Thị Đào"),
        ("đỗ đức ước", "Đỗ Đức Ước"),
        ("  Nguyễn   Văn\u200b An\u00a0", "Nguyễn Văn An"),
        (unicodedata.normalize("NFD", "Trần Thị Ánh"), "Trần Thị Ánh"),
        ("Nguyễn văn An", "Nguyễn văn An"),  # mixed case is kept as typed
        ("Mạc Thị MAI", "Mạc Thị MAI"),
        ("H'HEN NIÊ", "H'Hen Niê"),
    ],
)
def test_names_are_cleaned(written: str, clean: str) -> None:
    full_name = only_row(parse(csv_bytes([["Họ và tên"], [written]]))).full_name

    assert full_name == clean
    assert unicodedata.is_normalized("NFC", full_name)


def test_the_parent_name_is_cleaned_like_a_student_name() -> None:
    row = only_row(parse(one_column("Họ tên phụ huynh", "LÊ VĂN HÙNG")))

    assert row.parent_name == "Lê Văn Hùng"


# --- CSV ------------------------------------------------------------------------

CSV_ROWS = [
    ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Địa chỉ"],
    ["1", "Nguyễn Thị Ánh Dương", "05/09/2015", "Nữ", "Số 5, ngõ 10, Đống Đa"],
    ["2", "Đặng Quốc Việt", "06/09/2015", "Nam", "Phường Ô Chợ Dừa, Hà Nội"],
]
CSV_NAMES = ["Nguyễn Thị Ánh Dương", "Đặng Quốc Việt"]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (",", "utf-8"),
        (",", "utf-8-sig"),
        (";", "utf-8-sig"),
        ("\t", "utf-8"),
        ("\t", "utf-16"),  # Excel's "Unicode Text"
        (",", "cp1258"),
        (";", "cp1258"),
    ],
)
def test_csv_files(delimiter: str, encoding: str) -> None:
    parsed = parse(csv_bytes(CSV_ROWS, delimiter=delimiter, encoding=encoding), "lop.csv")

    assert [row.full_name for row in parsed.rows] == CSV_NAMES
    assert [row.gender for row in parsed.rows] == ["female", "male"]
    assert [row.row_number for row in parsed.rows] == [2, 3]
    assert problems(parsed) == [("unknown_header", None)]
    assert parsed.sheet_name is None


def test_csv_in_cp1252_when_cp1258_cannot_decode_it() -> None:
    data = "Ho va ten\r\nAn\r\nŠárka\r\n".encode("cp1252")  # Š is not in cp1258

    parsed = parse(data, "lop.csv")

    assert [row.full_name for row in parsed.rows] == ["An", "Šárka"]


def test_csv_row_numbers_are_line_numbers_even_after_a_cell_on_two_lines() -> None:
    data = 'Danh sách\r\n\r\nSTT,Họ và tên,Ghi chú\r\n1,An,"hai\r\ndòng"\r\n2,Bình,\r\n'.encode()

    parsed = parse(data, "lop.csv")

    assert parsed.header_row == 3
    assert [(row.row_number, row.full_name) for row in parsed.rows] == [(4, "An"), (6, "Bình")]


def test_excel_sep_line_chooses_the_delimiter() -> None:
    data = "sep=;\r\nHọ và tên;Địa chỉ\r\nLê Thị Mai;Số 5, Kim Liên\r\n".encode()

    parsed = parse(data, "lop.csv")

    assert parsed.header_row == 2
    assert [(row.row_number, row.full_name) for row in parsed.rows] == [(3, "Lê Thị Mai")]
    assert [(p.code, p.column) for p in parsed.problems] == [("unknown_header", "Địa chỉ")]


def test_the_type_comes_from_the_content_not_the_name() -> None:
    as_csv = csv_bytes([["Họ và tên"], ["Lê Thị Mai"]])
    as_xlsx = xlsx_rows([["Họ và tên"], ["Lê Thị Mai"]])

    assert only_row(parse(as_csv, "lop.xlsx")).full_name == "Lê Thị Mai"
    assert only_row(parse(as_xlsx, "lop.csv")).full_name == "Lê Thị Mai"


# --- Files that cannot be read ---------------------------------------------------


def zipped(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "value"),
    [
        (b"", "empty_file", ""),
        (b"\xef\xbb\xbf\r\n \r\n", "empty_file", ""),
        (b",,,\r\n,,\r\n", "empty_file", ""),
        (xlsx_rows([]), "empty_file", ""),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "unsupported_type", "xls"),
        (
            b"\xd0\xcf\x11\xe0" + "EncryptedPackage".encode("utf-16-le"),
            "unreadable_file",
            "encrypted",
        ),
        (xlsx_rows([["Họ và tên"], ["An"]])[:700], "unreadable_file", ""),
        (b"PK\x03\x04 not really a zip", "unreadable_file", ""),
        (zipped("xl/workbook.xml"), "unreadable_file", ""),
        (zipped("word/document.xml"), "unsupported_type", "zip"),
        (zipped("content.xml"), "unsupported_type", "ods"),
        (b"%PDF-1.7\n...", "unsupported_type", "pdf"),
        (b"<html><body><table><tr><td>H\xe1\xbb\x8d</td></tr></table>", "unsupported_type", "html"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported_type", "binary"),
    ],
    ids=[
        "nothing",
        "blank-lines",
        "only-separators",
        "empty-workbook",
        "xls",
        "password",
        "truncated-xlsx",
        "broken-zip",
        "workbook-without-parts",
        "docx",
        "ods",
        "pdf",
        "html-named-xls",
        "png",
    ],
)
def test_files_that_cannot_be_read(data: bytes, code: str, value: str) -> None:
    parsed = parse(data)

    assert [(p.code, p.row_number, p.value, p.blocking) for p in parsed.problems] == [
        (code, None, value, True)
    ]
    assert parsed.rows == []
    assert parsed.bad_row_numbers() == []


def test_a_workbook_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = xlsx_rows([["Họ và tên"], ["Lê Thị Mai"]])
    monkeypatch.setattr(parser, "_MAX_UNPACKED_BYTES", len(data))

    assert problems(parse(data)) == [("file_too_large", None)]


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_error_logged() -> Iterator[None]:
    """The parser turns its own crashes into unreadable_file and logs them: a
    fuzz test must see those as failures."""
    recorder = _Recorder()
    logger = logging.getLogger(parser.__name__)
    logger.addHandler(recorder)
    try:
        yield
    finally:
        logger.removeHandler(recorder)
    assert recorder.records == []


@given(st.binary(max_size=600))
def test_no_bytes_make_the_parser_raise(data: bytes) -> None:
    with no_error_logged():
        assert isinstance(parse(data), ParsedRoster)


@given(
    st.lists(
        st.lists(
            st.sampled_from(["", "STT", "Họ và tên", "Nữ", "x", "1", "05/09/2015", "Tổng"])
            | st.text(max_size=12),
            max_size=6,
        ),
        max_size=12,
    )
)
def test_no_table_makes_the_parser_raise(rows: list[list[str]]) -> None:
    with no_error_logged():
        parsed = parse(csv_bytes([["Họ và tên", "Ngày sinh", "Nữ", "SĐT"], *rows]), "lop.csv")

    assert all(problem.row_number is None or problem.row_number >= 2 for problem in parsed.problems)
    assert parsed.bad_row_numbers() == sorted(set(parsed.bad_row_numbers()))


# --- Contracts --------------------------------------------------------------------


EXAMPLE_PROBLEMS = [
    Problem(
        code=code,
        row_number=None if code in {"unknown_header", "duplicate_column"} else 12,
        column="Ngày sinh",
        value="31/02/2016",
        blocking=code not in NON_BLOCKING_CODES,
        first_row_number=7,
    )
    for code in ProblemCode
]


@pytest.mark.parametrize("problem", EXAMPLE_PROBLEMS, ids=lambda problem: problem.code)
def test_every_problem_has_its_own_message(problem: Problem) -> None:
    with translation.override("en"):
        message = problem_message(problem)
        fallback = problem_message(Problem("no_such_code", 12, "Ngày sinh", "31/02/2016", True))

    assert message != fallback
    assert "%(" not in message
    assert message.endswith(".")
    if problem.code in {"unknown_header", "duplicate_column"}:
        assert "“Ngày sinh”" in message


def test_messages_name_the_row_the_value_and_the_first_row() -> None:
    export, data = demo_with_mistakes()
    parsed = parse(export.workbook(data))

    with translation.override("en"):
        messages = [problem_message(problem) for problem in parsed.blocking]

    assert messages[0].startswith("Row 15: ")
    assert "“31/02/2016”" in messages[1]
    assert "row 19" in messages[2]
    assert "“0100000011”" in messages[2]


def test_the_import_service_problem_about_a_code_in_another_class_has_a_message() -> None:
    problem = Problem("code_in_other_class", 9, None, "0100000001|Lê Thị Mai|5A", True)

    with translation.override("en"):
        message = problem_message(problem)

    assert message.startswith("Row 9: ")
    assert "“0100000001”" in message
    assert "Lê Thị Mai" in message
    assert "5A" in message


def test_the_old_excel_format_is_told_to_be_saved_as_xlsx() -> None:
    with translation.override("en"):
        message = problem_message(parse(b"\xd0\xcf\x11\xe0" + bytes(100)).problems[0])

    assert ".xls" in message
    assert ".xlsx" in message


def test_the_parser_does_not_load_django() -> None:
    code = "import sys, safeclass.classes.roster.parser; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
