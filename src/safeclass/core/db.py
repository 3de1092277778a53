"""Database helpers: running a write again when the database says it only lost a
race, reading the one row a unique filter finds, and the parts of hand-written
SQL that reads and stores model instances as the ORM would."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
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


class InsertTemplate[M: Model]:
    """How a hand-written ``INSERT INTO table (columns) SELECT values FROM …`` stores
    a row of ``model`` the way ``save()`` would (its defaults, ``auto_now_add``),
    worked out once; then, for each row, its instance and its parameters.

    ``computed``: fields (by name) whose value is an SQL expression instead of
    the instance's, with a ``%s`` where the instance's own value goes, if it is
    used at all. The primary key is left to the database. Every concrete field
    is included, so a field added to the model later is stored here too.

    Made once per process rather than per row: building the column lists and
    an instance through the model's keyword constructor (signals, related
    descriptors) was a noticeable part of the everyday chat message's cost.
    """

    def __init__(self, model: type[M], computed: Mapping[str, str]) -> None:
        self.model = model
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        # Where each field's value comes from when a row does not bring it.
        self._sources = [
            (
                field.name,
                bool(getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)),
                (lambda: None) if field.primary_key else field.get_default,
            )
            for field in fields
        ]
        stored = [field for field in fields if not field.primary_key]
        # The fields whose instance value is a parameter, in the statement's order.
        self._bound = [field for field in stored if "%s" in computed.get(field.name, "%s")]
        self.columns = ", ".join(quote(str(field.column)) for field in stored)
        self.values = ", ".join(computed.get(field.name, "%s") for field in stored)

    def instance(self, values: Mapping[str, Any], now: datetime) -> M:
        """A new instance (not yet stored): ``values`` by field name (a foreign key
        by its id), each other field its default, and ``now`` for ``auto_now_add``.
        """
        row = [
            values[name] if name in values else (now if stamped else default())
            for name, stamped, default in self._sources
        ]
        return self.model(*row)  # the constructor's quick way: values by position

    def params(self, instance: M) -> list[Any]:
        """The statement's parameters for ``instance`` (made by :meth:`instance`)."""
        db = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for every field
        return [
            field.get_db_prep_save(getattr(instance, field.attname), db) for field in self._bound
        ]


def select_list(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` under the table alias ``alias``, in the
    order :func:`instance_from` reads them."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


def instance_from[M: Model](model: type[M], values: Sequence[Any]) -> M:
    """An instance of ``model`` from the values of its :func:`select_list`, converted
    as a query would convert them."""
    reading = _reading(model)
    converted = []
    for (column, converters), value in zip(reading.columns, values, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, reading.attnames, converted)


class _Reading(NamedTuple):
    columns: list[tuple[Any, list[Callable[..., Any]]]]  # each column and its converters
    attnames: list[str]


@cache
def _reading(model: type[Model]) -> _Reading:
    """How :func:`instance_from` reads each column of ``model``, worked out once per
    process (it reads a row on every room entry and chat message): the backend's
    converters first (SQLite's dates and times), then the field's own, as a query
    applies them."""
    fields = model._meta.concrete_fields
    columns = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        converters = [
            *connection.ops.get_db_converters(column),
            *field.get_db_converters(connection),
        ]
        columns.append((column, converters))
    return _Reading(columns, [field.attname for field in fields])
