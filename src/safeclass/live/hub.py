"""The room's own fan-out: one subscription per lesson per server process (architecture §6).

Every server process keeps the room sockets it serves, by lesson, in one hub
per event loop. A stored event (see ``events.emit``) is handed to the hub of
its own process straight from the transaction's commit, and published once on
Redis (when ``REDIS_URL`` is set) for the other processes, each of which holds
one subscription per lesson it has sockets for. An event stored on a hub's own
event loop (the everyday chat message) is published from that loop; one stored
on a database thread, by a publishing thread of the process. Neither makes the
thread that stored it wait for Redis.
The hub puts a lesson's events back in number order (two commits can announce
out of order) and gives each socket the text to send; a socket writes on its
own, so one that stops reading holds up nobody else.

Announcements are best effort. A number that does not arrive within
``FILL_AFTER`` seconds is read from the database once for the whole process,
and after a lost Redis connection every lesson is re-read from its last
delivered number: the log in the database stays the truth.

An announcement is a small dict: ``s`` the lesson, then either ``q`` its
number, ``p`` the frame everyone may see and ``t`` the full frame for teachers
when it differs, or ``c`` a reason to close the sockets of ``u`` (one person,
or everyone when ``None``) except the connection ``k``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import ssl
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from django.conf import settings

log = logging.getLogger(__name__)

Announcement = dict[str, Any]
LogReader = Callable[[int, int], Awaitable[list[Announcement]]]

ORIGIN = uuid.uuid4().hex  # this process, so it skips its own announcements coming back
# How this process's announcements begin on the wire ("o" first): they come back from
# Redis to this process too, and are dropped on sight instead of decoded first.
_OWN_PREFIX = json.dumps({"o": ORIGIN})[:-1].encode()


def _on_the_wire(message: Announcement) -> bytes:
    """An announcement as published on Redis: marked as this process's, origin first."""
    return json.dumps({"o": ORIGIN, **message}).encode()


FILL_AFTER = 0.2  # seconds to wait for a missing number before reading the log
RECONNECT_AFTER = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds between tries to reach Redis again
PUBLISH_BATCH = 500  # announcements in one round trip to Redis at most
PUBLISH_CONNECTION: dict[str, Any] = {"socket_connect_timeout": 1, "socket_timeout": 1}  # s
PUBLISH_BUFFER_LIMIT = 4 * 1024 * 1024  # bytes waiting for Redis before its connection is dropped


class Listener(Protocol):
    """A room socket, as the hub sees it."""

    user_id: int
    teacher: bool

    def deliver(self, seq: int, frame: str) -> None:
        """Queue one numbered frame; must not block."""

    def shut(self, reason: str, keep: str) -> None:
        """Close the socket for ``reason`` unless it is the connection ``keep``."""


def frame_for(message: Announcement, *, teacher: bool) -> str:
    """The frame of an event's announcement that a teacher, or anyone else, is sent."""
    teachers: str | None = message["t"]
    return teachers if teachers is not None and teacher else message["p"]


def channel(session_id: int) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:room:{session_id}"


class _Room:
    __slots__ = ("listeners", "seq", "timer", "waiting")

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        self.seq = 0  # the last number handed to the listeners; 0 before the first
        self.waiting: dict[int, Announcement] = {}
        self.timer: asyncio.TimerHandle | None = None


