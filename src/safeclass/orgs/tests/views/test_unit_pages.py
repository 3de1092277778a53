"""Unit administration pages: forms, bad input, staff and roles (ACC-2, LED-1)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from safeclass.accounts.models import AccountSession, Membership, User
from safeclass.accounts.tests.factories import PASSWORD, staff_with_role
from safeclass.audit.models import AuditEvent
from safeclass.core.roles import Role
from safeclass.orgs.models import Unit, UnitKind
from safeclass.orgs.tests.factories import SchoolFactory, UnitFactory

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.4.0.1")
    assert (
        client.post("/dang-nhap/", {"identifier": username, "password": PASSWORD}).status_code
        == 302
    )
    return client


@pytest.fixture
def tree() -> dict[str, Unit]:
    department = UnitFactory(kind=UnitKind.DEPARTMENT, name="Sở GD&ĐT Thử")
    school = SchoolFactory(parent=department, name="Trường Tiểu học Hoa Mai")
    staff_with_role(department, Role.AUTHORITY_OFFICER, username="can.bo.so")
    staff_with_role(school, Role.SCHOOL_IT_ADMIN, username="qtv.hoamai")
    staff_with_role(school, Role.SCHOOL_LEADER, username="hieu.truong.hoamai")
    return {"department": department, "school": school}


def test_an_officer_creates_a_school_with_a_commune(tree) -> None:
    client = signed_in("can.bo.so")
    department = tree["department"]
    response = client.post(
        f"/don-vi/{department.pk}/them-don-vi/",
        {
            "kind": "school",
            "name": "Trường THCS Sen Hồng",
            "code": "thcs-sen-hong",
            "school_level": "lower_secondary",
            "province_code": "1",
            "ward_code": "4",
        },
    )
    assert response.status_code == 302
    school = Unit.objects.get(code="thcs-sen-hong")
    assert school.parent == department
    assert school.ward_code == 4
    assert response.headers["Location"] == f"/don-vi/{school.pk}/"


def test_bad_input_shows_a_translated_error_and_changes_nothing(tree) -> None:
    client = signed_in("can.bo.so")
    before = (Unit.objects.count(), AuditEvent.objects.count())
    response = client.post(
        f"/don-vi/{tree['department'].pk}/them-don-vi/",
        {
            "kind": "school",
            "name": "Trường Sai Xã",
            "code": "truong-sai-xa",
            "school_level": "primary",
            "province_code": "79",  # Hồ Chí Minh City
            "ward_code": "4",  # a ward of Hà Nội
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert "Trường Sai Xã" in page, "what the person typed is kept"
    assert (Unit.objects.count(), AuditEvent.objects.count()) == before


def test_the_commune_list_follows_the_province(tree) -> None:
    client = signed_in("can.bo.so")
    data = client.get("/don-vi/xa-phuong/?province=1").json()
    names = {ward["name"] for ward in data["wards"]}
    assert "Phường Ba Đình" in names
    assert len(names) > 100
    assert client.get("/don-vi/xa-phuong/?province=abc").status_code == 400


def test_an_it_admin_adds_a_teacher_who_gets_a_one_time_code(tree) -> None:
    client = signed_in("qtv.hoamai")
    school = tree["school"]
    page = client.get(f"/don-vi/{school.pk}/nhan-su/").content.decode()
    # An IT admin may only grant teacher and counsellor roles.
    offered = set(re.findall(r'<option value="(\w+)"', page))
    assert offered == {Role.TEACHER, Role.COUNSELLOR}
    response = client.post(
        f"/don-vi/{school.pk}/nhan-su/",
        {
            "role": "teacher",
            "full_name": "Đinh Thị Thu Trang",
            "username": "dinh.thu.trang",
            "email": "trang@truong.example.org",
            "phone": "0903 111 222",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    code = re.search(r'<span class="code-box">([A-Z0-9-]{14})</span>', page)
    assert code is not None
    teacher = User.objects.get(username="dinh.thu.trang")
    assert teacher.phone == "+84903111222"
    assert not teacher.has_usable_password() and not teacher.is_verified_account
    assert Membership.objects.get(user=teacher).role == Role.TEACHER

    activation = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.4.0.9")
    done = activation.post(
        "/kich-hoat/",
        {
            "identifier": "0903111222",
            "code": code.group(1),
            "new_password": "Lá-vàng-rơi-mùa-thu",
            "new_password_again": "Lá-vàng-rơi-mùa-thu",
        },
    )
    assert done.status_code == 302
    teacher.refresh_from_db()
    assert teacher.is_verified_account


def test_an_it_admin_cannot_grant_a_leader_role_even_by_forging_the_form(tree) -> None:
    client = signed_in("qtv.hoamai")
    response = client.post(
        f"/don-vi/{tree['school'].pk}/nhan-su/",
        {"role": "school_leader", "full_name": "Kẻ Mạo Danh", "username": "mao.danh"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="mao.danh").exists()


def test_an_it_admin_cannot_disable_the_principal(tree) -> None:
    principal = User.objects.get(username="hieu.truong.hoamai")
    client = signed_in("qtv.hoamai")
    # The principal is in the IT admin's school (so 403, not 404) but above their role.
    assert client.get(f"/nguoi-dung/{principal.pk}/").status_code == 403
    response = client.post(f"/nguoi-dung/{principal.pk}/trang-thai/", {"active": "0"})
    assert response.status_code == 403
    principal.refresh_from_db()
    assert principal.is_active


def test_disabling_an_account_from_its_page_ends_its_sessions(tree) -> None:
    teacher = staff_with_role(tree["school"], Role.TEACHER, username="gv.sap.nghi")
    teacher_client = signed_in("gv.sap.nghi")
    admin = signed_in("qtv.hoamai")
    response = admin.post(f"/nguoi-dung/{teacher.pk}/trang-thai/", {"active": "0"})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active
    assert not AccountSession.objects.filter(user=teacher).exists()
    assert teacher_client.get("/").status_code == 302


def test_school_years_form_keeps_input_on_error(tree) -> None:
    client = signed_in("can.bo.so")
    url = f"/don-vi/{tree['department'].pk}/nam-hoc/"
    response = client.post(
        url,
        {"year-name": "2026–2027", "year-starts_on": "2027-06-01", "year-ends_on": "2026-09-01"},
    )
    assert response.status_code == 200
    assert 'value="2026–2027"' in response.content.decode()
    ok = client.post(
        url,
        {"year-name": "2026–2027", "year-starts_on": "2026-08-15", "year-ends_on": "2027-07-31"},
    )
    assert ok.status_code == 302
    year = tree["department"].school_years.get()
    term = client.post(
        url,
        {
            "school_year": str(year.pk),
            f"term-{year.pk}-name": "Học kỳ I",
            f"term-{year.pk}-starts_on": "2026-09-05",
            f"term-{year.pk}-ends_on": "2027-01-17",
        },
    )
    assert term.status_code == 302
    assert year.terms.get().name == "Học kỳ I"
    # A leader of the school can read the years but not add them.
    leader = signed_in("hieu.truong.hoamai")
    assert leader.get(f"/don-vi/{tree['school'].pk}/nam-hoc/").status_code == 200
    assert (
        leader.post(
            f"/don-vi/{tree['school'].pk}/nam-hoc/",
            {"year-name": "x", "year-starts_on": "2026-08-15", "year-ends_on": "2027-07-31"},
        ).status_code
        == 403
    )
