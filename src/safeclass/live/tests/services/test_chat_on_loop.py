"""The everyday chat message stored on a room socket's event loop, over the loop's own
PostgreSQL connection: the same checks and the same statement as the quick way on a
database thread, and anything else left to that way, which explains or keeps the
verdict (CLS-1, CLS-3, CLS-5, ACC-5)."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from safeclass.core import memo as memo_module
from safeclass.core.context import Actor
from safeclass.live import chat, consumers, events, hub, loopdb, services
from safeclass.live.models import ChatMessage, ChatStatus, RoomEvent
from safeclass.live.tests.services.test_chat_quick import (
    RESTRICTIONS,
    Socket,
    columns,
    lesson,  # noqa: F401 - a fixture
    post_locked,
    published,  # noqa: F401 - a fixture
    restrict,
    without_numbers,
)
from safeclass.moderation import selectors as moderation_selectors

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


async def post_over(
    database: loopdb.LoopDatabase, socket: Socket, text: str, *, private: bool = False
) -> ChatMessage | None:
    """What the socket's event loop stores of one message over ``database``."""
    return await chat.post_on_loop(
        user=socket.user,
        access=socket.access,
        text=text,
        private=private,
        role=socket.role,
        memo=socket.memo,
        database=database,
        submit=consumers.on_database_thread,
    )


def on_loop(socket: Socket, text: str, *, private: bool = False) -> ChatMessage | None:
    """What the socket's event loop stores of one message, on a connection of its own."""

    async def run() -> ChatMessage | None:
        database = loopdb.LoopDatabase()
        try:
            return await post_over(database, socket, text, private=private)
        finally:
            database.close()

    with CaptureQueriesContext(connection) as asked:
        stored = asyncio.run(run())
    assert not asked.captured_queries  # nothing on Django's connection
    return stored


