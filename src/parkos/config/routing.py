"""Websocket routes of every domain, gathered in one place (the immersive map adds /ws/space/<map>/)."""

from parkos.core.routing import websocket_urlpatterns as core_ws

websocket_urlpatterns = [*core_ws]
