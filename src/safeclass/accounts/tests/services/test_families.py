"""Parents join, link to their children, and sign young children in (FAM-1, ACC-1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from safeclass.accounts import services
from safeclass.accounts.models import Guardianship, OneTimeToken, ParentInvitation
from safeclass.accounts.tests.factories import ParentFactory, StudentFactory
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.notify.models import OutboundEmail
from safeclass.orgs.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db
SCHOOL_ACTOR = Actor.system()


@pytest.fixture
def child():  # type: ignore[no-untyped-def]
    return StudentFactory(school=SchoolFactory(), full_name="Nguyễn Gia Bảo")


def test_a_slip_code_links_and_waits_for_the_school(child) -> None:
    code = services.parent_link_code_issue(actor=SCHOOL_ACTOR, student=child)
    parent = ParentFactory(phone="0911000222")
    link = services.guardianship_link_with_code(actor=Actor(user=parent), code=code.lower())
    assert link.student == child
    assert not link.verified  # nothing ties this parent to the school's records yet


def test_a_slip_code_with_the_roster_contact_is_confirmed_at_once(child) -> None:
    services.parent_invitations_create(
        actor=SCHOOL_ACTOR,
        student=child,
        parent_name="Nguyễn Văn Hùng",
        email="",
        phone="0911 000 333",
        link_for=None,
    )
    code = services.parent_link_code_issue(actor=SCHOOL_ACTOR, student=child)
    parent = ParentFactory(phone="0911000333")
    assert services.guardianship_link_with_code(actor=Actor(user=parent), code=code).verified


def test_a_code_serves_a_few_parents_then_stops(child) -> None:
    code = services.parent_link_code_issue(actor=SCHOOL_ACTOR, student=child)
    for _ in range(4):
        services.guardianship_link_with_code(actor=Actor(user=ParentFactory()), code=code)
    with pytest.raises(ServiceError):
        services.guardianship_link_with_code(actor=Actor(user=ParentFactory()), code=code)
    assert Guardianship.objects.filter(student=child).count() == 4


def test_a_new_code_revokes_the_old_one_and_students_cannot_use_codes(child) -> None:
    old = services.parent_link_code_issue(actor=SCHOOL_ACTOR, student=child)
    services.parent_link_code_issue(actor=SCHOOL_ACTOR, student=child)
    with pytest.raises(ServiceError):
        services.guardianship_link_with_code(actor=Actor(user=ParentFactory()), code=old)
    fresh = services.parent_link_code_issue(actor=SCHOOL_ACTOR, student=child)
    with pytest.raises(ServiceError):
        services.guardianship_link_with_code(
            actor=Actor(user=StudentFactory(school=child.school)), code=fresh
        )


def test_an_invitation_email_links_a_confirmed_parent(
    child, django_capture_on_commit_callbacks
) -> None:
    links: list[str] = []

    def link_for(value: str) -> str:
        links.append(value)
        return f"http://127.0.0.1/phu-huynh/loi-moi/{value}/"

    with django_capture_on_commit_callbacks(execute=False):
        services.parent_invitations_create(
            actor=SCHOOL_ACTOR,
            student=child,
            parent_name="Lê Thị Hồng",
            email="HONG@example.org",
            phone="",
            link_for=link_for,
        )
    outbound = OutboundEmail.objects.get(recipient="hong@example.org")
    assert links[0] in outbound.body
    assert "Nguyễn Gia Bảo" in outbound.body
    parent = services.parent_register(
        actor=SCHOOL_ACTOR,
        full_name="Lê Thị Hồng",
        email="hong@example.org",
        phone="",
        password="Hoa-hồng-nở-sớm-mai",
    )
    link = services.parent_invitation_accept(actor=Actor(user=parent), value=links[0])
    assert link.verified
    with pytest.raises(ServiceError):
        services.parent_invitation_accept(actor=Actor(user=ParentFactory()), value=links[0])


def test_no_invitation_for_a_parent_already_linked(child) -> None:
    parent = ParentFactory(email="da.co@example.org")
    services.guardianship_create(actor=SCHOOL_ACTOR, parent=parent, student=child, verified=True)
    assert (
        services.parent_invitations_create(
            actor=SCHOOL_ACTOR,
            student=child,
            parent_name="",
            email="da.co@example.org",
            phone="",
            link_for=None,
        )
        is None
    )
    assert not ParentInvitation.objects.exists()


def confirmed_parent(child):  # type: ignore[no-untyped-def]
    parent = ParentFactory(email="me@example.org")
    services.guardianship_create(actor=SCHOOL_ACTOR, parent=parent, student=child, verified=True)
    return parent


def send_link(parent, child) -> str:  # type: ignore[no-untyped-def]
    values: list[str] = []

    def link_for(value: str) -> str:
        values.append(value)
        return value

    services.signin_link_send(actor=Actor(user=parent), student=child, link_for=link_for)
    return values[0]


def test_a_sign_in_link_works_once_on_the_first_device(child) -> None:
    value = send_link(confirmed_parent(child), child)
    assert services.signin_link_bind(value=value, device_id="tablet-of-bao") == child
    with translation.override("en"), pytest.raises(ServiceError, match="another device"):
        services.signin_link_bind(value=value, device_id="someone-else")
    with pytest.raises(ServiceError):
        services.signin_link_use(actor=Actor.system(), value=value, device_id="someone-else")
    assert (
        services.signin_link_use(actor=Actor.system(), value=value, device_id="tablet-of-bao")
        == child
    )
    with pytest.raises(ServiceError):
        services.signin_link_use(actor=Actor.system(), value=value, device_id="tablet-of-bao")
    child.refresh_from_db()
    assert child.is_verified_account  # verified through the confirmed parent


def test_a_sign_in_link_expires(child) -> None:
    value = send_link(confirmed_parent(child), child)
    OneTimeToken.objects.filter(user=child).update(expires_at=timezone.now() - timedelta(seconds=1))
    with translation.override("en"), pytest.raises(ServiceError, match="expired"):
        services.signin_link_bind(value=value, device_id="tablet")


def test_only_a_confirmed_parent_gets_a_sign_in_link(child) -> None:
    unconfirmed = ParentFactory()
    services.guardianship_create(
        actor=SCHOOL_ACTOR, parent=unconfirmed, student=child, verified=False
    )
    with pytest.raises(ServiceError):
        services.signin_link_send(actor=Actor(user=unconfirmed), student=child, link_for=str)
    with pytest.raises(ServiceError):
        services.signin_link_send(actor=Actor(user=ParentFactory()), student=child, link_for=str)
    assert not OneTimeToken.objects.filter(user=child).exists()


def test_a_new_link_revokes_the_previous_one(child) -> None:
    parent = confirmed_parent(child)
    first = send_link(parent, child)
    send_link(parent, child)
    with pytest.raises(ServiceError):
        services.signin_link_bind(value=first, device_id="tablet")
