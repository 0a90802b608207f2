"""Two-factor authentication on websockets: the ASGI middleware (config/asgi.py, inside Channels'
AuthMiddlewareStack) that holds back every consumer from a session that lacks a step of two-factor
authentication, by the same rule as the pages and the API (``twofactor.session_step_missing``).

Such a socket is accepted only to say why, then closed: a refused handshake reaches the browser as a bare
1006 with no reason, and daphne drops a close frame's reason text. So the page hears one JSON message
``{"type": "error", "code": <ErrorCode>, "message": ...}`` (``two_factor_required`` or
``two_factor_enrolment_required``) and the close code ``CLOSE_TWO_FACTOR`` (4401), on which it stops
reconnecting: the next page it loads goes through TwoFactorMiddleware to the missing step.

Anonymous sockets pass through: each consumer decides for itself whether it serves them. The immersive
map's own server (space/server.py) takes no session, only a ticket; the ticket is issued over HTTP
(space.views.ticket), where TwoFactorMiddleware already holds back such a session."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant

from parkos.accounts import twofactor

CLOSE_TWO_FACTOR = 4401  # the session lacks two-factor authentication (the message before it says which step)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def socket_step_missing(scope: Scope) -> str | None:
    """The step this socket's session lacks (an ErrorCode's value), or None to let it through."""
    user = scope.get("user")
    session = scope.get("session")
    if user is None or session is None or not user.is_authenticated:
        return None
    missing = twofactor.session_step_missing(session, user)
    return str(missing) if missing else None


def _language(scope: Scope) -> str:
    """The page's language, chosen as ParkLocaleMiddleware chooses it: the member's cookie, else the park's."""
    language = get_supported_language_variant(settings.LANGUAGE_CODE)
    chosen = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        with contextlib.suppress(LookupError):
            language = get_supported_language_variant(chosen)
    return language


def _refusal(scope: Scope, code: str) -> dict[str, Any]:
    with translation.override(_language(scope)):
        return {"type": "error", "code": code, "message": str(twofactor.step_missing_message(code))}


class TwoFactorWebsocketMiddleware:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "websocket":
            await self.app(scope, receive, send)
            return
        missing = await database_sync_to_async(socket_step_missing)(scope)
        if missing is None:
            await self.app(scope, receive, send)
            return
        refusal = _refusal(scope, missing)
        message = await receive()
        if message.get("type") != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps(refusal, ensure_ascii=False)})
        await send({"type": "websocket.close", "code": CLOSE_TWO_FACTOR, "reason": missing})
