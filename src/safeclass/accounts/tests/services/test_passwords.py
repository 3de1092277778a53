"""Password policy and password changes (ACC-4)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from safeclass.accounts import services
from safeclass.accounts.models import AccountSession, User
from safeclass.accounts.tests.factories import PASSWORD, UserFactory
from safeclass.audit.models import AuditEvent
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def student_like() -> User:
    return User(username="an.nguyen", full_name="Nguyễn Văn An", date_of_birth=date(2015, 3, 15))


@pytest.mark.parametrize(
    "password",
    [
        "nguyenvanan2015",  # name without accents + birth year
        "NguyenVanAn!!",  # the name itself
        "an15032015",  # given name + full birth date
        "15/03/2015-xyz-abc",  # birth date with separators
        "matkhau123",  # a common Vietnamese password
        "Mật khẩu 123",  # the same, accented and spaced
        "password123",  # Django's common list
        "1234567890123",  # digits only
        "ngan9",  # too short
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, student_like())


@pytest.mark.parametrize(
    "password",
    ["Con mèo đen thích ăn cá", "Trời-xanh-mây-trắng-2026", "bánh chưng xanh 1945!"],
)
def test_memorable_passphrases_are_accepted(password: str) -> None:
    password_validation.validate_password(password, student_like())


def test_passwords_are_hashed_with_argon2id() -> None:
    user = UserFactory()
    hasher = identify_hasher(user.password)
    assert hasher.algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")


def test_changing_the_password_ends_every_other_session(client, django_user_model) -> None:
    from django.test import Client

    user = UserFactory(username="doi.mk")
    phone, laptop = Client(), Client()
    phone.force_login(user)
    laptop.force_login(user)
    keep = laptop.session.session_key
    assert AccountSession.objects.filter(user=user).count() == 2
    services.password_change(
        actor=Actor(user=user),
        user=user,
        current_password=PASSWORD,
        new_password="Mưa-rơi-trên-mái-ngói",
        keep_session_key=keep,
    )
    assert list(AccountSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        keep
    ]
    assert phone.get("/").status_code == 302
    assert AuditEvent.objects.get(action="accounts.password_change").data == {
        "other_sessions_ended": 1
    }


def test_a_wrong_current_password_changes_nothing() -> None:
    user = UserFactory()
    with pytest.raises(ServiceError) as error:
        services.password_change(
            actor=Actor(user=user),
            user=user,
            current_password="khong-dung",
            new_password="Mưa-rơi-trên-mái-ngói",
            keep_session_key=None,
        )
    assert error.value.field == "current_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="accounts.password_change").exists()
