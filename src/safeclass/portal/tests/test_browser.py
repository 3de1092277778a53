"""In Chromium: every demo role signs in and sees its own home page (issue: done-when)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from safeclass.demo.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ROLES = {
    "sogd.demo": "Sở Giáo dục và Đào tạo (trình diễn)",
    "phonggd.demo": "Phòng Giáo dục và Đào tạo Ánh Dương (trình diễn)",
    "bgh.demo": "Trường Tiểu học Ánh Dương",
    "gvcn.demo": "Lớp 5A",
    "gvbm.demo": "Lớp 5A",
    "hs.demo": "Lớp 5A",
    "ph.demo": "Nguyễn Minh An",
}
NAMES = {
    "sogd.demo": "Hà",
    "phonggd.demo": "Dũng",
    "bgh.demo": "Lan",
    "gvcn.demo": "Hoa",
    "gvbm.demo": "Nam",
    "hs.demo": "An",
    "ph.demo": "Bình",
}


def console_errors(page) -> list[str]:
    """Errors the page logs, such as a Content-Security-Policy violation."""
    errors: list[str] = []

    def keep(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", keep)
    return errors


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập, email hoặc số điện thoại").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")


def seed_with_rules_accepted() -> None:
    """The demo world; the student and parent accepted the class rules already."""
    from safeclass.accounts.models import User
    from safeclass.classes.tests.factories import accept_pending_rules

    call_command("seed_demo", verbosity=0)
    for username in ("hs.demo", "ph.demo"):
        accept_pending_rules(User.objects.get(username=username))


def test_each_demo_role_signs_in_and_sees_its_home(live_server_url: str, new_context) -> None:
    seed_with_rules_accepted()
    for username, marker in ROLES.items():
        context = new_context()
        page = context.new_page()
        errors = console_errors(page)
        sign_in(page, live_server_url, username)
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == f"Xin chào, {NAMES[username]}", username
        assert page.get_by_text(marker).first.is_visible(), f"{username}: {marker}"
        assert page.locator("html").get_attribute("lang") == "vi"
        assert errors == [], f"{username}: console errors {errors}"  # e.g. a CSP violation
        context.close()


def test_a_phone_sized_screen_needs_no_sideways_scrolling(
    live_server_url: str, new_context
) -> None:
    seed_with_rules_accepted()
    context = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    for username in ("ph.demo",):
        sign_in(page, live_server_url, username)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the home page is {width}px wide on a 360px phone"


def test_keyboard_users_can_skip_to_the_content_and_switch_language(
    live_server_url: str, new_context
) -> None:
    context = new_context()
    page = context.new_page()
    page.goto(f"{live_server_url}/tro-giup/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    assert skip.evaluate("element => element === document.activeElement")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Help and reporting"
    assert page.locator("html").get_attribute("lang") == "en"


def test_an_officer_picks_a_province_and_then_its_commune(
    live_server_url: str, new_context
) -> None:
    """The commune list follows the province (vietnam-provinces), under the strict CSP."""
    from safeclass.orgs.models import Unit

    call_command("seed_demo", verbosity=0)
    department = Unit.objects.get(code="sgd-demo")
    page = new_context().new_page()
    errors = console_errors(page)
    sign_in(page, live_server_url, "sogd.demo")
    page.goto(f"{live_server_url}/don-vi/{department.pk}/them-don-vi/")
    page.get_by_label("Loại đơn vị").select_option("school")
    page.get_by_label("Tên").fill("Trường Tiểu học Sao Mai")
    page.get_by_label("Mã").fill("th-sao-mai")
    page.get_by_label("Cấp học").select_option("primary")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thành phố Huế")
    commune = page.get_by_label("Xã/phường")
    commune.locator("option", has_text="Phường Thuận Hóa").wait_for(state="attached")
    commune.select_option(label="Phường Thuận Hóa")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(f"{live_server_url}/don-vi/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Trường Tiểu học Sao Mai"
    school = Unit.objects.get(code="th-sao-mai")
    assert school.parent == department
    assert school.ward_code is not None
    assert errors == []
