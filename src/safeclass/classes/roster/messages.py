"""What the teacher reads about each roster problem: where it is and how to fix it.

Words the teacher has to type into the spreadsheet ("Họ và tên", "Nam", "Nữ")
are passed as parameters, so that no translation can change them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safeclass.classes.roster.parser import (
    HEADER_SCAN_ROWS,
    MAX_AGE,
    MIN_AGE,
    Problem,
    ProblemCode,
)


def problem_message(problem: Problem) -> str:
    params: dict[str, object] = {
        "row": problem.row_number,
        "column": problem.column or "",
        "value": problem.value,
        "first": problem.first_row_number,
        "min_age": MIN_AGE,
        "max_age": MAX_AGE,
        "rows": HEADER_SCAN_ROWS,
        "name_header": "Họ và tên",
        "headers": "STT | Họ và tên | Ngày sinh",
        "male": "Nam",
        "female": "Nữ",
    }
    if problem.value.count("|") == 2:
        params.update(zip(("code", "student", "class_name"), problem.value.split("|"), strict=True))
    return _template(problem) % params


def _template(problem: Problem) -> str:
    match problem.code:
        case ProblemCode.MISSING_NAME:
            return _(
                "Row %(row)s: the student's name is empty. Type the full name, "
                "or delete the row if it is not a student."
            )
        case ProblemCode.BAD_ROSTER_NO:
            return _(
                "Row %(row)s: “%(value)s” is not a roster number. Use a whole number "
                "from 1 up, or leave the cell empty."
            )
        case ProblemCode.DUPLICATE_ROSTER_NO:
            return _(
                "Row %(row)s: roster number %(value)s is already used in row %(first)s. "
                "Give each student a different number."
            )
        case ProblemCode.BAD_DATE:
            return _(
                "Row %(row)s: the date of birth “%(value)s” is not valid. Write a real date "
                "as dd/mm/yyyy, for a student aged %(min_age)s to %(max_age)s."
            )
        case ProblemCode.UNKNOWN_GENDER:
            return _(
                "Row %(row)s: the gender “%(value)s” is not understood and will be left "
                "empty. Write “%(male)s” or “%(female)s”."
            )
        case ProblemCode.DUPLICATE_CODE_IN_FILE:
            return _(
                "Row %(row)s: the student code “%(value)s” is already used in row %(first)s. "
                "Each student must have their own code."
            )
        case ProblemCode.BAD_PHONE:
            return _(
                "Row %(row)s: “%(value)s” is not a Vietnamese phone number. Write 10 digits "
                "starting with 0, for example 0912 345 678, or leave the cell empty."
            )
        case ProblemCode.BAD_EMAIL:
            return _(
                "Row %(row)s: “%(value)s” is not an email address. Correct it, for example "
                "name@gmail.com, or leave the cell empty."
            )
        case ProblemCode.UNKNOWN_HEADER:
            return _("The column “%(column)s” is not used by SafeClass and will be ignored.")
        case ProblemCode.DUPLICATE_COLUMN:
            return _(
                "The column “%(column)s” repeats an earlier column and will be ignored. "
                "Delete one of the two if they differ."
            )
        case ProblemCode.NO_NAME_COLUMN:
            return _(
                "No column of student names was found. Give the names column the title "
                "“%(name_header)s”."
            )
        case ProblemCode.NO_HEADER:
            return _(
                "No row of column titles was found in the first %(rows)s rows. Put titles "
                "such as “%(headers)s” right above the list of students."
            )
        case ProblemCode.EMPTY_FILE:
            return _("The file is empty. Choose the file that holds the class list.")
        case ProblemCode.UNREADABLE_FILE if problem.value == "encrypted":
            return _(
                "The file is protected by a password. Remove the password in Excel, "
                "save the file and upload it again."
            )
        case ProblemCode.UNREADABLE_FILE:
            return _(
                "The file cannot be read; it may be damaged. Open it in Excel, save it "
                "again as .xlsx and upload the new file."
            )
        case ProblemCode.FILE_TOO_LARGE:
            return _(
                "The file is too large to be a class list. Upload a file that holds only "
                "the class list, as .xlsx or .csv."
            )
        case ProblemCode.TOO_MANY_ROWS:
            return _(
                "The file has more than %(value)s students. Upload the list of one class at a time."
            )
        case ProblemCode.UNSUPPORTED_TYPE if problem.value == "xls":
            return _(
                "This is an old Excel file (.xls). Open it in Excel, save it as "
                "“Excel Workbook (.xlsx)” and upload the new file."
            )
        case ProblemCode.UNSUPPORTED_TYPE:
            return _(
                "This is not an Excel workbook (.xlsx) or a CSV file. Open it in Excel, "
                "save it as “Excel Workbook (.xlsx)” and upload the new file."
            )
        case "code_in_other_class" if problem.value.count("|") == 2:
            # Added by the import service: value is "code|student's name|class name".
            return _(
                "Row %(row)s: the student code “%(code)s” belongs to %(student)s, who is in "
                "class %(class_name)s. Check the code, or move the student to this class first."
            )
        case _ if problem.row_number is not None:
            return _("Row %(row)s: “%(value)s” cannot be imported.")
        case _:
            return _("The file cannot be imported.")
