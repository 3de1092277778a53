"""Lesson chat: moderated before it is stored, numbered in order, pictures only
when the teacher allows them and never past the hash lists (CLS-1, CLS-2,
CLS-3, INC-1)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from safeclass.audit.models import AuditEvent
from safeclass.classes.tests.factories import accept_pending_rules, class_world
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, ServiceError
from safeclass.core.files import open_blob
from safeclass.live import chat
from safeclass.live.models import ChatMessage, ChatStatus
from safeclass.live.selectors import access_session
from safeclass.live.tests.services.test_room import enter, make_lesson, ready
from safeclass.moderation.engine.images import pdq_of
from safeclass.moderation.hashlists import Row, import_hash_list
from safeclass.moderation.models import ModerationEvent
from safeclass.moderation.tests.test_images import encode, other_picture, picture
from safeclass.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(files_in_tmp: object) -> SimpleNamespace:
    """A lesson whose two students are in its room (only they may write, ACC-5)."""
    lesson = make_lesson(minutes_from_now=5, students=2)
    for student in lesson.world.students:
        enter(lesson, ready(student))
    return lesson


def post(lesson: SimpleNamespace, user, text: str = "", image: bytes | None = None) -> ChatMessage:  # type: ignore[no-untyped-def]
    access = access_session(user=user, session_id=lesson.session.pk)
    return chat.chat_post(actor=Actor(user=user), access=access, text=text, image=image)


def allow_pictures(lesson: SimpleNamespace, allowed: bool = True) -> None:
    teacher = lesson.world.homeroom
    access = access_session(user=teacher, session_id=lesson.session.pk)
    chat.chat_images_set(actor=Actor(user=teacher), access=access, allowed=allowed)


def photo_with_location() -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS IFD) and who took it."""
    image = picture()
    exif = Image.Exif()
    exif[0x013B] = "Nguyen Van A"  # Artist
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def test_messages_are_numbered_in_order_whatever_their_verdict(lesson: SimpleNamespace) -> None:
    pupil = lesson.world.students[0]
    first = post(lesson, pupil, "Em chào cô ạ")
    held = post(lesson, pupil, "Thằng Nam ngu như bò")
    masked = post(lesson, pupil, "số của tớ là 0912 345 678")
    assert [first.seq, held.seq, masked.seq] == [1, 2, 3]
    assert first.status == ChatStatus.DELIVERED
    assert held.status == ChatStatus.HELD
    assert masked.status == ChatStatus.DELIVERED and "0912" not in masked.text
    assert held.moderation_event is not None and held.moderation_event.categories == ["harassment"]


def test_an_approved_message_keeps_its_place_and_a_rejected_one_is_explained(
    lesson: SimpleNamespace,
) -> None:
    pupil = lesson.world.students[0]
    teacher = lesson.world.homeroom
    held = post(lesson, pupil, "xem cái này nè bit.ly/abc")
    later = post(lesson, pupil, "Em chào cô")
    access = access_session(user=teacher, session_id=lesson.session.pk)
    approved = chat.chat_review(
        actor=Actor(user=teacher), access=access, message_id=held.pk, approve=True
    )
    assert approved.status == ChatStatus.DELIVERED and approved.seq < later.seq
    again = post(lesson, pupil, "Mày ngu quá")
    chat.chat_review(
        actor=Actor(user=teacher),
        access=access,
        message_id=again.pk,
        approve=False,
        note="Nói nhẹ nhàng nhé.",
    )
    assert ChatMessage.objects.get(pk=again.pk).status == ChatStatus.REJECTED
    told = Notification.objects.get(recipient=pupil, kind="live.chat_rejected")
    assert "Nói nhẹ nhàng nhé." in told.body and "111" in told.body
    with pytest.raises(ServiceError):
        chat.chat_review(
            actor=Actor(user=teacher), access=access, message_id=again.pk, approve=True
        )


