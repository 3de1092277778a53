"""Upgrading keeps every lesson's chat numbering (CLS-3): the chat counter moved
from the lesson's row to its controls row, and a lesson that already has
messages must go on from its last number, not from 1 (which its next message
could not take)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from safeclass.live.models import RoomControls
from safeclass.live.tests.services.test_room import make_lesson

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("live", "0007_private_questions")]
AFTER = [("live", "0008_chat_seq_with_controls")]


def migrate(targets: list[tuple[str, str]] | None = None) -> None:
    """To ``targets``; without them, to the latest migration of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets if targets is not None else executor.loader.graph.leaf_nodes())


@pytest.fixture
def back_at_0007() -> Iterator[None]:
    try:
        yield
    finally:
        migrate()  # whatever happened, the next test finds the current schema


def test_the_chat_counter_moves_to_the_controls_row_without_a_gap(back_at_0007: None) -> None:
    chatted = make_lesson().session
    without_controls = make_lesson().session
    quiet = make_lesson().session
    RoomControls.objects.create(session=chatted)
    RoomControls.objects.create(session=quiet)
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE live_session SET chat_seq = 7 WHERE id = %s", [chatted.pk])
        cursor.execute("UPDATE live_session SET chat_seq = 3 WHERE id = %s", [without_controls.pk])
    migrate(AFTER)
    counters = dict(RoomControls.objects.values_list("session_id", "chat_seq"))
    assert counters == {chatted.pk: 7, without_controls.pk: 3, quiet.pk: 0}


def test_going_back_keeps_the_numbers_on_the_lesson(back_at_0007: None) -> None:
    lesson = make_lesson().session
    RoomControls.objects.create(session=lesson, chat_seq=12)
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT chat_seq FROM live_session WHERE id = %s", [lesson.pk])
        assert cursor.fetchone() == (12,)
