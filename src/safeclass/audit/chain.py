"""The hash chain: one canonical form, used when writing and when verifying."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def canonical_time(value: datetime) -> str:
    """Microsecond UTC ISO form: stable across SQLite and PostgreSQL round-trips."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    prev_hash: str,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    unit_id: int | None,
    ip: str | None,
    data: Mapping[str, Any],
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "time": canonical_time(created_at),
            "actor": actor_id,
            "actor_label": actor_label,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "unit": unit_id,
            "ip": ip,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
