"""`parkos space-serve`: the immersive map's websocket server (started by `parkos serve` on PORT+2)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand
from django.http.request import validate_host

from parkos.space.server import SpaceServer
from parkos.space.tickets import ticket_read
from parkos.space.tiled import ParsedMap, parse

log = logging.getLogger("parkos.space")


def _load(slug: str) -> ParsedMap | None:
    from parkos.space.models import SpaceMap

    space = SpaceMap.objects.filter(slug=slug, is_active=True).first()
    return parse(space.tiled) if space is not None else None


def _ban(slug: str, user_id: int, by_id: int) -> None:
    from parkos.accounts.models import User
    from parkos.space.models import SpaceMap
    from parkos.space.services import ban_create

    space, user, by = (SpaceMap.objects.filter(slug=slug).first(), User.objects.filter(pk=user_id).first(),
                       User.objects.filter(pk=by_id).first())
    if not (space and user and by):  # said, never dropped in silence
        log.warning("space: ban of user %s on map %r by %s not saved: map or account gone", user_id, slug, by_id)
        return
    ban_create(actor=by, space=space, user=user, reason="")  # a refusal raises: the server's TaskSet logs it


def origin_allowed(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    allowed = settings.ALLOWED_HOSTS or ([".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return validate_host(host, allowed)


class Command(BaseCommand):
    help = "Serve the immersive map's websockets (/ws/space/<map>/)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.SPACE_PORT)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        async def load_map(slug: str) -> ParsedMap | None:
            return await sync_to_async(_load)(slug)

        async def on_ban(slug: str, user_id: int, by_id: int) -> None:
            await sync_to_async(_ban)(slug, user_id, by_id)

        # With REDIS_URL set (scale-out), the nodes serving a map mirror each other through Redis.
        server = SpaceServer(load_map=load_map, check_ticket=ticket_read, allowed_origins=origin_allowed,
                             on_ban=on_ban, redis_url=settings.REDIS_URL)

        def ready() -> None:
            self.stdout.write(f"space: listening on {host}:{port}")
            self.stdout.flush()

        try:
            import uvloop

            uvloop.run(server.serve(host, port, ready=ready))
        except KeyboardInterrupt:
            sys.exit(0)
