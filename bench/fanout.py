"""How fast the live room's chat reaches every pupil, next to a bare broadcast and plain Channels.

    .venv/bin/python bench/fanout.py [--rooms 25] [--size 40] [--rates 1,5,20]
        [--duration 10] [--stall 3] [--rounds 3] [--json PATH] [--sqlite] [--keep-db]
        [--deflate]

``--rooms`` lessons of ``--size`` pupils each (1,000 sockets by default), plus
one teacher socket per room that posts chat messages at each of ``--rates``
messages per second for ``--duration`` seconds. Every message's text carries
its run, room, number and the time it was due to be sent; each pupil's socket
notes when it arrives. Three servers, one process each, in turn, with the same
clients (one asyncio process on the same machine, without compression unless
``--deflate``):

* ceiling: a bare ``websockets`` server in this script that rebroadcasts each
  message to the connections of its room;
* baseline: plain Channels, a consumer in this script that joins a group and
  relays ``group_send``, with ``channels_redis.core.RedisChannelLayer``,
  served by uvicorn;
* SafeClass itself: ``safeclass.asgi`` under uvicorn on PostgreSQL and Redis
  (its own fan-out hub), every message moderated, stored and numbered in the room's
  log before it is announced.

Latency runs from when a message was due to be sent to when a pupil's socket
read it; a message still missing when the room has been quiet for ``--drain``
seconds is undelivered. In each SafeClass run one pupil stops reading for
``--stall`` seconds, then reconnects with ``?after=<last number it read>``;
every message the teacher posted in that room must reach it. The other two
servers keep no log, so a reconnecting client cannot catch up there.

SafeClass answers each message once it is stored (committed to the database),
before the copies go out. The "stored" column is when the teacher's socket read
that answer, from when the message was due: its p99 and longest. A copy cannot
be earlier than its commit, so where the stored p99 is close to the copies'
p99, the time went to the database (a disk flush), not to the fan-out.

The "server CPU" column is the CPU time the server process used from the first
message due to the end of the drain, per message it accepted (PostgreSQL's and
Redis's own processes not counted). Latency on this shared machine swings with
its spells; CPU per message swings less, and shows what a change costs or saves.

``--deflate``: the clients offer permessage-deflate, as browsers do, and every
server accepts it (the ceiling's ``websockets`` and uvicorn by default). Each
copy is then compressed for its own connection, which costs the servers CPU
that the default run, without compression, does not show.

``--asynchronous-commit`` is an experiment, not how SafeClass runs: the bench
database then commits without waiting for the disk (PostgreSQL's
``synchronous_commit = off``), so a stored message could be lost if the
database crashed. It shows what the flush costs; no target is read on it.

The machine the figures come from is shared, and its speed changes within
minutes: one slow spell decided a whole comparison when each system ran once.
So the systems take ``--rounds`` turns: the first at every rate, the others at
the rate the targets are read at (5/s), each round in the other order than the
last. Each round's SafeClass p99 is divided by the same round's ceiling p99,
and the target is read on the median of those ratios (the baseline: the median
p99s). Clients of a later round on SafeClass connect after the lesson's last
event number, so the earlier rounds' log is not sent again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import re
import secrets
import statistics
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from _live import (
    DEFAULT_POSTGRES,
    DEFAULT_REDIS,
    Backend,
    Lesson,
    Server,
    against,
    build_lessons,
    cookie_for,
    cpu_seconds,
    free_port,
    machine_header,
    migrate,
    percentile,
    prepare_backend,
    setup_django,
    uvicorn_argv,
)

TARGET_RATE = 5  # messages per second per room, where the targets are read
TARGET_OVER_CEILING = 2.0
CONNECT_AT_ONCE = 50
STALL_AT = 0.3  # of the duration: when the stalling pupil stops reading
# "[#run-room-number-due]": ASCII, so it survives JSON escaping and can be found
# in the raw frame; the moderation engine lets it through (checked at start).
MARK = re.compile(rb"\[#(\d+)-(\d+)-(\d+)-(\d+)\]")
# An event frame begins with its number ({"type": "event", "seq": 12, …}): read from
# there, the client need not parse the whole frame, 40 times a message, in the one
# process that reads for every pupil (a browser parses only its own).
EVENT_SEQ = re.compile(rb'\{"type": "event", "seq": (\d+)[,}]')


def seq_of(frame: bytes) -> int:
    """The number of an event frame."""
    found = EVENT_SEQ.match(frame)
    return int(found.group(1)) if found else int(json.loads(frame)["seq"])


# What the clients offer for compression (``--deflate``): None, or "deflate" as a
# browser does; a one-item list so the option can set it for the whole script.
CLIENT_COMPRESSION: list[str | None] = [None]


def text_of(run: int, room: int, number: int, due_ns: int) -> str:
    return f"Các em đọc câu {number} [#{run}-{room}-{number}-{due_ns}]"


# --- the two servers in this script ----------------------------------------------------------


def serve_raw(port: int, deflate: bool = False) -> None:
    """The ceiling: rebroadcast each message to every connection on the same path."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    rooms: dict[str, set[ServerConnection]] = {}

    async def handler(connection: ServerConnection) -> None:
        members = rooms.setdefault(connection.request.path if connection.request else "", set())
        members.add(connection)
        try:
            async for message in connection:
                broadcast(members, message)
        finally:
            members.discard(connection)

    async def main() -> None:
        compression = "deflate" if deflate else None
        async with serve(handler, "127.0.0.1", port, compression=compression) as server:
            await server.serve_forever()

    _run_loop(main())


