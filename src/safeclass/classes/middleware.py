"""Class rules first (CLS-4): a student, or the parent of a primary-school
student, accepts the current rules of their class before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from safeclass.classes.selectors import rules_pending_for

_OPEN = {
    "classes:rules_pending",
    "accounts:logout",
    "accounts:language",
    "accounts:consent",
    "accounts:consent_grant",
    "accounts:consent_withdraw",
    "accounts:second_factor",
    "accounts:second_factor_setup",
    "core:health",
    "portal:help",
    "portal:privacy",
}
_CHECKED_KEY = "_safeclass_rules_ok"
# A person who has accepted everything is checked again after this many
# seconds, so a newly published version reaches them quickly without a query
# on every request.
_RECHECK_SECONDS = 60


class RulesAcceptanceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "kind", "") in {"student", "parent"}
            and getattr(request, "second_factor_state", "done") in {"done", "waived"}
            and not self._is_open(request)
        ):
            checked = request.session.get(_CHECKED_KEY, 0)
            now = int(time.time())
            if not isinstance(checked, int) or now - checked >= _RECHECK_SECONDS:
                if rules_pending_for(user):
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{reverse('classes:rules_pending')}?{query}")
                request.session[_CHECKED_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.view_name in _OPEN


def forget_rules_check(request: HttpRequest) -> None:
    request.session.pop(_CHECKED_KEY, None)
