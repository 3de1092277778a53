"""The room's log over plain HTTP (the lobby's check and the fallback for clients
without a socket): only someone the room admitted reads what was said and who is
there; a person waiting, turned away or removed reads their own state only (ACC-1,
ACC-5, CLS-7)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from safeclass.accounts.tests.factories import UserFactory
from safeclass.core.context import Actor
from safeclass.live import chat, selectors
from safeclass.live.tests.services.test_room import (
    control,
    enter,
    make_lesson,
    ready,
    unverified,
)

pytestmark = pytest.mark.django_db

SAID = "Hôm nay lớp mình học bài 12"


@pytest.fixture
def lesson() -> SimpleNamespace:
    lesson = make_lesson(students=2)
    enter(lesson, lesson.teacher)
    access = selectors.access_session(user=lesson.teacher, session_id=lesson.session.pk)
    chat.chat_post(actor=Actor(user=lesson.teacher), access=access, text=SAID)
    return lesson


def poll(lesson: SimpleNamespace, user: Any, after: int = 0) -> Any:
    client = Client()
    client.force_login(user)
    url = reverse("live:room_events", args=[lesson.session.pk])
    return client.get(url, {"after": after})


def said(body: dict[str, Any]) -> bool:
    return any(event["data"].get("text") == SAID for event in body["events"])


def test_someone_waiting_in_the_lobby_reads_only_their_state(lesson: SimpleNamespace) -> None:
    student = unverified(lesson.world.students[0])
    entry = enter(lesson, student)
    assert entry.participant is not None and not entry.admitted
    answer = poll(lesson, student)
    assert answer.status_code == 200
    assert answer.json() == {"state": "waiting", "events": []}

    control(lesson, "admit", participant_id=entry.participant.pk)
    body = poll(lesson, student).json()
    assert body["state"] == "admitted"
    assert said(body)


def test_someone_turned_away_or_removed_reads_nothing_more(lesson: SimpleNamespace) -> None:
    waiting, admitted = unverified(lesson.world.students[0]), ready(lesson.world.students[1])
    turned_away = enter(lesson, waiting).participant
    assert turned_away is not None
    control(lesson, "deny", participant_id=turned_away.pk)
    assert poll(lesson, waiting).json() == {"state": "denied", "events": []}

    removed = enter(lesson, admitted).participant
    assert removed is not None and said(poll(lesson, admitted).json())
    control(lesson, "remove", participant_id=removed.pk, ban=True)
    assert poll(lesson, admitted).json() == {"state": "removed", "events": []}


def test_the_log_is_read_from_a_number_and_strangers_find_nothing(
    lesson: SimpleNamespace,
) -> None:
    body = poll(lesson, lesson.teacher).json()
    last = max(event["seq"] for event in body["events"])
    assert said(body)
    assert poll(lesson, lesson.teacher, after=last).json()["events"] == []
    assert poll(lesson, UserFactory()).status_code == 404


def test_someone_removed_for_good_reads_none_of_the_lesson_chat_anywhere(
    lesson: SimpleNamespace,
) -> None:
    """The lesson's chat page (and so its pictures) follows the room: a removed account
    (possibly someone else using a pupil's password) is not kept informed."""
    student = ready(lesson.world.students[1])
    participant = enter(lesson, student).participant
    assert participant is not None
    client = Client()
    client.force_login(student)
    page = reverse("live:chat", args=[lesson.session.pk])
    assert SAID in client.get(page).content.decode()
    control(lesson, "remove", participant_id=participant.pk, ban=True)
    assert SAID not in client.get(page).content.decode()
    # Removed without the ban, they may come back, and read again.
    classmate = ready(lesson.world.students[0])
    other = enter(lesson, classmate).participant
    assert other is not None
    control(lesson, "remove", participant_id=other.pk, ban=False)
    reader = Client()
    reader.force_login(classmate)
    assert SAID in reader.get(page).content.decode()


def test_only_students_the_room_let_in_write_in_its_chat(lesson: SimpleNamespace) -> None:
    """The lesson's chat page is no way around the lobby: a student who never came
    in, one still waiting and one the teacher turned away are refused, clearly, and
    nothing is stored; once let in, they write."""
    from django.utils import translation

    from safeclass.core.errors import ServiceError
    from safeclass.live.models import ChatMessage

    absent, waiting = lesson.world.students[0], unverified(lesson.world.students[1])

    def write(user: Any) -> None:
        access = selectors.access_session(user=user, session_id=lesson.session.pk)
        chat.chat_post(actor=Actor(user=user), access=access, text="Em chào cô ạ")

    def refused(user: Any) -> str:
        with pytest.raises(ServiceError) as error, translation.override("en"):
            write(user)
        return str(error.value.message)

    expected = "You can write in the chat once you are let into the lesson's room."
    assert refused(absent) == expected
    participant = enter(lesson, waiting).participant
    assert participant is not None
    assert refused(waiting) == expected
    control(lesson, "deny", participant_id=participant.pk)
    assert refused(waiting) == expected
    assert not ChatMessage.objects.exclude(sender=lesson.teacher).exists()
    enter(lesson, ready(absent))
    write(absent)
    assert ChatMessage.objects.filter(sender=absent).count() == 1