def serve_baseline(port: int, redis_url: str, prefix: str) -> None:
    """The baseline: Channels' own group_send over the core Redis layer, nothing else."""
    import django
    import uvicorn
    from django.conf import settings

    settings.configure(
        SECRET_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis_url], "prefix": prefix},
            }
        },
    )
    django.setup()
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    class Relay(AsyncWebsocketConsumer):  # type: ignore[misc]
        group: str

        async def connect(self) -> None:
            self.group = f"room.{self.scope['url_route']['kwargs']['room']}"
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.accept()

        async def disconnect(self, code: int) -> None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

        async def receive(
            self, text_data: str | None = None, bytes_data: bytes | None = None
        ) -> None:
            await self.channel_layer.group_send(self.group, {"type": "relay", "text": text_data})

        async def relay(self, message: dict[str, Any]) -> None:
            await self.send(text_data=message["text"])

    application = ProtocolTypeRouter(
        {"websocket": URLRouter([path("room/<int:room>/", Relay.as_asgi())])}
    )
    uvicorn.run(
        application,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )


def _run_loop(main: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(main)
    except ImportError:
        return asyncio.run(main)


# --- the clients ---------------------------------------------------------------------------


@dataclass
class Collector:
    """What one run saw (run 0 is the warm-up)."""

    number: int
    receipts: list[tuple[int, int, int, int]] = field(default_factory=list)  # room, n, due, read
    deliveries: int = 0  # receipts, counted as they come (to know when to stop waiting)
    sent: int = 0
    posted: dict[int, list[int]] = field(default_factory=dict)  # room -> numbers accepted
    refused: Counter[str] = field(default_factory=Counter)
    acks_pending: int = 0
    first_due_ns: int = 0
    last_activity: float = field(default_factory=time.monotonic)
    stragglers: int = 0  # frames of an earlier run that arrived during this one
    stall_received: set[int] = field(default_factory=set)
    stall_reconnected: bool = False
    stall_note: str = ""
    # SafeClass: from when each accepted message was due to when its sender read
    # the answer that it was stored (committed), in ns; the copies go out after that.
    stored: list[int] = field(default_factory=list)


class Pupil:
    role = "pupil"

    def __init__(self, room: int, url: Callable[[int], str], headers: dict[str, str]) -> None:
        self.room = room
        self.url = url
        self.headers = headers
        self.ws: Any = None
        self.last_seq = 0
        self.stall_at: float | None = None  # monotonic time at which to stop reading
        self.stall_for = 0.0
        self.closing = False
        self.task: asyncio.Task[None] | None = None

    async def connect(self, after: int = 0) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.url(after),
            additional_headers=self.headers,
            compression=CLIENT_COMPRESSION[0],
            proxy=None,
            open_timeout=120,
            # Like a browser: answer the server's pings, send none. A client that pings
            # closes its socket when a busy server has stopped reading it for 20 s.
            ping_interval=None,
            max_queue=256,
        )

    async def listen(self, bench: Bench) -> None:
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                frame = await self.ws.recv(decode=False)
            except ConnectionClosed as closed:
                if not self.closing:
                    bench.dropped[f"{self.role} closed {closed.rcvd or closed.sent}"] += 1
                return
            bench.frames += 1
            await self.read(bench, frame, time.time_ns())

    async def read(self, bench: Bench, frame: bytes, now: int) -> None:
        """One frame this pupil read at ``now``: a message's copy, maybe; then maybe stall."""
        if bench.tracks_seq and frame.startswith(b'{"type": "event"'):
            self.last_seq = max(self.last_seq, seq_of(frame))
        found = MARK.search(frame)
        if found is not None:
            bench.record(self, found, now)
        if self.stall_at is not None and time.monotonic() >= self.stall_at:
            await self.stall(bench)

    async def stall(self, bench: Bench) -> None:
        """Stop reading for a while, drop the connection, come back after the last number read."""
        self.stall_at = None
        await asyncio.sleep(self.stall_for)
        self.closing = True
        await self.ws.close()
        self.closing = False
        try:
            await self.connect(after=self.last_seq)
            bench.collector.stall_reconnected = True
        except Exception as error:  # reported, never fatal
            bench.collector.stall_note = f"reconnect failed: {error!r}"


