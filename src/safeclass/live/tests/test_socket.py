"""The room's WebSocket: admitted people only, numbered events, resume after a gap,
removal and take-over close the socket at once (ACC-1, ACC-4, CLS-5; architecture §6)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.routing import URLRouter

from safeclass.asgi import application
from safeclass.core.context import Actor
from safeclass.live import chat, room
from safeclass.live.consumers import keep_server_send
from safeclass.live.models import ChatMessage, Presence
from safeclass.live.routing import websocket_urlpatterns
from safeclass.live.selectors import access_session
from safeclass.live.tests.services.test_room import (
    control,
    enter,
    make_lesson,
    ready,
    unverified,
)

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


class WebsocketCommunicator(ApplicationCommunicator):  # type: ignore[misc]
    """A WebSocket client speaking ASGI directly to the application (no network)."""

    def __init__(self, app: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None):
        route, _, query = path.partition("?")
        scope = {
            "type": "websocket",
            "path": route,
            "query_string": query.encode(),
            "headers": headers or [(b"host", b"localhost")],
            "subprotocols": [],
        }
        super().__init__(app, scope)

    async def connect(self, timeout: float = 1) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        if answer["type"] == "websocket.close":
            return False, answer.get("code", 1000)
        return True, answer.get("subprotocol")

    async def send_json_to(self, data: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 1) -> Any:
        answer = await self.receive_output(timeout)
        assert answer["type"] == "websocket.send", answer
        return json.loads(answer["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def socket(
    session_id: int, user: Any, after: int = 0, *, lobby: bool = False
) -> WebsocketCommunicator:
    """A room socket, or with ``lobby`` the lobby page's socket."""
    query = "lobby=1" if lobby else f"after={after}"
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/buoi-hoc/{session_id}/?{query}"
    )
    communicator.scope["user"] = user
    return communicator


async def events_until(communicator: WebsocketCommunicator, kind: str) -> list[dict[str, Any]]:
    """Every message up to and including the first event of ``kind``."""
    seen = []
    while True:
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        seen.append(message)
        if message.get("type") == "event" and message.get("kind") == kind:
            return seen


def post(session_id: int, user: Any, text: str) -> None:
    access = access_session(user=user, session_id=session_id)
    chat.chat_post(actor=Actor(user=user), access=access, text=text)


def test_strangers_and_people_not_let_in_get_no_room_socket() -> None:
    lesson = make_lesson(students=3)
    stranger = make_lesson().world.students[0]
    waiting, refused, inside = lesson.world.students
    enter(lesson, unverified(waiting))
    participant = enter(lesson, unverified(refused)).participant
    assert participant is not None
    control(lesson, "deny", participant_id=participant.pk)
    assert enter(lesson, ready(inside)).admitted

    async def scenario() -> None:
        for user in (stranger, waiting, refused):
            connected, code = await socket(lesson.session.pk, user).connect(timeout=TIMEOUT)
            assert not connected and code == 4403
        # The lobby's socket: only for someone waiting; a stranger is refused, and
        # someone already decided is sent back to the room page (4000).
        for user, expected in ((stranger, 4403), (refused, 4000), (inside, 4000)):
            lobby = socket(lesson.session.pk, user, lobby=True)
            connected, code = await lobby.connect(timeout=TIMEOUT)
            assert not connected and code == expected

    async_to_sync(scenario)()


def test_the_lobby_socket_carries_nothing_and_closes_with_the_teachers_decision() -> None:
    """Waiting pupils are told the teacher's decision at once instead of asking the
    server every few seconds; until then they read and write nothing (ACC-1, ACC-5)."""
    from channels.db import database_sync_to_async

    lesson = make_lesson()
    enter(lesson, lesson.teacher)
    first, second = (unverified(s) for s in lesson.world.students[:2])
    waiting = [enter(lesson, s).participant for s in (first, second)]
    session_id = lesson.session.pk
    decide = database_sync_to_async(control)

    async def scenario() -> None:
        lobbies = [socket(session_id, user, lobby=True) for user in (first, second)]
        for lobby in lobbies:
            connected, _ = await lobby.connect(timeout=TIMEOUT)
            assert connected
            assert await lobby.receive_json_from(timeout=TIMEOUT) == {"type": "lobby"}
        # The room goes on: nothing of it reaches the lobby, which cannot write.
        await database_sync_to_async(post)(session_id, lesson.teacher, "Chào cả lớp")
        await lobbies[0].send_json_to({"type": "chat", "text": "Cho em vào với"})
        await decide(lesson, "admit", participant_id=waiting[0].pk)
        assert await lobbies[0].receive_json_from(timeout=TIMEOUT) == {
            "type": "closed",
            "reason": "admitted",
        }
        assert (await lobbies[0].receive_output(timeout=TIMEOUT))["code"] == 4200
        await decide(lesson, "deny", participant_id=waiting[1].pk)
        assert await lobbies[1].receive_json_from(timeout=TIMEOUT) == {
            "type": "closed",
            "reason": "denied",
        }
        assert (await lobbies[1].receive_output(timeout=TIMEOUT))["code"] == 4403

    async_to_sync(scenario)()
    assert not ChatMessage.objects.filter(text="Cho em vào với").exists()
    assert not Presence.objects.filter(participant__session_id=session_id).exists()


