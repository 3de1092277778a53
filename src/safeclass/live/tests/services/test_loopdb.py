"""The room loop's own PostgreSQL connections running a prepared statement on libpq's
connection directly (``live.loopdb``): the same answers and the same errors as
psycopg's cursor, whatever the parameters, and a connection that cannot be
trusted after a failure or an interruption is not used again (CLS-5: nothing a
user submitted is lost or stored twice because of it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from safeclass.live import loopdb

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def run(scenario: Any) -> Any:
    async def wrapped() -> Any:
        database = loopdb.LoopDatabase(size=1)
        try:
            return await scenario(database)
        finally:
            database.close()

    return asyncio.run(wrapped())


def test_parameters_of_every_kind_come_back_as_sent() -> None:
    sent = [7, 2**40, "Chào các em, 100% đúng", None, datetime(2026, 12, 4, 7, 20, tzinfo=UTC)]

    async def scenario(database: loopdb.LoopDatabase) -> list[tuple[Any, ...]]:
        return await database.fetch(
            "SELECT %s::bigint, %s::bigint, %s::text, %s::text, %s::timestamptz, '%%'",
            sent,
            prepared=True,
        )

    assert run(scenario) == [(*sent, "%")]


def test_a_statement_is_prepared_once_for_each_set_of_parameter_types() -> None:
    """A small and a large integer are sent as different types; each gets its own
    prepared statement, as psycopg's cursor does, and each answers correctly."""
    sql = "SELECT %s + 1"

    async def scenario(database: loopdb.LoopDatabase) -> tuple[list[Any], int]:
        answers = []
        for value in [1, 2, 2**40, 3, 2**40 + 1]:
            answers += await database.fetch(sql, [value], prepared=True)
        kept = await database.fetch(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s",
            ["SELECT $1 + 1"],
        )
        return answers, kept[0][0]

    answers, kept = run(scenario)
    assert [row[0] for row in answers] == [2, 3, 2**40 + 1, 4, 2**40 + 2]
    assert kept == 2


def test_an_error_is_psycopgs_own_and_the_next_statement_runs_on_a_fresh_connection() -> None:
    async def scenario(database: loopdb.LoopDatabase) -> tuple[Any, Any, Any]:
        first = await database.fetch("SELECT pg_backend_pid()", [], prepared=True)
        with pytest.raises(psycopg.errors.DivisionByZero):
            await database.fetch("SELECT 1 / %s", [0], prepared=True)
        second = await database.fetch("SELECT pg_backend_pid()", [], prepared=True)
        divided = await database.fetch("SELECT 6 / %s", [3], prepared=True)
        return first, second, divided

    first, second, divided = run(scenario)
    assert first != second  # the failed connection was closed, not reused
    assert divided == [(2,)]


def test_a_statement_interrupted_while_it_runs_leaves_nothing_waiting_on_the_loop() -> None:
    """A socket that closes while its message is being stored cancels the wait: the
    connection, whose answer is still to come, is closed, and the loop keeps no
    callback on it."""

    async def scenario(database: loopdb.LoopDatabase) -> tuple[Any, Any, Any]:
        before = await database.fetch("SELECT pg_backend_pid()", [], prepared=True)
        waiting = asyncio.create_task(database.fetch("SELECT pg_sleep(%s)", [5.0], prepared=True))
        await asyncio.sleep(0.3)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        after = await database.fetch("SELECT pg_backend_pid()", [], prepared=True)
        text = await database.fetch("SELECT %s::text", ["after"], prepared=True)
        return before, after, text

    before, after, text = run(scenario)
    assert before != after  # the interrupted connection was closed, not reused
    assert text == [("after",)]


def test_a_placeholder_other_than_s_is_refused_before_it_is_sent() -> None:
    async def scenario(database: loopdb.LoopDatabase) -> None:
        await database.fetch("SELECT %(name)s", [1], prepared=True)

    with pytest.raises(ValueError, match="unsupported placeholder"):
        run(scenario)


def test_a_statement_larger_than_the_sockets_buffer_is_sent_whole() -> None:
    """The rest of a long statement goes out as the connection takes it (a picture's
    worth of text is far more than a socket's buffer)."""
    text = "Bài tập về nhà: " + "x" * (16 * 1024 * 1024)

    async def scenario(database: loopdb.LoopDatabase) -> list[tuple[Any, ...]]:
        return await database.fetch("SELECT length(%s), md5(%s)", [text, text], prepared=True)

    import hashlib

    assert run(scenario) == [(len(text), hashlib.md5(text.encode()).hexdigest())]  # noqa: S324
