"""HTTP requests under a bound: a burst of a whole school (ACC-1 at 7:20) is served
a few requests at a time, and nobody's request is turned away or lost."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from safeclass.core.asgi import BoundedASGIHandler, http_application
from safeclass.core.tests.test_settings import production_env, run

WAIT = 10.0  # seconds: how long the test waits for something that must happen


class _Held:
    """The views of this test's URL: each one waits until the test lets it go."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.release = threading.Event()

    def view(self, request: HttpRequest) -> HttpResponse:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            self.release.wait(WAIT)
        finally:
            with self.lock:
                self.running -= 1
        return HttpResponse(request.GET.get("n", ""))


held = _Held()


@login_not_required
def held_view(request: HttpRequest) -> HttpResponse:
    return held.view(request)


urlpatterns = [path("held/", held_view)]


@pytest.fixture
def held_url(settings: Any) -> _Held:
    global held
    held = _Held()
    settings.ROOT_URLCONF = __name__
    return held


def _scope(number: int) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/held/",
        "raw_path": b"/held/",
        "query_string": f"n={number}".encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 40000 + number),
        "server": ("testserver", 80),
    }


async def _burst(handler: BoundedASGIHandler, count: int, state: _Held) -> tuple[int, list[Any]]:
    """``count`` requests at once; how many views ran together while all were waiting,
    and each request's (status, body) once they were let go."""
    talks = [ApplicationCommunicator(handler, _scope(n)) for n in range(count)]
    try:
        for talk in talks:
            await talk.send_input({"type": "http.request", "body": b"", "more_body": False})
        expected = min(handler.limit or count, count)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while state.running < expected and loop.time() < deadline:
            await asyncio.sleep(0.01)
        # The others had every chance to start too (a bound that leaked would show here).
        await asyncio.sleep(0.3)
        together = state.running
        state.release.set()
        answers = []
        for talk in talks:
            start = await talk.receive_output(WAIT)
            body = await talk.receive_output(WAIT)
            answers.append((start["status"], body["body"]))
        return together, answers
    finally:
        state.release.set()
        for talk in talks:
            await talk.wait(WAIT)


def test_no_more_than_the_bound_run_at_once_and_everyone_is_answered(held_url: _Held) -> None:
    together, answers = async_to_sync(_burst)(BoundedASGIHandler(2), 6, held_url)

    assert together == 2
    assert held_url.most == 2
    assert answers == [(200, str(n).encode()) for n in range(6)]


def test_without_a_bound_every_request_runs_at_once(held_url: _Held) -> None:
    # What the first test would see if the bound did nothing.
    together, answers = async_to_sync(_burst)(BoundedASGIHandler(0), 6, held_url)

    assert together == 6
    assert answers == [(200, str(n).encode()) for n in range(6)]


def test_the_server_takes_its_bound_from_the_settings(settings: Any) -> None:
    settings.HTTP_CONCURRENCY = 3

    assert http_application().limit == 3


def test_a_bound_that_is_not_a_count_stops_the_start(tmp_path: Path) -> None:
    env = production_env(tmp_path, SAFECLASS_HTTP_CONCURRENCY="many")

    result = run(env, "-c", "import django; django.setup()")

    assert result.returncode != 0
    assert "SAFECLASS_HTTP_CONCURRENCY must be a whole number" in result.stderr


def test_a_negative_bound_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0 \(no bound\) or more"):
        BoundedASGIHandler(-1)
