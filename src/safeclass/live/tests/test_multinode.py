"""Two server processes on PostgreSQL and Redis: a teacher on one and students on
the other see each other, chat, controls and removals act across processes; a
killed process loses no stored message and no attendance interval, and its
clients resume on the other one (architecture §2 and §6; ACC-4, CLS-5, TRK-1).

Runs in the services profile only (``make test``; CI requires it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import deque
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from safeclass.core.context import Actor
from safeclass.live import room
from safeclass.live.models import ChatMessage, Presence
from safeclass.live.tests.services.test_room import enter, make_lesson, ready, unverified

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
TIMEOUT = 10.0


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Node:
    """One uvicorn process serving the project on the test database and Redis."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = _free_port()
        database = connection.settings_dict
        env = {
            **os.environ,
            "SAFECLASS_ENV": "development",  # not "test": use the test database as it is
            "DATABASE_URL": (
                f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "SAFECLASS_SECRET_KEY": settings.SECRET_KEY,
            "SAFECLASS_DEMO": "0",
        }
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "safeclass.asgi:application",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--lifespan", "off", "--log-level", "warning", "--no-access-log",
            ],
            env=env,
        )  # fmt: skip
        self._wait_healthy()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:  # noqa: S310
                    if json.load(answer).get("status") == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"node {self.name} not healthy")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no disconnect handlers."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def nodes() -> Iterator[tuple[Node, Node]]:
    first = Node("a")
    try:
        second = Node("b")
    except BaseException:
        first.stop()
        raise
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def cookie_for(user: Any) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


class Socket:
    """A participant's WebSocket to one node, reading numbered events."""

    def __init__(
        self, node: Node, session_id: int, user: Any, after: int = 0, *, lobby: bool = False
    ) -> None:
        self.last_seq = after
        self.backlog: deque[dict[str, Any]] = deque()
        query = "lobby=1" if lobby else f"after={after}"
        self.ws: ClientConnection = ws_connect(
            f"ws://127.0.0.1:{node.port}/ws/buoi-hoc/{session_id}/?{query}",
            additional_headers={"Cookie": cookie_for(user), "Origin": node.url},
            open_timeout=TIMEOUT,
        )
        self.ws.__enter__()  # the client's own context, closed in close()
        hello = self.receive()
        assert hello["type"] == ("lobby" if lobby else "hello"), hello

    def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(self.ws.recv(timeout=TIMEOUT))
        if message.get("type") == "event":
            assert message["seq"] == self.last_seq + 1, (message["seq"], self.last_seq)
            self.last_seq = message["seq"]
        return message

    def until(self, predicate: Any) -> dict[str, Any]:
        """The next message that fits ``predicate``; those before it are passed over."""
        while self.backlog:
            message = self.backlog.popleft()
            if predicate(message):
                return message
        while True:
            message = self.receive()
            if predicate(message):
                return message

    def chat(self, text: str) -> dict[str, Any]:
        """Send a message; its answer. Events that come first (the message itself
        can reach its own sender before the answer does) wait for ``until``."""
        self.ws.send(json.dumps({"type": "chat", "text": text}))
        while True:
            message = self.receive()
            if message.get("type") == "chat_result":
                return message
            self.backlog.append(message)

    def close(self) -> None:
        self.ws.__exit__(None, None, None)


def is_chat(text: str) -> Any:
    return lambda m: m.get("kind") == "chat" and m["data"]["text"] == text


def test_two_processes_share_chat_controls_and_removals(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    lesson = make_lesson(students=3)
    first, second = (ready(s) for s in lesson.world.students[:2])
    for user in (lesson.teacher, first, second):
        assert enter(lesson, user).admitted
    session_id = lesson.session.pk
    # A pupil whose account is not activated waits in the lobby, on B.
    latecomer = unverified(lesson.world.students[2])
    waiting = enter(lesson, latecomer).participant
    assert waiting is not None and not enter(lesson, latecomer).admitted
    lobby = Socket(b, session_id, latecomer, lobby=True)

    teacher = Socket(a, session_id, lesson.teacher)
    pupil = Socket(b, session_id, first)
    other = Socket(b, session_id, second)
    # Presence crosses processes: the teacher on A sees the students come online on B.
    teacher.until(lambda m: m.get("kind") == "participant" and m["data"]["user"] == second.pk)

    assert pupil.chat("Em chào cô ạ")["ok"]
    teacher.until(is_chat("Em chào cô ạ"))
    assert teacher.chat("Chào các em, mở sách trang 12")["ok"]
    pupil.until(is_chat("Chào các em, mở sách trang 12"))
    other.until(is_chat("Chào các em, mở sách trang 12"))

    # A control on A reaches B; a removal on A closes the socket on B at once.
    room.room_control(
        actor=Actor(user=lesson.teacher), session_id=session_id, action="pin", text="Giữ trật tự"
    )
    pupil.until(lambda m: m.get("kind") == "controls" and m["data"]["pinned"] == "Giữ trật tự")
    participant = enter(lesson, second).participant
    assert participant is not None
    room.room_control(
        actor=Actor(user=lesson.teacher),
        session_id=session_id,
        action="remove",
        participant_id=participant.pk,
        ban=True,
    )
    closed = other.until(lambda m: m.get("type") == "closed")
    assert closed["reason"] == "removed"
    # The lobby on B heard nothing of all that, and is told the teacher's decision.
    room.room_control(
        actor=Actor(user=lesson.teacher),
        session_id=session_id,
        action="admit",
        participant_id=waiting.pk,
    )
    assert lobby.receive() == {"type": "closed", "reason": "admitted"}
    for socket_ in (teacher, pupil, other, lobby):
        socket_.close()


def test_a_killed_process_loses_nothing_and_its_clients_resume_elsewhere(
    nodes: tuple[Node, Node],
) -> None:
    a, b = nodes
    lesson = make_lesson(students=1)
    student = ready(lesson.world.students[0])
    for user in (lesson.teacher, student):
        assert enter(lesson, user).admitted
    session_id = lesson.session.pk

    teacher = Socket(a, session_id, lesson.teacher)
    pupil = Socket(b, session_id, student)
    assert pupil.chat("Em có mặt ạ")["ok"]
    teacher.until(is_chat("Em có mặt ạ"))
    pupil.until(is_chat("Em có mặt ạ"))

    b.kill()  # mid-lesson, no goodbye
    said_while_down = [f"Câu {n} khi máy chủ B tắt" for n in range(1, 4)]
    for text in said_while_down:
        assert teacher.chat(text)["ok"]
    # The student's client reconnects to the surviving process from its last number.
    resumed = Socket(a, session_id, student, after=pupil.last_seq)
    for text in said_while_down:
        resumed.until(is_chat(text))  # in order, no gap (Socket checks the numbers)

    stored = list(
        ChatMessage.objects.filter(session_id=session_id)
        .order_by("seq")
        .values_list("text", flat=True)
    )
    assert stored == ["Em có mặt ạ", *said_while_down]
    # Both stretches of attendance are kept: the one on the dead process was
    # closed by the take-over when the student came back.
    presences = list(Presence.objects.filter(participant__user=student).order_by("joined_at"))
    assert len(presences) == 2
    assert presences[0].left_at is not None and presences[1].left_at is None
    teacher.close()
    resumed.close()
