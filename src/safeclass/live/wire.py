"""Writing a room's frames straight to uvicorn's WebSocket connections.

The hub hands every message to each socket of its room (``consumers``). Going
through ASGI, each copy is a ``send`` coroutine of the server, awaited in a
task of the socket's own: at 40 pupils a room, that machinery cost the server
more than anything else it does for a chat message. When the server is
uvicorn's default WebSocket protocol (``websockets-sansio``), a socket instead
writes a frame to its connection synchronously, from the hand-out itself:
the frame is built by the connection's own ``websockets`` protocol (so any
compression it negotiated applies), or once for every connection that
negotiated none, and goes to the transport as uvicorn's ``send`` would put it.

Only while the connection takes data at once: when uvicorn holds its writes
back (a full buffer), the connection is closing or the close was sent, the
socket goes the usual way (its queue and the server's ``send``, which waits).
Under any other server (a test's communicator, another ASGI server) there is
no direct writer and every frame goes the usual way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

# Writes one text frame now; False when it cannot (nothing was written).
DirectWriter = Callable[[str], bool]


@lru_cache(maxsize=8)
def _plain(frame: str) -> bytes:
    """A text frame as a server sends it without extensions (the same for every
    connection that negotiated none); the hand-out of one message asks for the
    same one or two frames over and over."""
    return Frame(Opcode.TEXT, frame.encode()).serialize(mask=False, extensions=[])


def direct_writer(server_send: Any) -> DirectWriter | None:
    """A synchronous writer for the connection whose ``send`` the server gave the
    application, or None when it is not uvicorn's ``websockets-sansio`` protocol."""
    protocol = getattr(server_send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    try:
        conn, transport, writable = protocol.conn, protocol.transport, protocol.writable
        protocol.close_sent, protocol.disconnected, conn.expect_continuation_frame  # noqa: B018
    except AttributeError:  # another uvicorn than this was written for: the usual way
        return None

    def write(frame: str) -> bool:
        if (
            not writable.is_set()
            or protocol.close_sent
            or protocol.disconnected
            or conn.state is not State.OPEN
            or conn.expect_continuation_frame
            or transport.is_closing()
        ):
            return False
        if conn.extensions:
            conn.send_text(frame.encode())
            transport.write(b"".join(conn.data_to_send()))
        else:
            transport.write(_plain(frame))
        return True

    return write
