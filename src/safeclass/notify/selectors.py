"""Reads about notifications. A person sees their own notifications, nobody else's:
not a school leader, not the platform operator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, QuerySet

from safeclass.core.errors import NotFound
from safeclass.notify.models import Notification, OutboundEmail, OutboxStatus

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    Person = AbstractBaseUser | AnonymousUser


def _own(user: Person) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(user: Person) -> int:
    if not user.is_authenticated:
        return 0
    return _own(user).filter(read_at__isnull=True).count()


def notifications_of(user: Person) -> QuerySet[Notification]:
    """Newest first, each with its emails (to show one that could not be delivered)."""
    return _own(user).prefetch_related(
        Prefetch(
            "emails",
            queryset=OutboundEmail.objects.only("id", "notification_id", "status", "attempts"),
        )
    )


def recent_notifications(user: Person, limit: int) -> list[Notification]:
    return list(_own(user)[:limit])


def access_notification(*, user: Person, notification_id: int) -> Notification:
    notification = _own(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound
    return notification


def outbox_counts() -> dict[str, int]:
    """How many emails are waiting, sent and given up: for operators."""
    counts = dict.fromkeys(OutboxStatus.values, 0)
    for row in OutboundEmail.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts
