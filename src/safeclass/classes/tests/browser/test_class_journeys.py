"""In Chromium: a teacher imports a roster with errors, a student activates an
account, a parent links to a child, a student meets the class rules first."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from safeclass.accounts.models import Guardianship, User
from safeclass.accounts.services import activation_code_issue, parent_link_code_issue
from safeclass.classes.models import Enrollment, SchoolClass
from safeclass.classes.tests.roster.sheets import SchoolExport, students
from safeclass.core.context import Actor
from safeclass.demo.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/dang-nhap/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


def test_a_homeroom_teacher_imports_a_roster_with_errors_then_prints_slips(  # ACC-2
    live_server_url: str, new_context, tmp_path: Path
) -> None:
    call_command("seed_demo", verbosity=0)
    class_5b = SchoolClass.objects.get(school__code="th-demo", name="5B")
    # Codes of their own: the demo school already has students 0100000001…
    pupils = [replace(s, code=f"79{s.roster_no:08d}") for s in students(45)]
    export = SchoolExport(pupils)
    data = export.data()
    data[6][1] = None
    data[19][2] = "31/02/2016"
    data[32][4] = data[10][4]
    bad, good = tmp_path / "5B-loi.xlsx", tmp_path / "5B.xlsx"
    bad.write_bytes(export.workbook(data))
    good.write_bytes(export.workbook())

    page = new_context().new_page()
    sign_in(page, live_server_url, "gvcn.demo")
    page.goto(f"{live_server_url}/lop/{class_5b.pk}/nhap-danh-sach/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("form[data-busy] button[type=submit]")
    page.wait_for_url("**/nhap-danh-sach/*/")
    rows = page.locator(".problems li").evaluate_all("items => items.map(i => i.dataset.row)")
    assert rows == ["15", "28", "41"]
    assert Enrollment.objects.filter(school_class=class_5b).count() == 0

    page.goto(f"{live_server_url}/lop/{class_5b.pk}/nhap-danh-sach/")
    page.set_input_files("input[name=file]", str(good))
    page.click("form[data-busy] button[type=submit]")
    page.wait_for_url("**/nhap-danh-sach/*/")
    assert page.locator(".problems li").count() == 0
    page.click("form[data-busy] button[type=submit]")
    page.wait_for_load_state()
    assert Enrollment.objects.filter(school_class=class_5b, left_at__isnull=True).count() == 45

    page.goto(f"{live_server_url}/lop/{class_5b.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())  # "codes on earlier slips stop working"
    with page.expect_download() as download_info:
        page.click(f"form[action='/lop/{class_5b.pk}/phieu-tai-khoan/'] button")
    pdf = Path(download_info.value.path()).read_bytes()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 45


def test_a_student_activates_the_account_and_meets_the_class_rules_first(
    live_server_url: str, new_context
) -> None:
    call_command("seed_demo", verbosity=0)
    student = User.objects.get(username="th-demo-5a-02")
    code = activation_code_issue(actor=Actor.system(), user=student)
    page = new_context().new_page()
    page.goto(f"{live_server_url}/kich-hoat/?u={student.username}&code={code}")
    assert page.input_value("input[name=identifier]") == student.username
    assert page.input_value("input[name=code]") == code
    page.fill("input[name=new_password]", "Chú mèo con đi học")
    page.fill("input[name=new_password_again]", "Chú mèo con đi học")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{live_server_url}/dang-nhap/")
    student.refresh_from_db()
    assert student.is_verified_account

    sign_in(page, live_server_url, student.username, "Chú mèo con đi học")
    assert "/noi-quy/" in page.url, "the class rules come before anything else"
    page.goto(f"{live_server_url}/lich/")
    assert "/noi-quy/" in page.url
    page.click("form button[type=submit].button")
    page.wait_for_url(f"{live_server_url}/lich/")
    page.goto(f"{live_server_url}/")
    assert page.url == f"{live_server_url}/"


def test_a_parent_links_with_the_slip_code_and_the_teacher_confirms(
    live_server_url: str, new_context
) -> None:
    call_command("seed_demo", verbosity=0)
    child = User.objects.get(username="th-demo-5a-03")
    code = parent_link_code_issue(actor=Actor.system(), student=child)

    parent_page = new_context().new_page()
    parent_page.goto(f"{live_server_url}/phu-huynh/lien-ket/?ma={code}")
    parent_page.fill("input[name=full_name]", "Trần Văn Phú")
    parent_page.fill("input[name=phone]", "0977 123 456")
    parent_page.select_option("select[name=relationship]", "father")
    parent_page.fill("input[name=new_password]", "Cánh đồng lúa chín vàng")
    parent_page.fill("input[name=new_password_again]", "Cánh đồng lúa chín vàng")
    parent_page.click("form.stacked button[type=submit]")
    parent_page.wait_for_url(f"{live_server_url}/**")
    link = Guardianship.objects.get(student=child)
    assert link.parent.full_name == "Trần Văn Phú"
    assert not link.verified

    teacher_page = new_context().new_page()
    sign_in(teacher_page, live_server_url, "gvcn.demo")
    teacher_page.goto(f"{live_server_url}/lop/{child.enrollments.get().school_class_id}/")
    teacher_page.click(f"form[action='/giam-ho/{link.pk}/xac-nhan/'] button")
    teacher_page.wait_for_load_state()
    link.refresh_from_db()
    assert link.verified
