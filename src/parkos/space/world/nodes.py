"""Several nodes, one map: mirroring the avatars another node holds (see ``space.server.Bridge``)."""

from __future__ import annotations

from typing import Any

from parkos.space.world.movement import Movement
from parkos.space.world.records import MOVE, OP_GONE, Avatar


class Mirror(Movement):
    def apply(self, node: str, batch: dict[str, Any]) -> list[int]:
        """Mirror another node's tick. Returns local avatars replaced by the same person joining there."""
        displaced = []
        now = self.clock()
        for card in batch.get("c", ()):
            ident = int(card["id"])
            avatar = self.avatars.get(ident)
            if avatar is not None and ident not in self.remote:
                displaced.append(ident)  # the same person opened the map on another node: newest wins
                self.leave(ident)
                avatar = None
            if avatar is None:
                self._join_remote(node, card, now)
            elif avatar.status != card.get("st"):
                avatar.status = str(card.get("st"))
                avatar.rekey()
                for o in self.visible_ids(avatar):
                    self._emit(o, {"t": "st", "id": ident, "st": avatar.status})
        for op, ident, x, y, direction in MOVE.iter_unpack(batch.get("m", b"")):
            if self.remote.get(ident) != node:
                continue
            if op == OP_GONE:
                self.leave(ident)
            elif self.map.walkable(x, y):
                self._place(self.avatars[ident], x, y, direction, now)
        for key, events in batch.get("e", {}).items():
            ident = int(key)
            if ident not in self.avatars or ident in self.remote:
                continue
            for event in events:
                if event.get("t") == "_block":
                    self.avatars[ident].blocked.add(int(event["id"]))
                    self.blockers.add(ident)
                else:
                    self._events[ident].append(event)
        return displaced

    def _join_remote(self, node: str, card: dict[str, Any], now: float) -> None:
        x, y = int(card["x"]), int(card["y"])
        if not self.map.walkable(x, y):
            return
        avatar = Avatar(int(card["id"]), str(card.get("name", "")), enterprise=str(card.get("ent", "")),
                        look=str(card.get("look", "0")), status=str(card.get("st", "available")),
                        followable=bool(card.get("f", True)), blocked={int(b) for b in card.get("b", ())},
                        in_park=bool(card.get("park")))
        self._link_blocks(avatar)
        self.remote[avatar.id] = node
        index = self.area_of[y * self.map.width + x]
        avatar.x, avatar.y, avatar.zone, avatar.area, avatar.moved_at = x, y, self.zone_of(x, y), index, now
        self.avatars[avatar.id] = avatar
        if avatar.blocked:
            self.blockers.add(avatar.id)
        self.zones[avatar.zone].add(avatar.id)
        if index >= 0:
            self.in_area[index].add(avatar.id)
        self._show(avatar, self.around(avatar.zone))
        self._presence[avatar.id] = avatar.listed()
        if self.track_bubbles:
            self._bubble_dirty.add(avatar.id)

    def local_cards(self) -> list[dict[str, Any]]:
        """Every avatar connected to this node (sent to a node that has just started on this map)."""
        return [self.card(a) for a in self.avatars.values() if a.id not in self.remote]

    def forget_node(self, node: str) -> None:
        """A node stopped speaking: its avatars leave (no ghosts)."""
        for ident in [i for i, n in self.remote.items() if n == node]:
            self.leave(ident)
