"""The everyday chat message on PostgreSQL: read unlocked, stored, numbered and
announced in one statement, exactly as the locked way would have stored it, and
never past a change that the room saw meanwhile (CLS-1, CLS-3, CLS-5, ACC-5).
A socket remembers the room between its sender's messages; what it remembers is
used only while no switch or participant changed since.

Outside a transaction is where the quick way runs (a socket's message, a chat
page's post); inside one, every message takes the locked way, which these tests
use as the measure.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.live import attendance, chat, events, hub, services
from safeclass.live.models import ChatMessage, ChatStatus, Participant, RoomEvent
from safeclass.live.selectors import access_session, chat_role
from safeclass.live.tests.services.test_room import control, enter, make_lesson, ready
from safeclass.moderation import selectors as moderation_selectors
from safeclass.moderation.models import ModerationEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

UNCOMPARED = {"id", "seq", "created_at"}


@pytest.fixture
def lesson() -> SimpleNamespace:
    """A lesson with its teacher and two pupils in the room."""
    lesson = make_lesson(minutes_from_now=5, students=2)
    enter(lesson, lesson.teacher)
    for student in lesson.world.students:
        enter(lesson, ready(student))
    return lesson


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[hub.Announcement]:
    """What the room's sockets are handed, in order."""
    seen: list[hub.Announcement] = []
    monkeypatch.setattr(hub, "publish", seen.append)
    return seen


def post(lesson: SimpleNamespace, user: Any, text: str, *, private: bool = False) -> ChatMessage:
    access = access_session(user=user, session_id=lesson.session.pk)
    return chat.chat_post(actor=Actor(user=user), access=access, text=text, private=private)


def queries_of_one_message(lesson: SimpleNamespace, user: Any, text: str, **kw: Any) -> list[str]:
    """The statements of one message, sent as a socket sends it: who the sender is
    in the lesson is known, and the school's moderation policy was read before."""
    access = access_session(user=user, session_id=lesson.session.pk)
    role = chat_role(access, user)
    moderation_selectors.policy_for(lesson.world.school.pk)
    with CaptureQueriesContext(connection) as asked:
        chat.chat_post(actor=Actor(user=user), access=access, text=text, role=role, **kw)
    return [query["sql"] for query in asked]


class Socket:
    """One sender's room socket: who they are in the lesson, worked out once, and
    what it remembers of the room between their messages."""

    def __init__(self, lesson: SimpleNamespace, user: Any) -> None:
        self.user = user
        self.access = access_session(user=user, session_id=lesson.session.pk)
        self.role = chat_role(self.access, user)
        self.memo = chat.RoomMemo()
        moderation_selectors.policy_for(lesson.world.school.pk)

    def send(self, text: str) -> tuple[ChatMessage, list[str]]:
        """The message stored, and the statements it took."""
        with CaptureQueriesContext(connection) as asked:
            message = chat.chat_post(
                actor=Actor(user=self.user),
                access=self.access,
                text=text,
                role=self.role,
                memo=self.memo,
            )
        return message, [query["sql"] for query in asked]

    def refused(self, text: str) -> str:
        """Why the message was refused (in English); fails if it was stored."""
        with translation.override("en"), pytest.raises(ServiceError) as refusal:
            self.send(text)
        return str(refusal.value.message)


def post_locked(
    lesson: SimpleNamespace, user: Any, text: str, *, private: bool = False
) -> ChatMessage:
    with transaction.atomic():
        return post(lesson, user, text, private=private)


def columns(message: ChatMessage) -> dict[str, Any]:
    stored = ChatMessage.objects.get(pk=message.pk)
    return {
        field.attname: getattr(stored, field.attname)
        for field in ChatMessage._meta.concrete_fields
        if field.attname not in UNCOMPARED
    }


def without_numbers(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in {"id", "seq"}}


def participant_of(lesson: SimpleNamespace, user: Any) -> Participant:
    return Participant.objects.get(session=lesson.session, user=user)


RESTRICTIONS = ("chat off", "muted", "removed", "suspended")


def restrict(lesson: SimpleNamespace, pupil: Any, how: str) -> None:
    """The teacher keeps ``pupil`` from writing: one of :data:`RESTRICTIONS`."""
    participant = participant_of(lesson, pupil).pk
    if how == "chat off":
        control(lesson, "mute_all", on=True)
    elif how == "muted":
        control(lesson, "mute", participant_id=participant)
    elif how == "removed":
        control(lesson, "remove", participant_id=participant, ban=True)
    elif how == "suspended":
        control(lesson, "suspend", on=True)
    else:
        raise ValueError(how)


