"""One PostgreSQL connection per event loop, for the room's everyday chat message.

A room socket's database work runs on a pool of threads (``consumers._db``).
Under load those threads' Python work competes with the event loop for the
interpreter lock, and each message pays two hops between them. The everyday
message (see ``chat.post_on_loop``) instead runs its one or two statements on
the event loop itself, over an asynchronous connection of the loop's own:
the loop waits for PostgreSQL without holding anything up.

The connection is opened on first use with Django's own connection settings
(the same database, adapters and client-side parameter binding), in
autocommit: each statement is its own transaction. It is closed when the
loop's hub has no room left (``close_for``), and dropped after any error.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.db import connection

log = logging.getLogger(__name__)

APPLICATION_NAME = "safeclass-room-loop"  # as PostgreSQL lists the connection


class NotSent(Exception):  # noqa: N818 - a state, not a failure of the caller
    """The statement never reached PostgreSQL: doing it another way is safe."""


def available() -> bool:
    return connection.vendor == "postgresql"


class LoopDatabase:
    """The connection of one event loop; used on that loop only."""

    def __init__(self) -> None:
        self._connection: Any = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> Any:
        import psycopg

        params = dict(connection.get_connection_params())
        params.pop("cursor_factory", None)
        params.setdefault("application_name", APPLICATION_NAME)
        try:
            return await psycopg.AsyncConnection.connect(
                **params, autocommit=True, cursor_factory=psycopg.AsyncClientCursor
            )
        except Exception as error:
            raise NotSent from error

    async def fetch(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows of one statement, committed on its own.

        Raises :class:`NotSent` when no connection could be made; any other
        error leaves it unknown whether a writing statement took effect.
        """
        async with self._lock:
            if self._connection is None or self._connection.closed:
                self._connection = await self._connect()
            try:
                async with self._connection.cursor() as cursor:
                    await cursor.execute(sql, params)
                    rows: list[tuple[Any, ...]] = await cursor.fetchall()
                    return rows
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        """Close at once, without waiting (libpq's own close)."""
        if self._connection is not None:
            self._connection.pgconn.finish()
            self._connection = None


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
