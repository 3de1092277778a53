"""Reads for moderation: the policy a school applies, whether a sender is muted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from safeclass.accounts.selectors import user_capabilities_at
from safeclass.core.db import unique_row
from safeclass.core.memo import ProcessMemo
from safeclass.core.roles import Capability
from safeclass.moderation.engine import Action, Category, Policy, Sender
from safeclass.moderation.models import ModerationEvent, SchoolPolicy


def _lines(value: str) -> frozenset[str]:
    return frozenset(line.strip().lower() for line in value.splitlines() if line.strip())


def stored_policy(school_id: int) -> SchoolPolicy | None:
    return unique_row(SchoolPolicy.objects.filter(school_id=school_id))


def engine_policy(stored: SchoolPolicy | None) -> Policy:
    """The engine's view of a school's stored policy (defaults where nothing is stored)."""
    if stored is None:
        return Policy()
    changes: dict[tuple[Sender, Category], Action] = {}
    for sender, per_category in (stored.actions or {}).items():
        for category, action in per_category.items():
            try:
                changes[(Sender(sender), Category(category))] = Action.parse(action)
            except (KeyError, ValueError):
                continue  # a category or action this version no longer knows
    phones = frozenset(
        "0" + digits[2:] if digits.startswith("84") else digits
        for digits in (
            "".join(ch for ch in line if ch.isdigit()) for line in _lines(stored.allowed_phones)
        )
        if digits
    )
    return Policy(
        allowed_domains=_lines(stored.allowed_domains),
        allowed_phones=phones,
        mute_after=stored.mute_after,
        mute_window_seconds=stored.mute_window_minutes * 60,
        mute_seconds=stored.mute_minutes * 60,
    ).with_actions(changes)


# A school's policy changes rarely and is read for every chat message, so each
# process keeps it for POLICY_SECONDS (``policy_update`` marks it changed).
POLICY_SECONDS = 10.0


def _stored_policy_for(school_id: int) -> Policy:
    return engine_policy(stored_policy(school_id))


policy_for = ProcessMemo(_stored_policy_for, seconds=POLICY_SECONDS)


def muted_until(*, school_id: int, sender: Any, policy: Policy) -> datetime | None:
    """When a sender's mute ends, if their recent strikes muted them.

    Strikes live in the database, so every server process gives the same answer.
    """
    if policy.mute_after <= 0:
        return None
    return mute_end(list(recent_strikes(school_id=school_id, sender=sender, policy=policy)), policy)


def recent_strikes(*, school_id: int, sender: Any, policy: Policy) -> QuerySet[Any, datetime]:
    """When the sender's strikes that may still mute them were given, oldest first."""
    horizon = timezone.now() - timedelta(seconds=policy.mute_window_seconds + policy.mute_seconds)
    return (
        ModerationEvent.objects.filter(
            school_id=school_id, sender=sender, strike=True, created_at__gte=horizon
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def mute_end(strikes: list[datetime], policy: Policy) -> datetime | None:
    """When the mute that ``strikes`` (oldest first) earned ends, if it has not yet."""
    if policy.mute_after <= 0:
        return None
    now = timezone.now()
    window = timedelta(seconds=policy.mute_window_seconds)
    for end in range(policy.mute_after - 1, len(strikes)):
        first = strikes[end - policy.mute_after + 1]
        if strikes[end] - first <= window:
            until = strikes[end] + timedelta(seconds=policy.mute_seconds)
            if until > now:
                return until
    return None


def muted_condition_sql() -> str:
    """An SQL condition that holds while a sender's recent strikes mute them, as
    :func:`mute_end` decides; the database judges it at the time of the
    statement it is part of. Its parameters: :func:`muted_condition_params`.

    For a statement that stores what someone said only while they may speak, in
    one round trip instead of reading their strikes first. The text is always
    the same, so a prepared statement that holds it keeps one plan.
    """
    table = connection.ops.quote_name(ModerationEvent._meta.db_table)
    # The strike that ends a run of ``mute_after`` strikes within the window and
    # whose mute has not run out yet.
    return f"""EXISTS (
        SELECT 1 FROM {table} last
         WHERE %s > 0 AND last.school_id = %s AND last.sender_id = %s AND last.strike
           AND last.created_at > statement_timestamp() - %s * interval '1 second'
           AND (SELECT count(*) FROM {table} run
                 WHERE run.school_id = last.school_id AND run.sender_id = last.sender_id
                   AND run.strike
                   AND run.created_at >= last.created_at - %s * interval '1 second'
                   AND run.created_at <= last.created_at) >= %s
    )"""  # noqa: S608 - the table's name from the model, values as parameters


def muted_condition_params(*, school_id: int, sender_id: int, policy: Policy | None) -> list[Any]:
    """The parameters of :func:`muted_condition_sql` for one sender; ``policy`` None
    when no mute applies (a teacher)."""
    if policy is None or policy.mute_after <= 0:
        return [0, school_id, sender_id, 0, 0, 0]
    return [
        policy.mute_after,
        school_id,
        sender_id,
        policy.mute_seconds,
        policy.mute_window_seconds,
        policy.mute_after,
    ]


def can_manage_policy(user: Any, school_path: str) -> bool:
    return Capability.MANAGE_MODERATION in user_capabilities_at(user, school_path)


def events_of_school(school_id: int, *, limit: int = 200) -> list[ModerationEvent]:
    return list(
        ModerationEvent.objects.filter(school_id=school_id)
        .select_related("sender")
        .order_by("-created_at")[:limit]
    )
