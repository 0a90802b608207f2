"""Frames: what each client receives per tick. Moves are encoded once per zone (10 bytes each) and a
client's binary frame is the concatenation of its nine zones' bytes, so the cost of a tick is one encoding
per move plus one ``b"".join`` per client, not one encoding per (move, viewer) pair. Rare events travel in
a JSON list beside it. ``outbox`` is what other nodes must mirror of this tick."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from parkos.space.world.bubbles import Bubbles


class Frames(Bubbles):
    def tick(self) -> dict[int, tuple[bytes, list[dict[str, Any]]]]:
        """Frames for this tick: per avatar, the binary moves it can see and its JSON events.

        Everyone standing in the same zone sees the same nine zones, so their move chunk is one
        shared ``bytes`` object (built once per zone); the server can then frame it once too."""
        if self._bubble_dirty:
            self._bubbles_update()
        moves, self._moves = self._moves, defaultdict(list)
        events, self._events = self._events, defaultdict(list)
        personal, self._personal = self._personal, defaultdict(list)
        frames: dict[int, tuple[bytes, list[dict[str, Any]]]] = {}
        if not moves and not events and not personal:
            return frames
        packed = {z: b"".join(b for _id, b in items) for z, items in moves.items()}
        by_zone: dict[tuple[int, int], bytes] = {}
        around = self._around
        for avatar in self.avatars.values():
            if avatar.id in self.remote:
                continue
            if avatar.blocked:
                chunk = b"".join(b for z in around(avatar.zone) for i, b in moves.get(z, ())
                                 if i not in avatar.blocked)
            else:
                chunk = by_zone.get(avatar.zone)  # type: ignore[assignment]
                if chunk is None:
                    chunk = by_zone[avatar.zone] = b"".join(packed[z] for z in around(avatar.zone) if z in packed)
            extra = personal.get(avatar.id)
            if extra:
                chunk = chunk + b"".join(extra)
            mine = events.get(avatar.id)
            if chunk or mine:
                frames[avatar.id] = (chunk, mine or [])
        return frames

    def outbox(self) -> dict[str, Any] | None:
        """What happened here this tick that other nodes must mirror: moves of local avatars (binary
        records), cards of local avatars that joined or changed, and events for their avatars."""
        if not (self._out_moves or self._out_cards or self._out_events):
            return None
        out = {"m": b"".join(self._out_moves), "c": self._out_cards,
               "e": {str(k): v for k, v in self._out_events.items()}}
        self._out_moves, self._out_cards, self._out_events = [], [], defaultdict(list)
        return out
