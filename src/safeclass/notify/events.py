"""Realtime events of the notify app (conventions: ``"<app>.<event>"``).

Nothing publishes them yet. When the realtime layer does, ``notify`` will
publish one ``notify.created`` per notification on commit, to its recipient
only; the database stays the truth and the event only says "look again".
"""

from __future__ import annotations

from typing import Literal, TypedDict

from safeclass.notify.models import Notification

CREATED = "notify.created"


class NotifyCreated(TypedDict):
    type: Literal["notify.created"]
    recipient_id: int
    notification_id: int
    kind: str
    subject: str
    url: str


def created_event(notification: Notification) -> NotifyCreated:
    return {
        "type": "notify.created",
        "recipient_id": notification.recipient_id,
        "notification_id": notification.pk,
        "kind": notification.kind,
        "subject": notification.subject,
        "url": notification.url,
    }