def test_a_student_cannot_post_a_picture_until_the_teacher_allows_it(
    lesson: SimpleNamespace,
) -> None:
    pupil = lesson.world.students[0]
    with pytest.raises(ServiceError) as refused:
        post(lesson, pupil, image=encode(picture()))
    assert refused.value.field == "image"
    assert not ChatMessage.objects.exists()
    lesson.session.refresh_from_db()
    assert lesson.session.controls.chat_seq == 0


def test_only_the_teacher_switches_pictures_on_and_it_is_audited(lesson: SimpleNamespace) -> None:
    pupil = lesson.world.students[0]
    access = access_session(user=pupil, session_id=lesson.session.pk)
    with pytest.raises(Forbidden):
        chat.chat_images_set(actor=Actor(user=pupil), access=access, allowed=True)
    allow_pictures(lesson)
    allow_pictures(lesson)  # no change, no second record
    allow_pictures(lesson, allowed=False)
    actions = list(
        AuditEvent.objects.filter(action__startswith="live.chat_images").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["live.chat_images_off", "live.chat_images_on"]


def test_an_allowed_picture_is_stored_without_its_location(lesson: SimpleNamespace) -> None:
    pupil = lesson.world.students[0]
    allow_pictures(lesson)
    upload = photo_with_location()
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)  # the upload has GPS
    message = post(lesson, pupil, "ảnh bài làm của em", image=upload)
    assert message.status == ChatStatus.DELIVERED
    assert message.image_sha256 and (message.image_width, message.image_height) == (640, 480)
    with open_blob(message.image_sha256) as handle:
        stored = handle.read()
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG"
    assert not kept.getexif()  # no GPS, no artist: nothing but the picture
    assert b"Nguyen Van A" not in stored


def test_a_picture_on_a_hash_list_is_blocked_reported_and_not_kept(
    lesson: SimpleNamespace,
) -> None:
    known, quality = pdq_of(encode(picture()))
    import_hash_list(name="Danh sách thử", rows=[Row(1, known, quality, "known-1")])
    teacher = lesson.world.homeroom
    # Recompressed as JPEG and shrunk: still the same picture to PDQ.
    copy = encode(picture().resize((480, 360)), "JPEG", quality=70)
    message = post(lesson, teacher, image=copy)  # teachers' pictures are checked too
    assert message.status == ChatStatus.BLOCKED
    assert message.image_sha256 == ""
    assert "image" in message.categories
    event = ModerationEvent.objects.get(pk=message.moderation_event_id)
    assert event.report and event.categories == ["image"]
    assert event.findings[0]["pdq"] and event.findings[0]["sha256"] == event.text_sha256
    # A different picture goes through.
    fine = post(lesson, teacher, image=encode(other_picture(), "JPEG"))
    assert fine.status == ChatStatus.DELIVERED and fine.image_sha256


@pytest.mark.parametrize(
    "data",
    [b"", b"not a picture at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40],
)
def test_a_file_that_is_not_a_picture_is_refused_and_changes_nothing(
    lesson: SimpleNamespace, data: bytes
) -> None:
    allow_pictures(lesson)
    pupil = lesson.world.students[0]
    if not data:
        with pytest.raises(ServiceError):
            post(lesson, pupil, image=data)  # empty: "write a message first"
    else:
        with pytest.raises(ServiceError) as refused:
            post(lesson, pupil, image=data)
        assert refused.value.field == "image"
    assert not ChatMessage.objects.exists()


def test_pictures_are_served_only_to_those_who_see_the_message(
    lesson: SimpleNamespace, client: Client
) -> None:
    allow_pictures(lesson)
    sender, classmate = lesson.world.students
    message = post(lesson, sender, image=encode(picture(), "JPEG"))
    url = reverse("live:chat_image", args=[lesson.session.pk, message.pk])
    accept_pending_rules(classmate)
    client.force_login(classmate)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    assert response.getvalue()[:2] == b"\xff\xd8"  # a JPEG
    outsider = class_world(students=1).students[0]
    accept_pending_rules(outsider)
    client.force_login(outsider)
    assert client.get(url).status_code in {403, 404}
