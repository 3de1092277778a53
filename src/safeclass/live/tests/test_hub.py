"""The room's own fan-out: events reach a lesson's sockets once each, in number order,
teachers-only events reach students as a bare number, a missing number is read from
the log, and closing acts on the right sockets (architecture §6; CLS-5, ACC-4)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from socket import create_server
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction

from safeclass.live import consumers, events, hub
from safeclass.live.models import RoomEvent
from safeclass.live.tests.services.test_room import make_lesson

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


class Socket:
    """A listener that keeps what the hub handed it (the hub's side of a room socket)."""

    def __init__(self, user_id: int, teacher: bool = False, connection: str = "") -> None:
        self.user_id = user_id
        self.teacher = teacher
        self.connection = connection
        self.frames: list[tuple[int, dict[str, Any]]] = []
        self.closed: list[str] = []
        self.arrived = asyncio.Event()

    def deliver(self, seq: int, frame: str) -> None:
        self.frames.append((seq, json.loads(frame)))
        self.arrived.set()

    def shut(self, reason: str, keep: str) -> None:
        if keep != self.connection:
            self.closed.append(reason)
        self.arrived.set()

    async def until(self, count: int) -> list[int]:
        while len(self.frames) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), TIMEOUT)
        return [seq for seq, _frame in self.frames]


def stored(session: Any, count: int, teachers_only: bool = False) -> list[RoomEvent]:
    """``count`` events in the lesson's log (announced once stored, as emit does)."""
    with transaction.atomic():
        return [
            events.emit(session, "note", {"n": n}, teachers_only=teachers_only)
            for n in range(count)
        ]


def test_events_reach_every_socket_once_in_number_order() -> None:
    lesson = make_lesson(students=1)
    first, second, third = (events.announcement(e) for e in stored(lesson.session, 3))

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil, teacher = Socket(1), Socket(2, teacher=True)
        await room_hub.join(lesson.session.pk, pupil)
        await room_hub.join(lesson.session.pk, teacher)
        # Two commits can announce out of order; the second waits for the first.
        for message in (first, third, second, second):
            room_hub.receive(message)
        assert await pupil.until(3) == [1, 2, 3]
        assert await teacher.until(3) == [1, 2, 3]
        room_hub.leave(lesson.session.pk, pupil)
        room_hub.leave(lesson.session.pk, teacher)

    async_to_sync(scenario)()


def test_a_teachers_only_event_reaches_students_as_a_bare_number() -> None:
    lesson = make_lesson(students=1)
    (held,) = stored(lesson.session, 1, teachers_only=True)

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil, teacher = Socket(1), Socket(2, teacher=True)
        for socket in (pupil, teacher):
            await room_hub.join(lesson.session.pk, socket)
        room_hub.receive(events.announcement(held))
        await pupil.until(1)
        await teacher.until(1)
        assert pupil.frames[0][1] == {
            "type": "event",
            "seq": 1,
            "kind": "private",
            "data": {},
            "at": held.created_at.isoformat(),
        }
        assert teacher.frames[0][1]["kind"] == "note"
        assert teacher.frames[0][1]["data"] == {"n": 0}

    async_to_sync(scenario)()


def test_a_number_that_never_arrives_is_read_from_the_log(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub, "FILL_AFTER", 0.05)
    lesson = make_lesson(students=1)
    found = [events.announcement(e) for e in stored(lesson.session, 4)]

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil = Socket(1)
        await room_hub.join(lesson.session.pk, pupil)
        room_hub.receive(found[0])
        room_hub.receive(found[3])  # 2 and 3 were lost on the way
        assert await pupil.until(4) == [1, 2, 3, 4]
        assert [frame["data"] for _seq, frame in pupil.frames] == [{"n": n} for n in range(4)]

    async_to_sync(scenario)()


def test_closing_reaches_the_person_or_the_room_and_spares_the_new_device() -> None:
    lesson = make_lesson(students=1)
    session_id = lesson.session.pk

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        old_phone, new_phone = Socket(7, connection="old"), Socket(7, connection="new")
        classmate = Socket(8, connection="other")
        for socket in (old_phone, new_phone, classmate):
            await room_hub.join(session_id, socket)
        room_hub.receive({"s": session_id, "c": "takeover", "u": 7, "k": "new"})
        assert (old_phone.closed, new_phone.closed, classmate.closed) == (["takeover"], [], [])
        room_hub.receive({"s": session_id, "c": "ended", "u": None, "k": ""})
        assert [s.closed[-1] for s in (old_phone, new_phone, classmate)] == ["ended"] * 3
        # Another lesson's announcement touches nobody here.
        room_hub.receive({"s": session_id + 1, "c": "ended", "u": None, "k": ""})
        assert len(classmate.closed) == 1

    async_to_sync(scenario)()


def test_a_committed_event_is_announced_to_the_sockets_of_this_process() -> None:
    """``publish`` from another thread (where the transaction ran) reaches the hub's loop."""
    from channels.db import database_sync_to_async

    lesson = make_lesson(students=1)

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil = Socket(1)
        await room_hub.join(lesson.session.pk, pupil)
        await database_sync_to_async(stored)(lesson.session, 2)
        assert await pupil.until(2) == [1, 2]

    async_to_sync(scenario)()


@pytest.mark.services
def test_an_announcement_from_another_process_arrives_through_redis() -> None:
    import redis

    lesson = make_lesson(students=1)
    (event,) = stored(lesson.session, 1)
    wire = json.dumps({**events.announcement(event), "o": "another-process"})

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil = Socket(1)
        await room_hub.join(lesson.session.pk, pupil)  # returns once subscribed
        redis.Redis.from_url(settings.REDIS_URL).publish(hub.channel(lesson.session.pk), wire)
        assert await pupil.until(1) == [1]

    async_to_sync(scenario)()


@pytest.mark.services
def test_this_processs_own_announcements_coming_back_from_redis_are_dropped_unread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis sends a publisher its own announcements too; the hub handed them out
    when they were stored, so it drops them on sight, without decoding them."""
    import redis

    lesson = make_lesson(students=1)
    first, second = (events.announcement(e) for e in stored(lesson.session, 2))
    name = hub.channel(lesson.session.pk)
    own = json.dumps({"o": hub.ORIGIN, **first}).encode()
    own_unreadable = hub._OWN_PREFIX + b', "q": 1, "p": "{broken'
    other = json.dumps({**second, "o": "another-process"})

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil = Socket(1)
        await room_hub.join(lesson.session.pk, pupil)  # returns once subscribed
        client = redis.Redis.from_url(settings.REDIS_URL)
        for wire in (own, own_unreadable, other):
            client.publish(name, wire)
        client.close()
        assert await pupil.until(1) == [2]
        await asyncio.sleep(0.1)
        assert [seq for seq, _frame in pupil.frames] == [2]

    with caplog.at_level(logging.WARNING, logger="safeclass.live.hub"):
        async_to_sync(scenario)()
    assert not [r for r in caplog.records if "unreadable" in r.getMessage()]


@pytest.mark.services
def test_after_losing_redis_the_hub_reads_back_what_it_missed(monkeypatch: Any) -> None:
    """An announcement lost while the subscription was down (here: never made at all)
    is read from the log by the reconnected hub, from the last number it handed out."""
    import redis
    from channels.db import database_sync_to_async

    monkeypatch.setattr(hub, "RECONNECT_AFTER", (0.2,))
    lesson = make_lesson(students=1)
    client = redis.Redis.from_url(settings.REDIS_URL)

    def store_unannounced() -> None:
        with monkeypatch.context() as quiet:
            quiet.setattr(hub, "publish", lambda message: None)
            stored(lesson.session, 1)

    def kill_subscription() -> int:
        name = f"safeclass-hub-{hub.ORIGIN}"
        mine = [c["id"] for c in client.client_list() if c.get("name") == name]
        for found in mine:
            client.client_kill_filter(_id=found)
        return len(mine)

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil = Socket(1)
        await room_hub.join(lesson.session.pk, pupil)
        await database_sync_to_async(stored)(lesson.session, 1)
        assert await pupil.until(1) == [1]
        await database_sync_to_async(store_unannounced)()
        await asyncio.sleep(0.1)
        assert len(pupil.frames) == 1  # nothing announced it
        assert await database_sync_to_async(kill_subscription)() == 1
        assert await pupil.until(2) == [1, 2]

    async_to_sync(scenario)()


def redis_subscriber(session_id: int) -> tuple[Any, Any]:
    """A plain Redis subscription to the lesson's channel, as another process holds one."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(hub.channel(session_id))
    pubsub.get_message(timeout=TIMEOUT)  # the subscription's confirmation
    return client, pubsub


def heard(pubsub: Any, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for _ in range(count * 10):
        raw = pubsub.get_message(timeout=TIMEOUT)
        if raw is not None:
            found.append(json.loads(raw["data"]))
        if len(found) == count:
            break
    return found


@pytest.mark.services
def test_announcements_go_out_on_redis_in_the_order_they_were_made() -> None:
    """The committing thread only queues them; the publishing thread sends them all,
    in order, marked as this process's so it skips them when they come back."""
    lesson = make_lesson(students=1)
    client, pubsub = redis_subscriber(lesson.session.pk)
    try:
        made = stored(lesson.session, 30)
        found = heard(pubsub, 30)
    finally:
        pubsub.close()
        client.close()
    assert [message["q"] for message in found] == [event.seq for event in made]
    assert {message["o"] for message in found} == {hub.ORIGIN}
    assert found[0]["p"] == events.announcement(made[0])["p"]


@pytest.mark.services
def test_a_batch_redis_refuses_is_logged_and_the_next_ones_still_go_out(
    monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import redis

    lesson = make_lesson(students=1)
    client, pubsub = redis_subscriber(lesson.session.pk)
    unreachable = redis.Redis(host="127.0.0.1", port=9, socket_connect_timeout=1)
    refused = threading.Event()
    send = hub._publisher._send

    def send_then_tell(batch: list[hub.Announcement]) -> None:
        send(batch)
        refused.set()

    try:
        monkeypatch.setattr(hub._publisher, "_client", unreachable)
        monkeypatch.setattr(hub._publisher, "_send", send_then_tell)
        with caplog.at_level(logging.WARNING, logger=hub.__name__):
            (lost,) = stored(lesson.session, 1)
            assert refused.wait(TIMEOUT)
        monkeypatch.setattr(hub._publisher, "_client", None)  # Redis is back
        later = stored(lesson.session, 2)
        found = heard(pubsub, 2)
    finally:
        pubsub.close()
        client.close()
    assert "not published" in caplog.text
    assert [message["q"] for message in found] == [event.seq for event in later]
    assert lost.seq not in [message["q"] for message in found]


@pytest.mark.services
def test_an_announcement_stored_on_the_rooms_loop_is_published_from_that_loop(
    monkeypatch: Any,
) -> None:
    """The everyday chat message is stored on the room's loop: the other processes hear
    of it in order, without the publishing thread ever starting (the loop would wait to
    get the interpreter back from it), and the hub's connection closes with its last room."""
    thread_publisher = hub._Publisher()
    monkeypatch.setattr(hub, "_publisher", thread_publisher)
    lesson = make_lesson(students=1)
    made = stored_unannounced(monkeypatch, lesson.session, 5)
    client, pubsub = redis_subscriber(lesson.session.pk)

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil = Socket(1)
        await room_hub.join(lesson.session.pk, pupil)
        for event in made:
            hub.publish(events.announcement(event))
        assert len(pupil.frames) == 5  # handed out here at once
        found = await asyncio.to_thread(heard, pubsub, 5)
        assert [message["q"] for message in found] == [event.seq for event in made]
        assert {message["o"] for message in found} == {hub.ORIGIN}
        assert room_hub._publish_client is not None
        room_hub.leave(lesson.session.pk, pupil)
        await asyncio.gather(*room_hub._tasks)
        assert room_hub._publish_client is None

    try:
        async_to_sync(scenario)()
    finally:
        pubsub.close()
        client.close()
    assert thread_publisher._thread is None


@pytest.mark.services
def test_a_batch_redis_refuses_on_the_loop_is_logged_and_the_next_ones_still_go_out(
    monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    lesson = make_lesson(students=1)
    lost, *later = stored_unannounced(monkeypatch, lesson.session, 3)
    client, pubsub = redis_subscriber(lesson.session.pk)

    async def scenario() -> None:
        room_hub = hub.local(consumers._read_log)
        pupil = Socket(1)
        await room_hub.join(lesson.session.pk, pupil)
        room_hub.publish_url = "redis://127.0.0.1:9/0"  # nothing listens there
        with caplog.at_level(logging.WARNING, logger=hub.__name__):
            hub.publish(events.announcement(lost))
            assert room_hub._publishing is not None
            await room_hub._publishing
        room_hub.publish_url = settings.REDIS_URL  # Redis is back
        for event in later:
            hub.publish(events.announcement(event))
        found = await asyncio.to_thread(heard, pubsub, 2)
        assert [message["q"] for message in found] == [event.seq for event in later]
        assert await pupil.until(3) == [1, 2, 3]  # the sockets here had them all
        room_hub.leave(lesson.session.pk, pupil)
        await asyncio.gather(*room_hub._tasks)

    try:
        async_to_sync(scenario)()
    finally:
        pubsub.close()
        client.close()
    assert "1 room announcement(s) not published" in caplog.text


def stored_unannounced(monkeypatch: Any, session: Any, count: int) -> list[RoomEvent]:
    """``count`` events in the lesson's log that nobody was told of yet."""
    with monkeypatch.context() as quiet:
        quiet.setattr(hub, "publish", lambda message: None)
        return stored(session, count)


@pytest.fixture
def redis_user() -> Any:
    """A Redis account of the test's own (Redis's ACL): the user name and password to
    sign in with, and a second account that may not publish."""
    import redis

    admin = redis.Redis.from_url(settings.REDIS_URL)
    names = ("safeclass-test-publisher", "safeclass-test-reader")
    admin.acl_setuser(names[0], enabled=True, passwords=["+mật-khẩu-1"], commands=["+@all"],
                      keys=["*"], channels=["*"])  # fmt: skip
    admin.acl_setuser(names[1], enabled=True, passwords=["+mật-khẩu-2"],
                      commands=["+@all", "-publish"], keys=["*"], channels=["*"])  # fmt: skip
    try:
        yield names
    finally:
        for name in names:
            admin.acl_deluser(name)
        admin.close()


def _url_as(user: str, password: str) -> str:
    from urllib.parse import quote, urlsplit

    parts = urlsplit(settings.REDIS_URL)
    return f"redis://{quote(user)}:{quote(password)}@{parts.hostname}:{parts.port or 6379}/0"


@pytest.mark.services
def test_the_hubs_publisher_signs_in_as_the_url_says_and_its_announcements_arrive_whole(
    redis_user: tuple[str, str],
) -> None:
    """The hub's own publishing connection (``RedisPublisher``): a signed-in account,
    three announcements in one write, read by a plain subscriber exactly as made."""
    lesson = make_lesson(students=1)
    client, pubsub = redis_subscriber(lesson.session.pk)
    made = [
        {"s": lesson.session.pk, "q": n, "p": json.dumps({"n": n, "text": "chào ✓"}), "t": None}
        for n in (1, 2, 3)
    ]

    async def scenario() -> None:
        publisher = await hub.RedisPublisher.connect(
            _url_as(redis_user[0], "mật-khẩu-1"), timeout=TIMEOUT
        )
        try:
            publisher.publish(made)
            found = await asyncio.to_thread(heard, pubsub, 3)
        finally:
            publisher.close()
        assert found == [{"o": hub.ORIGIN, **message} for message in made]

    try:
        async_to_sync(scenario)()
    finally:
        pubsub.close()
        client.close()


@pytest.mark.services
def test_a_wrong_password_or_a_refused_publish_is_said_not_silently_dropped(
    redis_user: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    lesson = make_lesson(students=1)
    message = {"s": lesson.session.pk, "q": 1, "p": "{}", "t": None}

    async def scenario() -> None:
        with pytest.raises(ConnectionError, match="refused the sign-in"):
            await hub.RedisPublisher.connect(_url_as(redis_user[0], "sai"), timeout=TIMEOUT)
        reader = await hub.RedisPublisher.connect(
            _url_as(redis_user[1], "mật-khẩu-2"), timeout=TIMEOUT
        )
        try:
            with caplog.at_level(logging.WARNING, logger=hub.__name__):
                reader.publish([message])
                for _ in range(100):  # Redis's answer comes when it comes
                    if "refused a room announcement" in caplog.text:
                        break
                    await asyncio.sleep(0.05)
        finally:
            reader.close()

    async_to_sync(scenario)()
    assert "Redis refused a room announcement: NOPERM" in caplog.text


def test_a_redis_that_stops_reading_gets_its_connection_dropped_not_the_servers_memory(
    monkeypatch: Any,
) -> None:
    """A peer that accepts the publishing connection and never reads it (as a Redis
    frozen in the middle of a lesson would): the publisher refuses, having written
    nothing more, once the limit waits in its buffer, and closes the connection."""
    monkeypatch.setattr(hub, "PUBLISH_BUFFER_LIMIT", 256 * 1024)
    silent = create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    message = {"s": 1, "q": 1, "p": json.dumps({"text": "x" * 4_000}), "t": None}

    async def scenario() -> int:
        publisher = await hub.RedisPublisher.connect(f"redis://127.0.0.1:{port}/0", timeout=TIMEOUT)
        written = 0
        refused: ConnectionError | None = None
        while written < 100_000:  # 400 MB at most: far beyond any socket buffer
            try:
                publisher.publish([message])
            except ConnectionError as error:
                refused = error
                break
            written += 1
            await asyncio.sleep(0)  # let the loop try to send
        assert refused is not None
        assert "not reading" in str(refused)
        assert publisher.transport is None or publisher.transport.is_closing()
        assert not publisher.open
        return written

    try:
        written = async_to_sync(scenario)()
    finally:
        silent.close()
    assert 0 < written < 100_000


@pytest.mark.parametrize(
    ("query", "verify", "hostname"),
    [
        ("", "CERT_REQUIRED", True),
        ("?ssl_cert_reqs=required", "CERT_REQUIRED", True),
        ("?ssl_cert_reqs=optional", "CERT_OPTIONAL", False),
        ("?ssl_cert_reqs=none", "CERT_NONE", False),
    ],
)
def test_a_rediss_url_checks_the_servers_certificate_as_redis_py_would(
    query: str, verify: str, hostname: bool
) -> None:
    import ssl

    from redis.connection import parse_url

    context = hub._tls(parse_url(f"rediss://redis.truong.example:6380/0{query}"))
    assert context.verify_mode == getattr(ssl, verify)
    assert context.check_hostname is hostname
