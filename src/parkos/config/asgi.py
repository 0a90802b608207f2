"""The websocket server (Channels). Pages go over WSGI; this process carries /ws/ only."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from parkos.accounts.ws import TwoFactorWebsocketMiddleware  # noqa: E402
from parkos.config.routing import websocket_urlpatterns  # noqa: E402
from parkos.ops.metrics import WebsocketMetricsMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketMetricsMiddleware(  # open connections by route, in /metrics
            # A session that lacks a step of two-factor authentication gets no socket (accounts/ws.py).
            AllowedHostsOriginValidator(AuthMiddlewareStack(TwoFactorWebsocketMiddleware(
                URLRouter(websocket_urlpatterns)))),
            routes=websocket_urlpatterns),
    }
)
