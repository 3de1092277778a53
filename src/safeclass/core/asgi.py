"""HTTP requests under a bound: at most ``SAFECLASS_HTTP_CONCURRENCY`` of one
server process's requests run their Django part at once; the rest wait their
turn on the event loop, in order of arrival.

Why: each request's views and middleware run in a thread of their own. Under a
burst (a whole school opening its lessons at 7:20), fifty such threads took
turns holding the interpreter lock, and every database answer a thread waited
for cost it another wait for the lock behind the others; a page with twenty
queries paid that twenty times. With a bound, the threads that run get the
lock back at once, and everyone is served sooner (docs/benchmarks.md: the join
storm, 2026-12-03).

The bound covers the view and the middleware only: reading a request's body
and sending its answer happen outside it, so a slow upload or a slow reader
holds no place. A request that works long in its view (a large export) does
hold its place until it answers; the bound is per process.
"""

from __future__ import annotations

import asyncio
import weakref

import django
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class BoundedASGIHandler(ASGIHandler):
    """Django's ASGI handler with at most ``limit`` requests in a view at once (0: no bound)."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError("limit must be 0 (no bound) or more")
        super().__init__()
        self.limit = limit
        # One gate per event loop: an asyncio semaphore belongs to the loop it first waits on.
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        return gate

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        if not self.limit:
            return await super().get_response_async(request)
        async with self._gate():
            return await super().get_response_async(request)


def http_application() -> BoundedASGIHandler:
    """Django set up, and its ASGI handler bounded by ``settings.HTTP_CONCURRENCY``
    (what ``django.core.asgi.get_asgi_application`` does, with the bound)."""
    django.setup(set_prefix=False)
    return BoundedASGIHandler(settings.HTTP_CONCURRENCY)