@pytest.mark.parametrize("private", [False, True], ids=["to the class", "question"])
def test_the_quick_way_stores_and_announces_what_the_locked_way_does(
    lesson: SimpleNamespace, published: list[hub.Announcement], private: bool
) -> None:
    pupil = lesson.world.students[0]
    if private:
        control(lesson, "questions", on=True)
    asked = queries_of_one_message(lesson, pupil, "Em chào cô ạ", private=private)
    # The pupil's strikes, the room as the pupil sees it, then one statement.
    assert len(asked) == 3
    assert asked[-1].lstrip().startswith("WITH room AS")
    quick = ChatMessage.objects.get()
    locked = post_locked(lesson, pupil, "Em chào cô ạ", private=private)
    assert (quick.seq, locked.seq) == (1, 2)
    assert columns(quick) == columns(locked)
    assert ChatMessage.objects.get(pk=quick.pk).status == ChatStatus.DELIVERED
    kind = "question" if private else "chat"
    stored = list(RoomEvent.objects.filter(session=lesson.session, kind=kind).order_by("seq"))
    assert len(stored) == 2 and stored[1].seq == stored[0].seq + 1
    assert stored[0].teachers_only is stored[1].teachers_only is private
    assert without_numbers(stored[0].data) == without_numbers(stored[1].data)
    assert (stored[0].data["id"], stored[0].data["seq"]) == (quick.pk, quick.seq)
    # What the sockets were handed is what the log gives a socket that reconnects.
    handed = [json.loads(hub.frame_for(message, teacher=True)) for message in published[-2:]]
    from_log = [json.loads(hub.frame_for(events.announcement(e), teacher=True)) for e in stored]
    assert handed == from_log


def test_a_teachers_message_is_one_read_and_one_statement(lesson: SimpleNamespace) -> None:
    asked = queries_of_one_message(lesson, lesson.teacher, "Bây giờ các em đọc bài")
    assert len(asked) == 2
    assert ChatMessage.objects.get().seq == 1


