"""Request-time account rules: the second factor and session activity."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django_otp import user_has_device

from safeclass.accounts.selectors import user_role_requires_second_factor
from safeclass.accounts.session_store import IP_KEY
from safeclass.core.http import client_ip

# Pages a signed-in person may open before the second step.
_OPEN_BEFORE_SECOND_FACTOR = {
    "accounts:second_factor",
    "accounts:second_factor_setup",
    "accounts:logout",
    "accounts:language",
    "core:health",
    "portal:help",
    "portal:privacy",
}
_SEEN_KEY = "_safeclass_seen"
_SEEN_EVERY = 300  # seconds between updates of "last active"


def second_factor_state(request: HttpRequest) -> str:
    """``done``, ``verify`` (has a device, not used yet), ``setup`` (must enrol) or ``waived``."""
    user = request.user
    if not user.is_authenticated:
        return "done"
    if getattr(user, "is_verified", lambda: False)():
        return "done"
    if user_has_device(user, confirmed=True):
        return "verify"
    if user_role_requires_second_factor(user):
        return "waived" if settings.DEMO_MODE else "setup"
    return "done"


class SecondFactorMiddleware:
    """Leaders and officers (and anyone who enrolled) finish TOTP before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = second_factor_state(request)
        request.second_factor_state = state  # type: ignore[attr-defined]
        if state in {"verify", "setup"} and not self._is_open(request):
            target = (
                "accounts:second_factor" if state == "verify" else "accounts:second_factor_setup"
            )
            return HttpResponseRedirect(reverse(target))
        return self.get_response(request)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.view_name in _OPEN_BEFORE_SECOND_FACTOR


class SessionActivityMiddleware:
    """Keeps "last active" and the address of each session fresh for the sessions page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            seen = request.session.get(_SEEN_KEY, 0)
            if not isinstance(seen, int) or now - seen >= _SEEN_EVERY:
                request.session[_SEEN_KEY] = now
                request.session[IP_KEY] = client_ip(request)
        return self.get_response(request)
