"""The authoritative state of one map: avatars, where they stand, what each client may see.

No I/O (and Django only for the shared error and text vocabulary), so the hot path (a move every 200 ms
per walking avatar, a frame per client per 100 ms tick) stays in one process and is testable on its own.
The websocket layer (``space.server``) feeds it intents and ships the frames it returns.

One module per idea; ``World`` puts them together:

- ``records``: the 10-byte move record, the refusal codes, the avatar and its card;
- ``state``: what a world holds, and refusing and queueing events;
- ``interest``: zones and who sees whom (a client sees the 3 × 3 zones around its avatar);
- ``rooms``: named areas, their access rules and capacity;
- ``movement``: joining, leaving, each step checked (speed, walls, rooms) and placed;
- ``bubbles``: who hears whom, chat, locked bubbles, and bubbles for a media server (``space.media``);
- ``people``: statuses, who is here, finding someone, blocks and announcements;
- ``frames``: the tick's frames, and what other nodes must mirror;
- ``nodes``: mirroring the avatars other nodes hold.
"""

from __future__ import annotations

from parkos.space.world.bubbles import BUBBLE_RADIUS, MAX_SAY
from parkos.space.world.frames import Frames
from parkos.space.world.interest import KNOWN, ZONE
from parkos.space.world.movement import SLACK, SPEED
from parkos.space.world.nodes import Mirror
from parkos.space.world.people import People
from parkos.space.world.records import (
    MOVE,
    OP_GONE,
    OP_HERE,
    OP_MOVE,
    STATUSES,
    Avatar,
    Bucket,
    Refusal,
    Rejected,
    decode_moves,
    typed_text,
)

__all__ = ["BUBBLE_RADIUS", "KNOWN", "MAX_SAY", "MOVE", "OP_GONE", "OP_HERE", "OP_MOVE", "SLACK", "SPEED",
           "STATUSES", "ZONE", "Avatar", "Bucket", "Refusal", "Rejected", "World", "decode_moves",
           "typed_text"]


class World(Frames, Mirror, People):
    """One map's world: see the modules of this package for each part."""
