"""The ASGI application: HTTP, and the live room's WebSocket (checked Origin,
signed-in session)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeclass.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from safeclass.core import heap
from safeclass.core.asgi import http_application

# Django's ASGI handler, with at most HTTP_CONCURRENCY requests in their views
# at once (see ``core.asgi``).
django_application = http_application()

from safeclass.live.consumers import keep_server_send  # noqa: E402 (needs Django set up)
from safeclass.live.routing import websocket_urlpatterns  # noqa: E402
from safeclass.moderation.services import prepare_engine  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": keep_server_send(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# The first chat message after a start does not wait for the moderation
# automata; and the start-up heap (Django, the apps, those automata: some
# 650,000 objects) is frozen, and after it what survives each full garbage
# collection (the sockets' objects), so that a full collection walks only what
# came since the last. Unfrozen, each one held the event loop, and every room,
# for 50-160 ms (see ``core.heap``).
prepare_engine()
heap.keeper.settle()
