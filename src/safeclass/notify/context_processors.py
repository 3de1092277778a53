"""Template context for the header's notification link."""

from __future__ import annotations

from django.http import HttpRequest

from safeclass.notify.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notify_unread": 0}
    return {"notify_unread": unread_count(user)}
