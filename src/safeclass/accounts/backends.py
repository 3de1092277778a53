"""Signing in with a username, an email address or a phone number."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from safeclass.accounts.models import User
from safeclass.core.phones import normalize_phone


def find_user(identifier: str) -> User | None:
    value = identifier.strip()
    if not value:
        return None
    if "@" in value:
        return User.objects.filter(email__iexact=value).first()
    phone = normalize_phone(value)
    if phone is not None:
        found = User.objects.filter(phone=phone).first()
        if found is not None:
            return found
    return User.objects.filter(username=value.lower()).first()


def canonical_identifier(identifier: str) -> str:
    """The account's username if the identifier names one, else the identifier folded.

    Throttling counts failures under this name, so trying a person's email and
    then their phone number counts against the same account.
    """
    user = find_user(identifier)
    if user is not None:
        return user.username
    return identifier.strip().lower()[:150]


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    raw = ""
    if credentials:
        raw = str(credentials.get("identifier") or credentials.get("username") or "")
    if not raw and request is not None:
        raw = str(request.POST.get("identifier", ""))
    return canonical_identifier(raw)


class IdentifierBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        identifier = kwargs.get("identifier")
        value = str(identifier) if identifier is not None else username
        if not value or not password:
            return None
        user = find_user(value)
        if user is None:
            # Spend the same time as a real check so timing does not reveal
            # which identifiers exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
