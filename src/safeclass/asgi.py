"""The ASGI application: HTTP now; WebSocket routes join the router as the
live classroom arrives."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeclass.settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

application = ProtocolTypeRouter({"http": django_application})
