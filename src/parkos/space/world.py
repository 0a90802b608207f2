"""The authoritative state of one map: avatars, where they stand, what each client may see.

Pure Python, no Django and no I/O, so the hot path (a move every 200 ms per walking avatar, a frame
per client per 100 ms tick) stays in one process and is testable on its own. The websocket layer
feeds it intents and ships the frames it returns.

Interest management: the map is cut into zones of ``ZONE`` × ``ZONE`` tiles; a client sees the 3 × 3
zones around its avatar. Each tick, moves are encoded once per zone (10 bytes each) and a client's
binary frame is the concatenation of its nine zones' bytes, so the cost of a tick is one encoding per
move plus one ``b"".join`` per client, not one encoding per (move, viewer) pair. Rare events (someone
comes into view, chat, status, area changes, errors) travel in a JSON frame beside it.

Bubbles for voice and video (``space.media``): with ``track_bubbles`` on (only when a media provider is
configured), the bubbles of avatars that moved, joined, left, blocked or locked are recomputed once per
tick, and each member whose bubble changed gets ``{"t": "bubble", "id": <bubble id>, "with": [ids]}``
(``id`` null when they are no longer in one). Off, the hot path pays one boolean test per move.
"""

from __future__ import annotations

import random
import struct
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from parkos.space.tiled import Area, ParsedMap

ZONE = 10
SPEED = 8.0  # tiles per second an avatar may walk (the client walks at 6)
SLACK = 2.0  # tiles of tolerance for network jitter
BUBBLE_RADIUS = 3  # tiles (Chebyshev) between two people who hear each other
MOVES_PER_SECOND, MOVE_BURST = 6.0, 4.0  # clients send at most 5 a second, plus one when they stop
SAYS_PER_SECOND, SAY_BURST = 1.0, 5.0
MAX_SAY = 500
KNOWN = 500  # cards (name, look, status) a client is assumed to remember
STATUSES = ("available", "busy", "dnd", "away", "meeting")
# Every record is 10 bytes (op, avatar id, x, y, direction), so a client decodes a frame in one call
# (``struct.iter_unpack`` in Python, a DataView loop in the browser).
MOVE = struct.Struct("<BIHHB")
OP_MOVE, OP_GONE, OP_HERE = 1, 2, 3  # moved; left the view; already standing there when it came into view


class Rejected(Exception):
    """An intent the server refuses; ``code`` goes back to the sender only."""

    def __init__(self, code: str, **detail: Any):
        self.code = code
        self.detail = detail
        super().__init__(code)


class Bucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, burst, now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


@dataclass(eq=False)
class Avatar:
    id: int
    name: str
    enterprise: str = ""
    look: str = "0"
    status: str = "available"
    x: int = 0
    y: int = 0
    direction: int = 0
    zone: tuple[int, int] = (0, 0)
    area: int = -1
    moved_at: float = 0.0
    allowed_areas: frozenset[int] = frozenset()  # restricted areas this person may enter
    followable: bool = True
    blocked: set[int] = field(default_factory=set)  # both directions: people this one must not see
    lock: int = 0  # a locked bubble's id, 0 when none
    in_park: bool = False  # physically in the park today (with the member's consent: space.presence)
    known: OrderedDict[int, str] = field(default_factory=OrderedDict)  # people this client has the card of
    moves: Bucket | None = None
    says: Bucket | None = None
    strikes: int = 0  # refused intents; the connection layer rate-limits or closes on many
    # What a viewer's remembered card depends on (see World._introduce): status, and the in-park marker,
    # so someone who reconnects without the marker is never shown with the old one.
    key: str = ""

    def __post_init__(self) -> None:
        self.rekey()

    def rekey(self) -> None:
        self.key = self.status + "*" if self.in_park else self.status

    def info(self) -> dict[str, Any]:
        card = {"id": self.id, "name": self.name, "ent": self.enterprise, "look": self.look, "st": self.status,
                "x": self.x, "y": self.y, "a": self.area}
        if self.in_park:
            card["park"] = 1
        return card