def test_someone_turned_away_after_being_let_in_leaves_the_room_at_once() -> None:
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    participant = enter(lesson, student).participant
    assert participant is not None
    session_id = lesson.session.pk

    async def scenario() -> None:
        from channels.db import database_sync_to_async

        pupil = socket(session_id, student)
        connected, _ = await pupil.connect(timeout=TIMEOUT)
        assert connected
        await events_until(pupil, "participant")
        await database_sync_to_async(control)(lesson, "deny", participant_id=participant.pk)
        # Events announced before the decision may come first; then the close.
        while (message := await pupil.receive_json_from(timeout=TIMEOUT))["type"] != "closed":
            assert message["type"] == "event"
        assert message["reason"] == "denied"
        assert (await pupil.receive_output(timeout=TIMEOUT))["code"] == 4403

    async_to_sync(scenario)()


def test_a_lobby_socket_decided_before_it_listened_is_closed_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Let in after the socket found its owner waiting but before it listened for the
    decision: the announcement went to nobody, and the socket's second look closes it."""
    from safeclass.live import selectors

    lesson = make_lesson()
    student = unverified(lesson.world.students[0])
    participant = enter(lesson, student).participant
    assert participant is not None
    session_id = lesson.session.pk
    real = selectors.participant_state
    looks: list[str | None] = []

    def look_then_admit(**kwargs: Any) -> str | None:
        state = real(**kwargs)
        looks.append(state)
        if len(looks) == 1:
            control(lesson, "admit", participant_id=participant.pk)
        return state

    monkeypatch.setattr(selectors, "participant_state", look_then_admit)

    async def scenario() -> None:
        lobby = socket(session_id, student, lobby=True)
        connected, _ = await lobby.connect(timeout=TIMEOUT)
        assert connected
        assert await lobby.receive_json_from(timeout=TIMEOUT) == {"type": "lobby"}
        assert await lobby.receive_json_from(timeout=TIMEOUT) == {
            "type": "closed",
            "reason": "decided",
        }

    async_to_sync(scenario)()
    assert looks == ["waiting", "admitted"]


def test_a_message_reaches_the_class_numbered_and_a_resume_replays_the_log() -> None:
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    enter(lesson, lesson.teacher)
    enter(lesson, student)
    session_id = lesson.session.pk

    async def scenario() -> None:
        pupil = socket(session_id, student)
        connected, _ = await pupil.connect(timeout=TIMEOUT)
        assert connected
        hello = await pupil.receive_json_from(timeout=TIMEOUT)
        assert hello["type"] == "hello" and hello["teacher"] is False
        await events_until(pupil, "participant")  # the replay reaches the present
        from channels.db import database_sync_to_async

        await database_sync_to_async(post)(session_id, lesson.teacher, "Chào cả lớp")
        chat_events = [m for m in await events_until(pupil, "chat") if m.get("kind") == "chat"]
        assert chat_events[-1]["data"]["text"] == "Chào cả lớp"
        # Ask again from the start: the whole log, numbered 1, 2, 3… without gaps.
        await pupil.send_json_to({"type": "resume", "after": 0})
        replay = await events_until(pupil, "chat")
        numbers = [m["seq"] for m in replay if m.get("type") == "event"]
        assert numbers == list(range(1, len(numbers) + 1))
        await pupil.disconnect()

    async_to_sync(scenario)()
    presence = Presence.objects.get(participant__user=student)
    assert presence.left_at is not None  # the interval closed with the socket


