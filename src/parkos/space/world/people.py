"""People on the map: statuses, the "who is here" list, finding someone, and moderation (blocks,
announcements; muting and removal are decided by the server's operators)."""

from __future__ import annotations

from typing import Any

from parkos.space.world.interest import Interest
from parkos.space.world.records import STATUSES, Refusal, Rejected


class People(Interest):
    def set_status(self, avatar_id: int, status: Any) -> None:
        avatar = self._get(avatar_id)
        if status not in STATUSES:
            raise self._strike(avatar, Refusal.MALFORMED)
        avatar.status = status
        avatar.rekey()
        for o in [*self.visible_ids(avatar), avatar_id]:
            self._emit(o, {"t": "st", "id": avatar_id, "st": status})
            if avatar_id in self.avatars[o].known:
                self.avatars[o].known[avatar_id] = avatar.key
        if avatar_id not in self.remote:
            self._out_cards.append(self.card(avatar))

    def block(self, avatar_id: int, other_id: int) -> None:
        """Blocking works both ways: neither sees nor hears the other from now on."""
        for a, b in ((avatar_id, other_id), (other_id, avatar_id)):
            avatar = self.avatars.get(a)
            if avatar is not None:
                avatar.blocked.add(b)
                self.blockers.add(a)
                self._emit(a, {"t": "gone", "id": b})
                if a in self.remote:  # its own node must learn it too
                    self._out_events[a].append({"t": "_block", "id": b})
                if self.track_bubbles:
                    self._bubble_dirty.add(a)

    def announce(self, text: str, *, by: str) -> None:
        for o in self.avatars:
            self._emit(o, {"t": "announce", "text": text, "by": by})

    def who(self) -> list[dict[str, Any]]:
        """Everyone on the map with status and area (the "who is here" list), no coordinates; ``park`` marks
        those shown as physically in the park today."""
        return [{"id": a.id, "name": a.name, "ent": a.enterprise, "st": a.status, "a": a.area,
                 **({"park": 1} if a.in_park else {})} for a in self.avatars.values()]

    def locate(self, avatar_id: int, target_id: int) -> tuple[int, int]:
        avatar, target = self._get(avatar_id), self.avatars.get(target_id)
        if target is None or target_id in avatar.blocked or not target.followable:
            raise Rejected(Refusal.NOT_FOUND)
        return target.x, target.y
