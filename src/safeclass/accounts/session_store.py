"""Database sessions that know their owner, address and device.

Sessions are stored in ``accounts_session`` with the user id, so a person can
list and end theirs, and every session of an account can be ended at once
(password change, account disabled). The login service puts the address and
device into the session data under private keys; this store copies them into
columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone

if TYPE_CHECKING:
    from safeclass.accounts.models import AccountSession

IP_KEY = "_safeclass_ip"
USER_AGENT_KEY = "_safeclass_ua"


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls) -> type[AccountSession]:
        # Imported here: the session engine is loaded before the app registry is ready.
        from safeclass.accounts.models import AccountSession

        return AccountSession

    def create_model_instance(self, data: dict[str, Any]) -> AccountSession:
        model = self.get_model_class()
        instance = cast("AccountSession", super().create_model_instance(data))
        user_id = data.get(SESSION_KEY)
        try:
            instance.user_id = int(user_id) if user_id is not None else None
        except (TypeError, ValueError):
            instance.user_id = None
        instance.ip = data.get(IP_KEY) or None
        instance.user_agent = str(data.get(USER_AGENT_KEY, ""))[:300]
        now = timezone.now()
        instance.last_seen_at = now
        existing = (
            model.objects.filter(session_key=instance.session_key)
            .values_list("created_at", flat=True)
            .first()
        )
        instance.created_at = existing or now
        return instance
