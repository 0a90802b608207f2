"""The browser-side security headers: a strict Content-Security-Policy (django-csp) and the
Permissions-Policy (django-permissions-policy). HSTS, the HTTPS redirect, Referrer-Policy,
Cross-Origin-Opener-Policy, X-Content-Type-Options and X-Frame-Options come from Django's own
SecurityMiddleware and XFrameOptionsMiddleware (settings.py).

Scripts run from our own files only: no page has an inline script or an on…= handler (behaviour that
pages declare with data attributes lives in core/static/core/parkos.js), and no script needs eval.
Styles keep 'unsafe-inline': many templates carry style="" attributes (bars, colour swatches, the
park's own colours on <html>) and a few small <style> blocks; a style cannot run code, so that is the
usual compromise of a strict policy.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def origin(url: str) -> str:
    """ "wss://park.example/ws/" -> "wss://park.example"; "" for a relative or empty address."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(*, media_url: str = "", static_url: str = "", ws_public_url: str = "",
                            space_public_url: str = "", report_uri: str = "") -> dict[str, Any]:
    """CONTENT_SECURITY_POLICY for settings.py. The websocket servers' addresses that depend on the
    request's host (embedded mode: PORT+1 and PORT+2 of the host the page came from) are added per
    request by ParkCSPMiddleware."""
    # Uploads and static files move to object storage or a CDN in some deployments.
    elsewhere = [o for o in (origin(media_url), origin(static_url)) if o]
    directives: dict[str, Any] = {
        "default-src": [SELF],
        "script-src": [SELF, *([origin(static_url)] if origin(static_url) else [])],
        "style-src": [SELF, UNSAFE_INLINE, *elsewhere],
        "img-src": [SELF, "data:", "blob:", *elsewhere],
        "font-src": [SELF, *elsewhere],
        "connect-src": [SELF, *[o for o in (origin(ws_public_url), origin(space_public_url)) if o]],
        "object-src": [NONE],
        "frame-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
    if report_uri:
        directives["report-uri"] = [report_uri]
    return {"DIRECTIVES": directives}


def _host_name(request: HttpRequest) -> str:
    """The page's host without its port; "*" for an IPv6 literal, which a CSP source cannot name; "" for a
    host that is not in ALLOWED_HOSTS (that request is answered 400, and nothing of it is echoed)."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""
    if host.startswith("["):
        return "*"
    return host.rsplit(":", 1)[0]


class ParkCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the websocket servers a page of this host talks to.

    Embedded mode serves websockets on PORT+1 (notifications, parkos.js's socketUrl) and the immersive
    map on PORT+2 (space/views.py's space_ws_url) of the host the page came from, which only the request
    knows. Behind a proxy, WS_PUBLIC_URL and SPACE_PUBLIC_URL name fixed origins (in the settings)."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        scheme, host = ("wss" if request.is_secure() else "ws"), _host_name(request)
        sources = [f"{scheme}://{host}:{port}"
                   for public, port in ((settings.WS_PUBLIC_URL, settings.WS_PORT),
                                        (settings.SPACE_PUBLIC_URL, settings.SPACE_PORT))
                   if host and not public]
        if sources:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", []), *sources]
            parts.update = update
        return parts


# Powerful browser features: the camera for scanning tickets and coupons (events' door, rewards' till),
# on our own pages only; nothing else, and never for a page that frames us.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": ["self"],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "xr-spatial-tracking": [],
}
