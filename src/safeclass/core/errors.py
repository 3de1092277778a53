"""Errors shared by every app.

``NotFound`` is what an ``access_<entity>`` selector raises for an object that
does not exist *or* lies outside the user's scope, so a response never tells
the two apart. ``ServiceError`` carries a translated message a user can act on;
services raise it before they change anything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import Promise


class NotFound(Http404):
    pass


class ServiceError(Exception):
    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class Forbidden(PermissionDenied):
    """The object is in scope but the user lacks the capability for this action."""
