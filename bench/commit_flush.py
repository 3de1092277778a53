"""What waiting for the disk costs a commit on this machine: the floor under the live room's chat.

    .venv/bin/python bench/commit_flush.py [--rate 125] [--duration 10] [--rounds 3]
        [--connections 4] [--postgres URL] [--json PATH]

A room message is announced only after its transaction committed, and
PostgreSQL answers a commit once its log is flushed to disk (docs/live-room.md,
"Stored before it is sent"). This benchmark stores one row the size of a chat
message and its room event, ``--rate`` times a second (125: 25 rooms at 5
messages a second, as in ``fanout.py``), over ``--connections`` connections
in autocommit (as the room's event loop does, ``live.loopdb``), and measures
each commit from when it was due to when PostgreSQL answered, so a stalled
flush also counts against the commits queued behind it.

Two ways, in alternate order for ``--rounds`` rounds: as SafeClass runs
(``synchronous_commit = on``: the answer waits for the flush) and the ceiling,
the same statements answered without waiting for the disk
(``synchronous_commit = off``). The ratio of their p99s is what the flush
adds. The benchmark builds its own database and drops it at the end; it needs
PostgreSQL (there is nothing to measure on SQLite's embedded default).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _live import (
    DEFAULT_POSTGRES,
    _drop_database,
    _postgres_problem,
    _with_database,
    machine_header,
    percentile,
)

ROW = "Các em đọc câu 12 trang 45 rồi trả lời vào vở nhé. " * 3  # about a chat message
MODES = {"flush (as SafeClass runs)": "on", "no flush (ceiling)": "off"}


async def one_round(
    url: str, setting: str, rate: float, duration: float, connections: int
) -> list[float]:
    """Commit latencies in ms, each from when the commit was due."""
    import psycopg

    idle: asyncio.Queue[Any] = asyncio.Queue()
    opened = []
    for _ in range(connections):
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
        await conn.execute(f"SET synchronous_commit = {setting}")
        opened.append(conn)
        idle.put_nowait(conn)
    latencies: list[float] = []

    async def commit(due: float, number: int) -> None:
        conn = await idle.get()
        try:
            await conn.execute(
                "WITH m AS (INSERT INTO message (body) VALUES (%s) RETURNING id) "
                "INSERT INTO event (message_id, body) SELECT id, %s FROM m",
                (ROW, json.dumps({"n": number, "text": ROW}, ensure_ascii=False)),
            )
        finally:
            idle.put_nowait(conn)
        latencies.append((time.perf_counter() - due) * 1000)

    tasks = []
    start = time.perf_counter() + 0.1
    count = int(rate * duration)
    for number in range(count):
        due = start + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(commit(due, number)))
    await asyncio.gather(*tasks)
    for conn in opened:
        await conn.close()
    return sorted(latencies)


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "p999_ms": percentile(latencies, 0.999),
        "max_ms": latencies[-1],
        "over_20ms": float(sum(1 for value in latencies if value > 20)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=125.0, help="commits per second")
    parser.add_argument("--duration", type=float, default=10.0, metavar="SECONDS")
    parser.add_argument("--rounds", type=int, default=3, metavar="N")
    parser.add_argument("--connections", type=int, default=4, metavar="N")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--database", default="safeclass_bench_commit", metavar="NAME")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the figures as JSON")
    args = parser.parse_args(argv)

    header = machine_header("Commit with and without the disk flush")
    problem = _postgres_problem(args.postgres)
    if problem:
        print(f"PostgreSQL unreachable at {args.postgres}: {problem}; nothing to measure")
        return 1
    import psycopg
    from psycopg import sql

    _drop_database(args.postgres, args.database)
    with psycopg.connect(args.postgres, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.database)))
    url = _with_database(args.postgres, args.database)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE message (id bigserial PRIMARY KEY, body text NOT NULL)")
            conn.execute(
                "CREATE TABLE event (id bigserial PRIMARY KEY, "
                "message_id bigint NOT NULL REFERENCES message, body jsonb NOT NULL)"
            )
        print(
            f"{args.rate:g} commits/s for {args.duration:g} s over {args.connections} "
            f"connections, {args.rounds} rounds in alternate order; ms from when each was due"
        )
        print()
        runs: list[dict[str, Any]] = []
        for round_number in range(1, args.rounds + 1):
            order = list(MODES.items())
            if round_number % 2 == 0:
                order.reverse()
            for name, setting in order:
                latencies = asyncio.run(
                    one_round(url, setting, args.rate, args.duration, args.connections)
                )
                runs.append({"mode": name, "round": round_number, **summary(latencies)})
    finally:
        _drop_database(args.postgres, args.database)

    print(
        f"  {'mode':<28} {'round':>5} {'p50':>7} {'p99':>7} {'p99.9':>7} {'max':>7} {'> 20 ms':>8}"
    )
    for run in sorted(runs, key=lambda r: (r["mode"], r["round"])):
        print(
            f"  {run['mode']:<28} {run['round']:>5} {run['p50_ms']:>7.2f} {run['p99_ms']:>7.2f} "
            f"{run['p999_ms']:>7.2f} {run['max_ms']:>7.1f} {int(run['over_20ms']):>8}"
        )
    flush, ceiling = list(MODES)
    ratios = [
        next(r for r in runs if r["mode"] == flush and r["round"] == n)["p99_ms"]
        / next(r for r in runs if r["mode"] == ceiling and r["round"] == n)["p99_ms"]
        for n in range(1, args.rounds + 1)
    ]
    print(
        f"  p99 with the flush over the ceiling: {statistics.median(ratios):.1f}× "
        f"(the median of rounds {', '.join(f'{r:.1f}×' for r in ratios)})"
    )
    if args.json:
        figures = {**header, "rate": args.rate, "duration_s": args.duration, "runs": runs,
                   "p99_ratios": ratios}  # fmt: skip
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"\nFigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