def test_the_rooms_frames_go_to_the_server_past_the_middleware_between() -> None:
    """Events (the log read on joining, then a new message) are written with the server's
    own ``send``; accepting and the hello still pass through the middleware between
    (where the session middleware acts), and the client gets everything in order."""
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    enter(lesson, lesson.teacher)
    enter(lesson, student)
    session_id = lesson.session.pk
    passed: list[dict[str, Any]] = []

    def middleware(inner: Any) -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> Any:
            async def watched_send(message: dict[str, Any]) -> None:
                passed.append(message)
                await send(message)

            return await inner(scope, receive, watched_send)

        return app

    async def scenario() -> None:
        pupil = WebsocketCommunicator(
            keep_server_send(middleware(URLRouter(websocket_urlpatterns))),
            f"/ws/buoi-hoc/{session_id}/?after=0",
        )
        pupil.scope["user"] = student
        connected, _ = await pupil.connect(timeout=TIMEOUT)
        assert connected
        hello = await pupil.receive_json_from(timeout=TIMEOUT)
        assert hello["type"] == "hello"
        joined = await events_until(pupil, "participant")
        from channels.db import database_sync_to_async

        await database_sync_to_async(post)(session_id, lesson.teacher, "Chào cả lớp")
        said = await events_until(pupil, "chat")
        numbers = [m["seq"] for m in joined + said if m.get("type") == "event"]
        assert numbers == list(range(1, len(numbers) + 1))
        assert said[-1]["data"]["text"] == "Chào cả lớp"
        await pupil.disconnect()

    async_to_sync(scenario)()
    kinds = [m["type"] for m in passed]
    assert kinds[0] == "websocket.accept"
    through = [json.loads(m["text"]) for m in passed if m["type"] == "websocket.send"]
    assert [m["type"] for m in through] == ["hello"]  # no event frame went that way


def test_a_held_message_reaches_teachers_but_only_a_number_reaches_students() -> None:
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    enter(lesson, lesson.teacher)
    enter(lesson, student)
    session_id = lesson.session.pk

    async def scenario() -> None:
        from channels.db import database_sync_to_async

        teacher = socket(session_id, lesson.teacher)
        pupil = socket(session_id, student)
        assert (await teacher.connect(timeout=TIMEOUT))[0]
        assert (await pupil.connect(timeout=TIMEOUT))[0]
        await database_sync_to_async(post)(session_id, student, "Thằng Nam ngu như bò")
        held = [m for m in await events_until(teacher, "chat_held") if m.get("kind") == "chat_held"]
        assert "ngu như bò" in held[-1]["data"]["text"]
        seen = await events_until(pupil, "private")
        assert not any("ngu như bò" in str(m) for m in seen)
        await teacher.disconnect()
        await pupil.disconnect()

    async_to_sync(scenario)()


def test_removal_closes_the_socket_and_no_other_device_gets_back_in() -> None:
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    participant = enter(lesson, student).participant
    assert participant is not None
    session_id = lesson.session.pk

    def remove() -> None:
        room.room_control(
            actor=Actor(user=lesson.teacher),
            session_id=session_id,
            action="remove",
            participant_id=participant.pk,
            ban=True,
        )

    async def scenario() -> None:
        from channels.db import database_sync_to_async

        pupil = socket(session_id, student)
        assert (await pupil.connect(timeout=TIMEOUT))[0]
        await pupil.receive_json_from(timeout=TIMEOUT)  # hello
        await database_sync_to_async(remove)()
        while True:
            message = await pupil.receive_json_from(timeout=TIMEOUT)
            if message["type"] == "closed":
                break
        assert message["reason"] == "removed"
        closing = await pupil.receive_output(timeout=TIMEOUT)
        assert closing == {"type": "websocket.close", "code": 4410}
        other_device = socket(session_id, student)
        connected, code = await other_device.connect(timeout=TIMEOUT)
        assert not connected and code == 4403

    async_to_sync(scenario)()


def test_a_second_device_takes_over_and_the_first_is_closed() -> None:
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    enter(lesson, student)
    session_id = lesson.session.pk

    async def scenario() -> None:
        first = socket(session_id, student)
        assert (await first.connect(timeout=TIMEOUT))[0]
        second = socket(session_id, student)
        assert (await second.connect(timeout=TIMEOUT))[0]
        while True:
            message = await first.receive_json_from(timeout=TIMEOUT)
            if message["type"] == "closed":
                break
        assert message["reason"] == "takeover"
        assert await first.receive_output(timeout=TIMEOUT) == {
            "type": "websocket.close",
            "code": 4409,
        }
        await second.send_json_to({"type": "ping"})
        while (await second.receive_json_from(timeout=TIMEOUT))["type"] != "pong":
            pass
        await second.disconnect()

    async_to_sync(scenario)()


def test_a_socket_from_a_foreign_origin_is_refused() -> None:
    """The full ASGI stack checks the Origin before anything else."""
    lesson = make_lesson()

    async def scenario() -> None:
        communicator = WebsocketCommunicator(
            application,
            f"/ws/buoi-hoc/{lesson.session.pk}/",
            headers=[(b"origin", b"https://lop-hoc-gia.example"), (b"host", b"localhost")],
        )
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert not connected
        assert code != 4401  # refused before the room even looked at who it was
        # The same request from the site's own origin reaches the room, which then
        # refuses it for want of a signed-in session.
        same_origin = WebsocketCommunicator(
            application,
            f"/ws/buoi-hoc/{lesson.session.pk}/",
            headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
        )
        assert await same_origin.connect(timeout=TIMEOUT) == (False, 4401)

    async_to_sync(scenario)()


