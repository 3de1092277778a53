"""Database helpers: running a write again when the database says it only lost a
race, and reading the one row a unique filter finds."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.db.models import Model, QuerySet

log = logging.getLogger(__name__)

# PostgreSQL's codes for "try again": deadlock detected, serialization failure.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
CONFLICT_ATTEMPTS = 3


def on_conflict_retry[T](write: Callable[[], T]) -> T:
    """Run ``write`` (which opens its own ``transaction.atomic`` block) again when
    it lost a deadlock or a serialization conflict, at most ``CONFLICT_ATTEMPTS``
    times in all; any other database error, or the last conflict, is raised.

    Each failed attempt was rolled back whole (inside an outer transaction,
    ``write``'s block is a savepoint, rolled back to before the next attempt),
    so nothing of it stays stored.
    """
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return write()
        except DatabaseError as error:
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            if sqlstate not in CONFLICT_SQLSTATES or attempt == CONFLICT_ATTEMPTS:
                raise
            log.info("write lost a database conflict (%s), attempt %s", sqlstate, attempt)
    raise AssertionError("unreachable")  # the loop returns or raises


def unique_row[M: Model](queryset: QuerySet[M]) -> M | None:
    """The row a filter on a unique key finds, or None.

    ``first()`` without its ORDER BY: building that clause is a noticeable part
    of Django's work for a one-row read, and a chat message does several.
    """
    for row in queryset[:1]:
        return row
    return None