class Hub:
    """The room sockets of one event loop, by lesson. Used on that loop only,
    except :func:`publish`, which any thread may call."""

    def __init__(self, loop: asyncio.AbstractEventLoop, read_log: LogReader) -> None:
        self.loop = loop
        self.read_log = read_log
        self.rooms: dict[int, _Room] = {}
        self._subscribed: set[int] = set()
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._sync_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()  # kept until done, as asyncio asks
        self._outgoing: list[Announcement] = []  # stored on this loop, for Redis
        self._publishing: asyncio.Task[None] | None = None
        self._publish_client: RedisPublisher | None = None
        self.publish_url: str = settings.REDIS_URL

    def _spawn(self, work: Any) -> None:
        task = self.loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- sockets come and go ---------------------------------------------------

    async def join(self, session_id: int, listener: Listener) -> None:
        """Start handing the lesson's events to ``listener``.

        Returns once this process is subscribed to the lesson, so what the
        socket then reads from the log and what it is handed overlap rather
        than leave a hole.
        """
        room = self.rooms.get(session_id)
        if room is None:
            room = self.rooms[session_id] = _Room()
        room.listeners.add(listener)
        if not settings.REDIS_URL:
            return
        name = channel(session_id)
        if session_id not in self._subscribed and name not in self._confirmed:
            self._confirmed[name] = self.loop.create_future()
        confirmed = self._confirmed.get(name)
        await self._sync_subscriptions()
        if confirmed is not None:
            try:
                await asyncio.wait_for(asyncio.shield(confirmed), timeout=2)
            except TimeoutError:
                log.warning("not subscribed to lesson %s yet", session_id)

    def leave(self, session_id: int, listener: Listener) -> None:
        room = self.rooms.get(session_id)
        if room is None:
            return
        room.listeners.discard(listener)
        if not room.listeners:
            if room.timer is not None:
                room.timer.cancel()
            del self.rooms[session_id]
            self._confirmed.pop(channel(session_id), None)
            if settings.REDIS_URL:
                self._spawn(self._sync_subscriptions())
                if not self.rooms:
                    self._spawn(self._close_publishing())

    # --- announcements -----------------------------------------------------------

    def receive(self, message: Announcement) -> None:
        """One announcement, from this process or another; on the hub's loop."""
        room = self.rooms.get(message["s"])
        if room is None:
            return
        if "c" in message:
            for listener in [x for x in room.listeners if message["u"] in (None, x.user_id)]:
                listener.shut(message["c"], message["k"])
            return
        seq = message["q"]
        if seq <= room.seq:
            return
        if room.seq and seq > room.seq + 1:
            room.waiting[seq] = message
            if room.timer is None:
                room.timer = self.loop.call_later(FILL_AFTER, self._fill, message["s"])
            return
        self._hand_out(room, message)
        while room.seq + 1 in room.waiting:
            self._hand_out(room, room.waiting.pop(room.seq + 1))
        if not room.waiting and room.timer is not None:
            room.timer.cancel()
            room.timer = None

    def _hand_out(self, room: _Room, message: Announcement) -> None:
        seq = room.seq = message["q"]
        for listener in room.listeners:
            listener.deliver(seq, frame_for(message, teacher=listener.teacher))

    def _fill(self, session_id: int) -> None:
        room = self.rooms.get(session_id)
        if room is None:
            return
        room.timer = None
        self._spawn(self._read_back(session_id, room.seq))

    async def _read_back(self, session_id: int, after: int) -> None:
        """Hand out what the log holds after ``after``, then whatever still waits."""
        try:
            found = await self.read_log(session_id, after)
        except Exception:
            log.warning("could not read the log of lesson %s", session_id, exc_info=True)
            found = []
        room = self.rooms.get(session_id)
        if room is None:
            return
        for message in found:
            self.receive(message)
        # Whatever still waits goes out as it is; a socket that sees a gap then
        # reads the log itself.
        for seq in sorted(room.waiting):
            message = room.waiting.pop(seq)
            if seq > room.seq:
                self._hand_out(room, message)
        if room.timer is not None:
            room.timer.cancel()
            room.timer = None

    # --- Redis, between processes ------------------------------------------------

    def announce(self, message: Announcement) -> None:
        """Publish an announcement stored on this loop for the other processes.

        Written at once on the hub's own connection to Redis (``RedisPublisher``:
        no round trip is awaited, no thread is woken, so the loop never waits to
        get the interpreter back from one). While that connection is being
        made, announcements queue and go out together, in order, once it is.
        """
        client = self._publish_client
        if client is not None and client.open and not self._outgoing:
            try:
                client.publish([message])
            except Exception:
                _not_published([message])
            return
        self._outgoing.append(message)
        if self._publishing is None or self._publishing.done():
            self._publishing = self.loop.create_task(self._publish_outgoing())

    async def _publish_outgoing(self) -> None:
        while self._outgoing:
            batch = self._outgoing[:PUBLISH_BATCH]
            del self._outgoing[:PUBLISH_BATCH]
            try:
                client = self._publish_client
                if client is None or not client.open:
                    self._publish_client = None
                    client = self._publish_client = await RedisPublisher.connect(
                        self.publish_url, timeout=PUBLISH_CONNECTION["socket_connect_timeout"]
                    )
                client.publish(batch)
            except Exception:
                _not_published(batch)

    async def _close_publishing(self) -> None:
        """Close the publishing connection of a hub left with no lesson."""
        if self._publishing is not None:
            await asyncio.wait([self._publishing])
        client = self._publish_client
        if client is not None and not self.rooms and not self._outgoing:
            self._publish_client = None
            client.close()

    async def _sync_subscriptions(self) -> None:
        """Subscribe to the lessons this hub serves and drop the others, one change at
        a time, so a quick leave-and-join cannot end unsubscribed."""
        async with self._sync_lock:
            if self._reader is None or self._reader.done():
                self._reader = self.loop.create_task(self._read_redis())
            pubsub = self._pubsub
            if pubsub is None:
                return  # the reader subscribes to every lesson once it is connected
            wanted = set(self.rooms)
            added, dropped = wanted - self._subscribed, self._subscribed - wanted
            try:
                if added:
                    await pubsub.subscribe(*(channel(s) for s in added))
                if dropped:
                    await pubsub.unsubscribe(*(channel(s) for s in dropped))
            except Exception:
                log.warning("room subscriptions not updated", exc_info=True)
                return
            self._subscribed = wanted

    async def _read_redis(self) -> None:
        from redis import asyncio as aioredis

        tries = 0
        while True:
            # Reads wait as long as a lesson is quiet; TCP keepalive notices a
            # connection that died without a word.
            client = aioredis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_keepalive=True
            )
            pubsub: Any = client.pubsub()
            try:
                await client.client_setname(f"safeclass-hub-{ORIGIN}")
                async with self._sync_lock:
                    wanted = set(self.rooms)
                    # One channel of its own keeps the connection subscribed
                    # while this process has no lesson.
                    await pubsub.subscribe(f"{settings.REDIS_KEY_PREFIX}:hub:{ORIGIN}")
                    if wanted:
                        await pubsub.subscribe(*(channel(s) for s in wanted))
                    self._pubsub, self._subscribed = pubsub, wanted
                if tries:
                    # Announcements made while disconnected are lost: read the log.
                    for session_id, room in list(self.rooms.items()):
                        self._spawn(self._read_back(session_id, room.seq))
                tries = 0
                async for raw in pubsub.listen():
                    self._on_redis(raw)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("room fan-out lost Redis; reconnecting", exc_info=True)
            finally:
                self._pubsub = None
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:
                    log.debug("closing a lost Redis connection failed", exc_info=True)
            await asyncio.sleep(RECONNECT_AFTER[min(tries, len(RECONNECT_AFTER) - 1)])
            tries += 1

    def _on_redis(self, raw: dict[str, Any]) -> None:
        kind = raw.get("type")
        name = raw.get("channel", b"")
        name = name.decode() if isinstance(name, bytes) else str(name)
        if kind == "subscribe":
            confirmed = self._confirmed.pop(name, None)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
        elif kind == "message":
            data = raw["data"]
            if isinstance(data, bytes) and data.startswith(_OWN_PREFIX):
                return  # this process's own, handed out when it was stored
            try:
                message = json.loads(data)
            except ValueError:
                log.warning("unreadable room announcement on %s", name)
                return
            if message.pop("o", None) != ORIGIN:
                self.receive(message)


