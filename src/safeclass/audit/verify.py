"""Walking the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from safeclass.audit.chain import event_hash
from safeclass.audit.models import GENESIS_HASH, AuditEvent


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def _rows(batch_size: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Recompute every hash in id order; report the first row that does not fit."""
    expected_prev = GENESIS_HASH
    previous_id: int | None = None
    checked = 0
    for event in _rows(batch_size):
        if event.prev_hash != expected_prev:
            where = f"row {previous_id}" if previous_id is not None else "the start of the chain"
            return ChainReport(
                checked,
                ChainBreak(
                    event.id,
                    f"does not link to {where}: a row before it was removed, inserted or changed",
                ),
            )
        recomputed = event_hash(
            prev_hash=event.prev_hash,
            created_at=event.created_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            unit_id=event.unit_id,
            ip=event.ip,
            data=event.data,
        )
        if recomputed != event.hash:
            return ChainReport(
                checked, ChainBreak(event.id, "its content does not match its hash: it was changed")
            )
        checked += 1
        expected_prev = event.hash
        previous_id = event.id
    return ChainReport(checked, None)
