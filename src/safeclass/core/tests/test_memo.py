"""Per-process copies of school settings (core.memo): a change is seen at once by
the process that made it and within the keeping time by the others; a change
that is rolled back is never kept (ACC-6, CLS-3, architecture §6)."""

from __future__ import annotations

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


@pytest.mark.django_db(transaction=True)
def test_a_read_that_raced_a_change_is_not_kept(store: Store, memo: Any) -> None:
    """A read began before a change committed and returned after it: its value
    may be the old one, so it is used once but not kept."""

    def racing_read(key: int) -> str:
        value = store.values[key]
        store.values[key] = "new"
        memo.changed(key)  # outside a transaction: committed at once
        return value

    memo.read = racing_read
    assert memo(1) == "old"
    memo.read = store.read
    assert memo(1) == "new"


def test_forget_all_reads_every_memo_afresh(store: Store, memo: Any) -> None:
    memo(1)
    store.values[1] = "new"
    forget_all()
    assert memo(1) == "new"
