"""People to notify, and a mail server that is down."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from safeclass.accounts.models import User
from safeclass.accounts.services import user_set_language
from safeclass.accounts.tests.factories import UserFactory


@pytest.fixture
def person() -> Callable[..., User]:
    def make(*, email: str = "", language: str = "vi", **kwargs: object) -> User:
        user = UserFactory(email=email, **kwargs)
        user_set_language(user=user, language=language)
        return user

    return make


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mail_server_down(settings, smtp_server):
    """Point the mailer at a closed port; call the result to bring the server back."""
    working = settings.MAILERS
    broken = {
        "default": {
            **working["default"],
            "OPTIONS": {**working["default"]["OPTIONS"], "port": closed_port()},
        }
    }
    settings.MAILERS = broken

    def restore() -> None:
        settings.MAILERS = working

    return restore