class Teacher(Pupil):
    """Sends the room's messages and, on SafeClass, reads the answer to each."""

    role = "teacher"

    def __init__(self, room: int, url: Callable[[int], str], headers: dict[str, str]) -> None:
        super().__init__(room, url, headers)
        # (run, number, due in ns) of each message awaiting an answer
        self.pending: deque[tuple[int, int, int]] = deque()

    async def read(self, bench: Bench, frame: bytes, now: int) -> None:
        """One frame the teacher read: the answer to the oldest message awaiting one."""

        if not (bench.acks and frame.startswith(b'{"type": "chat_result"')):
            return
        answer = json.loads(frame)
        collector = bench.collector
        run, number, due_ns = self.pending.popleft() if self.pending else (-1, -1, 0)
        if run != collector.number:
            collector.stragglers += 1
            return
        collector.acks_pending -= 1
        collector.last_activity = time.monotonic()
        if answer.get("ok") and answer.get("status") == "delivered":
            collector.posted.setdefault(self.room, []).append(number)
            collector.stored.append(now - due_ns)
        else:
            collector.refused[str(answer.get("error") or answer.get("status"))] += 1

    async def send_at(
        self, bench: Bench, rate: float, duration: float, offset: float, base_ns: int, base: float
    ) -> None:
        from websockets.exceptions import ConnectionClosed

        collector = bench.collector
        number = 0
        while True:
            due = offset + number / rate
            if due >= duration:
                return
            delay = base + due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            due_ns = base_ns + int(due * 1e9)
            text = text_of(collector.number, self.room, number, due_ns)
            if bench.acks:  # before sending: the answer may come while send() waits
                self.pending.append((collector.number, number, due_ns))
                collector.acks_pending += 1
            try:
                await self.ws.send(json.dumps({"type": "chat", "text": text}))
            except ConnectionClosed:
                if bench.acks:
                    self.pending.pop()
                    collector.acks_pending -= 1
                collector.refused["not sent: the server had closed the socket"] += 1
            else:
                collector.sent += 1
                if not bench.acks:
                    collector.posted.setdefault(self.room, []).append(number)
            number += 1


@dataclass(frozen=True)
class RunResult:
    system: str
    rate: int  # messages per second per room
    rooms: int
    receivers: int
    sent: int
    posted: int
    refused: dict[str, int]
    deliveries: int
    expected: int
    unanswered: int  # SafeClass: messages sent that never got an answer
    seconds: float  # first message due to last delivery
    p50_ms: float
    p99_ms: float
    max_ms: float
    drain_seconds: float
    stragglers: int
    resume_lost: int | None  # SafeClass only
    resume_wanted: int  # messages posted in the stalling pupil's room
    resume_note: str
    round: int = 1  # --rounds: which turn of the systems this run was in
    # SafeClass: when the sender read that the message was stored (the copies go out
    # after the commit): its p99 and the longest, in ms; None for the other systems.
    stored_p99_ms: float | None = None
    stored_max_ms: float | None = None
    # CPU time the server process used from the first message due to the end of the
    # drain, per message it accepted, in ms (the database's own processes not counted).
    server_cpu_ms: float | None = None

    @property
    def delivered_per_s(self) -> float:
        return self.deliveries / self.seconds if self.seconds > 0 else 0.0

    @property
    def undelivered(self) -> int:
        return self.expected - self.deliveries


