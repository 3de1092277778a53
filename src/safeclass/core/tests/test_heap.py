"""The server process's garbage collector (core.heap): what survives a full collection
is frozen, so the next ones do not walk a thousand sockets' objects again and stop
every room for as long; garbage cycles among frozen objects are freed after a thaw
(architecture §6, CLS-1)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from safeclass.core.heap import FREEZE_FROM, HeapKeeper


class Node:
    """A garbage cycle once nothing else refers to it: two nodes referring to each other."""

    def __init__(self) -> None:
        self.other: Node | None = None


def pair() -> Node:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return first


@pytest.fixture
def collector() -> Iterator[None]:
    """The test's keeper alone on the collector; the process's own state afterwards."""
    callbacks = list(gc.callbacks)
    was_frozen = gc.get_freeze_count() > 0
    gc.callbacks.clear()
    try:
        yield
    finally:
        gc.callbacks[:] = callbacks
        gc.unfreeze()
        if was_frozen:
            gc.collect()
            gc.freeze()


def unfrozen_ids() -> set[int]:
    return {id(item) for item in gc.get_objects()}


def test_settling_freezes_the_heap_and_installs_the_keeper(collector: None) -> None:
    keeper = HeapKeeper()
    made = [[number] for number in range(1_000)]
    keeper.settle()
    assert keeper.installed
    assert gc.get_freeze_count() > 1_000
    assert id(made[0]) not in unfrozen_ids()
    keeper.remove()
    assert not keeper.installed
    assert gc.get_freeze_count() == 0


def test_what_survives_an_older_generation_collection_is_frozen(collector: None) -> None:
    keeper = HeapKeeper()
    keeper.settle()
    frozen = gc.get_freeze_count()
    sockets = [{"socket": number, "tasks": [number]} for number in range(5_000)]
    assert id(sockets[0]) in unfrozen_ids()

    gc.collect(0)  # a young collection leaves them where they are
    assert keeper.freezes == 0
    assert id(sockets[0]) in unfrozen_ids()

    gc.collect(FREEZE_FROM)
    assert keeper.freezes == 1
    assert gc.get_freeze_count() >= frozen + 2 * 5_000
    walked = unfrozen_ids()
    assert id(sockets[0]) not in walked
    assert id(sockets[-1]["tasks"]) not in walked
    keeper.remove()


def test_cycles_among_frozen_objects_are_freed_by_the_thorough_collection_after_a_thaw(
    collector: None,
) -> None:
    keeper = HeapKeeper(thaw_after=3600)
    keeper.settle()
    closed = [pair() for _ in range(100)]
    gc.collect()  # they survive it, and are frozen
    watch = [weakref.ref(node) for node in closed]
    del closed
    gc.collect()
    # Garbage now, but frozen: a full collection does not see them.
    assert all(ref() is not None for ref in watch)
    assert keeper.thaws == 0

    # Time for a thorough collection: the keeper thaws after the next one...
    keeper.thaw_after = 0
    gc.collect(1)
    assert keeper.thaws == 1
    assert keeper.thawed
    assert gc.get_freeze_count() == 0
    gc.collect(1)  # ...a younger one does not end the thaw...
    assert keeper.thawed
    assert all(ref() is not None for ref in watch)
    # ...the next full collection walks everything, frees the cycles and
    # freezes what is left.
    keeper.thaw_after = 3600
    kept = [[number] for number in range(1_000)]
    gc.collect()
    assert all(ref() is None for ref in watch)
    assert not keeper.thawed
    assert gc.get_freeze_count() > len(kept)
    assert id(kept[0]) not in unfrozen_ids()
    keeper.remove()
