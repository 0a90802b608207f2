"""Movement and collision: joining and leaving, each step checked (speed, walls, rooms) and placed."""

from __future__ import annotations

import random
from typing import Any

from parkos.space.world.interest import Interest
from parkos.space.world.records import MOVE, OP_GONE, OP_MOVE, Avatar, Bucket, Refusal, Rejected
from parkos.space.world.rooms import Rooms

SPEED = 8.0  # tiles per second an avatar may walk (the client walks at 6)
SLACK = 2.0  # tiles of tolerance for network jitter
MOVES_PER_SECOND, MOVE_BURST = 6.0, 4.0  # clients send at most 5 a second, plus one when they stop
SAYS_PER_SECOND, SAY_BURST = 1.0, 5.0


class Movement(Interest, Rooms):
    def join(self, avatar: Avatar, *, at: tuple[int, int] | None = None) -> Avatar:
        """Place ``avatar`` (at its last position when it reconnects, else the spawn point)."""
        now = self.clock()
        old = self.avatars.get(avatar.id)
        if old is not None:  # a second tab or a reconnect: one avatar per person, the newest wins
            self.leave(avatar.id)
        self._link_blocks(avatar)
        x, y = at if at and self.map.walkable(*at) else self.spawn_point(avatar.id)
        index = self.area_of[y * self.map.width + x]
        area = self.area(index)
        if area is not None and (
                (area.access != "anyone" and index not in avatar.allowed_areas)
                or (area.capacity is not None and len(self.in_area[index]) >= area.capacity)):
            x, y = self.map.spawn
            index = self.area_of[y * self.map.width + x]
        avatar.x, avatar.y, avatar.zone, avatar.area, avatar.moved_at = x, y, self.zone_of(x, y), index, now
        avatar.moves = Bucket(MOVES_PER_SECOND, MOVE_BURST, now)
        avatar.says = Bucket(SAYS_PER_SECOND, SAY_BURST, now)
        self.avatars[avatar.id] = avatar
        if avatar.blocked:
            self.blockers.add(avatar.id)
        self.zones[avatar.zone].add(avatar.id)
        if index >= 0:
            self.in_area[index].add(avatar.id)
        self._emit(avatar.id, {"t": "you", **avatar.info()})
        self._introduce(avatar, [self.avatars[o] for o in self.visible_ids(avatar)])
        self._show(avatar, self.around(avatar.zone))
        self._out_cards.append(self.card(avatar))
        self._presence[avatar.id] = avatar.listed()
        if self.track_bubbles:
            self._bubble_dirty.add(avatar.id)
        return avatar

    def spawn_point(self, seed: int) -> tuple[int, int]:
        """A free tile of the spawn rectangle (spread, so a crowd does not start in one zone)."""
        sx, sy, sw, sh = self.map.spawn_area
        rng = random.Random(seed)
        for _ in range(20):
            x, y = sx + rng.randrange(sw), sy + rng.randrange(sh)
            if self.map.walkable(x, y):
                return x, y
        return self.map.spawn

    def leave(self, avatar_id: int) -> None:
        avatar = self.avatars.pop(avatar_id, None)
        if avatar is None:
            return
        self.zones[avatar.zone].discard(avatar_id)
        self.blockers.discard(avatar_id)
        if avatar.area >= 0:
            self.in_area[avatar.area].discard(avatar_id)
        gone = MOVE.pack(OP_GONE, avatar_id, 0, 0, 0)
        self._moves[avatar.zone].append((avatar_id, gone))
        if self.remote.pop(avatar_id, None) is None:
            self._out_moves.append(gone)
        self._events.pop(avatar_id, None)
        self._personal.pop(avatar_id, None)
        self._presence[avatar_id] = None
        bubble = self._bubble_of.pop(avatar_id, None)
        if bubble is not None:  # those left in its bubble hear of it at the next tick
            rest = [m for m in self._bubble_members.get(bubble, ()) if m in self._bubble_of]
            if rest:
                self._bubble_dirty.update(rest)
            else:
                self._bubble_members.pop(bubble, None)

    def move(self, avatar_id: int, x: Any, y: Any, direction: Any = 0) -> None:
        avatar = self._get(avatar_id)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (x, y, direction)):
            raise self._strike(avatar, Refusal.MALFORMED)
        now = self.clock()
        assert avatar.moves is not None
        if not avatar.moves.take(now):
            raise self._strike(avatar, Refusal.TOO_FAST)
        if not (0 <= x < self.map.width and 0 <= y < self.map.height):
            raise self._strike(avatar, Refusal.OUTSIDE)
        step = max(abs(x - avatar.x), abs(y - avatar.y))
        if step > SPEED * (now - avatar.moved_at) + SLACK:
            raise self._strike(avatar, Refusal.TELEPORT)
        try:
            self._line_clear(avatar.x, avatar.y, x, y, avatar)
        except Rejected as refused:
            avatar.strikes += 1
            # Tell the sender where it really stands so its client can snap back.
            refused.detail.update(x=avatar.x, y=avatar.y)
            raise
        self._place(avatar, x, y, direction % 8, now)

    def _place(self, avatar: Avatar, x: int, y: int, direction: int, now: float) -> None:
        old_zone, new_zone = avatar.zone, self.zone_of(x, y)
        avatar.x, avatar.y, avatar.direction, avatar.moved_at = x, y, direction, now
        index = self.area_of[y * self.map.width + x]
        if index != avatar.area:
            if avatar.area >= 0:
                self.in_area[avatar.area].discard(avatar.id)
            if index >= 0:
                self.in_area[index].add(avatar.id)
            avatar.area = index
            self._emit(avatar.id, {"t": "area", "a": index})
        if new_zone != old_zone:
            self.zones[old_zone].discard(avatar.id)
            self.zones[new_zone].add(avatar.id)
            avatar.zone = new_zone
            before, after = set(self.around(old_zone)), self.around(new_zone)
            fresh = [z for z in after if z not in before]
            # The mover learns who stands in the zones it now sees; they learn who it is.
            self._introduce(avatar, [self.avatars[o] for z in fresh for o in self.zones.get(z, ())
                                     if o != avatar.id and o not in avatar.blocked])
            self._show(avatar, fresh)
        record = MOVE.pack(OP_MOVE, avatar.id, x, y, direction)
        self._moves[new_zone].append((avatar.id, record))
        if self.track_bubbles:
            self._bubble_dirty.add(avatar.id)
        if avatar.id not in self.remote:
            self._out_moves.append(record)

    def _line_clear(self, x0: int, y0: int, x1: int, y1: int, avatar: Avatar) -> None:
        """Every tile on the straight line from (x0, y0) to (x1, y1) must be walkable and enterable."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        x, y = x0, y0
        while True:
            if not self.map.walkable(x, y):
                raise Rejected(Refusal.WALL, x=x, y=y)
            self._check_area(avatar, self.area_of[y * self.map.width + x])
            if x == x1 and y == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x += sx
            if e2 <= dx:
                err += dx
                y += sy