class RedisPublisher(asyncio.Protocol):
    """A hub's own connection to Redis, for publishing only.

    Each announcement is one PUBLISH, written in Redis's protocol (RESP) straight
    to the connection: nothing is awaited per announcement. Redis answers each
    with the number of subscribers that got it, read as it comes and otherwise
    not needed (a process that missed a number reads it from the log); an
    error answer is logged. redis-py's pipeline, which this replaces on the
    room's loop, cost the server about a tenth of its CPU in the fan-out bench
    (connection pool, command objects, awaiting each reply).

    Connects as redis-py would from the same URL (``redis://``, ``rediss://``,
    ``unix://``, with a user name and password), minus the database number,
    which publishing does not use.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._unread = b""
        self._greeted: asyncio.Future[bytes] | None = None

    @property
    def open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    @classmethod
    async def connect(cls, url: str, *, timeout: float) -> RedisPublisher:
        from redis.connection import parse_url

        options: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        tls = "SSL" in getattr(options.get("connection_class"), "__name__", "")
        loop = asyncio.get_running_loop()
        publisher = cls()
        if "path" in options:
            opening = loop.create_unix_connection(lambda: publisher, options["path"])
        else:
            opening = loop.create_connection(
                lambda: publisher,
                options.get("host", "localhost"),
                options.get("port", 6379),
                ssl=_tls(options) if tls else None,
            )
        transport, _ = await asyncio.wait_for(opening, timeout)
        password = options.get("password")
        if not password:
            return publisher
        user = options.get("username")
        publisher._greeted = loop.create_future()
        try:
            transport.write(
                _command(b"AUTH", *([user.encode()] if user else []), password.encode())
            )
            answer = await asyncio.wait_for(publisher._greeted, timeout)
            if not answer.startswith(b"+"):
                raise ConnectionError(
                    f"Redis refused the sign-in: {answer.decode(errors='replace')}"
                )
        except BaseException:
            publisher.close()  # not left open behind a failed sign-in
            raise
        return publisher

    def publish(self, batch: list[Announcement]) -> None:
        """Write one PUBLISH per announcement. Raises ConnectionError, having written
        nothing, when the connection is closed or Redis has stopped reading it
        (``PUBLISH_BUFFER_LIMIT`` bytes wait to be sent): the connection is then
        closed, and the caller's next announcement opens a new one."""
        if self.transport is None:
            raise ConnectionError("the connection to Redis is closed")
        if self.transport.get_write_buffer_size() > PUBLISH_BUFFER_LIMIT:
            self.close()
            raise ConnectionError("Redis is not reading the publishing connection")
        self.transport.write(
            b"".join(
                _command(
                    b"PUBLISH",
                    channel(message["s"]).encode(),
                    _on_the_wire(message),
                )
                for message in batch
            )
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        # Every answer to AUTH and PUBLISH is one line: "+OK", ":<count>" or "-<error>".
        *answers, self._unread = (self._unread + data).split(b"\r\n")
        for answer in answers:
            if self._greeted is not None:
                greeted, self._greeted = self._greeted, None
                if not greeted.done():
                    greeted.set_result(answer)
            elif answer.startswith(b"-"):
                log.warning(
                    "Redis refused a room announcement: %s", answer[1:].decode(errors="replace")
                )

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._greeted is not None and not self._greeted.done():
            self._greeted.set_exception(ConnectionError("Redis closed the connection"))


def _command(*parts: bytes) -> bytes:
    """One command in Redis's protocol (an array of bulk strings)."""
    return b"*%d\r\n" % len(parts) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in parts
    )