@pytest.mark.parametrize("who", ["teacher", "pupil"])
def test_the_loop_stores_and_announces_what_the_locked_way_does(
    lesson: SimpleNamespace,  # noqa: F811
    published: list[hub.Announcement],  # noqa: F811
    who: str,
) -> None:
    user = lesson.teacher if who == "teacher" else lesson.world.students[0]
    socket = Socket(lesson, user)
    socket.send("Chào cả lớp")  # the first message of a socket goes the usual way
    stored = on_loop(socket, "Chúng ta bắt đầu nhé")
    assert stored is not None and stored.seq == 2
    locked = post_locked(lesson, user, "Chúng ta bắt đầu nhé")
    assert columns(ChatMessage.objects.get(seq=2)) == columns(locked)
    chats = list(RoomEvent.objects.filter(kind="chat").order_by("seq"))
    assert [event.data["seq"] for event in chats] == [1, 2, 3]
    assert without_numbers(chats[1].data) == without_numbers(chats[2].data)
    assert (chats[1].data["id"], chats[1].data["seq"]) == (stored.pk, 2)
    handed = [json.loads(hub.frame_for(message, teacher=True)) for message in published]
    from_log = [json.loads(hub.frame_for(events.announcement(e), teacher=True)) for e in chats]
    assert handed == from_log
    numbers = list(RoomEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("who", ["teacher", "pupil"])
def test_an_everyday_message_on_the_loop_is_one_round_trip(
    lesson: SimpleNamespace,  # noqa: F811
    who: str,
) -> None:
    """A pupil's strikes are judged by the statement that stores the message, not
    read before it (CLS-3)."""
    user = lesson.teacher if who == "teacher" else lesson.world.students[0]
    socket = Socket(lesson, user)
    socket.send("Chào cả lớp")
    sent: list[str] = []

    class Counting(loopdb.LoopDatabase):
        async def fetch(self, sql: Any, params: list[Any], **kw: Any) -> list[Any]:
            sent.append(sql.decode() if isinstance(sql, bytes) else sql)
            return await super().fetch(sql, params, **kw)

    async def run() -> ChatMessage | None:
        database = Counting()
        try:
            return await post_over(database, socket, "Em hiểu rồi ạ")
        finally:
            database.close()

    stored = asyncio.run(run())
    assert stored is not None and stored.seq == 2
    assert len(sent) == 1 and "chat_seq = chat_seq + 1" in sent[0]


@pytest.mark.parametrize("change", [*RESTRICTIONS, "cancelled"])
def test_a_change_after_the_socket_remembered_the_room_stores_nothing_on_the_loop(
    lesson: SimpleNamespace,  # noqa: F811
    change: str,
) -> None:
    pupil = lesson.world.students[0]
    socket = Socket(lesson, pupil)
    socket.send("Em chào cô ạ")
    if change == "cancelled":
        services.session_cancel(
            actor=Actor(user=lesson.teacher), session=lesson.session, reason="ốm"
        )
    else:
        restrict(lesson, pupil, change)
    assert on_loop(socket, "Em hỏi thêm ạ") is None
    assert list(ChatMessage.objects.values_list("text", flat=True)) == ["Em chào cô ạ"]
    # The usual way then tells the pupil why.
    assert socket.refused("Em hỏi thêm ạ")


def test_a_verdict_to_keep_is_left_to_the_usual_way(lesson: SimpleNamespace) -> None:  # noqa: F811
    pupil = lesson.world.students[0]
    socket = Socket(lesson, pupil)
    socket.send("Em chào cô ạ")
    assert on_loop(socket, "Thằng Nam ngu như bò") is None
    assert ChatMessage.objects.count() == 1
    held, _asked = socket.send("Thằng Nam ngu như bò")
    assert held.status == ChatStatus.HELD


def test_a_pupil_muted_by_strikes_is_left_to_the_usual_way(lesson: SimpleNamespace) -> None:  # noqa: F811
    pupil = lesson.world.students[0]
    socket = Socket(lesson, pupil)
    socket.send("Em chào cô ạ")
    school = lesson.world.school.pk
    policy = moderation_selectors.policy_for(school)
    for _ in range(policy.mute_after):
        socket.send("Thằng Nam ngu như bò")  # held: a strike each
    assert moderation_selectors.muted_until(school_id=school, sender=pupil, policy=policy)
    delivered = ChatMessage.objects.filter(status=ChatStatus.DELIVERED).count()
    # The statement on the loop's connection judged the strikes: nothing stored there.
    socket.memo.view = chat._room_as_seen_by(lesson.session.pk, pupil.pk)
    assert on_loop(socket, "Em xin lỗi ạ") is None
    assert ChatMessage.objects.filter(status=ChatStatus.DELIVERED).count() == delivered
    assert "cannot write in the chat until" in socket.refused("Em xin lỗi ạ")


def test_without_a_kept_policy_the_loop_has_it_read_on_a_thread_and_stores(
    lesson: SimpleNamespace,  # noqa: F811
) -> None:
    """The policy expired (or was never read in this process): the loop waits for
    one read of it on a database thread, not for the long way (CLS-1)."""
    socket = Socket(lesson, lesson.teacher)
    socket.send("Chào cả lớp")
    school_id = lesson.world.school.pk
    moderation_selectors.policy_for.forget()
    stored = on_loop(socket, "Chúng ta bắt đầu nhé")
    assert stored is not None and stored.seq == 2
    assert moderation_selectors.policy_for.peek(school_id) is not None  # kept for the next


def test_a_policy_in_its_last_seconds_is_used_and_read_again_for_the_next_messages(
    lesson: SimpleNamespace,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    socket = Socket(lesson, lesson.teacher)
    socket.send("Chào cả lớp")
    school_id = lesson.world.school.pk
    memo = moderation_selectors.policy_for
    _kept_at, policy = memo._kept[school_id]
    ageing = time.monotonic() - memo.seconds * (1 - memo_module.AHEAD) - 1
    memo._kept[school_id] = (ageing, policy)
    reads: list[int] = []
    real_read = memo.read

    def counted(key: int) -> Any:
        reads.append(key)
        return real_read(key)

    monkeypatch.setattr(memo, "read", counted)
    stored = on_loop(socket, "Chúng ta bắt đầu nhé")
    assert stored is not None and stored.seq == 2
    deadline = time.monotonic() + 10
    while memo._kept[school_id][0] == ageing and time.monotonic() < deadline:
        time.sleep(0.01)  # the read runs on a database thread after the message
    assert reads == [school_id]
    assert not memo.refresh_due(school_id)


def test_a_policy_that_cannot_be_read_leaves_the_message_to_the_usual_way(
    lesson: SimpleNamespace,  # noqa: F811
) -> None:
    socket = Socket(lesson, lesson.teacher)
    socket.send("Chào cả lớp")
    moderation_selectors.policy_for.forget()

    def failing(call: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(DatabaseError("the database went away"))
        return future

    async def run() -> ChatMessage | None:
        database = loopdb.LoopDatabase()
        try:
            return await chat.post_on_loop(
                user=socket.user,
                access=socket.access,
                text="Chúng ta bắt đầu nhé",
                private=False,
                role=socket.role,
                memo=socket.memo,
                database=database,
                submit=failing,
            )
        finally:
            database.close()

    assert asyncio.run(run()) is None
    assert ChatMessage.objects.count() == 1
    stored, _statements = socket.send("Chúng ta bắt đầu nhé")  # the usual way reads it
    assert stored.seq == 2 and ChatMessage.objects.count() == 2


def test_a_database_that_cannot_be_reached_is_not_sent_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = {**connection.get_connection_params(), "port": 1, "connect_timeout": 1}
    unreachable = SimpleNamespace(vendor="postgresql", get_connection_params=lambda: params)
    monkeypatch.setattr(loopdb, "connection", unreachable)

    async def run() -> Any:
        database = loopdb.LoopDatabase()
        try:
            return await database.fetch("SELECT 1", [])
        finally:
            database.close()

    with pytest.raises(loopdb.NotSent):
        asyncio.run(run())


def loop_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [loopdb.APPLICATION_NAME],
        )
        (count,) = cursor.fetchone()
    return int(count)


def test_a_socket_sends_its_second_message_over_its_loops_own_connection(
    lesson: SimpleNamespace,  # noqa: F811
) -> None:
    from channels.db import database_sync_to_async

    from safeclass.live.tests.test_socket import events_until, socket

    session_id = lesson.session.pk

    async def scenario() -> list[dict[str, Any]]:
        teacher = socket(session_id, lesson.teacher)
        connected, _ = await teacher.connect(timeout=5)
        assert connected
        answers = []
        for text in ["Chào cả lớp", "Hôm nay chúng ta học phân số"]:
            await teacher.send_json_to({"type": "chat", "text": text})
            seen = await events_until(teacher, "chat")
            while not any(m.get("type") == "chat_result" for m in seen):
                seen.append(await teacher.receive_json_from(timeout=5))
            answers += [m for m in seen if m.get("type") == "chat_result"]
        assert await database_sync_to_async(loop_connections)() == 1
        await teacher.disconnect()
        return answers

    answers = async_to_sync(scenario)()
    assert [(a["ok"], a["seq"]) for a in answers] == [(True, 1), (True, 2)]
    texts = list(ChatMessage.objects.order_by("seq").values_list("text", flat=True))
    assert texts == ["Chào cả lớp", "Hôm nay chúng ta học phân số"]
    assert loop_connections() == 0  # closed with the loop's last room


def test_lessons_on_one_loop_commit_side_by_side_on_a_few_connections() -> None:
    """A statement waiting for PostgreSQL does not hold up another lesson's."""

    def counted() -> int:  # on a thread of its own, which then closes its connection
        try:
            return loop_connections()
        finally:
            connection.close()

    async def run() -> tuple[int, int]:
        database = loopdb.LoopDatabase(size=2)
        try:
            await asyncio.gather(*(database.fetch("SELECT pg_sleep(0.3)", []) for _ in range(4)))
            during = await asyncio.to_thread(counted)
        finally:
            database.close()
        return during, await asyncio.to_thread(counted)

    during, after = asyncio.run(run())
    assert (during, after) == (2, 0)


def test_the_everyday_statement_is_prepared_once_a_connection_has_run_it_a_few_times(
    lesson: SimpleNamespace,  # noqa: F811
    published: list[hub.Announcement],  # noqa: F811
) -> None:
    """PostgreSQL keeps the plan of the everyday message's statement on the loop's
    connection rather than parsing and planning it for every message; the messages
    are stored and numbered as before."""
    socket = Socket(lesson, lesson.teacher)
    socket.send("Chào cả lớp")  # the first message of a socket goes the usual way
    said = [f"Câu {n}: các em làm bài tập trang {n + 10}" for n in range(1, 8)]

    async def run() -> int:
        database = loopdb.LoopDatabase(size=1)
        try:
            for text in said:
                assert await post_over(database, socket, text) is not None
            rows = await database.fetch(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%chat_seq = chat_seq + 1%"],
            )
            return int(rows[0][0])
        finally:
            database.close()

    assert asyncio.run(run()) == 1
    texts = list(ChatMessage.objects.order_by("seq").values_list("text", "seq"))
    assert texts == [("Chào cả lớp", 1)] + [(text, n) for n, text in enumerate(said, start=2)]
    numbers = [message["q"] for message in published]  # announced in order, once each
    assert numbers == sorted(set(numbers))
