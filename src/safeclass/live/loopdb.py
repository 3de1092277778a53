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
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from django.db import connection

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
                cursor_class = psycopg.AsyncCursor if prepared else psycopg.AsyncClientCursor
                async with cursor_class(used) as cursor:
                    await cursor.execute(sql, params, prepare=prepared)
                    rows: list[tuple[Any, ...]] = await cursor.fetchall()
            except BaseException:
                self._drop(used)
                raise
            self._idle.append(used)
            return rows

    def _drop(self, used: Any) -> None:
        self._open.discard(used)
        used.pgconn.finish()

    def close(self) -> None:
        """Close every connection at once, without waiting (libpq's own close)."""
        for used in list(self._open):
            self._drop(used)
        self._idle.clear()


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
