"""Roster import (ACC-2, FAM-1): preview with every bad row, all or nothing,
idempotent re-imports, students who left reported; credential slips."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from safeclass.accounts.models import AccountKind, ParentInvitation, User
from safeclass.audit.models import AuditEvent
from safeclass.classes.models import Enrollment, RosterImport
from safeclass.classes.roster.messages import problem_message
from safeclass.classes.services import class_create, enrollment_add
from safeclass.classes.services.roster import roster_apply, roster_preview, roster_upload
from safeclass.classes.services.slips import slips_issue
from safeclass.classes.slips_pdf import slips_pdf
from safeclass.classes.tests.factories import ACTOR, class_world
from safeclass.classes.tests.roster.sheets import SchoolExport, students
from safeclass.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def with_mistakes(export: SchoolExport) -> list[list[object]]:
    data = export.data()
    data[6][1] = None  # a name deleted
    data[19][2] = "31/02/2016"  # no such date
    data[32][4] = data[10][4]  # a student code copied from another row
    return data


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    return class_world(students=0, name="5B", grade=5)


def upload(world, data: bytes, name: str = "5B.xlsx"):  # type: ignore[no-untyped-def]
    return roster_upload(actor=ACTOR, school_class=world.school_class, data=data, file_name=name)


def students_of(world) -> int:  # type: ignore[no-untyped-def]
    return User.objects.filter(school=world.school, kind=AccountKind.STUDENT).count()


def test_the_issue_scenario_bad_rows_block_then_45_accounts_and_45_slips(world) -> None:
    export = SchoolExport(students(45))
    preview = upload(world, export.workbook(with_mistakes(export)))
    assert preview.bad_row_numbers() == [15, 28, 41]
    messages = [problem_message(p) for p in preview.blocking]
    assert len(messages) == 3
    assert all(str(row) in text for row, text in zip([15, 28, 41], messages, strict=True))
    with pytest.raises(ServiceError):
        roster_apply(actor=ACTOR, roster_import=preview.roster_import)
    assert students_of(world) == 0
    assert not Enrollment.objects.filter(school_class=world.school_class).exists()

    fixed = upload(world, export.workbook())
    assert fixed.ok
    result = roster_apply(actor=ACTOR, roster_import=fixed.roster_import)
    assert result.created == 45
    assert students_of(world) == 45
    roster = list(Enrollment.objects.filter(school_class=world.school_class).order_by("roster_no"))
    assert [e.roster_no for e in roster] == list(range(1, 46))
    assert all(not e.student.is_verified_account for e in roster)
    assert roster[0].student.full_name == export.students[0].full_name
    assert roster[0].student.date_of_birth == export.students[0].born
    # Phone-only parents are remembered (to confirm them later), not emailed.
    assert ParentInvitation.objects.filter(student__school=world.school).count() == 45
    assert AuditEvent.objects.filter(action="classes.roster_import").count() == 1

    slips = slips_issue(
        actor=ACTOR,
        school_class=world.school_class,
        enrollment_ids=None,
        activation_link_for=lambda username, code: (
            f"https://lop.example/kich-hoat/?u={username}&code={code}"
        ),
        parent_link_for=lambda code: f"https://lop.example/phu-huynh/lien-ket/?ma={code}",
    )
    pdf = slips_pdf(slips=slips, school_class=world.school_class, rules=[])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 45
    first_page = reader.pages[0].extract_text()
    assert roster[0].student.username in first_page
    assert slips[0].activation_code is not None
    assert slips[0].activation_code.replace("-", "") in first_page.replace("-", "").replace(" ", "")

    # The same file again creates nothing new.
    again = upload(world, export.workbook())
    assert again.count("create") == 0
    assert again.count("unchanged") == 45
    roster_apply(actor=ACTOR, roster_import=again.roster_import)
    assert students_of(world) == 45
    assert Enrollment.objects.filter(school_class=world.school_class).count() == 45


def test_an_import_is_applied_once(world) -> None:
    preview = upload(world, SchoolExport(students(3)).workbook())
    roster_apply(actor=ACTOR, roster_import=preview.roster_import)
    with pytest.raises(ServiceError):
        roster_apply(actor=ACTOR, roster_import=preview.roster_import)
    assert students_of(world) == 3


def test_reimport_updates_reports_leavers_and_never_deletes(world) -> None:
    export = SchoolExport(students(5))
    roster_apply(actor=ACTOR, roster_import=upload(world, export.workbook()).roster_import)
    data = export.data()
    gone = data.pop(4)  # the fifth pupil moved away
    data[0][1] = "Nguyễn Văn Tên Mới"
    preview = upload(world, export.workbook(data))
    assert preview.ok
    assert [e.student.full_name for e in preview.leavers] == [gone[1]]
    assert preview.count("update") == 1
    roster_apply(actor=ACTOR, roster_import=preview.roster_import)
    assert User.objects.filter(full_name="Nguyễn Văn Tên Mới").exists()
    # Not in the file, not ticked: still on the roster, account untouched.
    assert Enrollment.objects.filter(student__full_name=gone[1], left_at__isnull=True).exists()

    again = upload(world, export.workbook(data))
    leaver = again.leavers[0]
    roster_apply(actor=ACTOR, roster_import=again.roster_import, leave={leaver.pk})
    leaver.refresh_from_db()
    assert leaver.left_at is not None
    assert User.objects.filter(pk=leaver.student_id, is_active=True).exists()


def test_a_code_belonging_to_another_class_is_a_bad_row(world) -> None:
    other = class_create(
        actor=ACTOR, school=world.school, school_year=world.year, name="5C", grade=5
    )
    export = SchoolExport(students(2))
    preview = roster_upload(
        actor=ACTOR, school_class=other, data=export.workbook(), file_name="5C.xlsx"
    )
    roster_apply(actor=ACTOR, roster_import=preview.roster_import)
    clash = upload(world, export.workbook())
    assert not clash.ok
    assert {p.code for p in clash.blocking} == {"code_in_other_class"}
    assert "5C" in problem_message(clash.blocking[0])


def test_roster_numbers_can_swap_between_imports(world) -> None:
    export = SchoolExport(students(3))
    roster_apply(actor=ACTOR, roster_import=upload(world, export.workbook()).roster_import)
    data = export.data()
    data[0][0], data[1][0] = 2, 1
    roster_apply(actor=ACTOR, roster_import=upload(world, export.workbook(data)).roster_import)
    numbers = dict(
        Enrollment.objects.filter(school_class=world.school_class).values_list(
            "student__full_name", "roster_no"
        )
    )
    assert numbers[export.students[0].full_name] == 2
    assert numbers[export.students[1].full_name] == 1


def test_a_leaver_holding_a_new_rows_number_must_be_marked_first(world) -> None:
    outsider = User.objects.create(
        username="hs.cu", full_name="Học Sinh Cũ", kind="student", school=world.school
    )
    enrollment_add(actor=ACTOR, school_class=world.school_class, student=outsider, roster_no=1)
    preview = upload(world, SchoolExport(students(2)).workbook())
    with pytest.raises(ServiceError, match="Học Sinh Cũ"):
        roster_apply(actor=ACTOR, roster_import=preview.roster_import)
    assert students_of(world) == 1
    roster_apply(
        actor=ACTOR,
        roster_import=roster_preview(
            roster_import=RosterImport.objects.get(pk=preview.roster_import.pk)
        ).roster_import,
        leave={Enrollment.objects.get(student=outsider).pk},
    )
    assert students_of(world) == 3


def command_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        )
    env["SAFECLASS_ENV"] = "development"
    return env


@pytest.mark.django_db(transaction=True)
def test_the_command_reports_the_same_errors_with_a_non_zero_exit(tmp_path: Path) -> None:
    world = class_world(students=0, name="5B", grade=5)
    export = SchoolExport(students(45))
    bad = tmp_path / "5B.xlsx"
    bad.write_bytes(export.workbook(with_mistakes(export)))
    command = [sys.executable, "-m", "safeclass", "import-roster", "--school", world.school.code]
    result = subprocess.run(
        [*command, "--class", "5B", "--dry-run", str(bad)],
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    ui_preview = upload(world, bad.read_bytes())
    with_vi = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(with_vi) == 3
    from django.utils import translation

    with translation.override("vi"):
        expected = [problem_message(p) for p in ui_preview.blocking]
    assert [line.split(": error: ", 1)[1] for line in with_vi] == expected
    assert students_of(world) == 0

    good = tmp_path / "5B-fixed.xlsx"
    good.write_bytes(export.workbook())
    dry = subprocess.run(
        [*command, "--class", "5B", "--dry-run", str(good)],
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dry.returncode == 0, dry.stderr
    assert "nothing was imported" in dry.stdout.lower()
    assert students_of(world) == 0
    real = subprocess.run(
        [*command, "--class", "5B", str(good)],
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert real.returncode == 0, real.stderr
    assert "45 created" in real.stdout
    assert "100%" in real.stderr  # the progress bar finished
    assert students_of(world) == 45
