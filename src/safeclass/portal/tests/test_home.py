"""Each role's home page shows its own real data, and only links it may open."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from safeclass.accounts.models import User
from safeclass.classes.tests.factories import accept_pending_rules
from safeclass.demo.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    """The demo world, with the class rules already accepted by the student and
    the parent (the rules gate has tests of its own)."""
    call_command("seed_demo", verbosity=0)
    for username in ("hs.demo", "ph.demo"):
        accept_pending_rules(User.objects.get(username=username))


def home_of(username: str) -> str:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.9.0.1")
    response = client.post("/dang-nhap/", {"identifier": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    page = client.get("/")
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize(
    ("username", "present", "absent"),
    [
        ("sogd.demo", ["Sở Giáo dục và Đào tạo (trình diễn)"], ["Nguyễn Minh An"]),
        (
            "phonggd.demo",
            ["Phòng Giáo dục và Đào tạo Ánh Dương (trình diễn)"],
            ["Sở Giáo dục và Đào tạo (trình diễn)</a></h2>"],
        ),
        ("bgh.demo", ["Trường Tiểu học Ánh Dương"], ["Trường THCS Ánh Dương"]),
        ("gvcn.demo", ["Trường Tiểu học Ánh Dương", "5A"], ["Trường THCS Ánh Dương"]),
        ("gvbm.demo", ["5A", "Tiếng Anh"], ["Trường THCS Ánh Dương"]),
        ("hs.demo", ["5A", "Nguyễn Thị Hoa", "111"], ["Trường THCS Ánh Dương"]),
        (
            "ph.demo",
            ["Nguyễn Minh An", "Trường Tiểu học Ánh Dương", "5A"],
            ["Trường THCS Ánh Dương"],
        ),
    ],
)
def test_each_demo_role_sees_its_own_home(
    demo, username: str, present: list[str], absent: list[str]
) -> None:
    page = home_of(username)
    for text in present:
        assert text in page, f"{username}: {text!r} missing"
    for text in absent:
        assert text not in page, f"{username}: {text!r} must not show"


@pytest.mark.parametrize(
    "username",
    [
        "sogd.demo",
        "phonggd.demo",
        "bgh.demo",
        "qtv.demo",
        "tuvan.demo",
        "gvcn.demo",
        "gvbm.demo",
        "hs.demo",
        "ph.demo",
    ],
)
def test_no_dead_links_on_any_home(demo, username: str) -> None:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.9.0.2")
    client.post("/dang-nhap/", {"identifier": username, "password": DEMO_PASSWORD})
    page = client.get("/").content.decode()
    links = set(re.findall(r'href="(/[^"#]*)"', page))
    assert links, "a home page with no links"
    for link in sorted(links):
        if link.startswith("/static/"):
            continue
        status = client.get(link.replace("&amp;", "&")).status_code
        assert status == 200, f"{username}: {link} answered {status}"


def test_the_hotline_is_shown_to_children_and_families_not_in_staff_chrome(demo) -> None:
    assert 'class="banner banner-hotline"' in home_of("hs.demo")
    assert 'class="banner banner-hotline"' in home_of("ph.demo")
    assert 'class="banner banner-hotline"' not in home_of("gvcn.demo")
    anonymous = Client(HTTP_HOST="127.0.0.1").get("/dang-nhap/").content.decode()
    assert 'class="banner banner-hotline"' in anonymous
