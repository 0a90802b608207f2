"""Bubbles: who hears whom (chat to the bubble or the room, locked bubbles), and, with a media server
configured (``space.media``), the bubbles recomputed once per tick for those whose bubble may have changed:
each member whose bubble changed gets ``{"t": "bubble", "id": <bubble id>, "with": [ids]}``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from parkos.space.world.interest import Interest
from parkos.space.world.records import Avatar, Refusal, Rejected, typed_text
from parkos.space.world.rooms import Rooms

BUBBLE_RADIUS = 3  # tiles (Chebyshev) between two people who hear each other
MAX_SAY = 500


class Bubbles(Interest, Rooms):
    def say(self, avatar_id: int, text: Any, *, scope: str = "bubble") -> list[int]:
        """Chat to the speaker's bubble (people within reach, transitively) or to its room (area)."""
        avatar = self._get(avatar_id)
        try:
            text = typed_text(text, limit=MAX_SAY)
        except Rejected as refused:
            if refused.code is not Refusal.CONTROL_CHARS:  # an emoji sequence is no attack: no strike
                avatar.strikes += 1
            raise
        assert avatar.says is not None
        if not avatar.says.take(self.clock()):
            raise self._strike(avatar, Refusal.TOO_FAST)
        if avatar_id in self.muted:
            raise Rejected(Refusal.MUTED)
        if scope == "room":
            if avatar.area < 0:
                raise Rejected(Refusal.NO_ROOM)
            hearers = [o for o in self.in_area[avatar.area] if o not in avatar.blocked]
        elif scope == "bubble":
            hearers = self.bubble(avatar)
            if len(hearers) < 2:
                raise Rejected(Refusal.ALONE)
        else:
            raise self._strike(avatar, Refusal.MALFORMED)
        message = {"t": "say", "from": avatar_id, "name": avatar.name, "text": text, "scope": scope}
        for o in hearers:
            self._emit(o, message)
        return hearers

    def bubble(self, avatar: Avatar) -> list[int]:
        """The people who hear ``avatar``: connected within ``BUBBLE_RADIUS`` tiles, among those it can
        see, outside silent areas, inside the same locked bubble if either is locked, not blocked."""
        if self._silent(avatar):
            return [avatar.id]
        candidates = [self.avatars[o] for o in self.visible_ids(avatar)]
        members, frontier = {avatar.id}, [avatar]
        while frontier:
            current = frontier.pop()
            for other in candidates:
                if other.id in members or other.id in avatar.blocked or self._silent(other):
                    continue
                if other.lock != avatar.lock:
                    continue
                if max(abs(other.x - current.x), abs(other.y - current.y)) <= BUBBLE_RADIUS:
                    members.add(other.id)
                    frontier.append(other)
        return sorted(members)

    def lock_bubble(self, avatar_id: int, locked: bool = True) -> list[int]:
        avatar = self._get(avatar_id)
        members = self.bubble(avatar)
        lock = 0
        if locked:
            lock, self._next_lock = self._next_lock, self._next_lock + 1
        for o in members:
            self.avatars[o].lock = lock
            self._emit(o, {"t": "lock", "on": bool(locked), "by": avatar_id})
        if self.track_bubbles:
            self._bubble_dirty.update(members)
        return members

    def _bubbles_update(self) -> None:
        """Recompute the bubbles the dirty avatars are, or were, in, and tell each local member whose
        bubble changed. A bubble keeps its id while people come and go (the id most of its members had
        before), so a media server keeps one room per conversation; a new bubble is named after its
        smallest member id when that is free, so nodes sharing a map name it alike."""
        dirty, self._bubble_dirty = self._bubble_dirty, set()
        pending = sorted(dirty)
        seen: set[int] = set()
        groups: list[frozenset[int]] = []
        touched: set[int] = set()  # ids of the bubbles being replaced
        while pending:
            ident = pending.pop()
            if ident in seen or ident not in self.avatars:
                continue
            group = frozenset(self.bubble(self.avatars[ident])) - seen
            seen |= group
            groups.append(group)
            for member in group:
                old = self._bubble_of.get(member)
                if old is not None and old not in touched:
                    touched.add(old)  # whoever else was in it must be looked at too
                    pending.extend(m for m in self._bubble_members.get(old, ()) if m not in seen)
        in_use = set(self._bubble_members) - touched
        assigned: list[tuple[frozenset[int], int | None]] = []
        for group in sorted(groups, key=len, reverse=True):  # the bigger part of a split keeps the id
            bubble_id = self._bubble_id(group, in_use) if len(group) > 1 else None
            if bubble_id is not None:
                in_use.add(bubble_id)
            assigned.append((group, bubble_id))
        before = {m: (self._bubble_of.get(m), self._bubble_members.get(self._bubble_of.get(m, -1), frozenset()))
                  for group, _id in assigned for m in group}
        for bubble_id in touched:
            for member in self._bubble_members.pop(bubble_id, ()):
                if self._bubble_of.get(member) == bubble_id:
                    del self._bubble_of[member]
        for group, bubble_id in assigned:
            if bubble_id is not None:
                self._bubble_members[bubble_id] = group
                for member in group:
                    self._bubble_of[member] = bubble_id
        for group, bubble_id in assigned:
            for member in group:
                old_id, old_group = before[member]
                if (old_id, old_group) == (bubble_id, group if bubble_id is not None else frozenset()):
                    continue
                if member not in self.remote:  # a mirrored avatar's own node tells it
                    others = sorted(group - {member}) if bubble_id is not None else []
                    self._emit(member, {"t": "bubble", "id": bubble_id, "with": others})

    def _bubble_id(self, group: frozenset[int], in_use: set[int]) -> int:
        had = Counter(self._bubble_of[m] for m in group if m in self._bubble_of)
        for bubble_id, _n in sorted(had.items(), key=lambda item: (-item[1], item[0])):
            if bubble_id not in in_use:
                return bubble_id
        for member in sorted(group):
            if member not in in_use:
                return member
        self._next_bubble += 1
        return self._next_bubble

    def bubble_of(self, avatar_id: int) -> tuple[int | None, list[int]]:
        """The bubble id an avatar is in (None when in none) and who else is in it (tracked bubbles)."""
        bubble_id = self._bubble_of.get(avatar_id)
        if bubble_id is None:
            return None, []
        return bubble_id, sorted(self._bubble_members[bubble_id] - {avatar_id})
