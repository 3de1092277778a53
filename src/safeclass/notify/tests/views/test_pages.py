"""The notification pages: one's own only, opening marks read, links stay on the site."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_noop

from safeclass.accounts.tests.factories import PASSWORD
from safeclass.notify.context_processors import unread
from safeclass.notify.models import Notification, OutboundEmail, OutboxStatus
from safeclass.notify.services import notify

pytestmark = pytest.mark.django_db

LIST = "/thong-bao/"
MARK_ALL = "/thong-bao/da-doc-tat-ca/"


def open_url(notification: Notification) -> str:
    return f"/thong-bao/{notification.pk}/mo/"


def signed_in(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.9.0.1")
    response = client.post("/dang-nhap/", {"identifier": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def tell(user, subject: str, *, url: str = "") -> Notification:
    [created] = notify(
        recipients=[user],
        kind="test.page",
        subject=gettext_noop("%(what)s"),
        body=gettext_noop("Details of %(what)s"),
        params={"what": subject},
        url=url,
        email=False,
    )
    return created


def test_the_list_shows_ones_own_notifications_newest_first(person) -> None:
    me, someone_else = person(), person()
    tell(me, "Lịch học tuần sau")
    tell(someone_else, "Thư mời họp phụ huynh của người khác")
    tell(me, "Đổi phòng học môn Toán")
    page = signed_in(me).get(LIST).content.decode()
    assert "Thư mời họp phụ huynh của người khác" not in page
    assert page.index("Đổi phòng học môn Toán") < page.index("Lịch học tuần sau")


def test_unread_notifications_are_marked_and_reading_one_unmarks_it(person) -> None:
    me = person(language="en")
    first = tell(me, "Timetable changed")
    client = signed_in(me)
    page = client.get(LIST).content.decode()
    assert page.count('<span class="badge badge-warn">New</span>') == 1
    assert "You have 1 unread notification." in page
    client.post(open_url(first))
    page = client.get(LIST).content.decode()
    assert 'badge-warn">New<' not in page
    assert "unread notification" not in page


def test_the_list_is_paginated(person) -> None:
    me = person()
    for number in range(25):
        tell(me, f"Thông báo số {number:02d}")
    client = signed_in(me)
    first_page = client.get(LIST).content.decode()
    second_page = client.get(LIST, {"trang": "2"}).content.decode()
    assert "Thông báo số 24" in first_page
    assert "Thông báo số 00" not in first_page
    assert "Thông báo số 00" in second_page


def test_opening_marks_read_and_goes_to_the_link(person) -> None:
    me = person()
    mine = tell(me, "Lịch học mới", url="/lop/7/")
    response = signed_in(me).post(open_url(mine))
    assert response.status_code == 302
    assert response.headers["Location"] == "/lop/7/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_without_a_link_opening_returns_to_the_list(person) -> None:
    me = person()
    mine = tell(me, "Nhắc nhở")
    response = signed_in(me).post(open_url(mine))
    assert response.headers["Location"] == LIST


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
    ],
)
def test_opening_never_leaves_the_site(person, url: str) -> None:
    me = person()
    # Written past the service (which refuses these), as a bad import might.
    planted = Notification.objects.create(recipient=me, kind="test", subject="Lừa", url=url)
    response = signed_in(me).post(open_url(planted))
    assert response.status_code == 302
    assert response.headers["Location"] == LIST


def test_another_persons_notification_does_not_exist_for_you(person) -> None:
    me, someone_else = person(), person()
    theirs = tell(someone_else, "Riêng tư", url="/lop/7/")
    response = signed_in(me).post(open_url(theirs))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_is_a_post(person) -> None:
    me = person()
    mine = tell(me, "Lịch học mới", url="/lop/7/")
    assert signed_in(me).get(open_url(mine)).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read(person) -> None:
    me, someone_else = person(), person()
    tell(me, "Một")
    tell(me, "Hai")
    theirs = tell(someone_else, "Ba")
    response = signed_in(me).post(MARK_ALL)
    assert response.status_code == 302
    assert response.headers["Location"] == LIST
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_email_that_could_not_be_delivered_is_shown(person) -> None:
    me = person(language="en")
    mine = tell(me, "Timetable changed")
    OutboundEmail.objects.create(
        notification=mine,
        recipient="old.address@example.org",
        subject=mine.subject,
        body=mine.body,
        status=OutboxStatus.FAILED,
        attempts=10,
    )
    page = signed_in(me).get(LIST).content.decode()
    assert "The email could not be delivered" in page
    assert "old.address@example.org" not in page


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = Client(HTTP_HOST="127.0.0.1").get(LIST)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/dang-nhap/?next={LIST}"


def test_the_list_costs_the_same_queries_for_3_or_13_notifications(person) -> None:
    me = person()
    client = signed_in(me)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured.captured_queries)

    for number in range(3):
        tell(me, f"Thông báo {number}")
    client.get(LIST)  # warm the session once
    few = queries()
    for number in range(10):
        tell(me, f"Thông báo thêm {number}")
    assert queries() == few


def test_the_list_counts_unread_notifications_once(person) -> None:
    """The header's bell and the list's own line show one count, read once."""
    me = person(language="en")
    tell(me, "One")
    tell(me, "Two")
    client = signed_in(me)
    client.get(LIST)  # warm the session once
    with CaptureQueriesContext(connection) as captured:
        page = client.get(LIST).content.decode()
    assert "You have 2 unread notifications." in page
    assert '<span class="visually-hidden">(2 unread notifications)</span>' in page
    counts = [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"] and '"read_at" IS NULL' in q["sql"]
    ]
    assert len(counts) == 1


def test_the_bell_counts_unread_notifications_in_one_query(person) -> None:
    me = person(language="en")
    tell(me, "Một")
    tell(me, "Hai")
    request = RequestFactory().get("/")
    request.user = me
    with CaptureQueriesContext(connection) as captured:
        context = unread(request)
    assert context == {"notify_unread": 2}
    assert len(captured.captured_queries) == 1
    with translation.override(me.language):
        bell = render_to_string("notify/_bell.html", {"user": me, **context})
    assert 'href="/thong-bao/"' in bell
    assert '<span class="visually-hidden">(2 unread notifications)</span>' in bell


def test_the_bell_is_silent_for_anonymous_visitors() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as captured:
        assert unread(request) == {"notify_unread": 0}
    assert captured.captured_queries == []
