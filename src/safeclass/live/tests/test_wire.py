"""Frames written straight to uvicorn's WebSocket connections (``live.wire``), under a
real uvicorn server and a real ``websockets`` client (CLS-5: the room's chat reaches
every pupil, in order, however the frames were written).

The server runs a tiny ASGI application of the test's own in a thread, so each
test decides what the server writes and how.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing
from typing import Any

import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from safeclass.live import wire

Handler = Callable[[Any, Any], Awaitable[None]]
TIMEOUT = 10.0


class _Served:
    """A uvicorn server in a thread whose WebSocket handler each test sets."""

    def __init__(self) -> None:
        self.handler: Handler | None = None
        self.seen: dict[str, Any] = {}
        self.done = threading.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        assert await receive() == {"type": "websocket.connect"}
        await send({"type": "websocket.accept"})
        assert self.handler is not None
        try:
            await self.handler(send, receive)
        finally:
            self.done.set()


@pytest.fixture
def served() -> Iterator[tuple[_Served, str]]:
    app = _Served()
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-wire", daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield app, f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=TIMEOUT)


def _frames(url: str, count: int, **options: Any) -> list[str]:
    with ws_connect(url, open_timeout=TIMEOUT, **options) as client:
        return [str(client.recv(timeout=TIMEOUT)) for _ in range(count)]


@pytest.mark.parametrize("compression", [None, "deflate"], ids=["plain", "deflate"])
def test_direct_frames_and_the_servers_own_send_arrive_in_the_order_written(
    served: tuple[_Served, str], compression: str | None
) -> None:
    app, url = served

    async def handler(send: Any, receive: Any) -> None:
        write = wire.direct_writer(send)
        app.seen["writer"] = write is not None
        assert write is not None
        for number in range(30):
            # Written at once, then through the server's own send: a socket mixes both.
            app.seen.setdefault("written", []).append(write(f"tin nhắn {number} ✓"))
            await send({"type": "websocket.send", "text": f"gửi {number}"})
        await receive()  # until the client goes

    app.handler = handler
    got = _frames(url, 60, compression=compression)

    assert app.seen["writer"] is True
    assert app.seen["written"] == [True] * 30
    assert got == [text for n in range(30) for text in (f"tin nhắn {n} ✓", f"gửi {n}")]


def test_a_connection_holding_writes_back_takes_no_direct_frame_and_loses_nothing(
    served: tuple[_Served, str],
) -> None:
    """A pupil who stops reading fills the buffer: the writer then says no, writes
    nothing, and what follows waits for the server's ``send``, which waits for room."""
    app, url = served
    refused = threading.Event()
    big = "x" * 65_536

    async def handler(send: Any, receive: Any) -> None:
        write = wire.direct_writer(send)
        assert write is not None
        written = 0
        while written < 2_000:  # 128 MiB at most: far beyond any socket buffer
            if not write(f"{written:06d}{big}"):
                break
            written += 1
            await asyncio.sleep(0)  # let the loop tell the protocol to pause
        app.seen["written"] = written
        app.seen["refused_again"] = not write("never")
        refused.set()
        await send({"type": "websocket.send", "text": "after"})  # waits until writable
        await receive()

    app.handler = handler
    with ws_connect(url, open_timeout=TIMEOUT, compression=None, max_size=None) as client:
        assert refused.wait(TIMEOUT), "the writer never said no"
        written = app.seen["written"]
        got = [str(client.recv(timeout=TIMEOUT)) for _ in range(written + 1)]

    assert 0 < written < 2_000
    assert app.seen["refused_again"] is True
    assert [frame[:6] for frame in got[:-1]] == [f"{n:06d}" for n in range(written)]
    assert all(frame[6:] == big for frame in got[:-1])
    assert got[-1] == "after"


def test_after_the_server_closed_the_connection_nothing_is_written(
    served: tuple[_Served, str],
) -> None:
    app, url = served

    async def handler(send: Any, receive: Any) -> None:
        write = wire.direct_writer(send)
        assert write is not None
        assert write("before")
        await send({"type": "websocket.close", "code": 4410})
        app.seen["after_close"] = write("after")

    app.handler = handler
    with ws_connect(url, open_timeout=TIMEOUT) as client:
        assert client.recv(timeout=TIMEOUT) == "before"
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=TIMEOUT)
    assert app.done.wait(TIMEOUT)
    assert app.seen["after_close"] is False
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4410


def test_under_anything_but_uvicorns_protocol_there_is_no_direct_writer() -> None:
    async def some_send(message: dict[str, Any]) -> None:
        return None

    assert wire.direct_writer(None) is None
    assert wire.direct_writer(some_send) is None
    assert wire.direct_writer(threading.Event().set) is None  # a bound method of something else
