"""Who is acting, passed from views to services so the audit row can name them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

from safeclass.core.http import client_ip, user_agent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True, slots=True)
class Actor:
    user: AbstractBaseUser | None
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, ip=client_ip(request), user_agent=user_agent(request))

    @classmethod
    def system(cls) -> Actor:
        """An action taken by the platform itself (a command, a scheduled task)."""
        return cls(user=None, ip=None)