class Bench:
    """One server under test and its clients."""

    def __init__(
        self,
        name: str,
        rooms: list[tuple[Teacher, list[Pupil]]],
        *,
        tracks_seq: bool,
        acks: bool,
    ) -> None:
        self.name = name
        self.rooms = rooms
        self.tracks_seq = tracks_seq  # the server numbers its events: pupils can resume
        self.acks = acks  # the server answers each chat message
        self.collector = Collector(0)
        self.dropped: Counter[str] = Counter()  # connections closed by the other side, by why
        self.frames = 0  # every frame any client read
        self.connect_errors: Counter[str] = Counter()
        self.stall_pupil: Pupil | None = None
        self.receipts_dir: Path | None = None  # --receipts: where each run's copies are written
        self.server_pid: int | None = None  # whose CPU time a run notes

    def record(self, pupil: Pupil, found: re.Match[bytes], now: int) -> None:
        collector = self.collector
        run, room, number, due_ns = (int(group) for group in found.groups())
        if run != collector.number:
            collector.stragglers += 1
            return
        collector.last_activity = time.monotonic()
        if pupil is self.stall_pupil:
            collector.stall_received.add(number)
            return
        collector.deliveries += 1
        collector.receipts.append((room, number, due_ns, now))

    async def connect_all(self) -> None:
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def one(client: Pupil) -> None:
            async with gate:
                try:
                    await client.connect(after=client.last_seq)
                except Exception as error:  # counted and reported
                    self.connect_errors[type(error).__name__ + ": " + str(error)[:80]] += 1
                    return
                client.task = asyncio.create_task(self._listen(client))

        await asyncio.gather(*(one(pupil) for _teacher, pupils in self.rooms for pupil in pupils))
        await asyncio.gather(*(one(teacher) for teacher, _pupils in self.rooms))

    async def _listen(self, client: Pupil) -> None:
        await client.listen(self)  # a pupil that reconnects goes on reading the new connection

    async def quiet(self, seconds: float, limit: float = 120.0) -> None:
        """Wait until no frame has come for ``seconds`` (joins, back-logs), at most ``limit``."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            before = self.frames
            await asyncio.sleep(seconds)
            if self.frames == before:
                return

    async def run(
        self,
        number: int,
        rate: int,
        duration: float,
        *,
        stall: float,
        drain: float,
        max_drain: float,
    ) -> RunResult:
        collector = self.collector = Collector(number)
        teachers = [teacher for teacher, _pupils in self.rooms if teacher.ws is not None]
        self.stall_pupil = None
        if stall > 0 and self.tracks_seq and self.rooms[0][1]:
            self.stall_pupil = self.rooms[0][1][0]
            self.stall_pupil.stall_for = stall
            self.stall_pupil.stall_at = time.monotonic() + STALL_AT * duration
        base, base_ns = time.monotonic() + 0.2, time.time_ns() + 200_000_000
        collector.first_due_ns = base_ns
        cpu_before = cpu_seconds(self.server_pid) if self.server_pid else None
        await asyncio.gather(
            *(
                teacher.send_at(self, rate, duration, index / len(teachers) / rate, base_ns, base)
                for index, teacher in enumerate(teachers)
            )
        )
        sent_done = time.monotonic()
        collector.last_activity = max(collector.last_activity, sent_done)
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            if (
                collector.acks_pending <= 0
                and collector.deliveries >= self.expected()
                and (self.stall_pupil is None or self._stall_complete())
            ):
                break
            if now - collector.last_activity > drain or now - sent_done > max_drain:
                break
        drain_seconds = time.monotonic() - sent_done
        cpu_used = (
            cpu_seconds(self.server_pid) - cpu_before
            if self.server_pid and cpu_before is not None
            else None
        )
        # Only messages the server accepted count (on SafeClass, those it answered "delivered").
        accepted = {(room, n) for room, numbers in collector.posted.items() for n in numbers}
        counted = [
            (due, read) for room, n, due, read in collector.receipts if (room, n) in accepted
        ]
        latencies = sorted(read - due for due, read in counted)
        stored = sorted(collector.stored)
        if self.receipts_dir is not None:
            self._write_receipts(self.receipts_dir, number, rate, collector, accepted)
        last_read = max((read for _due, read in counted), default=collector.first_due_ns)
        posted = len(accepted)
        resume_lost: int | None = None
        note = collector.stall_note
        wanted = set(collector.posted.get(0, []))
        if self.stall_pupil is not None:
            resume_lost = len(wanted - collector.stall_received)
            if not collector.stall_reconnected and not note:
                note = "the pupil never stalled (no frame arrived after the stall time)"
        return RunResult(
            system=self.name,
            rate=rate,
            rooms=len(self.rooms),
            receivers=sum(len(pupils) for _t, pupils in self.rooms),
            sent=collector.sent,
            posted=posted,
            refused=dict(collector.refused),
            deliveries=len(counted),
            expected=self.expected(),
            unanswered=max(0, collector.acks_pending),
            seconds=(last_read - collector.first_due_ns) / 1e9,
            p50_ms=percentile(latencies, 0.50) / 1e6,
            p99_ms=percentile(latencies, 0.99) / 1e6,
            max_ms=(latencies[-1] / 1e6) if latencies else float("nan"),
            drain_seconds=drain_seconds,
            stragglers=collector.stragglers,
            resume_lost=resume_lost,
            resume_wanted=len(wanted),
            resume_note=note,
            stored_p99_ms=percentile(stored, 0.99) / 1e6 if stored else None,
            stored_max_ms=stored[-1] / 1e6 if stored else None,
            server_cpu_ms=cpu_used * 1000 / posted if cpu_used is not None and posted else None,
        )

    def _write_receipts(
        self,
        directory: Path,
        number: int,
        rate: int,
        collector: Collector,
        accepted: set[tuple[int, int]],
    ) -> None:
        """Every copy a pupil read, for looking at when the slow ones happened."""
        directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9]+", "_", self.name).strip("_")
        lines = ["room,number,due_ns,read_ns,accepted"]
        lines += [
            f"{room},{n},{due},{read},{int((room, n) in accepted)}"
            for room, n, due, read in collector.receipts
        ]
        path = directory / f"{name}-run{number}-{rate}ps.csv"
        path.write_text("\n".join(lines) + "\n")

    def _stall_complete(self) -> bool:
        wanted = set(self.collector.posted.get(0, []))
        return wanted <= self.collector.stall_received

    def expected(self) -> int:
        total = 0
        for room, (_teacher, pupils) in enumerate(self.rooms):
            listening = sum(
                1 for pupil in pupils if pupil.ws is not None and pupil is not self.stall_pupil
            )
            total += len(self.collector.posted.get(room, [])) * listening
        return total

    async def close_all(self) -> None:
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def one(client: Pupil) -> None:
            if client.ws is None:
                return
            async with gate:
                client.closing = True
                with contextlib.suppress(Exception):  # closing anyway
                    await asyncio.wait_for(client.ws.close(), 15)
            if client.task is not None:
                client.task.cancel()

        await asyncio.gather(
            *(one(client) for teacher, pupils in self.rooms for client in [teacher, *pupils])
        )


async def exercise(
    bench: Bench, rates: list[int], args: argparse.Namespace, first: int = 0
) -> tuple[list[RunResult], dict[str, Any]]:
    """Connect, warm up (run ``first``), then one run per rate (``first + 1`` on)."""
    started = time.monotonic()
    await bench.connect_all()
    connected = time.monotonic() - started
    await bench.quiet(1.0)
    # The client's own garbage collection would show as latency: none during a run.
    gc.collect()
    gc.freeze()
    gc.disable()
    # Warm-up (run 0): one message per room, so the first measured message pays
    # for no lazy start-up (SafeClass builds its moderation automata then). It
    # waits until every one of them arrived, however long that takes.
    warm_up = await bench.run(first, 1, 1.0, stall=0, drain=60.0, max_drain=300.0)
    await bench.quiet(1.0)
    results = []
    for number, rate in enumerate(rates, start=first + 1):
        results.append(
            await bench.run(
                number,
                rate,
                args.duration,
                stall=args.stall,
                drain=args.drain,
                max_drain=args.max_drain,
            )
        )
        gc.collect()
        await bench.quiet(1.0)
    gc.enable()
    gc.unfreeze()
    await bench.close_all()
    info = {
        "connect_seconds": connected,
        # From the first warm-up message due to the last one read.
        "warm_up_seconds": warm_up.seconds,
        "warm_up_undelivered": warm_up.undelivered,
        "connect_errors": dict(bench.connect_errors),
        "dropped_connections": dict(bench.dropped),
    }
    return results, info


# --- the three systems ----------------------------------------------------------------------


@dataclass
class Plan:
    lessons: list[Lesson]
    teacher_cookies: list[str]
    pupil_cookies: list[list[str]]


def prepare_plan(rooms: int, size: int) -> Plan:
    from safeclass.core.context import Actor
    from safeclass.live import room

    lessons = build_lessons(rooms, size)
    for lesson in lessons:
        for user in [lesson.teacher, *lesson.students]:
            entry = room.room_enter(actor=Actor(user=user), session_id=lesson.session_id)
            if not entry.admitted:
                raise RuntimeError(f"not admitted: {entry.refusal}")
        room.room_control(
            actor=Actor(user=lesson.teacher), session_id=lesson.session_id, action="start"
        )
    return Plan(
        lessons=lessons,
        teacher_cookies=[cookie_for(lesson.teacher) for lesson in lessons],
        pupil_cookies=[[cookie_for(s) for s in lesson.students] for lesson in lessons],
    )


def clients_for(
    plan: Plan,
    url: Callable[[int, int], str],
    headers: Callable[[str], dict[str, str]],
    after: dict[int, int] | None = None,
) -> list[tuple[Teacher, list[Pupil]]]:
    """Each room's teacher and pupils; ``after``: the number each lesson's clients have
    read up to (a later round on SafeClass: the log of earlier rounds is not sent again)."""
    rooms = []
    for index, lesson in enumerate(plan.lessons):
        session = lesson.session_id

        def at(after: int, session: int = session) -> str:
            return url(session, after)

        teacher = Teacher(index, at, headers(plan.teacher_cookies[index]))
        pupils = [Pupil(index, at, headers(cookie)) for cookie in plan.pupil_cookies[index]]
        for client in [teacher, *pupils]:
            client.last_seq = (after or {}).get(session, 0)
        rooms.append((teacher, pupils))
    return rooms


def check_marker_passes_moderation() -> str | None:
    from safeclass.moderation.engine import Action, check

    sample = text_of(1, 24, 1234, time.time_ns())
    verdict = check(sample, sender_role="teacher", on_roster=True)
    return None if verdict.action == Action.ALLOW else f"{sample!r} is {verdict.action!r}"


@dataclass(frozen=True)
class System:
    """A server under test: how to start it and how its clients reach a room."""

    name: str
    argv: list[str]
    port: int
    health: str | None  # an HTTP path that answers 200 once it is up; None: the port opens
    url: Callable[[int, int], str]  # (session id, after) -> WebSocket address
    headers: Callable[[str], dict[str, str]]  # session cookie -> request headers
    tracks_seq: bool  # numbered events: a client can resume
    acks: bool  # answers each chat message


def systems_for(
    names: list[str], backend: Backend, notes: list[str], workers: int = 1
) -> list[System]:
    script = str(Path(__file__).resolve())
    systems = []
    for name in names:
        port = free_port()
        if name == "ceiling":
            systems.append(
                System(
                    "ceiling: bare websockets",
                    [sys.executable, script, "--serve", "raw", "--port", str(port)]
                    + (["--deflate"] if CLIENT_COMPRESSION[0] else []),
                    port,
                    None,
                    lambda session, after, port=port: f"ws://127.0.0.1:{port}/room/{session}",
                    lambda cookie: {},
                    tracks_seq=False,
                    acks=False,
                )
            )
        elif name == "baseline":
            if not backend.redis_url:
                notes.append("baseline skipped: it needs Redis (channels_redis core layer)")
                continue
            argv = [sys.executable, script, "--serve", "baseline", "--port", str(port)]
            argv += ["--redis", backend.redis_url, "--prefix", f"{backend.prefix}-core"]
            systems.append(
                System(
                    "baseline: Channels core layer",
                    argv,
                    port,
                    None,
                    lambda session, after, port=port: f"ws://127.0.0.1:{port}/room/{session}/",
                    lambda cookie: {},
                    tracks_seq=False,
                    acks=False,
                )
            )
        elif name == "safeclass":
            origin = f"http://127.0.0.1:{port}"
            if workers > 1 and not backend.scaled_out:
                notes.append("--workers needs PostgreSQL and Redis: SafeClass runs one process")
                workers = 1
            systems.append(
                System(
                    "SafeClass" if workers == 1 else f"SafeClass, {workers} processes",
                    uvicorn_argv("safeclass.asgi:application", port, workers),
                    port,
                    "/healthz",
                    lambda session, after, port=port: (
                        f"ws://127.0.0.1:{port}/ws/buoi-hoc/{session}/?after={after}"
                    ),
                    lambda cookie, origin=origin: {"Cookie": cookie, "Origin": origin},
                    tracks_seq=True,
                    acks=True,
                )
            )
        else:
            notes.append(f"unknown system {name!r} skipped")
    return systems


def settle(backend: Backend, seconds: float = 5.0) -> None:
    """Between two servers: drop what the last one left in Redis (the core layer keeps
    undelivered messages in lists for a minute) and let the machine go quiet, so the
    next server is not measured against the last one's leftovers."""
    if backend.redis_url:
        import redis

        client = redis.Redis.from_url(backend.redis_url)
        try:
            for key in client.scan_iter(match=f"{backend.prefix}*", count=1000):
                client.delete(key)
        finally:
            client.close()
    time.sleep(seconds)


