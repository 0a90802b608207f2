"""Websocket routes of every domain served by the ASGI process (the immersive map has its own server:
parkos space-serve, /ws/space/<map>/ on PORT+2)."""

from parkos.core.routing import websocket_urlpatterns as core_ws
from parkos.notifications.routing import websocket_urlpatterns as notifications_ws

websocket_urlpatterns = [*core_ws, *notifications_ws]
