"""Database helpers: running a write again when the database says it only lost a
race, reading the one row a unique filter finds, and the parts of hand-written
SQL that reads and stores model instances as the ORM would."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import DatabaseError, connection
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


def insert_parts(
    instance: Model, computed: Mapping[str, tuple[str, Sequence[Any]]]
) -> tuple[str, str, list[Any]]:
    """The column list, the select list and its parameters that store ``instance``
    the way ``save()`` would (its defaults, ``auto_now_add``), for an
    ``INSERT INTO table (columns) SELECT values FROM …`` written by hand.

    ``computed``: fields (by name) whose value is an SQL expression, with its own
    parameters, instead of the instance's. The primary key is left to the
    database. Every concrete field is included, so a field added to the model
    later is stored here too.
    """
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    quote = connection.ops.quote_name
    for field in instance._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(str(field.column)))
        if field.name in computed:
            expression, extra = computed[field.name]
            values.append(expression)
            params.extend(extra)
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(instance, True), connection))
    return ", ".join(columns), ", ".join(values), params


def select_list(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` under the table alias ``alias``, in the
    order :func:`instance_from` reads them."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


def instance_from[M: Model](model: type[M], values: Sequence[Any]) -> M:
    """An instance of ``model`` from the values of its :func:`select_list`, converted
    as a query would convert them."""
    fields = model._meta.concrete_fields
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)
