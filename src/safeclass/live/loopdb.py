"""A few PostgreSQL connections per event loop, for the room's everyday chat message.

A room socket's database work runs on a pool of threads (``consumers._db``).
Under load those threads' Python work competes with the event loop for the
interpreter lock, and each message pays two hops between them. The everyday
message (see ``chat.post_on_loop``) instead runs its one or two statements on
the event loop itself, over an asynchronous connection of the loop's own:
the loop waits for PostgreSQL without holding anything up.

Connections are opened as needed (``SIZE`` at most) with Django's own
connection settings (the same database, adapters and client-side parameter
binding), in autocommit: each statement is its own transaction. They are
closed when the loop's hub has no room left (``close_for``), and one is dropped
after any error on it.

The everyday message's statement is sent prepared (``fetch(..., prepared=True)``):
its parameters go apart from the text, and PostgreSQL keeps its plan on that
connection instead of parsing and planning it for every message (Django
prepares nothing on its own connections; these prepare only what asks to be).
A connection pooler between the server and PostgreSQL must then keep prepared
statements per client (PgBouncer 1.21 or later with
``max_prepared_statements``, or session pooling).

A prepared statement is run on libpq's own connection (``pgconn``), with
psycopg's adapters for its parameters and its rows, and its answer is read
from a reader callback on the event loop: one callback and one step of the
waiting task per statement. psycopg's cursor, which does the same through its
generic machinery (query conversion, prepare bookkeeping, a timer per wait),
cost about 0.15 ms more per statement at p50 and up to 1 ms more at p99 on an
event loop busy with other rooms (docs/benchmarks.md, 2026-12-04). Like
psycopg's, a statement is prepared once per connection for each set of
parameter types.
"""

from __future__ import annotations

import asyncio
import re
from functools import cache
from typing import Any

import psycopg
from django.db import connection
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer

APPLICATION_NAME = "safeclass-room-loop"  # as PostgreSQL lists the connections
SIZE = 4  # connections of one event loop at most


class NotSent(Exception):  # noqa: N818 - a state, not a failure of the caller
    """The statement never reached PostgreSQL: doing it another way is safe."""


def available() -> bool:
    return connection.vendor == "postgresql"


