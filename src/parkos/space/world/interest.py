"""Interest management: the map is cut into zones of ``ZONE`` × ``ZONE`` tiles and a client sees the
3 × 3 zones around its avatar. Who comes into view is introduced (a 10-byte record for someone already
known, the full card otherwise)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parkos.space.world.records import MOVE, OP_HERE, Avatar
from parkos.space.world.state import WorldState

ZONE = 10
KNOWN = 500  # cards (name, look, status) a client is assumed to remember


class Interest(WorldState):
    @staticmethod
    def zone_of(x: int, y: int) -> tuple[int, int]:
        return (x // ZONE, y // ZONE)

    @staticmethod
    def around(zone: tuple[int, int]) -> list[tuple[int, int]]:
        zx, zy = zone
        return [(zx + dx, zy + dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]

    def visible_ids(self, avatar: Avatar) -> Iterable[int]:
        for z in self.around(avatar.zone):
            for other in self.zones.get(z, ()):
                if other != avatar.id and other not in avatar.blocked:
                    yield other

    def _around(self, zone: tuple[int, int]) -> list[tuple[int, int]]:
        cached = self._around_cache.get(zone)
        if cached is None:
            cached = self._around_cache[zone] = self.around(zone)
        return cached

    @staticmethod
    def card(avatar: Avatar) -> dict[str, Any]:
        """What other nodes need to mirror an avatar (the client's card, with the in-park marker, plus whom
        it blocked and whether it may be followed)."""
        return {**avatar.info(), "b": sorted(avatar.blocked), "f": avatar.followable}

    def _link_blocks(self, avatar: Avatar) -> None:
        """Blocking works both ways: those here who blocked a newcomer, and those it blocked, stop seeing
        each other (only avatars with blocks are looked at: ``blockers``)."""
        for other_id in list(self.blockers):
            other = self.avatars.get(other_id)
            if other is not None and avatar.id in other.blocked:
                avatar.blocked.add(other_id)
        for other_id in avatar.blocked:
            other = self.avatars.get(other_id)
            if other is not None:
                other.blocked.add(avatar.id)
                self.blockers.add(other_id)

    def _show(self, avatar: Avatar, zones: Iterable[tuple[int, int]]) -> None:
        """Those standing in ``zones`` now see ``avatar``."""
        for z in zones:
            for other in self.zones.get(z, ()):
                if other != avatar.id and other not in avatar.blocked:
                    self._introduce(self.avatars[other], [avatar])

    def _introduce(self, viewer: Avatar, people: list[Avatar]) -> None:
        """Tell ``viewer`` where ``people`` stand: a 10-byte position record for those it already
        knows (name, look and status unchanged), the full card (JSON) for the others. Remembering
        the last ``KNOWN`` people per viewer keeps a crowd's comings and goings mostly binary."""
        cards = []
        known = viewer.known
        for person in people:
            if known.get(person.id) == person.key:
                known.move_to_end(person.id)
                self._personal[viewer.id].append(
                    MOVE.pack(OP_HERE, person.id, person.x, person.y, person.direction))
                continue
            known[person.id] = person.key
            cards.append(person.info())
        if len(known) > KNOWN:
            for _ in range(len(known) - KNOWN):
                known.popitem(last=False)
        if cards:
            self._emit(viewer.id, {"t": "seen", "list": cards})
