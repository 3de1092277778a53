"""Read a class roster from the spreadsheet a school exports (SMAS, VnEdu, CSDL ngành).

Rules:

- Never raises because of the file: whatever a teacher can get wrong comes back
  as a ``Problem``. While any blocking problem stands nothing may be imported;
  the others are warnings shown in the preview.
- The type of file comes from its content (an XLSX workbook or CSV text), never
  from its name.
- Vietnamese conventions: the day comes before the month in every date; headers
  are compared without accents, case, punctuation or extra spaces; names are NFC
  and ALL-CAPS or all-lower names get Vietnamese title case.
- The header is found in the first ``HEADER_SCAN_ROWS`` rows of the first
  worksheet that has one; the rows end at a footer ("Tổng cộng", signatures) or
  after ``BLANK_ROWS_AT_END`` empty rows.
- No Django and no database here: the import service decides what to do with the
  rows, and ``messages.problem_message`` turns a problem into a sentence.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import logging
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from safeclass.core.phones import normalize_phone
from safeclass.core.text import alnum_folded, fold_accents, normalize_person_name

logger = logging.getLogger(__name__)

ROSTER_FIELDS: Final = (
    "roster_no",
    "full_name",
    "family_name",
    "given_name",
    "date_of_birth",
    "gender",
    "student_code",
    "parent_name",
    "parent_phone",
    "parent_email",
)

HEADER_SCAN_ROWS: Final = 20
BLANK_ROWS_AT_END: Final = 5
MIN_AGE: Final = 3
MAX_AGE: Final = 25
# Schools export dozens of columns, but a stray format on column XFD must not
# make us read sixteen thousand of them.
_MAX_COLUMNS: Final = 200
# A real roster workbook unpacks to a few megabytes; this stops zip bombs.
_MAX_UNPACKED_BYTES: Final = 100 * 1024 * 1024
_MAX_VALUE_CHARS: Final = 80
_VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")


class ProblemCode(StrEnum):
    MISSING_NAME = "missing_name"
    BAD_ROSTER_NO = "bad_roster_no"
    DUPLICATE_ROSTER_NO = "duplicate_roster_no"
    BAD_DATE = "bad_date"
    UNKNOWN_GENDER = "unknown_gender"
    DUPLICATE_CODE_IN_FILE = "duplicate_code_in_file"
    BAD_PHONE = "bad_phone"
    BAD_EMAIL = "bad_email"
    UNKNOWN_HEADER = "unknown_header"
    DUPLICATE_COLUMN = "duplicate_column"
    NO_NAME_COLUMN = "no_name_column"
    NO_HEADER = "no_header"
    EMPTY_FILE = "empty_file"
    UNREADABLE_FILE = "unreadable_file"
    FILE_TOO_LARGE = "file_too_large"
    TOO_MANY_ROWS = "too_many_rows"
    UNSUPPORTED_TYPE = "unsupported_type"


NON_BLOCKING_CODES: Final = frozenset(
    {ProblemCode.UNKNOWN_GENDER, ProblemCode.UNKNOWN_HEADER, ProblemCode.DUPLICATE_COLUMN}
)


@dataclass(frozen=True)
class RosterRow:
    row_number: int
    roster_no: int | None
    full_name: str
    date_of_birth: date | None
    gender: str
    student_code: str
    parent_name: str
    parent_phone: str
    parent_email: str


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file.

    ``first_row_number`` is the earlier row that a duplicate repeats. ``value``
    is the offending cell as text, except: for ``too_many_rows`` the row limit;
    for ``unsupported_type`` the kind of file found ("xls", "ods", "html", "pdf",
    "zip", "binary"); for ``unreadable_file`` "encrypted" when the workbook is
    protected by a password.
    """

    code: str
    row_number: int | None
    column: str | None
    value: str
    blocking: bool
    first_row_number: int | None = None


@dataclass(frozen=True)
class ParsedRoster:
    rows: list[RosterRow]
    problems: list[Problem]
    columns: dict[str, str]
    header_row: int | None
    sheet_name: str | None

    @property
    def blocking(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.blocking]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def bad_row_numbers(self) -> list[int]:
        return sorted(
            {p.row_number for p in self.problems if p.blocking and p.row_number is not None}
        )


def parse_roster(
    data: bytes, filename: str, *, max_rows: int = 2000, today: date | None = None
) -> ParsedRoster:
    """Rows and problems of an uploaded roster; ``today`` (Vietnam's date by
    default) is what ages and two-digit years are reckoned from."""
    today = today or datetime.now(_VIETNAM).date()
    try:
        return _parse(data, max_rows=max_rows, today=today)
    except _UnreadableError:
        return _failed(_problem(ProblemCode.UNREADABLE_FILE))
    except Exception:
        # A teacher must get a message, never a server error, even when the
        # cause is a bug here; the log keeps it visible to us.
        logger.exception("Roster parser failed on %r", filename)
        return _failed(_problem(ProblemCode.UNREADABLE_FILE))


# --- Problems -------------------------------------------------------------------


class _UnreadableError(Exception):
    """The file broke while being read, after it had opened."""


