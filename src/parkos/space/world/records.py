"""What travels: the 10-byte move record, the refusal codes, and the avatar with its card."""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from parkos.core.errors import ErrorCode, Invalid
from parkos.core.text import clean_text

STATUSES = ("available", "busy", "dnd", "away", "meeting")
# Every record is 10 bytes (op, avatar id, x, y, direction), so a client decodes a frame in one call
# (``struct.iter_unpack`` in Python, a DataView loop in the browser).
MOVE = struct.Struct("<BIHHB")
OP_MOVE, OP_GONE, OP_HERE = 1, 2, 3  # moved; left the view; already standing there when it came into view


class Refusal(StrEnum):
    """The codes of the map protocol's refusals (``{"t": "err", "code": …}``; space.js words them). Where
    one means what an ``ErrorCode`` means, it is that code."""

    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    NOT_JOINED = "not_joined"
    TOO_FAST = "too_fast"
    TOO_LONG = ErrorCode.TOO_LONG.value
    CONTROL_CHARS = ErrorCode.CONTROL_CHARS.value
    OUTSIDE = "outside"
    TELEPORT = "teleport"
    WALL = "wall"
    NO_ACCESS = "no_access"
    FULL = ErrorCode.FULL.value
    MUTED = "muted"
    NO_ROOM = "no_room"
    ALONE = "alone"
    NOT_FOUND = ErrorCode.NOT_FOUND.value


class Rejected(Exception):
    """An intent the server refuses; ``code`` goes back to the sender only."""

    def __init__(self, code: Refusal, **detail: Any):
        self.code = code
        self.detail = detail
        super().__init__(code)


def typed_text(value: Any, *, limit: int) -> str:
    """A text a person typed on the map (chat, an announcement), cleaned by ``core.text.clean_text``: refused,
    never cut, when empty, too long or holding control characters; the refusal is the protocol's."""
    if not isinstance(value, str):
        raise Rejected(Refusal.MALFORMED)
    try:
        return clean_text(value, field="text", limit=limit)
    except Invalid as refused:
        code = {ErrorCode.TOO_LONG: Refusal.TOO_LONG, ErrorCode.CONTROL_CHARS: Refusal.CONTROL_CHARS}
        raise Rejected(code.get(refused.code, Refusal.MALFORMED)) from None


def decode_moves(frame: bytes) -> list[tuple[int, int, int, int, int]]:
    """(op, id, x, y, direction) records of a binary frame; ``OP_GONE`` records have x = y = direction = 0."""
    return list(MOVE.iter_unpack(frame))


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

    def listed(self) -> dict[str, Any]:
        """Its line in the "who is here" list: no coordinates; ``park`` marks someone shown as physically
        in the park today."""
        line = {"id": self.id, "name": self.name, "ent": self.enterprise, "st": self.status, "a": self.area}
        if self.in_park:
            line["park"] = 1
        return line

    def info(self) -> dict[str, Any]:
        card = {"id": self.id, "name": self.name, "ent": self.enterprise, "look": self.look, "st": self.status,
                "x": self.x, "y": self.y, "a": self.area}
        if self.in_park:
            card["park"] = 1
        return card

