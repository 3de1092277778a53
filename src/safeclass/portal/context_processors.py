"""Template context for the page shell: navigation, demo banner, hotline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from safeclass.portal.selectors import shell_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "shell": shell_for(user, request.path),
        "demo_mode": settings.DEMO_MODE,
        "hotline": settings.SAFECLASS_HOTLINE,
        "privacy_version": settings.SAFECLASS_PRIVACY_NOTICE_VERSION,
        "second_factor_state": getattr(request, "second_factor_state", "done"),
    }
