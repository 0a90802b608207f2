"""The seam for voice and video: what a WebRTC media server (LiveKit, mediasoup, Jitsi …) plugs into.

ParkOS carries no audio or video itself. What it knows is who is in which conversation bubble, and it
says so when that changes; a media server turns that into rooms. The flow, when a provider is registered:

1. The map server (``space.server.Runtime``) creates its ``World`` with ``track_bubbles=True``; the world
   recomputes the bubbles of the avatars that moved (once per tick, only for them) and emits to each
   member whose bubble changed ``{"t": "bubble", "id": <bubble id>, "with": [avatar ids]}``; ``id`` is
   null when the member is in no bubble any more (walked away, entered a silent area). A bubble keeps
   its id while people come and go, so one conversation is one media room.
2. Before the frame goes out, ``join_info_attach`` asks the provider ``join_info(user_id, bubble_id)``
   and puts the answer in the event as ``"media"`` (for LiveKit: the server URL and an access token
   for a room named by ``bubble_id``). The provider's ``bubble_id`` is the bubble's name across the
   park, ``"<map slug>-<id>"``, since two maps number their bubbles alike. It runs on the tick, so it
   must be quick and do no network I/O: sign a token locally, never call out.
3. In the browser, ``Space.prototype.onBubble(event)`` (static/space/space.js) is the single hook: a
   media integration replaces it to join ``event.media`` and leave when ``event.id`` is null. Without a
   provider the events carry no ``media`` and the default hook does nothing.

Register the provider from the media app's ``AppConfig.ready()`` with ``media_provider_register``;
no setting names it, and with none registered the world does not track bubbles at all (the hot path
stays as it is: ``bench/space.py``). Blocking is already honoured: blocked people are never in one
bubble, and locked bubbles admit nobody new.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from parkos.space.providers import ProviderSlot

log = logging.getLogger("parkos.space")


class MediaProvider(Protocol):
    def join_info(self, user_id: int, bubble_id: str) -> dict[str, Any] | None:
        """What the browser of ``user_id`` needs to join the media room ``bubble_id`` (``"<map>-<id>"``):
        a URL, a token. None keeps this person out of media (the bubble's text chat still works)."""
        ...


media_providers: ProviderSlot[MediaProvider] = ProviderSlot("media")
# Make a provider the map's media server (the last registration wins); maps opened from now on track bubbles.
media_provider_register = media_providers.register
media_provider_clear = media_providers.clear
media_provider_get = media_providers.get


def join_info_attach(map_slug: str, user_id: int, events: list[dict[str, Any]]) -> None:
    """Add the provider's join information to ``user_id``'s bubble events (in place). A failing provider
    leaves the event without ``media``: the map goes on, only without voice."""
    provider = media_providers.get()
    if provider is None:
        return
    for event in events:
        if event.get("t") != "bubble" or event.get("id") is None:
            continue
        try:
            info = provider.join_info(user_id, f"{map_slug}-{event['id']}")
        except Exception:
            log.exception("the media provider failed")
            continue
        if info:
            event["media"] = info
