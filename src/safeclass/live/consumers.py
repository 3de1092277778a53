"""The room's WebSocket: a notification channel over the database's log (architecture §6).

A socket opens only for a signed-in participant the room admitted (ACC-1);
the ASGI stack checks the Origin and the session cookie first. Someone waiting
in the lobby gets a lobby socket instead: it carries nothing of the room, takes
no message, and is closed with the teacher's decision, so a thousand waiting
pupils at 7:20 do not each ask the server every few seconds. Events arrive
numbered from the process's ``hub``; a client, and this consumer on its behalf,
re-reads the log from the database whenever a number is missing, so a dropped
announcement costs a query, never a message. Each socket writes its events
from a queue of its own: a pupil whose connection stops reading holds up only
their own socket, and once ``OUTBOX_LIMIT`` events wait, the socket drops the
rest and reads them from the log when it can write again. Removal, a take-over
from another device (ACC-4) and the end of the lesson close the socket at once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.core.exceptions import SynchronousOnlyOperation
from django.db import DatabaseError, close_old_connections
from django.utils.translation import gettext as _

from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.live import attendance, chat, events, hub, loopdb, selectors, wire
from safeclass.live.models import ParticipantState
from safeclass.live.selectors import SessionAccess
from safeclass.moderation.data import Sender

# Who the sender is in the lesson, and what their socket remembers of the room.
Speaker = tuple[SessionAccess, Sender, "chat.RoomMemo"]

# Database work of the sockets runs on a small pool of threads, not on the one
# thread Channels shares by default: rooms then wait on each other's queries
# only when they need the same rows. The pool also bounds the database
# connections the sockets of one process can hold.
_DATABASE_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="room-db")


def _db(function: Any) -> Any:
    return DatabaseSyncToAsync(function, thread_sensitive=False, executor=_DATABASE_THREADS)


def on_database_thread(call: Callable[[], Any]) -> Future[Any]:
    """``call`` on one of ``_DATABASE_THREADS`` as ``_db`` runs it (stale connections
    closed before and after), with no coroutine to await: its future."""
    return _DATABASE_THREADS.submit(_tidied, call)


def _tidied(call: Callable[[], Any]) -> Any:
    close_old_connections()
    try:
        return call()
    finally:
        close_old_connections()


log = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's own).
CLOSE_SIGN_IN = 4401
CLOSE_NOT_ADMITTED = 4403
CLOSE_REASONS = {
    "removed": 4410,
    "takeover": 4409,
    "ended": 4404,
    "admitted": 4200,  # a lobby socket: the teacher let them in
    "denied": 4403,  # a lobby socket: the teacher did not
    "decided": 4000,  # a lobby socket of someone no longer waiting
}
OUTBOX_LIMIT = 200  # events waiting for one socket before it reads the log instead

# The server's own ``send`` of a WebSocket, as it reached the application,
# before Channels' session middleware wrapped it (``keep_server_send``).
SERVER_SEND = "safeclass.server_send"


def keep_server_send(application: Any) -> Any:
    """``application`` with the server's own ``send`` kept in each scope (``SERVER_SEND``).

    A room socket writes the room's frames with it. The middleware between
    (the session's, Channels' consumer) acts only on HTTP responses and on
    accepting, yet each frame went through it: a few attribute lookups on a
    lazy session each time, for every copy of every message of every room.
    """

    async def kept(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await application({**scope, SERVER_SEND: send}, receive, send)

    return kept


async def _read_log(session_id: int, after: int) -> list[hub.Announcement]:
    result: list[hub.Announcement] = await _db(events.announcements_after)(session_id, after)
    return result


def _refused(reason: object) -> dict[str, Any]:
    return {"type": "chat_result", "ok": False, "error": str(reason)}


def _unsaved() -> dict[str, Any]:
    """The answer to a message that failed in the database: the client keeps the
    text for the sender to send again."""
    log.warning("chat message not stored", exc_info=True)
    return _refused(_("Your message could not be saved. Please send it again."))


def _accepted(message: Any) -> dict[str, Any]:
    return {"type": "chat_result", "ok": True, "seq": message.seq, "status": message.status}


def _post(
    session_id: int, user: Any, text: str, private: bool, speaker: Speaker | None
) -> tuple[dict[str, Any], Speaker | None]:
    """Post one chat message; the answer to send, and who the sender is in this lesson.

    Who the sender is (their access to the lesson and their part in its chat)
    is worked out on the first message of a socket and kept, with the room as
    their last message saw it: whether they were removed or muted since is
    still checked with every message (see ``chat.RoomMemo``).
    """
    try:
        if speaker is None:
            access = selectors.access_session(user=user, session_id=session_id)
            role = selectors.chat_role(access, user)
            if role is None:
                raise Forbidden
            speaker = (access, role, chat.RoomMemo())
        access, role, memo = speaker
        message = chat.chat_post(
            actor=Actor(user=user),
            access=access,
            text=text,
            private=private,
            role=role,
            memo=memo,
        )
    except DatabaseError:
        # Rolled back whole, after any retries: nothing of it was stored.
        return _unsaved(), speaker
    except ServiceError as error:
        return _refused(error.message), speaker
    except (Forbidden, NotFound):
        return _refused(_("You cannot write here.")), speaker
    return _accepted(message), speaker


class RoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """One participant's socket; a :class:`hub.Listener` of its lesson.

    Channels' channel layer is not used: the hub hands events to the socket
    directly (see ``hub``), and nothing else sends to it.
    """

    session_id: int
    connection: str
    user_id: int
    teacher: bool
    last_seq: int
    joined: bool
    speaker: Speaker | None = None
    writer: asyncio.Task[None] | None = None
    closing = False  # the server closed the socket; nothing more is sent on it
    opened = False  # said hello: from now on it writes what it is handed
    stopped = False  # no more writing: being closed, or the connection failed under it
    lobby = False  # waiting for the teacher: told only when they decide
    closer: asyncio.Task[None] | None = None
    direct: wire.DirectWriter | None = None  # writes a frame at once under uvicorn

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Channels' own, reading the client's frames in the socket's own task.

        With no channel layer, Channels waits for each frame through
        ``await_many_dispatch``: a new task for every frame and an
        ``asyncio.wait`` around it, on the path of every chat message, and a
        pending task and waiter kept by every quiet socket. Here the socket
        awaits the server's ``receive`` itself, one frame after the other as
        before. Should a channel layer be configured, Channels' own way is kept.
        """
        if get_channel_layer(self.channel_layer_alias) is not None:
            await super().__call__(scope, receive, send)
            return
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch, less its database clean-up before every message.

        That clean-up is a hop to Channels' one shared thread for each frame a
        client sends, while this consumer's event loop holds no database
        connection: its database work runs on ``_DATABASE_THREADS``, which
        close stale connections themselves.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.joined = False
        user = self.scope.get("user")
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_SIGN_IN)
            return
        self.connection = uuid.uuid4().hex
        query = parse_qs(self.scope.get("query_string", b"").decode())
        if query.get("lobby") == ["1"]:
            await self._wait_in_lobby(user)
            return
        joined = await _db(attendance.connect)(
            session_id=self.session_id, user=user, connection=self.connection
        )
        if joined is None:
            await self.close(code=CLOSE_NOT_ADMITTED)
            return
        self.joined = True
        self.teacher = joined.teacher
        self.user_id = user.pk
        self.outbox: deque[tuple[int, str]] = deque()
        self.behind = False  # events were dropped from a full outbox
        self.rewind: int | None = None  # the client asked for the log after this number
        self.hub = hub.local(_read_log)
        await self.hub.join(self.session_id, self)
        await self.accept()
        # The room's frames go straight to the server (see ``keep_server_send``);
        # without it (a test's communicator), the usual way.
        self.write_frame = self.scope.get(SERVER_SEND) or self.base_send
        self.direct = wire.direct_writer(self.scope.get(SERVER_SEND))
        try:
            after = max(0, int(query.get("after", ["0"])[0]))
        except ValueError:
            after = 0
        self.last_seq = after
        await self.send_json(
            {"type": "hello", "connection": self.connection, "teacher": self.teacher}
        )
        self.rewind = after
        self.opened = True  # events handed to it meanwhile wait in the outbox
        self._wake()

    async def _wait_in_lobby(self, user: Any) -> None:
        """The lobby page's socket (``?lobby=1``): it carries nothing of the room
        and is closed with the teacher's decision ("admitted" or "denied"), so the
        page need not ask the server every few seconds. It takes no lock and
        records no attendance. Someone no longer waiting is closed at once
        ("decided", 4000: the page opens the room, which shows what happens
        now); someone with no place in the lesson is refused (4403)."""
        state = await _db(selectors.participant_state)(session_id=self.session_id, user=user)
        if state is None:
            await self.close(code=CLOSE_NOT_ADMITTED)
            return
        if state != ParticipantState.WAITING:
            await self.close(code=CLOSE_REASONS["decided"])
            return
        self.teacher = False
        self.user_id = user.pk
        self.hub = hub.local(_read_log)
        self.lobby = True
        await self.hub.join(self.session_id, self)
        await self.accept()
        await self.send_json({"type": "lobby"})
        # Decided between the first look and this subscription: the close may
        # have been announced before the socket listened.
        state = await _db(selectors.participant_state)(session_id=self.session_id, user=user)
        if state != ParticipantState.WAITING:
            self.shut("decided", "")

    # --- hub.Listener -----------------------------------------------------------

    def deliver(self, seq: int, frame: str) -> None:
        if self.lobby:
            return  # nothing of the room reaches the lobby
        if (
            self.opened
            and self.direct is not None
            and seq == self.last_seq + 1
            and not self.stopped
            and not self.outbox
            and self.rewind is None
            and not self.behind
            and (self.writer is None or self.writer.done())
            and self.direct(frame)
        ):
            # Nothing of this socket waits to be written before it, and the
            # connection takes data: written now, with no task (see ``wire``).
            self.last_seq = seq
            return
        if len(self.outbox) >= OUTBOX_LIMIT:
            self.behind = True
        else:
            self.outbox.append((seq, frame))
        self._wake()

    def shut(self, reason: str, keep: str) -> None:
        if keep and keep == self.connection:
            return
        self.stopped = True
        if self.writer is not None:
            self.writer.cancel()  # what it still holds is moot once the socket closes
        self.closer = asyncio.get_running_loop().create_task(self._close_for(reason))

    # --- writing ------------------------------------------------------------------

    def _wake(self) -> None:
        """Start writing, unless the socket is writing already or was closed.

        A writer runs only while there is something to send and then ends, so a
        quiet socket holds no waiting future: with a thousand sockets, futures
        kept waiting between two messages outlived each young garbage
        collection and made the older ones long and frequent."""
        if not self.opened or self.stopped:  # shut() stops it before it closes
            return
        if self.writer is None or self.writer.done():
            # Started at once: while the connection takes data, the frame is
            # written before this returns and the task ends without ever being
            # scheduled, so the hub hands a message to a whole room in one go.
            # Only a socket that has to wait (a full buffer, the log to read)
            # goes on as a task.
            self.writer = asyncio.Task(
                self._write(), loop=asyncio.get_running_loop(), eager_start=True
            )

    async def _write(self) -> None:
        """Send the queued events in number order; read the log on a gap."""
        try:
            while True:
                if self.rewind is not None:
                    after, self.rewind = self.rewind, None
                    await self.resume(after)
                elif self.outbox:
                    seq, frame = self.outbox.popleft()
                    if seq <= self.last_seq:
                        continue
                    if seq != self.last_seq + 1:
                        await self.resume(self.last_seq)  # a gap: read the log
                        continue
                    await self.write_frame({"type": "websocket.send", "text": frame})
                    self.last_seq = seq
                elif self.behind:
                    self.behind = False
                    await self.resume(self.last_seq)
                else:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # the connection went away under it; disconnect() follows
            self.stopped = True
            log.debug("room socket stopped writing", exc_info=True)

    async def resume(self, after: int) -> None:
        for message in await _read_log(self.session_id, after):
            frame = hub.frame_for(message, teacher=self.teacher)
            await self.write_frame({"type": "websocket.send", "text": frame})
            self.last_seq = message["q"]

    async def _close_for(self, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        await self.send_json({"type": "closed", "reason": reason})
        await self.close(code=CLOSE_REASONS.get(reason, 4000))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.lobby or not isinstance(content, dict):
            return  # the lobby cannot write, react or raise a hand
        kind = content.get("type")
        if kind == "resume":
            try:
                after = max(0, int(content.get("after", self.last_seq)))
            except (TypeError, ValueError):
                after = self.last_seq
            self.rewind = after
            self._wake()
        elif kind in {"chat", "question"}:
            text = content.get("text")
            if isinstance(text, str):
                private = kind == "question"
                result = await self._post_on_loop(text, private)
                if result is None:
                    result, self.speaker = await _db(_post)(
                        self.session_id, self.scope["user"], text, private, self.speaker
                    )
                if not self.closing:  # closed (removed, taken over) while it was stored
                    await self.send_json(result)
        elif kind == "react":
            await _db(attendance.react)(
                session_id=self.session_id, user=self.scope["user"], emoji=content.get("emoji")
            )
        elif kind == "hand":
            await _db(attendance.hand)(
                session_id=self.session_id, user=self.scope["user"], up=bool(content.get("up"))
            )
        elif kind == "ping":
            await _db(attendance.heartbeat)(connection=self.connection)
            if not self.closing:
                await self.send_json({"type": "pong", "last_seq": self.last_seq})

    async def _post_on_loop(self, text: str, private: bool) -> dict[str, Any] | None:
        """The answer to an everyday message stored on the event loop (``chat.post_on_loop``),
        or None to post it the usual way, on a database thread."""
        if self.speaker is None or not loopdb.available():
            return None
        access, role, memo = self.speaker
        try:
            message = await chat.post_on_loop(
                user=self.scope["user"],
                access=access,
                text=text,
                private=private,
                role=role,
                memo=memo,
                database=loopdb.local(),
                submit=on_database_thread,
            )
        except (loopdb.NotSent, SynchronousOnlyOperation):
            return None  # nothing was stored: the usual way
        except Exception:
            return _unsaved()  # it may or may not have been stored
        return None if message is None else _accepted(message)

    async def disconnect(self, code: int) -> None:
        if not self.lobby and not getattr(self, "joined", False):
            return
        self.hub.leave(self.session_id, self)
        if not self.hub.rooms:
            loopdb.close_for(self.hub.loop)  # no room left on this loop
        if self.lobby:
            return
        self.stopped = True
        if self.writer is not None:
            self.writer.cancel()
        await _db(attendance.disconnect)(connection=self.connection)
