"""Reading the audit log, always limited to a set of unit subtrees or one account."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from safeclass.audit.models import AuditEvent
from safeclass.core.paths import subtree_q


def events_in_units(paths: list[str], *, action_prefix: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(subtree_q("unit__path", paths))
    if "/" in paths:
        # The platform operator's scope: events without a unit are theirs too.
        events = AuditEvent.objects.all()
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    return events.select_related("unit").order_by("-id")


def events_about_account(user_id: int, *, limit: int = 20) -> list[AuditEvent]:
    """What happened to or by one account: shown to its owner on the security page."""
    target = "accounts.user"
    return list(
        AuditEvent.objects.filter(
            Q(actor_id=user_id) | Q(target_type=target, target_id=str(user_id))
        ).order_by("-id")[:limit]
    )


def action_prefixes() -> list[str]:
    return sorted(
        {
            action.split(".")[0]
            for action in AuditEvent.objects.values_list("action", flat=True).distinct()
        }
    )
