"""The bell's websocket: ``/ws/notifications/``. A signed-in member joins their own group and gets the
unread count on connect and with every new notification; an anonymous socket is refused.

Messages to the page: ``{"type": "count", "unread": n}`` and
``{"type": "notification", "unread": n, "id", "kind", "title", "url"}`` (the page shows a toast).

Cross-process delivery: ``notification_send`` publishes through the channel layer after commit. With
Redis that reaches this process. In embedded mode the layer is in memory, per process, and the web
process cannot reach us; so here a relay polls for new rows (one indexed query a second, only while
sockets are open) and publishes them into our own layer. The consumer drops a notification it has
already pushed, so the two paths can never show a toast twice."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db.models import Max

from parkos.notifications import selectors
from parkos.notifications.models import Notification
from parkos.notifications.services import group_name, live_message

log = logging.getLogger(__name__)


class _Relay:
    interval = 1.0

    def __init__(self) -> None:
        self.users: Counter[int] = Counter()
        self.task: asyncio.Task[None] | None = None
        self.last_id: int | None = None

    def add(self, user_id: int) -> None:
        self.users[user_id] += 1
        loop = asyncio.get_running_loop()
        # A task of another (closed) loop never finishes: tests run one loop each.
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            self.last_id = None
            self.task = loop.create_task(self._run())

    def remove(self, user_id: int) -> None:
        self.users[user_id] -= 1
        if self.users[user_id] <= 0:
            del self.users[user_id]

    async def _run(self) -> None:
        layer = get_channel_layer()
        if self.last_id is None:
            self.last_id = await database_sync_to_async(_max_id)()
        while self.users:
            await asyncio.sleep(self.interval)
            try:
                last, rows = await database_sync_to_async(_new_since)(self.last_id, set(self.users))
            except Exception:  # a locked or restarting database: try again next tick
                log.warning("notification relay poll failed", exc_info=True)
                continue
            self.last_id = last
            for row in rows:
                await layer.group_send(group_name(row.recipient_id), live_message(row))  # type: ignore[union-attr]
        # Idle: forget the position, so a relay started later never scans the rows of the quiet hours.
        self.last_id = None
        self.task = None


def _max_id() -> int:
    return Notification.objects.aggregate(m=Max("id"))["m"] or 0


def _new_since(last_id: int, users: set[int]) -> tuple[int, list[Notification]]:
    newest = _max_id()
    if newest <= last_id:
        return last_id, []
    # Ids only first (narrow index scan), then the few rows that belong to someone connected here.
    ids = [pk for pk, uid in Notification.objects.filter(id__gt=last_id, id__lte=newest, in_app=True)
           .values_list("id", "recipient_id") if uid in users]
    rows = list(Notification.objects.filter(id__in=ids).only("id", "recipient_id", "kind", "title", "url")
                .order_by("id")) if ids else []
    return newest, rows


_relay = _Relay()


def _needs_relay() -> bool:
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    user_id: int | None = None
    last_pushed: int = 0

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.user_id = user.pk
        await self.channel_layer.group_add(group_name(user.pk), self.channel_name)
        await self.accept()
        unread, self.last_pushed = await database_sync_to_async(_state)(user)
        await self.send_json({"type": "count", "unread": unread})
        if _needs_relay():
            _relay.add(user.pk)

    async def disconnect(self, code: int) -> None:
        if self.user_id is None:
            return
        await self.channel_layer.group_discard(group_name(self.user_id), self.channel_name)
        if _needs_relay():
            _relay.remove(self.user_id)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The page only listens; a "count" request re-sends the badge (e.g. after the tab wakes up).
        if isinstance(content, dict) and content.get("type") == "count":
            await self.send_json({"type": "count", "unread": await self._unread()})
        else:
            await self.send_json({"type": "error", "code": "unknown_message"})

    async def notification_new(self, event: dict[str, Any]) -> None:
        if int(event["id"]) <= self.last_pushed:
            return
        self.last_pushed = int(event["id"])
        await self.send_json({"type": "notification", "unread": await self._unread(), "id": event["id"],
                              "kind": event["kind"], "title": event["title"], "url": event["url"]})

    async def notification_count(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "count", "unread": await self._unread()})

    async def _unread(self) -> int:
        return await database_sync_to_async(_unread_of)(self.scope["user"])


def _unread_of(user: Any) -> int:
    return selectors.unread_count(viewer=user)


def _state(user: Any) -> tuple[int, int]:
    newest = Notification.objects.filter(recipient_id=user.pk).aggregate(m=Max("id"))["m"] or 0
    return selectors.unread_count(viewer=user), newest


