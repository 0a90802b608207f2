"""What one map's world holds, and the primitives every part of it uses: finding an avatar, refusing,
and queueing an event for a client (here, or on the node that holds it)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from parkos.space.tiled import ParsedMap
from parkos.space.world.records import Avatar, Refusal, Rejected


class WorldState:
    def __init__(self, parsed: ParsedMap, *, clock: Callable[[], float] = time.monotonic,
                 track_bubbles: bool = False):
        self.map = parsed
        self.clock = clock
        self.avatars: dict[int, Avatar] = {}
        self.zones: dict[tuple[int, int], set[int]] = defaultdict(set)
        # Area of each tile (-1 none); where areas overlap, the later one wins (draw order in Tiled).
        self.area_of = [-1] * (parsed.width * parsed.height)
        for area in parsed.areas:
            for ty in range(area.y, area.y + area.height):
                row = ty * parsed.width
                for tx in range(area.x, area.x + area.width):
                    self.area_of[row + tx] = area.index
        self.in_area: dict[int, set[int]] = defaultdict(set)
        self.muted: set[int] = set()
        self.blockers: set[int] = set()  # avatars with someone blocked (few): joins check only these
        self._moves: dict[tuple[int, int], list[tuple[int, bytes]]] = defaultdict(list)
        self._events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self._personal: dict[int, list[bytes]] = defaultdict(list)
        self._next_lock = 1
        self._around_cache: dict[tuple[int, int], list[tuple[int, int]]] = {}
        # Scale-out: avatars whose connection lives on another node (mirrored here, not checked here),
        # and what this node must tell the others after each tick.
        self.remote: dict[int, str] = {}  # avatar id -> owning node
        self._out_moves: list[bytes] = []
        self._out_cards: list[dict[str, Any]] = []
        self._out_events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        # Bubbles for a media server, tracked only when one is configured (space.media).
        self.track_bubbles = track_bubbles
        self._bubble_dirty: set[int] = set()  # avatars whose bubble may have changed since the last tick
        self._bubble_of: dict[int, int] = {}  # avatar -> id of the bubble it is in (with at least one other)
        self._bubble_members: dict[int, frozenset[int]] = {}  # bubble id -> its members
        self._next_bubble = 1 << 32  # past every avatar id (u32): see _bubble_id
        # Who joined (their list line) or left (None) the map since the last presence flush (People).
        self._presence: dict[int, dict[str, Any] | None] = {}

    def _get(self, avatar_id: int) -> Avatar:
        avatar = self.avatars.get(avatar_id)
        if avatar is None:
            raise Rejected(Refusal.NOT_JOINED)
        return avatar

    def _strike(self, avatar: Avatar, code: Refusal) -> Rejected:
        avatar.strikes += 1
        return Rejected(code)

    def _emit(self, avatar_id: int, event: dict[str, Any]) -> None:
        if avatar_id in self.remote:
            self._out_events[avatar_id].append(event)
        else:
            self._events[avatar_id].append(event)