def rooms_read_up_to(plan: Plan) -> dict[int, int]:
    """Each lesson's last event number in the database (what an earlier round left)."""
    from safeclass.live.models import RoomControls

    sessions = [lesson.session_id for lesson in plan.lessons]
    return dict(
        RoomControls.objects.filter(session_id__in=sessions).values_list("session_id", "event_seq")
    )


def measure_system(
    system: System,
    backend: Backend,
    plan: Plan,
    rates: list[int],
    args: argparse.Namespace,
    round_number: int = 1,
) -> tuple[list[RunResult], dict[str, Any]]:
    print(f"  {system.name}: starting …", flush=True)
    server = Server(
        system.name,
        system.argv,
        env=backend.env(),
        port=system.port,
        log_dir=backend.var_dir,
        health=system.health,
    )
    try:
        after = rooms_read_up_to(plan) if system.tracks_seq else None
        bench = Bench(
            system.name,
            clients_for(plan, system.url, system.headers, after),
            tracks_seq=system.tracks_seq,
            acks=system.acks,
        )
        bench.receipts_dir = args.receipts
        bench.server_pid = server.process.pid
        # Run numbers differ between rounds, so no copy is ever taken for another run's.
        first = (round_number - 1) * 100
        results, info = _run_loop(exercise(bench, rates, args, first))
        results = [replace(result, round=round_number) for result in results]
    finally:
        server.stop()
    info["server_failures"] = server.failures()
    print(
        f"  {system.name}: {sum(len(p) for p in plan.pupil_cookies):,} pupils + "
        f"{len(plan.lessons)} teachers connected in {info['connect_seconds']:.1f} s; "
        f"first message in every room read after {info['warm_up_seconds']:.1f} s"
        + (
            f" ({info['warm_up_undelivered']} copies missing)"
            if info["warm_up_undelivered"]
            else ""
        )
        + (f"; connect errors {info['connect_errors']}" if info["connect_errors"] else "")
        + (f"; dropped: {info['dropped_connections']}" if info["dropped_connections"] else ""),
        flush=True,
    )
    return results, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=25, metavar="N")
    parser.add_argument("--size", type=int, default=40, metavar="N", help="pupils per room")
    parser.add_argument("--rates", default="1,5,20", help="messages per second per room")
    parser.add_argument("--duration", type=float, default=10.0, metavar="SECONDS")
    parser.add_argument("--stall", type=float, default=3.0, metavar="SECONDS")
    parser.add_argument(
        "--drain", type=float, default=5.0, metavar="SECONDS", help="quiet time that ends a run"
    )
    parser.add_argument(
        "--max-drain",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="longest wait for a backlog after the last send",
    )
    parser.add_argument(
        "--systems", default="ceiling,baseline,safeclass", help="which servers to measure"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        metavar="N",
        help=f"turns of the systems; after the first, only {TARGET_RATE}/s, in alternate order",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="SafeClass's uvicorn worker processes (PostgreSQL and Redis only)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the figures as JSON")
    parser.add_argument(
        "--receipts",
        type=Path,
        metavar="DIR",
        help="write every copy read (room, number, due and read times) as CSV, one file a run",
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--redis", default=DEFAULT_REDIS, metavar="URL")
    parser.add_argument("--database", default="safeclass_bench_fanout", metavar="NAME")
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--asynchronous-commit",
        action="store_true",
        help="experiment: the bench database does not wait for the disk at commit (no target)",
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="clients offer permessage-deflate, as browsers do (the ceiling accepts it too)",
    )
    parser.add_argument("--serve", choices=["raw", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve == "raw":
        serve_raw(args.port, args.deflate)
        return 0
    if args.serve == "baseline":
        serve_baseline(args.port, args.redis, args.prefix)
        return 0

    if args.deflate:
        CLIENT_COMPRESSION[0] = "deflate"
    header = machine_header("Live room fan-out")
    backend = prepare_backend(
        database=args.database, postgres=args.postgres, redis_url=args.redis, sqlite=args.sqlite
    )
    try:
        return run(args, header, backend)
    finally:
        backend.cleanup(keep_database=args.keep_db)


def commit_without_flush(backend: Backend) -> None:
    """The experiment of ``--asynchronous-commit``: every later connection to the bench
    database commits without waiting for the disk."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(backend.admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(
                sql.Identifier(backend.database_name)
            )
        )
    with psycopg.connect(backend.database_url) as conn:
        row = conn.execute("SHOW synchronous_commit").fetchone()
    if row is None or row[0] != "off":
        raise RuntimeError(f"the bench database still has synchronous_commit = {row}")


def run(args: argparse.Namespace, header: dict[str, Any], backend: Backend) -> int:
    rates = [int(rate) for rate in args.rates.split(",") if rate.strip()]
    systems = [name.strip() for name in args.systems.split(",") if name.strip()]
    print(f"Backend: {backend.describe()}")
    for note in backend.notes:
        print(f"  note: {note}")
    print(
        f"Rooms: {args.rooms} × {args.size} pupils + 1 teacher = "
        f"{args.rooms * (args.size + 1):,} sockets in one asyncio client process; "
        f"{', '.join(map(str, rates))} messages/s per room for {args.duration:g} s each; "
        "every server one process"
        + (f" but SafeClass, {args.workers} uvicorn workers" if args.workers > 1 else "")
        + ("; clients offer permessage-deflate" if args.deflate else "")
    )

    if args.asynchronous_commit:
        if backend.scaled_out:
            commit_without_flush(backend)
            print(
                "  EXPERIMENT: the bench database commits without waiting for the disk "
                "(synchronous_commit = off). SafeClass does not run like this; no target is read."
            )
        else:
            print("  note: --asynchronous-commit needs PostgreSQL: ignored")
            args.asynchronous_commit = False
    started = time.perf_counter()
    migrate(backend)
    setup_django(backend)
    problem = check_marker_passes_moderation()
    if problem:
        print(f"  note: the message marker does not pass moderation: {problem}")
    plan = prepare_plan(args.rooms, args.size)
    print(f"Set-up (database, {args.rooms * args.size:,} pupils, sessions): "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    print()

    all_results: list[RunResult] = []
    infos: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    servers = systems_for(systems, backend, notes, args.workers)
    for round_number in range(1, args.rounds + 1):
        # Later rounds repeat only the rate the targets are read at, in the other order,
        # so that a slow spell of the machine falls on each system in turn.
        round_rates = rates if round_number == 1 else [r for r in rates if r == TARGET_RATE]
        if not round_rates:
            break
        if args.rounds > 1:
            print(f"  round {round_number} of {args.rounds}: {', '.join(map(str, round_rates))}/s")
        order = servers if round_number % 2 else servers[::-1]
        for system in order:
            results, info = measure_system(system, backend, plan, round_rates, args, round_number)
            all_results.extend(results)
            infos[system.name if round_number == 1 else f"{system.name}, round {round_number}"] = (
                info
            )
            settle(backend)
    print()
    report(all_results, infos, notes, args, rates)

    if args.json:
        figures = {
            **header,
            "backend": backend.kind,
            "backend_notes": backend.notes,
            "rooms": args.rooms,
            "size": args.size,
            "rates": rates,
            "duration_s": args.duration,
            "stall_s": args.stall,
            "runs": [
                {
                    **asdict(result),
                    "delivered_per_s": result.delivered_per_s,
                    "undelivered": result.undelivered,
                }
                for result in all_results
            ],
            "systems": infos,
            "notes": notes,
            "asynchronous_commit_experiment": args.asynchronous_commit,
            "targets": {
                "rate": TARGET_RATE,
                "p99_over_ceiling_max": TARGET_OVER_CEILING,
                "p99_below_baseline": True,
                "resume_lost_max": 0,
            },
        }
        args.json.write_text(
            json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8"
        )
        print(f"\nFigures written to {args.json}")
    return 0


def report(
    results: list[RunResult],
    infos: dict[str, dict[str, Any]],
    notes: list[str],
    args: argparse.Namespace,
    rates: list[int],
) -> None:
    print(
        f"  {'system':<30} {'round':>5} {'msg/s/room':>10} {'posted':>7} {'deliv./s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'undeliv.':>8} {'resume lost':>11} "
        f"{'stored p99/max ms':>17} {'server CPU ms/msg':>17}"
    )
    for r in sorted(results, key=lambda r: (r.rate, r.round)):
        lost = "—" if r.resume_lost is None else f"{r.resume_lost}/{r.resume_wanted}"
        stored = (
            "—"
            if r.stored_p99_ms is None or r.stored_max_ms is None
            else f"{r.stored_p99_ms:.1f}/{r.stored_max_ms:.1f}"
        )
        cpu = "—" if r.server_cpu_ms is None else f"{r.server_cpu_ms:.2f}"
        print(
            f"  {r.system:<30} {r.round:>5} {r.rate:>10} {r.posted:>7,} "
            f"{r.delivered_per_s:>9,.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.max_ms:>8.1f} "
            f"{r.undelivered:>8,} {lost:>11} {stored:>17} {cpu:>17}"
        )
    for r in results:
        extra = []
        if r.sent != r.posted:
            extra.append(f"{r.sent:,} sent, {r.posted:,} accepted, {r.unanswered:,} never answered")
        if r.refused:
            extra.append(f"refused {r.refused}")
        if r.resume_note:
            extra.append(r.resume_note)
        if r.drain_seconds > args.drain + 1:
            extra.append(f"{r.drain_seconds:.1f} s to drain after the last send")
        if extra:
            print(f"  note: {r.system} at {r.rate}/s: {'; '.join(extra)}")
    for name, info in infos.items():
        if info.get("server_failures"):
            print(f"  note: {name} server: {info['server_failures']}")
    for note in notes:
        print(f"  note: {note}")

    def at(system_prefix: str) -> dict[int, RunResult]:
        """Each round's run of a system at the target rate, by round."""
        return {
            r.round: r
            for r in results
            if r.system.startswith(system_prefix) and r.rate == TARGET_RATE
        }

    ours, ceiling, baseline = at("SafeClass"), at("ceiling"), at("baseline")
    if not ours or TARGET_RATE not in rates:
        print(f"  targets not assessed: SafeClass was not run at {TARGET_RATE} messages/s")
        return
    parts = []
    if ceiling:
        # Each round's SafeClass against the same round's ceiling; the verdict is the
        # median of the rounds, so one slow spell of a shared machine does not decide it.
        ratios = [ours[n].p99_ms / ceiling[n].p99_ms for n in sorted(ours) if n in ceiling]
        ratio = statistics.median(ratios)
        each = ", ".join(f"{value:.1f}×" for value in ratios)
        parts.append(
            against(ratio <= TARGET_OVER_CEILING, f"p99 at {TARGET_RATE}/s within 2× the ceiling")
            + (f" ({ratio:.1f}×, the median of rounds {each})" if len(ratios) > 1 else "")
            + (f" ({ratio:.1f}×)" if len(ratios) == 1 else "")
        )
    if baseline:
        ours_p99 = statistics.median(r.p99_ms for r in ours.values())
        theirs_p99 = statistics.median(r.p99_ms for r in baseline.values())
        parts.append(
            against(ours_p99 < theirs_p99, "p99 better than the baseline")
            + f" ({ours_p99:.0f} ms against {theirs_p99:.0f} ms"
            + (", medians of the rounds)" if len(ours) > 1 else ")")
        )
    lost = [
        r.resume_lost
        for r in results
        if r.system.startswith("SafeClass") and r.resume_lost is not None
    ]
    parts.append(against(bool(lost) and max(lost) == 0, "0 messages lost after resume"))
    if args.asynchronous_commit:
        print(f"  Experiment (asynchronous commit), not the targets: {'; '.join(parts)}")
    else:
        print(f"  SafeClass {'; '.join(parts)}")


if __name__ == "__main__":
    sys.exit(main())