def test_a_socket_with_a_full_queue_reads_what_it_dropped_from_the_log(monkeypatch: Any) -> None:
    """A pupil's connection that stops reading fills its socket's queue; what no longer
    fits is dropped there and read from the log instead, in order, nothing lost.
    (A queue of 0 drops every announcement, so all of it comes from the log.)"""
    from safeclass.live import consumers

    monkeypatch.setattr(consumers, "OUTBOX_LIMIT", 0)
    lesson = make_lesson()
    student = ready(lesson.world.students[0])
    enter(lesson, lesson.teacher)
    enter(lesson, student)
    session_id = lesson.session.pk
    said = [f"Câu hỏi số {n}" for n in range(1, 6)]

    async def scenario() -> None:
        from channels.db import database_sync_to_async

        pupil = socket(session_id, student)
        assert (await pupil.connect(timeout=TIMEOUT))[0]
        await events_until(pupil, "participant")
        for text in said:
            await database_sync_to_async(post)(session_id, lesson.teacher, text)
        seen: list[dict[str, Any]] = []
        while len([m for m in seen if m.get("kind") == "chat"]) < len(said):
            seen.append(await pupil.receive_json_from(timeout=TIMEOUT))
        numbers = [m["seq"] for m in seen if m.get("type") == "event"]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        assert [m["data"]["text"] for m in seen if m.get("kind") == "chat"] == said
        await pupil.disconnect()

    async_to_sync(scenario)()


def test_a_message_announced_on_the_rooms_loop_is_written_to_every_socket_at_once() -> None:
    """A message stored on the sockets' own event loop is handed out there and
    then, and each socket that can take data writes it at once, not in a task
    that runs later: one message reaches the whole room in one go (architecture
    §6). Checked before the event loop runs anything else; it fails when the
    hand-out or the sockets' writers are only scheduled."""
    from safeclass.live import hub

    async def unused_log_reader(session: int, after: int) -> list[hub.Announcement]:
        raise AssertionError("the sockets' hub reads the log its own way")

    lesson = make_lesson()
    students = [ready(student) for student in lesson.world.students[:2]]
    enter(lesson, lesson.teacher)
    for student in students:
        enter(lesson, student)
    session_id = lesson.session.pk

    async def scenario() -> None:
        from channels.db import database_sync_to_async

        pupils = [socket(session_id, student) for student in students]
        for pupil in pupils:
            assert (await pupil.connect(timeout=TIMEOUT))[0]
        await database_sync_to_async(post)(session_id, lesson.teacher, "Chào cả lớp")
        last = [
            [m for m in await events_until(pupil, "chat") if m.get("type") == "event"][-1]["seq"]
            for pupil in pupils
        ]
        assert last[0] == last[1]
        number = last[0] + 1
        frame = json.dumps({"type": "event", "seq": number, "kind": "reaction", "data": {}})
        room_hub = hub.local(unused_log_reader)  # made by the sockets already
        assert session_id in room_hub.rooms
        # Announced on the sockets' own loop, as a message stored there is.
        hub.publish({"s": session_id, "q": number, "p": frame, "t": None})
        # No await since: had the hand-out or the writers only been scheduled,
        # nothing was written yet.
        written = [pupil.output_queue.get_nowait() for pupil in pupils]
        assert [json.loads(answer["text"])["seq"] for answer in written] == [number, number]
        for pupil in pupils:
            await pupil.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("channel_layer", [None, "channels.layers.InMemoryChannelLayer"])
def test_a_socket_answers_its_frames_in_order_and_ends_with_the_connection(
    channel_layer: str | None, settings: Any
) -> None:
    """The socket reads the client's frames itself when no channel layer is set,
    and through Channels' own dispatch when one is: either way each frame is
    answered in the order sent, and the socket's task ends when the client goes
    (architecture §6)."""
    if channel_layer is not None:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": channel_layer}}
    lesson = make_lesson()
    enter(lesson, lesson.teacher)
    session_id = lesson.session.pk

    async def scenario() -> None:
        teacher = socket(session_id, lesson.teacher)
        assert (await teacher.connect(timeout=TIMEOUT))[0]
        for text in ("Câu một", "Câu hai", "Câu ba"):
            await teacher.send_json_to({"type": "chat", "text": text})
        numbers: list[int] = []
        while len(numbers) < 3:
            answer = await teacher.receive_json_from(timeout=TIMEOUT)
            if answer["type"] == "chat_result":
                assert answer["ok"] is True
                numbers.append(answer["seq"])
        assert numbers == sorted(numbers) and len(set(numbers)) == 3
        await teacher.disconnect()  # fails if the socket's task does not end

    async_to_sync(scenario)()
    stored = ChatMessage.objects.filter(session_id=session_id).order_by("seq")
    assert list(stored.values_list("text", flat=True)) == ["Câu một", "Câu hai", "Câu ba"]
