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

An event loop never reads the database itself (:meth:`ProcessMemo.on_loop`):
it looks at the copy and has the key read on a thread
(:meth:`ProcessMemo.refresh`), one read a key at a time. Asked in the copy's
last ``AHEAD`` of its time, it reads before the copy expires, so callers that
keep coming never find it expired. (Before, every lesson's chat message went
the long way, a locked transaction on a thread, from the moment a copy expired
until one of them had read it again.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

from django.db import transaction

_MEMOS: list[ProcessMemo[Any, Any]] = []

# The share of a copy's time, at its end, in which a refresh is due (see refresh).
AHEAD = 0.2

# Runs a call away from the event loop (on a database thread) and gives its future.
Submit = Callable[[Callable[[], Any]], "Future[Any]"]


class ProcessMemo[K: Hashable, V]:
    """``read(key)``, kept per key for ``seconds`` in this process."""

    def __init__(self, read: Callable[[K], V], *, seconds: float) -> None:
        self.read = read
        self.seconds = seconds
        self._kept: dict[K, tuple[float, V]] = {}
        self._changing: set[K] = set()
        self._generation = 0  # moves on every change: a read that raced one is not kept
        self._refreshing: dict[K, Future[V]] = {}  # reads started by refresh(), not done
        # Reentrant: a ``submit`` may run the read at once, on the thread that holds it.
        self._lock = threading.RLock()
        _MEMOS.append(self)

    def __call__(self, key: K) -> V:
        kept = self._kept.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        return self._read_and_keep(key)

    def _read_and_keep(self, key: K) -> V:
        now = time.monotonic()
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

    def refresh_due(self, key: K) -> bool:
        """Whether ``key`` is unkept, expired or in the last ``AHEAD`` of its time."""
        kept = self._kept.get(key)
        return kept is None or time.monotonic() - kept[0] >= self.seconds * (1 - AHEAD)

    async def on_loop(self, key: K, submit: Submit) -> V:
        """The value for an event loop, which never reads it itself.

        A fresh copy is returned; when it is due (:meth:`refresh_due`) it is
        read again through ``submit`` meanwhile, for the callers after. With no
        fresh copy the caller waits for that read. Raises what the read raised.
        """
        kept = self.peek(key)
        if kept is not None and not self.refresh_due(key):
            return kept
        pending = self.refresh(key, submit)
        if kept is not None:
            return kept
        # Shielded: a caller cancelled meanwhile must not cancel the read others wait for.
        return await asyncio.shield(asyncio.wrap_future(pending))

    def refresh(self, key: K, submit: Submit) -> Future[V]:
        """Read ``key`` afresh through ``submit`` (away from the caller's event loop)
        and keep it as :meth:`__call__` would; the read's future.

        One read a key at a time: asked again before it is done, the same
        future. A read that fails keeps nothing and is not retried by itself.
        """
        with self._lock:
            pending = self._refreshing.get(key)
            if pending is not None:
                return pending
            pending = submit(lambda: self._read_and_keep(key))
            self._refreshing[key] = pending
        pending.add_done_callback(lambda done: self._refreshed(key, done))
        return pending

    def _refreshed(self, key: K, done: Future[V]) -> None:
        with self._lock:
            if self._refreshing.get(key) is done:
                del self._refreshing[key]

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
