"""Settings read on every request and changed rarely, kept in each process for a few seconds.

A school's live-lesson rules, its display-name template and its moderation
policy are read by every room entry or chat message, and change a few times a
year. Each server process keeps its own copy for ``seconds``:

- the process that makes a change sees it at once: the changing service calls
  :meth:`ProcessMemo.changed`, which forgets the copy now, reads the key fresh
  (without keeping it) until the transaction commits, and forgets it again on
  commit. A rolled-back change leaves the key unkept, never wrong;
- the other processes see it within ``seconds``.

Use it only for values where a few seconds' delay in another process is
harmless, and never for anything that decides access.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db import transaction

_MEMOS: list[ProcessMemo[Any, Any]] = []


class ProcessMemo[K: Hashable, V]:
    """``read(key)``, kept per key for ``seconds`` in this process."""

    def __init__(self, read: Callable[[K], V], *, seconds: float) -> None:
        self.read = read
        self.seconds = seconds
        self._kept: dict[K, tuple[float, V]] = {}
        self._changing: set[K] = set()
        self._generation = 0  # moves on every change: a read that raced one is not kept
        self._lock = threading.Lock()
        _MEMOS.append(self)

    def __call__(self, key: K) -> V:
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.seconds:
            return kept[1]
        generation = self._generation
        value = self.read(key)
        with self._lock:
            if generation == self._generation and key not in self._changing:
                self._kept[key] = (now, value)
        return value

    def peek(self, key: K) -> V | None:
        """The kept value while it is fresh, or None; never reads (for an event loop)."""
        kept = self._kept.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        return None

    def changed(self, key: K) -> None:
        """The caller's transaction changes what ``read(key)`` returns."""
        with self._lock:
            self._changing.add(key)
            self._kept.pop(key, None)
            self._generation += 1
        transaction.on_commit(lambda: self._committed(key))

    def _committed(self, key: K) -> None:
        with self._lock:
            self._changing.discard(key)
            self._kept.pop(key, None)
            self._generation += 1

    def forget(self) -> None:
        """Read every key from the database again."""
        with self._lock:
            self._kept.clear()
            self._changing.clear()
            self._generation += 1


def forget_all() -> None:
    """Every memo of this process reads afresh (between tests)."""
    for memo in _MEMOS:
        memo.forget()
