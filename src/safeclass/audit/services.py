"""Writing audit events. Call ``audit_record`` inside the service's transaction.

Appending is serialised so that two transactions never link to the same
previous row: PostgreSQL takes a transaction-scoped advisory lock; SQLite runs
every transaction with BEGIN IMMEDIATE (settings), which already holds the
single write lock from the start of the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from safeclass.audit.chain import event_hash
from safeclass.audit.models import GENESIS_HASH, AuditEvent
from safeclass.core.context import Actor

# Any constant works; it only has to be the same in every process.
_CHAIN_LOCK_KEY = 0x5AFEC1A55


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def audit_record(
    *,
    action: str,
    actor: Actor,
    target: models.Model | None = None,
    unit_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``data`` must hold no passwords, tokens or message bodies."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    _lock_chain()
    prev_hash = (
        AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
    )
    user = actor.user
    actor_id = int(user.pk) if user is not None else None
    actor_label = user.get_username() if user is not None else ""
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    payload = dict(data or {})
    created_at = timezone.now()
    digest = event_hash(
        prev_hash=prev_hash,
        created_at=created_at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        unit_id=unit_id,
        ip=actor.ip,
        data=payload,
    )
    return AuditEvent.objects.create(
        created_at=created_at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        unit_id=unit_id,
        ip=actor.ip,
        data=payload,
        prev_hash=prev_hash,
        hash=digest,
    )


@transaction.atomic
def audit_record_now(
    *,
    action: str,
    actor: Actor,
    target: models.Model | None = None,
    unit_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """For events that are not part of a larger change (a failed login, a logout)."""
    return audit_record(action=action, actor=actor, target=target, unit_id=unit_id, data=data)
