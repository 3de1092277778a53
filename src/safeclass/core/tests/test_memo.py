"""Per-process copies of school settings (core.memo): a change is seen at once by
the process that made it and within the keeping time by the others; a change
that is rolled back is never kept (ACC-6, CLS-3, architecture §6)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest
from django.db import transaction

from safeclass.core import memo as memo_module
from safeclass.core.memo import ProcessMemo, forget_all


class RolledBackError(Exception):
    pass


class Store:
    """What the database holds, and how often it was read."""

    def __init__(self) -> None:
        self.values: dict[int, str] = {1: "old"}
        self.reads = 0

    def read(self, key: int) -> str:
        self.reads += 1
        return self.values[key]


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def memo(store: Store) -> Any:
    made = ProcessMemo(store.read, seconds=60.0)
    yield made
    memo_module._MEMOS.remove(made)


def test_a_value_is_read_once_while_it_is_kept(store: Store, memo: Any) -> None:
    assert [memo(1), memo(1), memo(1)] == ["old"] * 3
    assert store.reads == 1


def test_peeking_never_reads_and_sees_only_a_fresh_copy(store: Store, memo: Any) -> None:
    """For an event loop, which must not wait on the database."""
    assert memo.peek(1) is None
    assert store.reads == 0
    memo(1)
    assert memo.peek(1) == "old"
    memo.seconds = 0.0
    assert memo.peek(1) is None
    assert store.reads == 1


def test_another_process_change_is_seen_once_the_copy_expires(store: Store, memo: Any) -> None:
    memo(1)
    store.values[1] = "new"  # committed elsewhere: this process was not told
    assert memo(1) == "old"
    memo.seconds = 0.0
    assert memo(1) == "new"


@pytest.mark.django_db(transaction=True)
def test_the_changing_process_sees_its_change_inside_and_after_the_transaction(
    store: Store, memo: Any
) -> None:
    memo(1)
    with transaction.atomic():
        store.values[1] = "new"
        memo.changed(1)
        assert memo(1) == "new"
        assert memo(1) == "new"
        reads = store.reads
        memo(1)
        assert store.reads == reads + 1  # not kept until the change is committed
    assert memo(1) == "new"
    reads = store.reads
    assert memo(1) == "new"
    assert store.reads == reads  # kept again after the commit


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_never_kept(store: Store, memo: Any) -> None:
    memo(1)

    def change_then_fail() -> None:
        with transaction.atomic():
            store.values[1] = "uncommitted"
            memo.changed(1)
            assert memo(1) == "uncommitted"
            store.values[1] = "old"  # what the rollback leaves in the database
            raise RolledBackError

    with pytest.raises(RolledBackError):
        change_then_fail()
    assert memo(1) == "old"


def racing_read(store: Store, memo: Any) -> Callable[[int], str]:
    """A read of ``store`` during which a change to the key commits (outside a
    transaction, so at once): it returns the value from before the change."""

    def read(key: int) -> str:
        value = store.values[key]
        store.values[key] = "new"
        memo.changed(key)
        return value

    return read


@pytest.mark.django_db(transaction=True)
def test_a_read_that_raced_a_change_is_not_kept(store: Store, memo: Any) -> None:
    """A read began before a change committed and returned after it: its value
    may be the old one, so it is used once but not kept."""

    memo.read = racing_read(store, memo)
    assert memo(1) == "old"
    memo.read = store.read
    assert memo(1) == "new"


def test_forget_all_reads_every_memo_afresh(store: Store, memo: Any) -> None:
    memo(1)
    store.values[1] = "new"
    forget_all()
    assert memo(1) == "new"


class Submitted:
    """A stand-in for a database thread that runs each call only when told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[Callable[[], Any], Future[Any]]] = []

    def __call__(self, call: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self.calls.append((call, future))
        return future

    def run_all(self) -> None:
        calls, self.calls = self.calls, []
        for call, future in calls:
            try:
                future.set_result(call())
            except Exception as error:  # handed to whoever waits, as an executor does
                future.set_exception(error)


def age(memo: Any, key: int, seconds: float) -> None:
    """Make the kept copy of ``key`` look ``seconds`` old."""
    _kept_at, value = memo._kept[key]
    memo._kept[key] = (time.monotonic() - seconds, value)


def test_a_refresh_is_due_unkept_and_in_the_copys_last_seconds(store: Store, memo: Any) -> None:
    """An event loop has the copy read again before it expires (CLS-1, architecture §6)."""
    assert memo.refresh_due(1)
    memo(1)
    assert not memo.refresh_due(1)
    age(memo, 1, memo.seconds * (1 - memo_module.AHEAD) - 1)
    assert not memo.refresh_due(1)
    age(memo, 1, memo.seconds * (1 - memo_module.AHEAD) + 1)
    assert memo.refresh_due(1)
    assert memo.peek(1) == "old"  # still fresh: used while it is read again
    age(memo, 1, memo.seconds + 1)
    assert memo.refresh_due(1) and memo.peek(1) is None


def test_a_refresh_reads_once_at_a_time_through_submit_and_keeps_it(
    store: Store, memo: Any
) -> None:
    submit = Submitted()
    first = memo.refresh(1, submit)
    again = memo.refresh(1, submit)
    assert again is first and len(submit.calls) == 1
    assert store.reads == 0  # nothing read on the caller's thread
    assert memo.peek(1) is None
    store.values[1] = "new"
    submit.run_all()
    assert first.result() == "new" and store.reads == 1
    assert memo.peek(1) == "new" and not memo.refresh_due(1)
    # Done: the next refresh is a read of its own.
    later = memo.refresh(1, submit)
    assert later is not first and len(submit.calls) == 1


def test_a_failed_refresh_keeps_nothing_and_the_next_one_reads_again(
    store: Store, memo: Any
) -> None:
    submit = Submitted()
    del store.values[1]
    failed = memo.refresh(1, submit)
    submit.run_all()
    assert isinstance(failed.exception(), KeyError)
    assert memo.peek(1) is None
    store.values[1] = "back"
    retried = memo.refresh(1, submit)
    assert retried is not failed
    submit.run_all()
    assert retried.result() == "back" and memo.peek(1) == "back"


@pytest.mark.django_db(transaction=True)
def test_a_refresh_that_raced_a_change_is_not_kept(store: Store, memo: Any) -> None:
    """As for a read of the caller's own: its value may be the old one."""

    memo.read = racing_read(store, memo)
    submit = Submitted()
    pending = memo.refresh(1, submit)
    submit.run_all()
    assert pending.result() == "old"
    assert memo.peek(1) is None  # used once by whoever waited, not kept
    memo.read = store.read
    assert memo(1) == "new"


def test_a_submit_that_reads_at_once_keeps_the_value_and_leaves_nothing_pending(
    store: Store, memo: Any
) -> None:
    def at_once(call: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(call())
        return future

    assert memo.refresh(1, at_once).result() == "old"
    assert memo.peek(1) == "old" and store.reads == 1
    assert memo.refresh(1, at_once).result() == "old" and store.reads == 2  # nothing pending
