"""How fast a whole school's students get into their lessons when they all come at once.

    .venv/bin/python bench/join_storm.py [--classes 25] [--size 40] [--concurrency 50]
        [--workers 1] [--json PATH] [--sqlite] [--keep-db]

Builds ``--classes`` classes of ``--size`` students (1,000 by default) through
the project's services, each class with a lesson starting in 5 minutes, so the
lobby is open and a verified student who accepted the class rules is let in
without the teacher. Every student has their own signed-in session. A uvicorn
server (``--workers`` processes) runs the project on PostgreSQL and Redis, as
in production; then one burst: every student's ``GET /buoi-hoc/<id>/phong/``
is queued at once and sent over a pool of ``--concurrency`` keep-alive
connections, in a shuffled order that mixes the classes. The pool is 50 by
default because the server holds one PostgreSQL connection per request in
progress and PostgreSQL allows 100 by default; ``--concurrency 1000`` (one
connection per student) shows what happens beyond that.

Errors are answers other than 200, and students the database does not show as
admitted afterwards. The ceiling, measured in the same run with the same
clients, sessions and concurrency, is the same server answering the cheapest
page that requires signing in, the notification list (``GET /thong-bao/``):
every middleware a room request goes through (session, user, second factor,
class rules) and the same page shell, with no room work. Before either burst
every student opens that page once, unmeasured, so neither burst pays for the
first request of a session. The help page, which renders the shell as the
signed-in user but skips the class-rules check, is timed too, for reference.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _live import (
    DEFAULT_POSTGRES,
    DEFAULT_REDIS,
    Backend,
    Server,
    against,
    build_lessons,
    cookie_for,
    free_port,
    machine_header,
    migrate,
    percentile,
    prepare_backend,
    setup_django,
    uvicorn_argv,
)

TARGET_SHARE = 0.5  # room joins per second, against the ceiling's requests per second
CEILING_PATH = "/thong-bao/"
REFERENCE_PATH = "/tro-giup/"
REQUEST_TIMEOUT = 120.0  # seconds; a request slower than this counts as an error


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection (raw asyncio streams: no HTTP client is installed)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(self, path: str, cookie: str) -> tuple[int, bytes]:
        """One GET; a kept connection the server closed while idle is opened again once."""
        reused = self.writer is not None
        if not reused:
            await self.open()
        try:
            return await self._exchange(path, cookie)
        except (HttpError, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
        await self.close()
        await self.open()
        return await self._exchange(path, cookie)

    async def _exchange(self, path: str, cookie: str) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            raise HttpError("not connected")
        self.writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Cookie: {cookie}\r\nAccept: text/html\r\nUser-Agent: safeclass-bench\r\n\r\n"
            ).encode("latin-1")
        )
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise HttpError("connection closed by the server")
        status = int(status_line.split()[1])
        headers: dict[bytes, bytes] = {}
        while (line := await self.reader.readline()) not in {b"\r\n", b""}:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" in headers:
            body = await self.reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readline()) not in {b"\r\n", b""}:
                        pass
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            headers[b"connection"] = b"close"
        if headers.get(b"connection", b"").lower() == b"close":
            await self.close()
        return status, body


@dataclass(frozen=True)
class Burst:
    name: str
    path: str
    requests: int
    seconds: float  # first request sent to last answer received
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]

    @property
    def rate(self) -> float:
        """Answers 200 per second: failed requests are not joins."""
        return self.statuses.get("200", 0) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "200")


async def burst(
    name: str,
    jobs: list[tuple[str, str]],
    pool: list[Connection],
    timeout: float = REQUEST_TIMEOUT,
) -> Burst:
    """Send every (path, cookie) at once over the pool; each connection takes the next one."""
    queue = deque(jobs)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def work(connection: Connection) -> None:
        while queue:
            path, cookie = queue.popleft()
            before = time.perf_counter()
            try:
                status, _body = await asyncio.wait_for(connection.get(path, cookie), timeout)
                statuses[str(status)] += 1
            except (OSError, HttpError, TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
                statuses[type(e).__name__] += 1
                await connection.close()
            latencies.append((time.perf_counter() - before) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(work(connection) for connection in pool))
    seconds = time.perf_counter() - start
    latencies.sort()
    return Burst(
        name=name,
        path=jobs[0][0] if jobs else "",
        requests=len(jobs),
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=latencies[-1] if latencies else float("nan"),
        statuses=dict(statuses),
    )


async def run_bursts(
    port: int, concurrency: int, students: list[tuple[int, str]]
) -> dict[str, Burst]:
    pool = [Connection("127.0.0.1", port) for _ in range(concurrency)]
    await asyncio.gather(*(connection.open() for connection in pool))
    try:
        everyone = [(CEILING_PATH, cookie) for _session, cookie in students]
        results = {"warm-up": await burst("warm-up", everyone, pool)}
        results["ceiling"] = await burst("ceiling", everyone, pool)
        results["reference"] = await burst(
            "reference", [(REFERENCE_PATH, cookie) for _s, cookie in students], pool
        )
        rooms = [(f"/buoi-hoc/{session}/phong/", cookie) for session, cookie in students]
        results["room"] = await burst("room", rooms, pool)
    finally:
        await asyncio.gather(*(connection.close() for connection in pool))
    return results


def admitted_counts(session_ids: list[int]) -> dict[int, int]:
    from django.db.models import Count

    from safeclass.live.models import Participant, ParticipantState, RoomRole

    rows = (
        Participant.objects.filter(
            session_id__in=session_ids, role=RoomRole.STUDENT, state=ParticipantState.ADMITTED
        )
        .values("session_id")
        .annotate(count=Count("id"))
    )
    found = {row["session_id"]: row["count"] for row in rows}
    return {session_id: found.get(session_id, 0) for session_id in session_ids}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=25, metavar="N")
    parser.add_argument("--size", type=int, default=40, metavar="N", help="students per class")
    parser.add_argument(
        "--concurrency", type=int, default=50, metavar="N", help="keep-alive connections"
    )
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="uvicorn processes")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the figures as JSON")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--redis", default=DEFAULT_REDIS, metavar="URL")
    parser.add_argument("--database", default="safeclass_bench_join", metavar="NAME")
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    header = machine_header("Live room join storm")
    backend = prepare_backend(
        database=args.database, postgres=args.postgres, redis_url=args.redis, sqlite=args.sqlite
    )
    try:
        return run(args, header, backend)
    finally:
        backend.cleanup(keep_database=args.keep_db)


def run(args: argparse.Namespace, header: dict[str, Any], backend: Backend) -> int:
    workers = args.workers if backend.scaled_out else 1
    total = args.classes * args.size
    print(f"Backend: {backend.describe()}")
    for note in backend.notes:
        print(f"  note: {note}")
    print(
        f"Students: {args.classes} classes × {args.size} = {total:,}, one signed-in session each; "
        f"{args.concurrency} keep-alive connections; uvicorn, {workers} process(es); "
        "the client is one asyncio process on the same machine"
    )

    started = time.perf_counter()
    migrate(backend)
    setup_django(backend)
    lessons = build_lessons(args.classes, args.size)
    students = [(lesson.session_id, cookie_for(s)) for lesson in lessons for s in lesson.students]
    random.Random(0).shuffle(students)
    print(f"Set-up (database, {total:,} students, sessions): {time.perf_counter() - started:.0f} s")
    print()

    port = free_port()
    server = Server(
        "safeclass",
        uvicorn_argv("safeclass.asgi:application", port, workers),
        env=backend.env(),
        port=port,
        log_dir=backend.var_dir,
    )
    try:
        results = asyncio.run(run_bursts(port, args.concurrency, students))
    finally:
        server.stop()
    server_log = server.failures()
    admitted = admitted_counts([lesson.session_id for lesson in lessons])
    not_admitted = sum(args.size - count for count in admitted.values())

    labels = {
        "warm-up": f"warm-up {CEILING_PATH} (unmeasured)",
        "ceiling": f"ceiling: {CEILING_PATH}",
        "reference": f"reference: {REFERENCE_PATH}",
        "room": "room: /buoi-hoc/<id>/phong/",
    }
    print(
        f"  {'burst':<32} {'200/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'all in, s':>9} {'errors':>6}"
    )
    for key in ("ceiling", "reference", "room", "warm-up"):
        b = results[key]
        print(
            f"  {labels[key]:<32} {b.rate:>7,.1f} {b.p50_ms:>8.1f} {b.p99_ms:>8.1f} "
            f"{b.max_ms:>8.1f} {b.seconds:>9.2f} {b.errors:>6}"
        )
    room, ceiling = results["room"], results["ceiling"]
    share = room.rate / ceiling.rate if ceiling.rate else 0.0
    errors = room.errors + not_admitted
    print(
        f"  room answers: {dict(sorted(room.statuses.items()))}; students admitted in the "
        f"database: {total - not_admitted:,}/{total:,}"
    )
    if ceiling.errors:
        print(f"  ceiling answers: {dict(sorted(ceiling.statuses.items()))}")
    print(f"  joins per second / ceiling answers per second (200 only): {share:.3f}")
    print(
        f"  {against(share >= TARGET_SHARE, f'≥ {TARGET_SHARE:.0%} of the ceiling')}; "
        f"{against(errors == 0, 'zero errors')} ({errors} errors: {room.errors} answers "
        f"other than 200, {not_admitted} students not admitted)"
    )
    if server_log:
        print(f"  server: {server_log}")

    if args.json:
        figures = {
            **header,
            "backend": backend.kind,
            "backend_notes": backend.notes,
            "classes": args.classes,
            "size": args.size,
            "students": total,
            "concurrency": args.concurrency,
            "workers": workers,
            "bursts": {
                key: {**asdict(value), "ok_per_s": value.rate, "errors": value.errors}
                for key, value in results.items()
            },
            "admitted": total - not_admitted,
            "errors": errors,
            "room_over_ceiling": share,
            "server_failures": server_log,
            "targets": {"share_of_ceiling_min": TARGET_SHARE, "errors_max": 0},
        }
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"\nFigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