def test_a_pupil_muted_between_the_read_and_the_write_is_not_heard(
    lesson: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The room's number moved on, so the message is checked again under the lock."""
    pupil = lesson.world.students[0]
    seen_by = chat._room_as_seen_by

    def then_muted(session_id: int, user_id: int) -> Any:
        found = seen_by(session_id, user_id)
        control(lesson, "mute", participant_id=participant_of(lesson, pupil).pk)
        return found

    monkeypatch.setattr(chat, "_room_as_seen_by", then_muted)
    with translation.override("en"), pytest.raises(ServiceError) as refused:
        post(lesson, pupil, "Em chào cô ạ")
    assert "muted you" in str(refused.value.message)
    assert not ChatMessage.objects.exists()


def test_two_messages_at_once_share_one_numbering(
    lesson: SimpleNamespace, published: list[hub.Announcement], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = lesson.world.students
    seen_by = chat._room_as_seen_by
    calls: list[int] = []

    def while_reading(session_id: int, user_id: int) -> Any:
        found = seen_by(session_id, user_id)
        calls.append(user_id)
        if len(calls) == 1:  # the first pupil's read: the second one's message comes now
            post(lesson, second, "Tớ viết trước")
        return found

    monkeypatch.setattr(chat, "_room_as_seen_by", while_reading)
    later = post(lesson, first, "Tớ viết sau")
    stored = list(ChatMessage.objects.order_by("seq").values_list("seq", "text"))
    assert stored == [(1, "Tớ viết trước"), (2, "Tớ viết sau")]
    assert later.seq == 2 and calls == [first.pk, second.pk]
    chats = list(RoomEvent.objects.filter(kind="chat").order_by("seq"))
    assert [(e.data["seq"], e.data["text"]) for e in chats] == stored
    numbers = list(RoomEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert [message["q"] for message in published] == [e.seq for e in chats]


def test_a_held_message_takes_the_locked_way_its_verdict_kept_once_for_the_teachers(
    lesson: SimpleNamespace, published: list[hub.Announcement]
) -> None:
    pupil = lesson.world.students[0]
    held = post(lesson, pupil, "Thằng Nam ngu như bò")
    assert held.status == ChatStatus.HELD
    assert ModerationEvent.objects.count() == 1
    assert held.moderation_event_id == ModerationEvent.objects.get().pk
    event = RoomEvent.objects.get(kind="chat_held")
    assert event.teachers_only and published[-1]["q"] == event.seq


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("chat off", "turned the chat off"),
        ("muted", "muted you"),
        ("removed", "removed from this lesson"),
        ("questions closed", "Private questions"),
        ("slow mode", "Slow mode is on"),
    ],
)
def test_a_pupil_who_may_not_write_is_told_why_and_nothing_is_stored(
    lesson: SimpleNamespace, situation: str, expected: str
) -> None:
    pupil = lesson.world.students[0]
    if situation in RESTRICTIONS:
        restrict(lesson, pupil, situation)
    elif situation == "slow mode":
        control(lesson, "slow_mode", seconds=30)
        post(lesson, pupil, "Em hỏi một câu ạ")
    before = ChatMessage.objects.count()
    with translation.override("en"), pytest.raises(ServiceError) as refused:
        post(lesson, pupil, "Em hỏi thêm ạ", private=situation == "questions closed")
    assert expected in str(refused.value.message)
    assert ChatMessage.objects.count() == before


def test_a_socket_remembers_the_room_a_teacher_then_writes_in_one_statement(
    lesson: SimpleNamespace, published: list[hub.Announcement]
) -> None:
    socket = Socket(lesson, lesson.teacher)
    first, asked_first = socket.send("Các em mở sách trang 12")
    second, asked_second = socket.send("Đọc bài 3")
    assert len(asked_first) == 2 and len(asked_second) == 1
    assert asked_second[0].lstrip().startswith("WITH room AS")
    assert (first.seq, second.seq) == (1, 2)
    stored = list(RoomEvent.objects.filter(kind="chat").order_by("seq"))
    assert [event.data["text"] for event in stored] == ["Các em mở sách trang 12", "Đọc bài 3"]
    assert [message["q"] for message in published] == [event.seq for event in stored]


def test_messages_reactions_and_comings_and_goings_of_others_keep_what_a_socket_remembers(
    lesson: SimpleNamespace,
) -> None:
    first, second = lesson.world.students
    socket = Socket(lesson, first)
    socket.send("Em chào cô ạ")
    post(lesson, second, "Tớ cũng chào cô")
    attendance.react(session_id=lesson.session.pk, user=second, emoji="👍")
    attendance.hand(session_id=lesson.session.pk, user=second, up=True)
    joined = attendance.connect(session_id=lesson.session.pk, user=second, connection="b" * 32)
    assert joined is not None
    message, asked = socket.send("Em đọc xong rồi ạ")
    # The pupil's strikes and the statement: the room was not read again.
    assert len(asked) == 2 and asked[-1].lstrip().startswith("WITH room AS")
    assert message.seq == 3
    numbers = list(RoomEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("muted", "muted you"),
        ("removed", "removed from this lesson"),
        ("chat off", "turned the chat off"),
        ("suspended", "turned the chat off"),
    ],
)
def test_a_change_after_the_socket_remembered_the_room_applies_to_the_next_message(
    lesson: SimpleNamespace, change: str, expected: str
) -> None:
    pupil = lesson.world.students[0]
    socket = Socket(lesson, pupil)
    socket.send("Em chào cô ạ")
    restrict(lesson, pupil, change)
    assert expected in socket.refused("Em hỏi thêm ạ")
    assert list(ChatMessage.objects.values_list("text", flat=True)) == ["Em chào cô ạ"]


def test_a_lesson_cancelled_after_the_socket_remembered_it_takes_no_more_messages(
    lesson: SimpleNamespace,
) -> None:
    """Cancelling is not a room event: the statement itself checks the lesson."""
    socket = Socket(lesson, lesson.teacher)
    socket.send("Các em chờ cô một chút")
    services.session_cancel(actor=Actor(user=lesson.teacher), session=lesson.session, reason="ốm")
    assert "cancelled" in socket.refused("Cô vào lớp đây")
    assert ChatMessage.objects.count() == 1


def test_a_room_changed_and_changed_back_is_read_again_and_the_message_stored(
    lesson: SimpleNamespace,
) -> None:
    pupil = lesson.world.students[0]
    socket = Socket(lesson, pupil)
    socket.send("Em chào cô ạ")
    control(lesson, "mute_all", on=True)
    control(lesson, "mute_all", on=False)
    message, asked = socket.send("Em hỏi một câu ạ")
    # strikes, the statement refused (the rules moved on), the room read again, the statement
    assert len(asked) == 4
    assert message.seq == 2 and message.status == ChatStatus.DELIVERED
    message, asked = socket.send("Em cảm ơn cô")
    assert len(asked) == 2 and message.seq == 3
