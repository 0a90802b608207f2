"""A minimal websocket endpoint: proves the ASGI process, the shared session and the channel layer."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        await self.send_json(
            {"type": "hello", "user": user.display_name if user is not None and user.is_authenticated else None}
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "n": content.get("n")})
        else:
            await self.send_json({"type": "error", "code": "unknown_message"})
