"""People on the map: statuses, the "who is here" list, finding someone, and moderation (blocks,
announcements; muting and removal are decided by the server's operators)."""

from __future__ import annotations

from typing import Any

from parkos.space.world.interest import Interest
from parkos.space.world.records import STATUSES, Avatar, Refusal, Rejected

# Joins and leaves in one presence event that travel as list lines; past this (a crowd arriving at once)
# only the count travels, and the lists catch up at each client's next "who".
PRESENCE_DETAIL = 25


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

    def who(self, viewer_id: int | None = None) -> list[dict[str, Any]]:
        """Everyone on the map with status and area (the "who is here" list), no coordinates; ``park`` marks
        those shown as physically in the park today. Those the viewer blocked (either way) are left out."""
        viewer = self.avatars.get(viewer_id) if viewer_id is not None else None
        hidden = viewer.blocked if viewer is not None else ()
        return [a.listed() for a in self.avatars.values() if a.id not in hidden]

    def presence_flush(self) -> dict[str, Any] | None:
        """Who joined and who left the map since the last call, as one event for every client:
        ``{"t": "here", "n": how many are on the map, "in": [list lines], "out": [ids]}`` (None when nobody
        came or went). A reconnect within the interval is one "in"; someone who came and went, one "out".
        Past ``PRESENCE_DETAIL`` changes the event carries the count only. It holds avatars of every node
        (mirrored ones join and leave here too), so each node tells its own clients."""
        if not self._presence:
            return None
        changes, self._presence = self._presence, {}
        event: dict[str, Any] = {"t": "here", "n": len(self.avatars)}
        if len(changes) <= PRESENCE_DETAIL:
            event["in"] = [line for line in changes.values() if line is not None]
            event["out"] = [ident for ident, line in changes.items() if line is None]
        return event

    def presence_for(self, avatar: Avatar, event: dict[str, Any]) -> dict[str, Any]:
        """``event`` (``presence_flush``) as ``avatar`` sees it: those blocked either way are neither listed
        nor counted (``who`` leaves them out too). Most avatars block nobody and share the one event."""
        if not avatar.blocked:
            return event
        hidden = avatar.blocked
        mine = {**event, "n": event["n"] - sum(1 for other in hidden if other in self.avatars)}
        if "in" in event:
            mine["in"] = [line for line in event["in"] if line["id"] not in hidden]
        return mine

    def presence_count(self, avatar: Avatar) -> dict[str, Any]:
        """Just the count, for a client that missed frames (it gets a snapshot of its view besides)."""
        return self.presence_for(avatar, {"t": "here", "n": len(self.avatars)})

    def locate(self, avatar_id: int, target_id: int) -> tuple[int, int]:
        avatar, target = self._get(avatar_id), self.avatars.get(target_id)
        if target is None or target_id in avatar.blocked or not target.followable:
            raise Rejected(Refusal.NOT_FOUND)
        return target.x, target.y