def _problem(
    code: ProblemCode,
    *,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    first_row: int | None = None,
) -> Problem:
    text = _text(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return Problem(
        code=code.value,
        row_number=row,
        column=column,
        value=text,
        blocking=code not in NON_BLOCKING_CODES,
        first_row_number=first_row,
    )


def _failed(
    problem: Problem,
    *,
    columns: dict[str, str] | None = None,
    header_row: int | None = None,
    sheet_name: str | None = None,
) -> ParsedRoster:
    return ParsedRoster(
        rows=[],
        problems=[problem],
        columns=columns or {},
        header_row=header_row,
        sheet_name=sheet_name,
    )


# --- Cells and rows -------------------------------------------------------------

_ZERO_WIDTH: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _clean_cell(value: object) -> object:
    """Strings in NFC without invisible characters; blank cells become None."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).translate(_ZERO_WIDTH).strip()
        return value or None
    return value


def _text(value: object) -> str:
    match value:
        case None:
            return ""
        case str():
            return unicodedata.normalize("NFC", value).translate(_ZERO_WIDTH).strip()
        case bool():
            return "TRUE" if value else "FALSE"
        case int():
            return str(value)
        case float():
            # Excel stores every number as a float: 912345678.0 is typed 912345678.
            return str(int(value)) if value.is_integer() else str(value)
        case datetime() if value.time() == time():
            return f"{value:%d/%m/%Y}"
        case datetime():
            return f"{value:%d/%m/%Y %H:%M}"
        case date():
            return f"{value:%d/%m/%Y}"
        case _:
            return str(value).strip()


@dataclass(frozen=True)
class _Row:
    number: int
    cells: tuple[object, ...]
    # Columns that show a merged cell begun further left in the same row.
    spill: frozenset[int] = frozenset()

    def cell(self, index: int) -> object:
        return self.cells[index] if index < len(self.cells) else None

    @property
    def blank(self) -> bool:
        return all(cell is None for cell in self.cells)

    def anchor(self, index: int) -> int:
        while index in self.spill:
            index -= 1
        return index


def _make_row(number: int, values: Sequence[object], spill: frozenset[int] = frozenset()) -> _Row:
    cells = [_clean_cell(value) for value in values[:_MAX_COLUMNS]]
    while cells and cells[-1] is None:
        cells.pop()
    return _Row(number, tuple(cells), spill)


@dataclass(frozen=True)
class _Sheet:
    name: str | None
    # rows(last_row) yields every row, blank ones too, up to row number last_row.
    rows: Callable[[int], Iterator[_Row]]
    excel_epoch: date | None = None


# --- Opening the file -----------------------------------------------------------

_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _open(data: bytes) -> list[_Sheet] | Problem:
    if data.startswith(_OLE_MAGIC):
        # Excel also wraps a password-protected .xlsx in this old container.
        if "EncryptedPackage".encode("utf-16-le") in data:
            return _problem(ProblemCode.UNREADABLE_FILE, value="encrypted")
        return _problem(ProblemCode.UNSUPPORTED_TYPE, value="xls")
    if data.startswith(b"PK"):
        return _open_zip(data)
    if data.startswith(b"%PDF"):
        return _problem(ProblemCode.UNSUPPORTED_TYPE, value="pdf")
    if not data.startswith(_UTF16_BOMS):
        sample = data[:8192]
        if b"\x00" in sample:
            return _problem(ProblemCode.UNSUPPORTED_TYPE, value="binary")
        start = sample.lstrip(codecs.BOM_UTF8 + b" \t\r\n").lower()
        # Some systems export an HTML table or Excel 2003 XML under the name .xls.
        if start.startswith((b"<!doctype", b"<html", b"<table", b"<?xml")):
            return _problem(ProblemCode.UNSUPPORTED_TYPE, value="html")
    return _open_csv(data)


def _open_zip(data: bytes) -> list[_Sheet] | Problem:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return _problem(ProblemCode.UNREADABLE_FILE)
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            return _problem(ProblemCode.UNSUPPORTED_TYPE, value="ods")
        return _problem(ProblemCode.UNSUPPORTED_TYPE, value="zip")
    if sum(entry.file_size for entry in entries) > _MAX_UNPACKED_BYTES:
        return _problem(ProblemCode.FILE_TOO_LARGE)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about every extension it skips (data validation,
            # conditional formats); none of them matters for reading values.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception:
        # A damaged workbook fails anywhere in openpyxl, with any exception type.
        return _problem(ProblemCode.UNREADABLE_FILE)
    epoch = workbook.epoch.date() if isinstance(workbook.epoch, datetime) else None
    sheets = [sheet for sheet in workbook.worksheets if isinstance(sheet, Worksheet)]
    # Hidden sheets usually hold lookup lists; a visible roster comes first.
    sheets.sort(key=lambda sheet: sheet.sheet_state != "visible")
    return [
        _Sheet(sheet.title, functools.partial(_xlsx_rows, sheet), epoch or date(1899, 12, 30))
        for sheet in sheets
    ]


def _xlsx_rows(sheet: Worksheet, last_row: int) -> Iterator[_Row]:
    last_row = min(sheet.max_row, last_row)
    last_column = min(sheet.max_column, _MAX_COLUMNS)
    merged = _merged_values(sheet, last_row, last_column)
    rows = sheet.iter_rows(min_row=1, max_row=last_row, max_col=last_column, values_only=True)
    for number, values in enumerate(rows, start=1):
        cells: list[object] = list(values)
        spill: set[int] = set()
        for first, last, value in merged.get(number, ()):
            for column in range(first, last + 1):
                cells[column - 1] = value
                if column > first:
                    spill.add(column - 1)
        yield _make_row(number, cells, frozenset(spill))


def _merged_values(
    sheet: Worksheet, last_row: int, last_column: int
) -> dict[int, list[tuple[int, int, object]]]:
    """Row number → (first column, last column, value) of each merged cell crossing it."""
    by_row: dict[int, list[tuple[int, int, object]]] = {}
    for cell_range in sheet.merged_cells.ranges:
        if cell_range.min_row > last_row or cell_range.min_col > last_column:
            continue
        value = sheet.cell(row=cell_range.min_row, column=cell_range.min_col).value
        if value is None:
            continue
        span = (cell_range.min_col, min(cell_range.max_col, last_column), value)
        for number in range(cell_range.min_row, min(cell_range.max_row, last_row) + 1):
            by_row.setdefault(number, []).append(span)
    return by_row


def _open_csv(data: bytes) -> list[_Sheet] | Problem:
    text = _decode(data)
    if text is None:
        return _problem(ProblemCode.UNREADABLE_FILE)
    first_line, _, rest = text.partition("\n")
    forced = re.fullmatch(r"sep=(.)", first_line.strip(), flags=re.IGNORECASE)
    if forced:
        # Excel's "sep=;" hint line; keep its line so row numbers match the file.
        text = "\n" + rest
    delimiters = [forced.group(1)] if forced else [",", ";", "\t"]
    # max() keeps the first of equals, so a comma wins a tie.
    delimiter = max(delimiters, key=lambda candidate: _delimiter_rank(text, candidate))
    return [_Sheet(None, functools.partial(_csv_rows, text, delimiter))]


def _decode(data: bytes) -> str | None:
    encodings = ("utf-16",) if data.startswith(_UTF16_BOMS) else ("utf-8-sig", "cp1258", "cp1252")
    for encoding in encodings:
        try:
            # cp1258 writes tone marks as separate combining characters.
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(text: str, delimiter: str, last_row: int) -> Iterator[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            if line > last_row:
                return
            yield _make_row(line, record)
            # A quoted cell may span lines: the next record starts after them.
            line = reader.line_num + 1
    except csv.Error as error:
        raise _UnreadableError from error


def _delimiter_rank(text: str, delimiter: str) -> tuple[bool, int, int]:
    head = list(_csv_rows(text, delimiter, HEADER_SCAN_ROWS + 1))
    header = _find_header(head)
    if header is None:
        return (False, 0, text[:4096].count(delimiter))
    return (header.has_name, header.score, text[:4096].count(delimiter))


# --- Headers --------------------------------------------------------------------

_FEMALE_MARK: Final = "female_mark"  # a "Nữ" column ticked for girls
_MALE_MARK: Final = "male_mark"  # a "Nam" column under "Giới tính"
_NAME_FIELDS: Final = frozenset({"full_name", "family_name", "given_name"})
_PARENT_FIELDS: Final = frozenset({"parent_name", "parent_phone", "parent_email"})
_GENDER_FIELDS: Final = frozenset({"gender", _FEMALE_MARK, _MALE_MARK})

_SYNONYMS_AS_WRITTEN: Final[dict[str, tuple[str, ...]]] = {
    "roster_no": ("STT", "TT", "Số TT", "Số thứ tự", "Thứ tự"),
    "full_name": (
        "Họ và tên",
        "Họ tên",
        "Họ và tên học sinh",
        "Họ tên học sinh",
        "Họ và tên HS",
        "Họ tên HS",
        "Tên học sinh",
        "Tên HS",
    ),
    "family_name": ("Họ", "Họ và đệm", "Họ đệm", "Họ và tên đệm", "Họ lót", "Họ và lót"),
    "given_name": ("Tên",),
    "date_of_birth": (
        "Ngày sinh",
        "Ngày tháng năm sinh",
        "NS",
        "Ngày sinh HS",
        "Ngày sinh học sinh",
    ),
    "gender": ("Giới tính", "GT", "Phái"),
    _FEMALE_MARK: ("Nữ", "HS nữ", "Học sinh nữ"),
    "student_code": (
        "Mã học sinh",
        "Mã HS",
        "Mã định danh",
        "Mã định danh học sinh",
        "Mã định danh HS",
        "Mã số học sinh",
        "Mã số HS",
        "Mã số định danh",
        "MSHS",
    ),
    "parent_name": (
        "Họ tên cha/mẹ",
        "Họ tên cha mẹ học sinh",
        "Họ tên phụ huynh",
        "Họ và tên phụ huynh",
        "Họ tên PHHS",
        "Họ tên CMHS",
        "Họ tên người giám hộ",
        "Họ tên cha",
        "Họ tên mẹ",
        "Họ tên bố",
        "Họ và tên cha",
        "Họ và tên mẹ",
        "Họ và tên bố",
        "Tên phụ huynh",
        "Tên cha",
        "Tên mẹ",
        "Phụ huynh",
        "Phụ huynh học sinh",
        "Cha mẹ học sinh",
        "Cha mẹ",
        "Người giám hộ",
        "PHHS",
        "CMHS",
        "Cha",
        "Mẹ",
        "Bố",
    ),
    "parent_phone": (
        "SĐT",
        "Số ĐT",
        "ĐT",
        "Số điện thoại",
        "Điện thoại",
        "SĐT phụ huynh",
        "SĐT liên hệ",
        "ĐT liên hệ",
        "Điện thoại liên hệ",
        "Điện thoại phụ huynh",
        "Số điện thoại liên hệ",
        "Số điện thoại phụ huynh",
        "Di động",
        "Số di động",
        "Điện thoại di động",
    ),
    "parent_email": ("Email", "E-mail", "Mail", "Email phụ huynh", "Thư điện tử", "Địa chỉ email"),
}

_PARENT_GROUPS_AS_WRITTEN: Final = (
    "Phụ huynh",
    "Phụ huynh học sinh",
    "Thông tin phụ huynh",
    "Cha mẹ",
    "Bố mẹ",
    "Cha mẹ học sinh",
    "Cha mẹ HS",
    "Thông tin cha mẹ",
    "Người giám hộ",
    "PHHS",
    "CMHS",
    "Cha",
    "Mẹ",
    "Bố",
    "Thông tin cha",
    "Thông tin mẹ",
    "Thông tin bố",
    "Liên hệ",
    "Người liên hệ",
    "Thông tin liên hệ",
)
_PARENT_WORDS: Final = frozenset({"cha", "me", "bo", "ph", "phhs", "cmhs"})


def _header_key(text: str) -> str:
    """``"NGÀY  SINH :"`` → ``"ngay sinh"``; ``"S.Đ.T"`` → ``"sdt"``."""
    folded = fold_accents(unicodedata.normalize("NFC", text)).lower()
    folded = re.sub(r"[.'’]", "", folded)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


_SYNONYMS: Final = {
    _header_key(written): field
    for field, names in _SYNONYMS_AS_WRITTEN.items()
    for written in names
}
# Longer headers often start with a known one: "Ngày sinh (dd/mm/yyyy)". Single
# words may not be stretched like that ("Họ khẩu" is not "Họ").
_PREFIXES: Final = sorted(
    (key for key in _SYNONYMS if " " in key or key in {"stt", "sdt", "email"}),
    key=len,
    reverse=True,
)
_PARENT_GROUPS: Final = frozenset(_header_key(written) for written in _PARENT_GROUPS_AS_WRITTEN)


def _match_field(key: str) -> str | None:
    if not key:
        return None
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    for prefix in _PREFIXES:
        if key.startswith(prefix + " "):
            field = _SYNONYMS[prefix]
            rest = key[len(prefix) + 1 :]
            # "Ngày sinh của cha" is not the student's date of birth, and
            # "SĐT học sinh" is not a number for the parents.
            if field not in _PARENT_FIELDS and _mentions_parent(rest):
                return None
            if field != "parent_name" and field in _PARENT_FIELDS and _mentions_student(key):
                return None
            return field
    return None


def _mentions_parent(key: str) -> bool:
    words = key.split()
    for position, word in enumerate(words):
        following = words[position + 1] if position + 1 < len(words) else ""
        # Without accents "Bộ GD&ĐT" (the ministry) reads like "bố" (father).
        if word in _PARENT_WORDS and not (word == "bo" and following.startswith(("gd", "giao"))):
            return True
    return _is_parent_group(key)


def _mentions_student(key: str) -> bool:
    return ("hoc sinh" in key or "hs" in key.split()) and not _mentions_parent(key)


def _is_parent_group(key: str) -> bool:
    return key in _PARENT_GROUPS or "phu huynh" in key or "giam ho" in key


def _as_parent_field(field: str | None) -> str | None:
    if field in _NAME_FIELDS:
        return "parent_name"
    return field if field in _PARENT_FIELDS else None


def _match_pair(top: str, bottom: str) -> str | None:
    """A column under a two-row header: "Phụ huynh" over "SĐT", "Họ và tên" over "Tên"."""
    if _is_parent_group(top):
        return _as_parent_field(_match_field(bottom))
    if _is_parent_group(bottom):
        return _as_parent_field(_match_field(top))
    if _match_field(top) == "gender" and bottom == "nam":
        return _MALE_MARK
    field = _match_field(bottom) or _match_field(f"{top} {bottom}")
    if field in {"parent_phone", "parent_email"} and _mentions_student(top):
        return None
    return field


@dataclass(frozen=True)
class _Column:
    field: str | None  # None: a header we do not know
    indexes: tuple[int, ...]  # a merged header may cover several columns
    text: str  # as written in the file


@dataclass(frozen=True)
class _Header:
    rows: tuple[int, ...]
    columns: tuple[_Column, ...]

    def of(self, field: str) -> list[_Column]:
        return [column for column in self.columns if column.field == field]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(column.field for column in self.columns if column.field is not None)

    @property
    def score(self) -> int:
        return len(self.fields)

    @property
    def has_name(self) -> bool:
        return bool(self.fields & _NAME_FIELDS)


def _read_header(top: _Row, bottom: _Row | None) -> _Header:
    width = max(len(top.cells), len(bottom.cells) if bottom else 0)
    slots: list[tuple[tuple[int, int], str, str | None]] = []
    context = ""  # the title over a group of columns, in a CSV where it is not merged
    for index in range(width):
        top_text = " ".join(_text(top.cell(index)).split())
        bottom_text = " ".join(_text(bottom.cell(index)).split()) if bottom else ""
        key = (top.anchor(index), bottom.anchor(index) if bottom else 0)
        if not bottom_text or bottom_text == top_text:
            text, field = top_text, _match_field(_header_key(top_text))
        elif not top_text:
            text = bottom_text
            if context:
                field = _match_pair(_header_key(context), _header_key(bottom_text))
            else:
                field = _match_field(_header_key(bottom_text))
        else:
            text = f"{top_text} / {bottom_text}"
            field = _match_pair(_header_key(top_text), _header_key(bottom_text))
        if top_text:
            context = top_text if bottom_text and bottom_text != top_text else ""
        elif not bottom_text:
            context = ""
        slots.append((key, text, field))

    groups: list[tuple[str, str | None, list[int]]] = []
    previous_key: tuple[int, int] | None = None
    for index, (key, text, field) in enumerate(slots):
        if groups and text and key == previous_key and groups[-1][0] == text:
            groups[-1][2].append(index)
        else:
            groups.append((text, field, [index]))
        previous_key = key
    # "Họ và tên" centred over two columns without merging: the surname part in
    # the first, the given name in the untitled one beside it.
    for position, (_title, field, indexes) in enumerate(groups[:-1]):
        following = groups[position + 1]
        if field == "full_name" and not following[0]:
            indexes.extend(following[2])
            following[2].clear()
    rows = (top.number, bottom.number) if bottom else (top.number,)
    columns = tuple(
        _Column(field, tuple(indexes), text) for text, field, indexes in groups if text and indexes
    )
    return _Header(rows, columns)


def _find_header(rows: Sequence[_Row]) -> _Header | None:
    """The row, or pair of rows, matching the most known headers with a name among them.

    Failing that, the best row without a name column (for ``no_name_column``),
    if it has at least two known headers.
    """
    scanned = [row for row in rows if row.number <= HEADER_SCAN_ROWS and not row.blank]
    following = {row.number: row for row in rows if not row.blank}
    singles = {row.number: _read_header(row, None) for row in following.values()}
    best: _Header | None = None
    for row in scanned:
        candidate = singles[row.number]
        below = following.get(row.number + 1)
        if below is not None:
            pair = _read_header(row, below)
            # A pair only when each row brings headers of its own: not a title
            # line over the real header, nor a header over the first student.
            below_score = singles[below.number].score
            if candidate.score and pair.score > candidate.score and pair.score >= below_score:
                candidate = pair
        if best is None or (candidate.has_name, candidate.score) > (best.has_name, best.score):
            best = candidate
    if best is None or not (best.has_name or best.score >= 2):
        return None
    return best


# --- Body -----------------------------------------------------------------------

_FOOTER_ACCENTED: Final = re.compile(r"(tổng cộng|tổng số|tổng\s*:|cộng\s*:)")
_FOOTER_FOLDED: Final = re.compile(
    r"(nguoi lap|hieu truong|pho hieu truong|giao vien chu nhiem|gvcn|thu truong|xac nhan"
    r"|ky ten|ky ghi ro|ky va ghi ro|ky ho ten|danh sach co|danh sach nay co|an dinh danh sach"
    r"|trong do)\b"
)
_FOOTER_TOTAL_FOLDED: Final = re.compile(r"(tong cong|tong so)\b")
# "Hà Nội, ngày 05 tháng 9 năm 2026" above the signatures (but not a note such
# as "nghỉ từ ngày 5 tháng 9", which may stand in a row without name or number).
_DATE_LINE: Final = re.compile(r"([^,\d]{0,40},\s*)?ngay\b[\s.…/\d]*thang\b")


def _is_footer(row: _Row) -> bool:
    first = next((cell for cell in row.cells if cell is not None), None)
    if not isinstance(first, str):
        return False
    lowered = first.lower()
    key = _header_key(first)
    if _FOOTER_ACCENTED.match(lowered) or _FOOTER_FOLDED.match(key):
        return True
    if _DATE_LINE.match(fold_accents(lowered)):
        return True
    # Without accents "Tong cong" could be the name Tống Công…; a total has a number.
    return bool(_FOOTER_TOTAL_FOLDED.match(key)) and bool(re.search(r"[\d:]", first))


def _is_column_numbering(row: _Row) -> bool:
    """The "(1) (2) (3)…" line official forms put under the header."""
    values = [cell for cell in row.cells if cell is not None]
    numbers: list[int] = []
    for value in values:
        match = re.fullmatch(r"\(?(\d{1,3})\)?", _text(value))
        if match is None:
            return False
        numbers.append(int(match.group(1)))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _body_rows(sheet: _Sheet, header: _Header, max_rows: int) -> tuple[list[_Row], list[Problem]]:
    last_header_row = header.rows[-1]
    content = [
        index
        for column in header.columns
        if column.field != "roster_no"
        for index in column.indexes
    ]
    name_columns = [column for column in header.columns if column.field in _NAME_FIELDS]
    # Blank rows may separate data rows, but never BLANK_ROWS_AT_END in a row.
    last_row = last_header_row + (max_rows + 1) * BLANK_ROWS_AT_END
    body: list[_Row] = []
    blank_run = 0
    number = last_header_row
    for row in sheet.rows(last_row):
        number = row.number
        if number <= last_header_row:
            continue
        if _is_footer(row):
            return body, []
        # A row with nothing but its STT is an unused line of a pre-numbered template.
        if all(row.cell(index) is None for index in content):
            blank_run += 1
            if blank_run >= BLANK_ROWS_AT_END:
                return body, []
            continue
        blank_run = 0
        if _repeats_header(row, name_columns) or _is_column_numbering(row):
            continue
        if len(body) == max_rows:
            return body, [_problem(ProblemCode.TOO_MANY_ROWS, value=max_rows)]
        body.append(row)
    if number >= last_row:
        return body, [_problem(ProblemCode.TOO_MANY_ROWS, value=max_rows)]
    return body, []


def _repeats_header(row: _Row, name_columns: list[_Column]) -> bool:
    """Some exports repeat the header at the top of every printed page."""
    return any(
        _match_field(_header_key(_text(row.cell(column.indexes[0])))) in _NAME_FIELDS
        for column in name_columns
    )


# --- Values ---------------------------------------------------------------------


def _values(row: _Row, column: _Column) -> list[object]:
    """The cells under a column, without the copies a merged cell spreads rightwards."""
    return [
        row.cell(index)
        for position, index in enumerate(column.indexes)
        if row.cell(index) is not None and (position == 0 or index not in row.spill)
    ]


def _first(row: _Row, columns: list[_Column]) -> tuple[object, _Column | None]:
    for column in columns:
        values = _values(row, column)
        if values:
            return values[0], column
    return None, columns[0] if columns else None


_AFTER_APOSTROPHE_OR_HYPHEN: Final = re.compile(r"(?<=['’\-])\w")


def _clean_name(raw: object) -> str:
    text = unicodedata.normalize("NFC", _text(raw))
    name = normalize_person_name(text)
    if text == text.upper() or text == text.lower():
        # Ê Đê and Jrai names: "H'HEN NIÊ" is "H'Hen Niê".
        name = _AFTER_APOSTROPHE_OR_HYPHEN.sub(lambda match: match.group(0).upper(), name)
    return name


def _joined_name(row: _Row, columns: list[_Column]) -> str:
    if not columns:
        return ""
    return _clean_name(" ".join(_text(value) for value in _values(row, columns[0])))


def _parse_roster_no(value: object) -> int | None:
    match value:
        case None:
            return None
        case bool():
            raise ValueError
        case int():
            number = value
        case float() if value.is_integer():
            number = int(value)
        case str() if found := re.fullmatch(r"(\d{1,6})(?:\.0*)?", value.strip()):
            number = int(found.group(1))
        case _:
            raise ValueError
    if number < 1:
        raise ValueError
    return number


_DAY_FIRST: Final = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")
_YEAR_FIRST: Final = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})")
_TIME_OF_DAY: Final = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
# Serial days of 01/01/1901 and 31/12/2099: Excel dates outside this are typos.
_SERIAL_RANGE: Final = (367, 73050)


def _parse_date(value: object, *, epoch: date | None, today: date) -> date | None:
    """None for an empty cell; ValueError for anything but a plausible date of birth."""
    match value:
        case None:
            return None
        case datetime():
            born = value.date()
        case date():
            born = value
        case bool():
            raise ValueError
        case int() | float() if epoch is not None:
            if not (math.isfinite(value) and _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]):
                raise ValueError
            born = epoch + timedelta(days=int(value))
        case _:
            born = _parse_date_text(_text(value), today)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if born > today or not MIN_AGE <= age <= MAX_AGE:
        raise ValueError
    return born


def _parse_date_text(text: str, today: date) -> date:
    text = "".join(_TIME_OF_DAY.sub("", text).split())
    if found := _DAY_FIRST.fullmatch(text):
        day, month, year = int(found.group(1)), int(found.group(3)), found.group(4)
        if len(year) == 4:
            return date(int(year), month, day)
        century = 2000 if int(year) <= today.year % 100 else 1900
        return date(century + int(year), month, day)
    if found := _YEAR_FIRST.fullmatch(text):
        return date(int(found.group(1)), int(found.group(3)), int(found.group(4)))
    raise ValueError


_MALE_WORDS: Final = frozenset({"nam", "m", "male", "trai", "boy"})
_FEMALE_WORDS: Final = frozenset({"nu", "f", "female", "gai", "girl"})
# In a "Giới tính" column schools code 1 for boys and 0 for girls.
_MALE: Final = _MALE_WORDS | {"1"}
_FEMALE: Final = _FEMALE_WORDS | {"0"}
_TICKED: Final = frozenset({"x", "1", "co", "v", "true", "yes"})
_UNTICKED: Final = frozenset({"0", "false", "khong", "no"})
_TICK_SIGNS: Final = frozenset("✓✔√☑")


def _tick(value: object, gender: str) -> str | None:
    """What a "Nữ" (or "Nam") column says: its gender when ticked, None when empty or "no"."""
    text = _text(value)
    folded = alnum_folded(text)
    if not text or folded in _UNTICKED:
        return None
    if folded in _TICKED or text in _TICK_SIGNS:
        return gender
    if folded in _MALE_WORDS:
        return "male"
    if folded in _FEMALE_WORDS:
        return "female"
    raise ValueError


def _is_placeholder(text: str) -> bool:
    """Cells such as "-", "…" or "Không có": the teacher wrote that there is nothing."""
    folded = alnum_folded(text)
    return not folded or folded in {"khong", "khongco", "chuaco", "chuacapnhat", "na", "none"}


_PHONE_PIECE: Final = re.compile(r"\+?\d+")
_DROPPED_ZERO: Final = re.compile(r"[35789]\d{8}")


def _parse_phone(value: object) -> str:
    """The first Vietnamese number in the cell in E.164, "" if none was written."""
    text = _text(value)
    if _is_placeholder(text):
        return ""
    # "0912 345 678 - 0987.654.321": try the digit groups joined from each start.
    pieces = _PHONE_PIECE.findall(text)
    for start in range(len(pieces)):
        candidate = ""
        for piece in pieces[start:]:
            if candidate and piece.startswith("+"):
                break
            candidate += piece
            if len(candidate) > 12:
                break
            if phone := normalize_phone(candidate):
                return phone
    digits = "".join(pieces)
    # A number typed into a number cell loses its leading 0: 912345678.
    if _DROPPED_ZERO.fullmatch(digits) and (phone := normalize_phone("0" + digits)):
        return phone
    raise ValueError


_EMAIL: Final = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def _parse_email(value: object) -> str:
    """The first valid address in the cell, in lower case; "" if none was written."""
    text = _text(value).lower()
    if _is_placeholder(text):
        return ""
    for part in re.split(r"[\s,;]+", text):
        address = part.removeprefix("mailto:")
        if len(address) <= 254 and _EMAIL.fullmatch(address):
            return address
    raise ValueError


@dataclass(frozen=True)
class _Layout:
    header: _Header
    epoch: date | None
    today: date
    girls_ticked: bool  # the "Nữ" column is in use, so an empty one means a boy

    def columns(self, field: str) -> list[_Column]:
        return self.header.of(field)


def _read_row(row: _Row, layout: _Layout) -> tuple[RosterRow, list[Problem]]:
    problems: list[Problem] = []

    def column_text(column: _Column | None) -> str | None:
        return column.text if column else None

    full_name_columns = layout.columns("full_name")
    name = _joined_name(row, full_name_columns)
    if not name:
        family = _joined_name(row, layout.columns("family_name"))
        given = _joined_name(row, layout.columns("given_name"))
        name = " ".join(part for part in (family, given) if part)
    if not name:
        name_column = next((c for c in layout.header.columns if c.field in _NAME_FIELDS), None)
        problems.append(
            _problem(ProblemCode.MISSING_NAME, row=row.number, column=column_text(name_column))
        )

    value, column = _first(row, layout.columns("roster_no"))
    try:
        roster_no = _parse_roster_no(value)
    except ValueError:
        roster_no = None
        problems.append(
            _problem(
                ProblemCode.BAD_ROSTER_NO, row=row.number, column=column_text(column), value=value
            )
        )

    value, column = _first(row, layout.columns("date_of_birth"))
    try:
        born = _parse_date(value, epoch=layout.epoch, today=layout.today)
    except ValueError:
        born = None
        problems.append(
            _problem(ProblemCode.BAD_DATE, row=row.number, column=column_text(column), value=value)
        )

    gender, gender_problem = _read_gender(row, layout)
    if gender_problem:
        problems.append(gender_problem)

    value, _column = _first(row, layout.columns("student_code"))
    student_code = " ".join(_text(value).split())

    value, _column = _first(row, layout.columns("parent_name"))
    parent_name = _clean_name(value)

    value, column = _first(row, layout.columns("parent_phone"))
    try:
        parent_phone = _parse_phone(value)
    except ValueError:
        parent_phone = ""
        problems.append(
            _problem(ProblemCode.BAD_PHONE, row=row.number, column=column_text(column), value=value)
        )

    value, column = _first(row, layout.columns("parent_email"))
    try:
        parent_email = _parse_email(value)
    except ValueError:
        parent_email = ""
        problems.append(
            _problem(ProblemCode.BAD_EMAIL, row=row.number, column=column_text(column), value=value)
        )

    roster_row = RosterRow(
        row_number=row.number,
        roster_no=roster_no,
        full_name=name,
        date_of_birth=born,
        gender=gender,
        student_code=student_code,
        parent_name=parent_name,
        parent_phone=parent_phone,
        parent_email=parent_email,
    )
    return roster_row, problems


def _read_gender(row: _Row, layout: _Layout) -> tuple[str, Problem | None]:
    value, column = _first(row, layout.columns("gender"))
    if value is not None and column is not None:
        folded = alnum_folded(_text(value))
        if folded in _MALE:
            return "male", None
        if folded in _FEMALE:
            return "female", None
        return "", _problem(
            ProblemCode.UNKNOWN_GENDER, row=row.number, column=column.text, value=value
        )
    said: dict[str, tuple[_Column, object]] = {}
    for field, own in ((_FEMALE_MARK, "female"), (_MALE_MARK, "male")):
        value, column = _first(row, layout.columns(field))
        if column is None:
            continue
        try:
            gender = _tick(value, own)
        except ValueError:
            gender = "?"
        if gender is not None:
            said[gender] = (column, value)
    if len(said) > 1 or "?" in said:
        column, value = said.get("?") or said["female"]
        return "", _problem(
            ProblemCode.UNKNOWN_GENDER, row=row.number, column=column.text, value=value
        )
    if said:
        return next(iter(said)), None
    if layout.girls_ticked and not layout.columns(_MALE_MARK):
        return "male", None
    return "", None


def _girls_ticked(rows: list[_Row], header: _Header) -> bool:
    columns = header.of(_FEMALE_MARK)
    for row in rows:
        try:
            if _tick(_first(row, columns)[0], "female") == "female":
                return True
        except ValueError:
            continue
    return False


# --- Putting it together --------------------------------------------------------


def _parse(data: bytes, *, max_rows: int, today: date) -> ParsedRoster:
    if not data.strip(codecs.BOM_UTF8 + b" \t\r\n"):
        return _failed(_problem(ProblemCode.EMPTY_FILE))
    opened = _open(data)
    if isinstance(opened, Problem):
        return _failed(opened)

    chosen: tuple[_Sheet, _Header] | None = None
    nameless: tuple[_Sheet, _Header] | None = None
    anything = False
    for sheet in opened:
        head = list(sheet.rows(HEADER_SCAN_ROWS + 1))
        anything = anything or any(not row.blank for row in head)
        header = _find_header(head)
        if header is not None and header.has_name:
            chosen = (sheet, header)
            break
        if header is not None and nameless is None:
            nameless = (sheet, header)
    if chosen is None:
        if nameless is not None:
            sheet, header = nameless
            return _failed(
                _problem(ProblemCode.NO_NAME_COLUMN),
                columns=_column_names(header),
                header_row=header.rows[0],
                sheet_name=sheet.name,
            )
        code = ProblemCode.NO_HEADER if anything else ProblemCode.EMPTY_FILE
        return _failed(_problem(code), sheet_name=opened[0].name if opened else None)

    sheet, header = chosen
    problems = _header_problems(header)
    body, body_problems = _body_rows(sheet, header, max_rows)
    problems += body_problems
    layout = _Layout(header, sheet.excel_epoch, today, _girls_ticked(body, header))

    rows: list[RosterRow] = []
    first_with_number: dict[int, int] = {}
    first_with_code: dict[str, int] = {}
    for row in body:
        roster_row, row_problems = _read_row(row, layout)
        rows.append(roster_row)
        problems += row_problems
        number = roster_row.roster_no
        if number is not None:
            if number in first_with_number:
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_ROSTER_NO,
                        row=row.number,
                        column=_first_text(header, "roster_no"),
                        value=number,
                        first_row=first_with_number[number],
                    )
                )
            else:
                first_with_number[number] = row.number
        code_key = roster_row.student_code.casefold()
        if code_key:
            if code_key in first_with_code:
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_CODE_IN_FILE,
                        row=row.number,
                        column=_first_text(header, "student_code"),
                        value=roster_row.student_code,
                        first_row=first_with_code[code_key],
                    )
                )
            else:
                first_with_code[code_key] = row.number

    problems.sort(key=lambda p: (p.row_number is not None, p.row_number or 0))
    return ParsedRoster(
        rows=rows,
        problems=problems,
        columns=_column_names(header),
        header_row=header.rows[0],
        sheet_name=sheet.name,
    )


def _first_text(header: _Header, field: str) -> str | None:
    columns = header.of(field)
    return columns[0].text if columns else None


def _column_names(header: _Header) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in header.columns:
        if column.field is None:
            continue
        field = "gender" if column.field in _GENDER_FIELDS else column.field
        names.setdefault(field, column.text)
    return {field: names[field] for field in ROSTER_FIELDS if field in names}


def _header_problems(header: _Header) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for column in header.columns:
        if column.field is None:
            problems.append(_problem(ProblemCode.UNKNOWN_HEADER, column=column.text))
        elif column.field in seen and column.field not in _PARENT_FIELDS:
            # Parent columns repeat on purpose (father, mother): the first filled one wins.
            problems.append(_problem(ProblemCode.DUPLICATE_COLUMN, column=column.text))
        seen.add(column.field or "")
    return problems
