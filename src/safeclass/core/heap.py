"""How a server process keeps the garbage collector from stopping its rooms.

CPython's cyclic garbage collector stops the whole process while it runs, and
a full collection walks every container object the process has not frozen. A
server process holds two kinds of long-lived objects: its start-up heap
(Django, the apps, the moderation automata: some 650,000 objects) and the
objects of the sockets it serves (about 180 a socket: a school's 1,000 sockets
add 185,000). Walking the sockets' share took 60–140 ms on a 2-core machine,
and for that long no room of the process delivered anything.

:meth:`HeapKeeper.settle` (as the process starts) collects once and freezes
what is left (``gc.freeze()``): frozen objects are not walked again. From then
on the keeper freezes whatever survives each collection of generation 1 or 2,
that is whatever lived through a few seconds. A burst of connections (a whole
school at 7:20) is frozen within seconds, before a full collection would walk
it, and every later collection walks only what is younger. Objects that die
are freed as usual when nothing refers to them, frozen or not.

What is not freed while frozen is a garbage cycle among frozen objects (a
socket closed, its consumer and tasks referring to each other): some 30
objects a socket. So once an hour (``THAW_AFTER``) the keeper unfreezes
everything and lets the next full collection walk it all, once: one pause an
hour (136 ms for 856,000 objects on an idle 2-core machine), instead of one of
60–140 ms every few tens of seconds while a thousand sockets come and go.
"""

from __future__ import annotations

import gc
import threading
import time

# Survivors of collections of this generation and older are frozen: generation 1
# collections come every few seconds under load, so a burst of connections is
# frozen before a full collection would walk it.
FREEZE_FROM = 1
THAW_AFTER = 3600.0  # seconds between two thorough collections


class HeapKeeper:
    """Freezes what survives the older generations' collections; thaws now and then."""

    def __init__(self, thaw_after: float = THAW_AFTER) -> None:
        self.thaw_after = thaw_after  # seconds between two thorough collections
        self.settled_at = 0.0  # when the last thorough collection ended (monotonic)
        self.thawed = False  # everything is unfrozen: the next full collection walks it all
        self.freezes = 0  # collections whose survivors were frozen
        self.thaws = 0
        # Reentrant: a collection can start on this thread while it holds the lock.
        self._lock = threading.RLock()

    @property
    def installed(self) -> bool:
        return self._on_collection in gc.callbacks

    def settle(self) -> None:
        """Collect everything once, freeze what is left and keep freezing survivors.
        Call when the process has built what it keeps for good."""
        gc.collect()
        gc.freeze()
        with self._lock:
            self.settled_at = time.monotonic()
            self.thawed = False
            if not self.installed:
                gc.callbacks.append(self._on_collection)

    def remove(self) -> None:
        """Stop freezing and unfreeze everything (the collector as Python sets it)."""
        with self._lock:
            if self.installed:
                gc.callbacks.remove(self._on_collection)
            gc.unfreeze()
            self.thawed = False

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        # Runs on the thread that set off the collection, once it is complete:
        # every object still unfrozen is reachable. It must be cheap (no
        # gc.get_freeze_count(), which walks every frozen object) and take no
        # lock others may hold (no logging).
        if phase != "stop" or info.get("generation", 0) < FREEZE_FROM:
            return
        with self._lock:
            if self.thawed:
                if info.get("generation") != 2:
                    return  # the thorough collection is a full one: wait for it
                self.thawed = False
                self.settled_at = time.monotonic()
            elif time.monotonic() - self.settled_at > self.thaw_after:
                gc.unfreeze()
                self.thawed = True
                self.thaws += 1
                return
            gc.freeze()
            self.freezes += 1


keeper = HeapKeeper()
