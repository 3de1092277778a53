"""Materials (CLS-6): checked uploads, stored by content, opening tracked."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from safeclass.classes.tests.factories import class_world
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.files import blob_path, verify_blob
from safeclass.live import services
from safeclass.live.models import MaterialView

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lesson(files_in_tmp):  # type: ignore[no-untyped-def]
    world = class_world(students=1)
    start = timezone.now() + timedelta(days=1)
    lesson = services.session_create(
        actor=Actor.system(),
        school_class=world.school_class,
        teacher=world.homeroom,
        subject=None,
        title="Ôn tập",
        starts_at=start,
        ends_at=start + timedelta(minutes=35),
    )
    return SimpleNamespace(session=lesson, world=world, root=files_in_tmp)


def test_a_pdf_is_stored_once_under_its_hash(lesson: SimpleNamespace) -> None:
    teacher = Actor(user=lesson.world.homeroom)
    first = services.material_add_file(
        actor=teacher,
        session=lesson.session,
        title="Bài đọc",
        upload=services.UploadedFile("bai.pdf", PDF),
    )
    second = services.material_add_file(
        actor=teacher,
        session=lesson.session,
        title="Bản sao",
        upload=services.UploadedFile("copy.pdf", PDF),
    )
    assert first.sha256 == second.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.content_type == "application/pdf"
    assert (lesson.root / blob_path(first.sha256)).read_bytes() == PDF
    assert verify_blob(first.sha256)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
        ("trang.html", b"<html><script>alert(1)</script></html>"),
        ("nen.zip", b"PK\x03\x04" + b"\x00" * 60),
        ("anh.svg", b"<svg onload=alert(1)></svg>\x00"),
        ("rong.pdf", b""),
    ],
)
def test_files_a_lesson_does_not_need_are_refused(
    lesson: SimpleNamespace, name: str, data: bytes
) -> None:
    with pytest.raises(ServiceError):
        services.material_add_file(
            actor=Actor(user=lesson.world.homeroom),
            session=lesson.session,
            title="x",
            upload=services.UploadedFile(name, data),
        )
    assert not lesson.session.materials.exists()


def test_links_must_be_web_addresses(lesson: SimpleNamespace) -> None:
    teacher = Actor(user=lesson.world.homeroom)
    for bad in ["javascript:alert(1)", "ftp://example.org/x", "example.org", "https://"]:
        with pytest.raises(ServiceError):
            services.material_add_link(actor=teacher, session=lesson.session, title="", url=bad)
    link = services.material_add_link(
        actor=teacher, session=lesson.session, title="", url="https://hanhtrangso.nxbgd.vn/sach"
    )
    assert link.title == "hanhtrangso.nxbgd.vn"


def test_opening_is_counted_per_person(lesson: SimpleNamespace) -> None:
    material = services.material_add_link(
        actor=Actor(user=lesson.world.homeroom),
        session=lesson.session,
        title="Video",
        url="https://example.org/v",
    )
    student = lesson.world.students[0]
    services.material_opened(user=student, material=material)
    services.material_opened(user=student, material=material)
    view = MaterialView.objects.get(material=material, user=student)
    assert view.count == 2
    assert view.last_opened_at >= view.first_opened_at