class LoopDatabase:
    """The connections of one event loop (at most ``size`` at once); used on that loop only.

    Several, because a statement waits for its commit: with one connection the
    lessons of a process would wait on each other's commits, where the
    database threads commit side by side.
    """

    def __init__(self, size: int = SIZE) -> None:
        self._slots = asyncio.Semaphore(size)
        self._idle: list[Any] = []
        self._open: set[Any] = set()
        # Per connection: the name of each statement prepared on it, by its text
        # and its parameters' types.
        self._prepared: dict[Any, dict[tuple[bytes, tuple[int, ...]], bytes]] = {}

    async def _connect(self) -> Any:
        params = dict(connection.get_connection_params())
        params.pop("cursor_factory", None)
        params.setdefault("application_name", APPLICATION_NAME)
        # Django turns psycopg's preparing off (for poolers); here only a statement
        # asked for with ``prepared`` is prepared (client-side cursors never are).
        params["prepare_threshold"] = 0
        try:
            opened = await psycopg.AsyncConnection.connect(
                **params, autocommit=True, cursor_factory=psycopg.AsyncClientCursor
            )
        except Exception as error:
            raise NotSent from error
        self._open.add(opened)
        return opened

    async def fetch(
        self, sql: str | bytes, params: list[Any], *, prepared: bool = False
    ) -> list[tuple[Any, ...]]:
        """The rows of one statement, committed on its own.

        ``sql`` as bytes in the connection's encoding (UTF-8) for a statement
        sent over and over: psycopg then need not encode it every time.

        ``prepared``: the parameters are sent apart from the statement and
        PostgreSQL keeps its plan after a few runs on a connection (for a
        statement run over and over whose parameters carry their types).

        Raises :class:`NotSent` when no connection could be made; any other
        error leaves it unknown whether a writing statement took effect.
        """
        async with self._slots:
            while self._idle:
                used = self._idle.pop()
                if not used.closed:
                    break
                self._open.discard(used)
            else:
                used = await self._connect()
            try:
                if prepared:
                    encoded = sql if isinstance(sql, bytes) else sql.encode()
                    rows = await self._run_prepared(used, encoded, params)
                else:
                    async with psycopg.AsyncClientCursor(used) as cursor:
                        await cursor.execute(sql, params)
                        rows = await cursor.fetchall()
            except BaseException:
                self._drop(used)
                raise
            self._idle.append(used)
            return rows

    async def _run_prepared(
        self, used: Any, sql: bytes, params: list[Any]
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` prepared on ``used`` (preparing it first if this connection has
        not yet for these parameter types); its rows, loaded by psycopg's adapters."""
        pgconn = used.pgconn
        adapting = Transformer(used)
        values = adapting.dump_sequence(params, [PyFormat.AUTO] * len(params))
        names = self._prepared.setdefault(used, {})
        key = (sql, tuple(adapting.types or ()))
        name = names.get(key)
        if name is None:
            name = b"safeclass_%d" % len(names)
            pgconn.send_prepare(name, _numbered(sql), param_types=adapting.types)
            _checked(await _answer(pgconn), used)
            names[key] = name
        pgconn.send_query_prepared(name, values, param_formats=adapting.formats)
        result = _checked(await _answer(pgconn), used)
        adapting.set_pgresult(result)
        rows: list[tuple[Any, ...]] = adapting.load_rows(0, result.ntuples, tuple)
        return rows

    def _drop(self, used: Any) -> None:
        self._open.discard(used)
        self._prepared.pop(used, None)
        used.pgconn.finish()

    def close(self) -> None:
        """Close every connection at once, without waiting (libpq's own close)."""
        for used in list(self._open):
            self._drop(used)
        self._idle.clear()


@cache
def _numbered(sql: bytes) -> bytes:
    """``sql`` with PostgreSQL's own placeholders: each ``%s`` becomes ``$1``, ``$2``…
    in order, and ``%%`` a literal ``%``. Anything else after a ``%`` is refused."""
    count = 0

    def placeholder(found: re.Match[bytes]) -> bytes:
        nonlocal count
        if found.group() == b"%%":
            return b"%"
        if found.group() != b"%s":
            raise ValueError(f"unsupported placeholder {found.group()!r} in a prepared statement")
        count += 1
        return b"$%d" % count

    return re.sub(rb"%.", placeholder, sql, flags=re.DOTALL)


async def _answer(pgconn: Any) -> Any:
    """The result of the one command just sent on ``pgconn`` (nonblocking), once
    PostgreSQL has answered it whole; read from a reader callback of the loop."""
    loop = asyncio.get_running_loop()
    while pgconn.flush():  # the rest of the command did not fit the socket's buffer
        writable = loop.create_future()
        loop.add_writer(pgconn.socket, _settle, writable)
        try:
            await writable
        finally:
            loop.remove_writer(pgconn.socket)
    answered: asyncio.Future[Any] = loop.create_future()
    results: list[Any] = []

    def readable() -> None:
        try:
            pgconn.consume_input()
            while not pgconn.is_busy():
                result = pgconn.get_result()
                if result is None:  # the command's last result was read
                    if not answered.done():
                        answered.set_result(results[-1] if results else None)
                    return
                results.append(result)
        except Exception as error:  # the connection failed under it
            if not answered.done():
                failure = error if isinstance(error, psycopg.Error) else None
                answered.set_exception(failure or psycopg.OperationalError(str(error)))

    fileno = pgconn.socket
    loop.add_reader(fileno, readable)
    try:
        return await answered
    finally:
        loop.remove_reader(fileno)


def _settle(waiting: asyncio.Future[None]) -> None:
    if not waiting.done():
        waiting.set_result(None)


def _checked(result: Any, used: Any) -> Any:
    """``result`` if the command succeeded; else psycopg's error for it (a unique
    violation raises ``psycopg.errors.UniqueViolation``, as a cursor would)."""
    if result is None:
        raise psycopg.OperationalError("PostgreSQL sent no result")
    if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        return result
    raise psycopg.errors.error_from_result(result, encoding=used.info.encoding)


_databases: dict[asyncio.AbstractEventLoop, LoopDatabase] = {}


def local() -> LoopDatabase:
    """The running event loop's connection (made on first use)."""
    loop = asyncio.get_running_loop()
    database = _databases.get(loop)
    if database is None:
        database = _databases[loop] = LoopDatabase()
    return database


def close_for(loop: asyncio.AbstractEventLoop) -> None:
    database = _databases.pop(loop, None)
    if database is not None:
        database.close()
