"""Hand-written SQL that stores rows as the ORM would (``core.db.InsertTemplate``): the
everyday chat message is one such statement, and nothing of what a message records
may differ from a message saved the usual way (CLS-1, CLS-3)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from safeclass.core.db import InsertTemplate
from safeclass.live.models import ChatMessage, ChatStatus
from safeclass.live.tests.services.test_room import make_lesson

pytestmark = pytest.mark.django_db

UNCOMPARED = {"id", "seq"}


@pytest.fixture
def lesson() -> SimpleNamespace:
    return make_lesson(minutes_from_now=5, students=1)


def columns(message: ChatMessage) -> dict[str, Any]:
    return {
        field.attname: getattr(message, field.attname)
        for field in ChatMessage._meta.concrete_fields
        if field.name not in UNCOMPARED
    }


def store(template: InsertTemplate[ChatMessage], message: ChatMessage) -> int:
    """Store ``message`` with the template's statement; the new row's id."""
    table = connection.ops.quote_name(ChatMessage._meta.db_table)
    sql = f"INSERT INTO {table} ({template.columns}) SELECT {template.values}"
    with connection.cursor() as cursor:
        cursor.execute(sql, template.params(message))
        cursor.execute(f"SELECT max(id) FROM {table}")
        (stored,) = cursor.fetchone()
    return int(stored)


def test_a_row_stored_by_the_template_reads_back_as_the_same_message_saved_by_the_orm(
    lesson: SimpleNamespace,
) -> None:
    pupil = lesson.world.students[0]
    # The number through an expression around the instance's own value.
    template = InsertTemplate(ChatMessage, {"seq": "%s + 10"})
    now = timezone.now().replace(microsecond=0) - timedelta(minutes=3)
    given = {
        "session": lesson.session.pk,
        "sender": pupil.pk,
        "text": "Em chào cô ạ",
        "status": ChatStatus.DELIVERED,
        "categories": ["personal_data"],
    }
    made = template.instance({**given, "seq": 7}, now)
    assert made.pk is None and made._state.adding
    assert (made.session_id, made.sender_id, made.created_at) == (lesson.session.pk, pupil.pk, now)
    # Fields the row does not bring take their defaults, as the model's constructor gives them.
    assert (made.private, made.image_sha256, made.image_width, made.review_note) == (
        False,
        "",
        None,
        "",
    )
    assert made.moderation_event_id is None and made.reviewed_by_id is None

    stored = ChatMessage.objects.get(pk=store(template, made))
    assert stored.seq == 17
    saved = ChatMessage.objects.create(
        **{**given, "session": lesson.session, "sender": pupil, "seq": 8}
    )
    saved.refresh_from_db()
    assert columns(stored) == {**columns(saved), "created_at": now}


def test_a_callable_default_is_called_for_every_instance(lesson: SimpleNamespace) -> None:
    template = InsertTemplate(ChatMessage, {})
    now = timezone.now()
    values = {"session": lesson.session.pk, "sender": lesson.teacher.pk, "seq": 1, "text": "Chào"}
    first, second = template.instance(values, now), template.instance(values, now)
    assert first.categories == [] and second.categories == []
    first.categories.append("x")
    assert second.categories == []  # not one list shared by every message


def test_every_concrete_field_but_the_key_is_a_column() -> None:
    template = InsertTemplate(ChatMessage, {"seq": "room.chat_seq"})
    stored = [f for f in ChatMessage._meta.concrete_fields if not f.primary_key]
    assert template.columns.count(",") + 1 == len(stored)
    assert template.values.split(", ")[[f.name for f in stored].index("seq")] == "room.chat_seq"
    # A computed column without ``%s`` takes no parameter of the instance's.
    made = template.instance({"session": 1, "sender": 1, "text": "x"}, timezone.now())
    assert len(template.params(made)) == len(stored) - 1


def test_a_row_read_by_hand_becomes_the_same_instance_the_orm_reads(
    lesson: SimpleNamespace,
) -> None:
    """``instance_from`` over ``select_list`` converts every column as a query does,
    on SQLite too (dates and times come back as text there, JSON as a string)."""
    from safeclass.core.db import instance_from, select_list

    message = ChatMessage.objects.create(
        session=lesson.session,
        seq=1,
        sender=lesson.teacher,
        text="Chào các em",
        status=ChatStatus.DELIVERED,
        categories=["link"],
    )
    table = connection.ops.quote_name(ChatMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select_list(ChatMessage, 'm')} FROM {table} m WHERE m.id = %s",
            [message.pk],
        )
        row = cursor.fetchone()
    by_hand = instance_from(ChatMessage, row)
    read = ChatMessage.objects.get(pk=message.pk)
    assert by_hand.pk == read.pk
    assert columns(by_hand) == columns(read)
    assert by_hand.created_at.tzinfo is not None and by_hand.categories == ["link"]
