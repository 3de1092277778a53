"""In Chromium: a student's messages are moderated; the teacher approves one held
message and rejects another, and lets students post pictures (CLS-1, CLS-2, CLS-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from safeclass.accounts.models import User
from safeclass.classes.tests.factories import accept_pending_rules
from safeclass.demo.management.commands.seed_demo import DEMO_PASSWORD
from safeclass.live.models import ChatMessage, Session
from safeclass.moderation.tests.test_images import encode, picture
from safeclass.notify.models import Notification

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/dang-nhap/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


def lesson_starting_soon() -> Session:
    """A demo lesson of 5A moved to start in five minutes: its lobby is open."""
    lesson = Session.objects.filter(
        school_class__name="5A", school_class__school__code="th-demo", teacher__username="gvcn.demo"
    ).first()
    assert lesson is not None
    starts = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(pk=lesson.pk).update(
        starts_at=starts, ends_at=starts + timedelta(minutes=40)
    )
    return lesson


def come_in(page, base: str, lesson: Session) -> None:  # type: ignore[no-untyped-def]
    """Students write in a lesson's chat once its room let them in (ACC-5)."""
    page.goto(f"{base}/buoi-hoc/{lesson.pk}/phong/")
    page.wait_for_selector("#room")


def post(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("textarea[name=text]", text)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


def test_a_teacher_approves_and_rejects_held_messages(live_server_url: str, new_context) -> None:
    call_command("seed_demo", verbosity=0)
    student = User.objects.get(username="hs.demo")
    accept_pending_rules(student)
    lesson = lesson_starting_soon()
    chat_url = f"{live_server_url}/buoi-hoc/{lesson.pk}/tro-chuyen/"

    pupil = new_context().new_page()
    sign_in(pupil, live_server_url, "hs.demo")
    come_in(pupil, live_server_url, lesson)
    pupil.goto(chat_url)
    post(pupil, "Các bạn xem video này nhé bit.ly/bai-hat-hay")
    post(pupil, "Thằng Nam ngu như bò")
    post(pupil, "Em chào cô và các bạn ạ")
    post(pupil, "số của tớ là 0912 345 678")
    # The sender sees why, kindly; the class sees nothing yet of the held ones.
    assert pupil.locator(".chat-held").count() == 2
    assert "thầy cô sẽ xem" in pupil.locator(".chat-held .chat-reason").first.inner_text()
    masked = pupil.locator(".chat-message").last.locator(".chat-text").inner_text()
    assert "0912" not in masked and masked.startswith("số của tớ là")

    teacher = new_context().new_page()
    sign_in(teacher, live_server_url, "gvcn.demo")
    teacher.goto(f"{live_server_url}/kiem-duyet/")
    items = teacher.locator(".review-item")
    assert items.count() == 2
    link_item = items.filter(has_text="bit.ly")
    link_item.locator("button[value=approve]").click()
    teacher.wait_for_load_state()
    insult_item = teacher.locator(".review-item").filter(has_text="ngu như bò")
    insult_item.locator("input[name=note]").fill("Mình nói với nhau nhẹ nhàng thôi em nhé.")
    insult_item.locator("button[value=reject]").click()
    teacher.wait_for_load_state()
    assert teacher.locator(".review-item").count() == 0

    statuses = list(ChatMessage.objects.filter(session=lesson).values_list("seq", "status"))
    assert statuses == [(1, "delivered"), (2, "rejected"), (3, "delivered"), (4, "delivered")]
    assert Notification.objects.filter(recipient=student, kind="live.chat_rejected").exists()

    # A classmate's view: the approved message sits where it was written, before
    # the greeting; the rejected one is nowhere.
    other = (
        User.objects.filter(enrollments__school_class=lesson.school_class, kind="student")
        .exclude(pk=student.pk)
        .first()
    )
    assert other is not None
    other.set_password(DEMO_PASSWORD)
    other.save()
    accept_pending_rules(other)
    classmate = new_context().new_page()
    sign_in(classmate, live_server_url, other.username)
    classmate.goto(chat_url)
    texts = classmate.locator(".chat-text").all_inner_texts()
    assert texts[0].startswith("Các bạn xem video") and texts[1] == "Em chào cô và các bạn ạ"
    assert not any("ngu như bò" in text for text in texts)


def test_a_teacher_allows_pictures_and_a_student_posts_one(
    live_server_url: str, new_context, tmp_path
) -> None:
    """CLS-2: no picture button until the teacher allows it; then a checked picture shows."""
    call_command("seed_demo", verbosity=0)
    student = User.objects.get(username="hs.demo")
    accept_pending_rules(student)
    lesson = lesson_starting_soon()
    chat_url = f"{live_server_url}/buoi-hoc/{lesson.pk}/tro-chuyen/"
    photo = tmp_path / "bai-lam.png"
    photo.write_bytes(encode(picture()))

    pupil = new_context().new_page()
    sign_in(pupil, live_server_url, "hs.demo")
    come_in(pupil, live_server_url, lesson)
    pupil.goto(chat_url)
    assert pupil.locator("input[name=image]").count() == 0

    teacher = new_context().new_page()
    sign_in(teacher, live_server_url, "gvcn.demo")
    teacher.goto(chat_url)
    teacher.click("form.inline-form button[type=submit]")
    teacher.wait_for_load_state()
    assert Session.objects.get(pk=lesson.pk).student_images

    pupil.goto(chat_url)
    pupil.set_input_files("input[name=image]", str(photo))
    pupil.fill("textarea[name=text]", "Bài làm của em ạ")
    pupil.click("form.stacked button[type=submit]")
    pupil.wait_for_load_state()
    shown = pupil.locator("img.chat-image")
    assert shown.count() == 1
    # The browser really received and decoded the picture.
    pupil.wait_for_function(
        "() => { const img = document.querySelector('img.chat-image');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    assert shown.evaluate("img => img.naturalWidth") == 640
    message = ChatMessage.objects.get(session=lesson, sender=student)
    assert message.status == "delivered" and message.image_sha256
