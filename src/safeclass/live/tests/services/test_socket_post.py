"""A chat message sent on the room socket is always answered and never half stored
(CLS-1, CLS-5): a transaction that loses a deadlock is tried again; any other
database failure is answered with an error, stores nothing, and leaves the text
with the pupil. Who the sender is in the lesson is worked out once per socket,
but removal and muting still apply to the very next message."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import psycopg.errors
import pytest
from django.db import DatabaseError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from safeclass.core.db import CONFLICT_ATTEMPTS
from safeclass.live import chat, consumers
from safeclass.live.models import ChatMessage, RoomEvent
from safeclass.live.tests.services.test_room import control, enter, make_lesson, ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(files_in_tmp: object) -> SimpleNamespace:
    lesson = make_lesson(minutes_from_now=5, students=2)
    enter(lesson, lesson.teacher)
    return lesson


def failing_first(
    monkeypatch: pytest.MonkeyPatch, error: DatabaseError, times: int = 1
) -> list[int]:
    """A message's transaction fails ``times`` times with ``error`` (before touching
    anything), then works."""
    real = chat._chat_post_once
    calls: list[int] = []

    def flaky(**kwargs: Any) -> ChatMessage:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(chat, "_chat_post_once", flaky)
    return calls


def database_error(cause: Exception | None) -> DatabaseError:
    error = OperationalError(str(cause) if cause else "server closed the connection")
    error.__cause__ = cause
    return error


def test_a_message_that_lost_a_deadlock_is_stored_on_the_next_attempt(
    lesson: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = failing_first(monkeypatch, database_error(psycopg.errors.DeadlockDetected("40P01")))
    answer, speaker = consumers._post(lesson.session.pk, lesson.teacher, "Chào cả lớp", False, None)
    assert len(calls) == 2
    assert answer["ok"] is True
    assert answer["status"] == "delivered"
    stored = ChatMessage.objects.get(session=lesson.session)
    assert stored.seq == answer["seq"] and stored.text == "Chào cả lớp"
    assert RoomEvent.objects.filter(session=lesson.session, kind="chat").count() == 1
    assert speaker is not None


def test_a_failure_that_does_not_pass_is_answered_and_stores_nothing(
    lesson: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = failing_first(monkeypatch, database_error(None), times=5)
    with translation.override("en"):
        answer, _speaker = consumers._post(
            lesson.session.pk, lesson.teacher, "Chào cả lớp", False, None
        )
    assert len(calls) == 1  # a lost connection is not retried blindly
    assert answer == {
        "type": "chat_result",
        "ok": False,
        "error": "Your message could not be saved. Please send it again.",
    }
    assert not ChatMessage.objects.filter(session=lesson.session).exists()


def test_three_deadlocks_in_a_row_are_answered_not_retried_forever(
    lesson: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadlock = database_error(psycopg.errors.DeadlockDetected("40P01"))
    calls = failing_first(monkeypatch, deadlock, times=CONFLICT_ATTEMPTS)
    answer, _speaker = consumers._post(lesson.session.pk, lesson.teacher, "Chào", False, None)
    assert len(calls) == CONFLICT_ATTEMPTS
    assert answer["ok"] is False
    assert not ChatMessage.objects.filter(session=lesson.session).exists()


def test_the_kept_sender_is_still_checked_for_removal_and_muting(lesson: SimpleNamespace) -> None:
    student = ready(lesson.world.students[0])
    participant = enter(lesson, student).participant
    assert participant is not None
    answer, speaker = consumers._post(lesson.session.pk, student, "Em chào cô", False, None)
    assert answer["ok"] is True and speaker is not None

    # The next message reuses what the first one worked out about the sender.
    with CaptureQueriesContext(connection) as queries:
        again, kept = consumers._post(lesson.session.pk, student, "Em đã đọc xong", False, speaker)
    assert again["ok"] is True and kept is speaker
    assert not any("classes_enrollment" in q["sql"] for q in queries.captured_queries)

    control(lesson, "mute", participant_id=participant.pk, on=True)
    with translation.override("en"):
        muted, _ = consumers._post(lesson.session.pk, student, "Em hỏi ạ", False, speaker)
    assert muted["ok"] is False
    assert muted["error"] == "The teacher has muted you in the chat for now."

    control(lesson, "remove", participant_id=participant.pk, ban=True)
    with translation.override("en"):
        removed, _ = consumers._post(lesson.session.pk, student, "Cho em vào", False, speaker)
    assert removed["error"] == "You were removed from this lesson."
    assert ChatMessage.objects.filter(session=lesson.session, sender=student).count() == 2


def test_a_stranger_cannot_post_on_a_socket_path(lesson: SimpleNamespace) -> None:
    from safeclass.accounts.tests.factories import StudentFactory

    stranger = ready(StudentFactory(school=lesson.world.school))
    with translation.override("en"):
        answer, speaker = consumers._post(lesson.session.pk, stranger, "xin chào", False, None)
    assert answer == {"type": "chat_result", "ok": False, "error": "You cannot write here."}
    assert speaker is None
    assert not ChatMessage.objects.filter(session=lesson.session).exists()
