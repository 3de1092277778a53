"""The room page a student opens at the start of a lesson (ACC-1, ACC-3, ACC-6): who is
there under their roster names, the materials, and a cost that does not grow with the class."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from safeclass.classes.selectors import display_name_of, enrollment_of
from safeclass.core.context import Actor
from safeclass.live import services
from safeclass.live.models import Participant, ParticipantState
from safeclass.live.tests.services.test_room import make_lesson, post, ready

pytestmark = pytest.mark.django_db


def open_room(user: Any, session_id: int) -> tuple[str, int]:
    """The room page as ``user`` opens it the first time, and how many queries it took."""
    client = Client()
    client.force_login(user)
    with translation.override("en"), CaptureQueriesContext(connection) as asked:
        response = client.get(f"/buoi-hoc/{session_id}/phong/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode(), len(asked)


def test_the_room_page_costs_the_same_for_the_third_and_the_twelfth_student() -> None:
    lesson = make_lesson(students=12)
    pupils = [ready(p) for p in lesson.world.students]
    session = lesson.session
    services.material_add_link(
        actor=Actor(user=lesson.teacher), session=session, title="Bài 1", url="https://hoc.vn/1"
    )
    for pupil in pupils[:2]:
        open_room(pupil, session.pk)
    _page, third = open_room(pupils[2], session.pk)

    for pupil in pupils[3:11]:
        open_room(pupil, session.pk)
    services.material_add_link(
        actor=Actor(user=lesson.teacher), session=session, title="Bài 2", url="https://hoc.vn/2"
    )
    page, twelfth = open_room(pupils[11], session.pk)

    assert twelfth == third
    # Everyone in so far is listed under the school's roster name, and both materials.
    assert (
        Participant.objects.filter(session=session, state=ParticipantState.ADMITTED).count() == 12
    )
    for pupil in pupils:
        assert display_name_of(enrollment_of(pupil, session.school_class)) in page
    assert "Bài 1" in page and "Bài 2" in page


def test_the_chat_so_far_is_on_the_page_under_the_senders_roster_names() -> None:
    lesson = make_lesson(students=3)
    first, second, late = (ready(p) for p in lesson.world.students)
    session = lesson.session
    open_room(lesson.teacher, session.pk)
    empty, _ = open_room(first, session.pk)
    open_room(second, session.pk)
    post(lesson, lesson.teacher, "Chào các em")
    post(lesson, second, "Em chào cô")

    page, _ = open_room(late, session.pk)

    assert 'data-seq="' not in empty
    assert page.count('class="chat-message') == 2
    assert "Chào các em" in page and "Em chào cô" in page
    assert display_name_of(enrollment_of(second, session.school_class)) in page


def test_a_long_chat_opens_with_its_latest_messages_and_a_way_to_the_whole_chat(
    monkeypatch: Any,
) -> None:
    """A lesson that ran for hours does not make each page load draw every message: the
    room opens with the latest ones, in order, and says where the rest are. The socket
    goes on after the last event the page read, so nothing new is missed."""
    from safeclass.live import selectors

    monkeypatch.setattr(selectors, "ROOM_CHAT_SHOWN", 3)
    lesson = make_lesson(students=1)
    pupil = ready(lesson.world.students[0])
    session = lesson.session
    open_room(lesson.teacher, session.pk)
    short, _ = open_room(pupil, session.pk)
    said = [f"Câu {n} của bài" for n in range(1, 6)]
    for text in said[:3]:
        post(lesson, lesson.teacher, text)
    exactly, _ = open_room(pupil, session.pk)
    for text in said[3:]:
        post(lesson, lesson.teacher, text)

    page, _ = open_room(pupil, session.pk)

    assert page.count('class="chat-message') == 3
    shown = [text for text in said if text in page]
    assert shown == said[2:]
    assert page.index(said[2]) < page.index(said[3]) < page.index(said[4])
    # The page speaks the account's language (Vietnamese by default), not the browser's.
    assert "Ở đây chỉ hiện những tin nhắn mới nhất." in page
    assert f'href="/buoi-hoc/{session.pk}/tro-chuyen/"' in page
    # Exactly as many as are shown, or none: nothing is said about earlier ones.
    assert exactly.count('class="chat-message') == 3
    assert 'data-testid="chat-earlier"' in page
    assert 'data-testid="chat-earlier"' not in exactly
    assert 'data-testid="chat-earlier"' not in short


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_participant_badges_read_as_the_models_own_choices(language: str) -> None:
    """ACC-3: the role badge on every row (and a state badge for teachers) is the
    translated label of the model's choice, the same as ``get_role_display``."""
    lesson = make_lesson(students=1)
    participant = Participant(session=lesson.session, user=lesson.teacher, role="student")
    with translation.override(language):
        for role in ("teacher", "student", "guest", "unknown"):
            participant.role = role
            assert participant.role_label == participant.get_role_display()
        for state in [*ParticipantState.values, "unknown"]:
            participant.state = state
            assert participant.state_label == participant.get_state_display()
    with translation.override("vi"):
        participant.role = "guest"
        assert participant.role_label != "Guest"  # translated, not the English source