def _tls(options: dict[str, Any]) -> ssl.SSLContext:
    """The TLS context for a ``rediss://`` URL, with its ``ssl_cert_reqs`` and
    ``ssl_ca_certs`` as redis-py reads them."""
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
    wanted = str(options.get("ssl_cert_reqs", "required")).lower()
    if wanted in {"none", "optional"}:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE if wanted == "none" else ssl.CERT_OPTIONAL
    return context


# --- one hub per event loop; announcing from any thread -----------------------------

_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}
_hubs_lock = threading.Lock()


def local(read_log: LogReader) -> Hub:
    """The hub of the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = Hub(loop, read_log)
        return hub


def publish(message: Announcement) -> None:
    """Announce to every socket of the lesson, here and in the other processes
    (queued for them: see :meth:`Hub.announce` and :class:`_Publisher`).

    Call after the event's transaction committed, from any thread. Never raises:
    a lost announcement is read from the log later.
    """
    with _hubs_lock:
        hubs = list(_hubs.items())
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None  # a database thread
    published = False
    for loop, hub in hubs:
        if loop.is_closed():
            with _hubs_lock:
                _hubs.pop(loop, None)
            continue
        if message["s"] not in hub.rooms:
            continue  # no socket of the lesson here; one that opens now reads the log
        if loop is running:
            # Stored on the hub's own loop (``chat.post_on_loop``): handed out now,
            # not after whatever else the loop has queued meanwhile, and
            # published from the loop.
            try:
                hub.receive(message)
            except Exception:
                log.warning("announcement of lesson %s not handed out", message["s"], exc_info=True)
            if settings.REDIS_URL:
                hub.announce(message)
                published = True
            continue
        try:
            loop.call_soon_threadsafe(hub.receive, message)
        except RuntimeError:  # the loop closed meanwhile
            continue
    if settings.REDIS_URL and not published:
        _publisher.put(message)


def _publishing(client: Any, batch: list[Announcement]) -> Any:
    """A pipeline of ``client`` (Redis's blocking or asyncio client) holding one
    PUBLISH per announcement of ``batch``, each marked as this process's; the
    caller executes it."""
    pipe = client.pipeline(transaction=False)
    for message in batch:
        pipe.publish(channel(message["s"]), _on_the_wire(message))
    return pipe


def _not_published(batch: list[Announcement]) -> None:
    log.warning(
        "%s room announcement(s) not published, the first for lesson %s",
        len(batch),
        batch[0]["s"],
        exc_info=True,
    )


class _Publisher:
    """Publishes the announcements of this process's database threads on Redis, from
    one thread of its own.

    The thread that committed an event only queues it: it goes back to its next
    message (and its database connection to the pool) without waiting for Redis.
    Whatever queued up meanwhile goes out in one round trip, in the order it was
    queued. A batch Redis refuses is dropped and logged: the other processes
    notice the missing numbers and read them from the log.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Announcement] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._client: Any = None

    def put(self, message: Announcement) -> None:
        self._queue.put(message)
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="room-publish", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < PUBLISH_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._send(batch)

    def _send(self, batch: list[Announcement]) -> None:
        try:
            if self._client is None:
                import redis

                self._client = redis.Redis.from_url(settings.REDIS_URL, **PUBLISH_CONNECTION)
            _publishing(self._client, batch).execute()
        except Exception:
            _not_published(batch)


_publisher = _Publisher()
