"""Materialised-path helpers: a unit's path is ``/1/5/9/`` (ids from the root)."""

from __future__ import annotations

from django.db.models import Q


def subtree_q(field: str, paths: list[str]) -> Q:
    """``Q`` matching rows whose ``field`` lies in any of the subtrees ``paths``."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition
