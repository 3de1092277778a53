"""Activation codes and one-time links: CSPRNG, expiring, single use (ACC-2, ACC-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from safeclass.accounts import services
from safeclass.accounts.models import AccountSession, OneTimeToken, TokenPurpose
from safeclass.accounts.tests.factories import StudentFactory, UserFactory
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.tokens import CODE_ALPHABET, new_code
from safeclass.orgs.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db
ACTOR = Actor.system()
NEW_PASSWORD = "Mèo-con-đi-học-sớm"


def test_codes_are_random_readable_and_stored_only_as_digests() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in list(codes)[:50]:
        assert len(code) == 14 and code.count("-") == 2
        assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    user = UserFactory(password=None, activated=False)
    code = services.activation_code_issue(actor=ACTOR, user=user)
    stored = OneTimeToken.objects.get(user=user)
    assert code.replace("-", "") not in stored.digest
    assert len(stored.digest) == 64


def test_activation_sets_the_password_and_marks_the_account_verified() -> None:
    user = UserFactory(username="hoc.sinh.moi", password=None, activated=False)
    code = services.activation_code_issue(actor=ACTOR, user=user)
    services.account_activate(
        actor=ACTOR, identifier="hoc.sinh.moi", code=code.lower(), new_password=NEW_PASSWORD
    )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.is_verified_account


def test_an_activation_code_works_once() -> None:
    user = UserFactory(username="mot.lan", password=None, activated=False)
    code = services.activation_code_issue(actor=ACTOR, user=user)
    services.account_activate(
        actor=ACTOR, identifier="mot.lan", code=code, new_password=NEW_PASSWORD
    )
    with pytest.raises(ServiceError):
        services.account_activate(
            actor=ACTOR, identifier="mot.lan", code=code, new_password="Một-mật-khẩu-khác-nữa"
        )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_new_code_revokes_the_old_one() -> None:
    user = UserFactory(username="cap.lai", password=None, activated=False)
    old = services.activation_code_issue(actor=ACTOR, user=user)
    new = services.activation_code_issue(actor=ACTOR, user=user)
    with pytest.raises(ServiceError):
        services.account_activate(
            actor=ACTOR, identifier="cap.lai", code=old, new_password=NEW_PASSWORD
        )
    services.account_activate(
        actor=ACTOR, identifier="cap.lai", code=new, new_password=NEW_PASSWORD
    )


def test_an_expired_code_is_refused() -> None:
    user = UserFactory(username="het.han", password=None, activated=False)
    code = services.activation_code_issue(actor=ACTOR, user=user)
    OneTimeToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError) as error:
        services.account_activate(
            actor=ACTOR, identifier="het.han", code=code, new_password=NEW_PASSWORD
        )
    assert error.value.field == "code"


def test_a_code_only_opens_its_own_account() -> None:
    mine = UserFactory(username="cua.toi", password=None, activated=False)
    UserFactory(username="cua.ban", password=None, activated=False)
    code = services.activation_code_issue(actor=ACTOR, user=mine)
    with pytest.raises(ServiceError):
        services.account_activate(
            actor=ACTOR, identifier="cua.ban", code=code, new_password=NEW_PASSWORD
        )


def test_a_weak_password_does_not_spend_the_code() -> None:
    user = UserFactory(username="yeu.qua", password=None, activated=False)
    code = services.activation_code_issue(actor=ACTOR, user=user)
    with pytest.raises(ServiceError) as error:
        services.account_activate(
            actor=ACTOR, identifier="yeu.qua", code=code, new_password="12345"
        )
    assert error.value.field == "new_password"
    services.account_activate(
        actor=ACTOR, identifier="yeu.qua", code=code, new_password=NEW_PASSWORD
    )


def test_disabling_an_account_revokes_its_codes_and_ends_its_sessions(client) -> None:
    user = UserFactory(username="bi.khoa")
    client.force_login(user)
    assert AccountSession.objects.filter(user=user).count() == 1
    services.activation_code_issue(actor=ACTOR, user=user)
    services.account_set_active(actor=ACTOR, user=user, active=False)
    assert AccountSession.objects.filter(user=user).count() == 0
    assert not OneTimeToken.objects.filter(
        user=user, revoked_at__isnull=True, used_at__isnull=True
    ).exists()
    assert client.get("/").status_code == 302


def test_password_reset_link_is_single_use_and_short_lived() -> None:
    user = UserFactory(username="quen.mk", email="quen.mk@truong.example.org")
    values: list[str] = []

    def link_for(value: str) -> str:
        values.append(value)
        return f"http://127.0.0.1:8000/dat-lai-mat-khau/{value}/"

    services.password_reset_request(actor=ACTOR, identifier="quen.mk", link_for=link_for)
    token = OneTimeToken.objects.get(user=user, purpose=TokenPurpose.PASSWORD_RESET)
    assert token.expires_at - token.created_at <= timedelta(minutes=30)
    assert len(values[0]) >= 40  # 32 random bytes, URL-safe
    assert services.password_reset_token_valid(values[0])
    services.password_reset_complete(actor=ACTOR, value=values[0], new_password=NEW_PASSWORD)
    assert not services.password_reset_token_valid(values[0])
    with pytest.raises(ServiceError):
        services.password_reset_complete(
            actor=ACTOR, value=values[0], new_password="Một-mật-khẩu-khác-nữa"
        )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_for_an_account_without_email_does_nothing() -> None:
    UserFactory(username="khong.email", email="")
    services.password_reset_request(actor=ACTOR, identifier="khong.email", link_for=lambda v: v)
    assert not OneTimeToken.objects.filter(purpose=TokenPurpose.PASSWORD_RESET).exists()


def test_student_without_school_is_refused() -> None:
    with pytest.raises(ServiceError):
        StudentFactory(school=None)
    school = SchoolFactory()
    StudentFactory(school=school, student_code="HS1")
    with pytest.raises(ServiceError) as error:
        StudentFactory(school=school, student_code="HS1")
    assert error.value.field == "student_code"
