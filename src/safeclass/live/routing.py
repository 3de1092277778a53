"""WebSocket routes of the live room."""

from __future__ import annotations

from django.urls import path

from safeclass.live.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/buoi-hoc/<int:session_id>/", RoomConsumer.as_asgi()),
]