class World:
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

    # --- geometry --------------------------------------------------------------------------------
    @staticmethod
    def zone_of(x: int, y: int) -> tuple[int, int]:
        return (x // ZONE, y // ZONE)

    @staticmethod
    def around(zone: tuple[int, int]) -> list[tuple[int, int]]:
        zx, zy = zone
        return [(zx + dx, zy + dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]

    def area(self, index: int) -> Area | None:
        return self.map.areas[index] if 0 <= index < len(self.map.areas) else None

    def visible_ids(self, avatar: Avatar) -> Iterable[int]:
        for z in self.around(avatar.zone):
            for other in self.zones.get(z, ()):
                if other != avatar.id and other not in avatar.blocked:
                    yield other

    def _line_clear(self, x0: int, y0: int, x1: int, y1: int, avatar: Avatar) -> None:
        """Every tile on the straight line from (x0, y0) to (x1, y1) must be walkable and enterable."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        x, y = x0, y0
        while True:
            if not self.map.walkable(x, y):
                raise Rejected("wall", x=x, y=y)
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

    def _check_area(self, avatar: Avatar, index: int) -> None:
        if index < 0 or index == avatar.area:
            return
        area = self.map.areas[index]
        if area.access != "anyone" and index not in avatar.allowed_areas:
            raise Rejected("no_access", area=index)
        if area.capacity is not None and len(self.in_area[index]) >= area.capacity:
            raise Rejected("full", area=index)

    # --- intents ---------------------------------------------------------------------------------
    def join(self, avatar: Avatar, *, at: tuple[int, int] | None = None) -> Avatar:
        """Place ``avatar`` (at its last position when it reconnects, else the spawn point)."""
        now = self.clock()
        old = self.avatars.get(avatar.id)
        if old is not None:  # a second tab or a reconnect: one avatar per person, the newest wins
            self.leave(avatar.id)
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
        if self.track_bubbles:
            self._bubble_dirty.add(avatar.id)
        return avatar

    @staticmethod
    def card(avatar: Avatar) -> dict[str, Any]:
        """What other nodes need to mirror an avatar (the client's card, with the in-park marker, plus whom
        it blocked and whether it may be followed)."""
        return {**avatar.info(), "b": sorted(avatar.blocked), "f": avatar.followable}

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
            raise self._strike(avatar, "malformed")
        now = self.clock()
        assert avatar.moves is not None
        if not avatar.moves.take(now):
            raise self._strike(avatar, "too_fast")
        if not (0 <= x < self.map.width and 0 <= y < self.map.height):
            raise self._strike(avatar, "outside")
        step = max(abs(x - avatar.x), abs(y - avatar.y))
        if step > SPEED * (now - avatar.moved_at) + SLACK:
            raise self._strike(avatar, "teleport")
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

    def say(self, avatar_id: int, text: Any, *, scope: str = "bubble") -> list[int]:
        """Chat to the speaker's bubble (people within reach, transitively) or to its room (area)."""
        avatar = self._get(avatar_id)
        if not isinstance(text, str) or not text.strip():
            raise self._strike(avatar, "malformed")
        if len(text) > MAX_SAY:
            raise self._strike(avatar, "too_long")
        assert avatar.says is not None
        if not avatar.says.take(self.clock()):
            raise self._strike(avatar, "too_fast")
        if avatar_id in self.muted:
            raise Rejected("muted")
        if scope == "room":
            if avatar.area < 0:
                raise Rejected("no_room")
            hearers = [o for o in self.in_area[avatar.area] if o not in avatar.blocked]
        elif scope == "bubble":
            hearers = self.bubble(avatar)
            if len(hearers) < 2:
                raise Rejected("alone")
        else:
            raise self._strike(avatar, "malformed")
        message = {"t": "say", "from": avatar_id, "name": avatar.name, "text": text.strip(), "scope": scope}
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

    def _silent(self, avatar: Avatar) -> bool:
        area = self.area(avatar.area)
        return area is not None and area.silent

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

    def set_status(self, avatar_id: int, status: Any) -> None:
        avatar = self._get(avatar_id)
        if status not in STATUSES:
            raise self._strike(avatar, "malformed")
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

    def zone_counts(self) -> dict[int, int]:
        """People per named area for the minimap: counts only, never positions."""
        return {index: len(ids) for index, ids in self.in_area.items() if ids}

    def locate(self, avatar_id: int, target_id: int) -> tuple[int, int]:
        avatar, target = self._get(avatar_id), self.avatars.get(target_id)
        if target is None or target_id in avatar.blocked or not target.followable:
            raise Rejected("not_found")
        return target.x, target.y

    # --- the tick --------------------------------------------------------------------------------
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

    def _around(self, zone: tuple[int, int]) -> list[tuple[int, int]]:
        cached = self._around_cache.get(zone)
        if cached is None:
            cached = self._around_cache[zone] = self.around(zone)
        return cached

    # --- bubbles for a media server ----------------------------------------------------------------
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

    # --- helpers ---------------------------------------------------------------------------------
    def _get(self, avatar_id: int) -> Avatar:
        avatar = self.avatars.get(avatar_id)
        if avatar is None:
            raise Rejected("not_joined")
        return avatar

    def _strike(self, avatar: Avatar, code: str) -> Rejected:
        avatar.strikes += 1
        return Rejected(code)

    def _emit(self, avatar_id: int, event: dict[str, Any]) -> None:
        if avatar_id in self.remote:
            self._out_events[avatar_id].append(event)
        else:
            self._events[avatar_id].append(event)

    # --- several nodes, one map -------------------------------------------------------------------
    def outbox(self) -> dict[str, Any] | None:
        """What happened here this tick that other nodes must mirror: moves of local avatars (binary
        records), cards of local avatars that joined or changed, and events for their avatars."""
        if not (self._out_moves or self._out_cards or self._out_events):
            return None
        out = {"m": b"".join(self._out_moves), "c": self._out_cards,
               "e": {str(k): v for k, v in self._out_events.items()}}
        self._out_moves, self._out_cards, self._out_events = [], [], defaultdict(list)
        return out

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
        # Those here who blocked the newcomer, and those it blocked, stop seeing each other.
        for other_id in list(self.blockers):
            other = self.avatars.get(other_id)
            if other is not None and avatar.id in other.blocked:
                avatar.blocked.add(other_id)
        for other_id in avatar.blocked:
            other = self.avatars.get(other_id)
            if other is not None:
                other.blocked.add(avatar.id)
                self.blockers.add(other_id)
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
        if self.track_bubbles:
            self._bubble_dirty.add(avatar.id)

    def local_cards(self) -> list[dict[str, Any]]:
        """Every avatar connected to this node (sent to a node that has just started on this map)."""
        return [self.card(a) for a in self.avatars.values() if a.id not in self.remote]

    def forget_node(self, node: str) -> None:
        """A node stopped speaking: its avatars leave (no ghosts)."""
        for ident in [i for i, n in self.remote.items() if n == node]:
            self.leave(ident)


def decode_moves(frame: bytes) -> list[tuple[int, int, int, int, int]]:
    """(op, id, x, y, direction) records of a binary frame; ``OP_GONE`` records have x = y = direction = 0."""
    return list(MOVE.iter_unpack(frame))
