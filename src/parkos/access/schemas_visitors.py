"""API schemas of visitors: invitations, reception's walk-ins and day, the blocklist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, SmallInt


class VisitorInviteIn(Schema):
    name: str = Field(description="the visitor's name")
    mobile: str = Field(description="the visitor's mainland mobile number")
    valid_from: datetime
    valid_until: datetime = Field(description="at most 7 days after valid_from")
    gates: list[Id] = Field(description="ids of the gates of the park the pass opens")
    purpose: str = ""
    enterprise: Id | None = Field(None, description="the host enterprise; default: yours")
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class VisitorWalkInIn(Schema):
    name: str
    mobile: str
    gates: list[Id]
    hours: SmallInt = Field(4, description="valid from now for this many hours (1–12)")
    purpose: str = ""
    enterprise: Id | None = Field(None, description="the enterprise visited")
    host: Id | None = Field(None, description="a member of that enterprise's staff told on arrival; default: you")
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class VisitorGateOut(Schema):
    id: int
    name: str
    area: str

    @staticmethod
    def resolve_area(obj: Any) -> str:
        return str(obj.area.name)


class VisitorPassOut(Schema):
    """A pass as its host and reception see it. The mobile number is masked; after the retention period
    the name is empty and ``purged`` is true."""

    id: int
    park: str
    name: str
    mobile: str = Field(description="masked: 138****5678")
    enterprise: str | None
    purpose: str
    valid_from: datetime
    valid_until: datetime
    status: str
    walk_in: bool
    arrived_at: datetime | None
    purged: bool
    gates: list[VisitorGateOut]

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return str(obj.park.code)

    @staticmethod
    def resolve_mobile(obj: Any) -> str:
        from parkos.access.selectors.visitors import mask_mobile

        return mask_mobile(obj.mobile)

    @staticmethod
    def resolve_enterprise(obj: Any) -> str | None:
        return obj.enterprise.name if obj.enterprise_id else None

    @staticmethod
    def resolve_purged(obj: Any) -> bool:
        return obj.purged_at is not None

    @staticmethod
    def resolve_gates(obj: Any) -> list[Any]:
        return list(obj.gates.all())


class VisitorLinkOut(Schema):
    """A pass with its link: returned once, when it is made or renewed (only a hash of the token is kept)."""

    visitor: VisitorPassOut
    link: str = Field(description="the public pass page to send to the visitor (no account needed)")
    code: str = Field(description="what the pass's QR code holds (V1.…), for a gate or a printed pass")


class VisitorDayOut(Schema):
    day: str
    expected: int
    arrived: int
    left: int
    cancelled: int
    visitors: list[VisitorPassOut]


class BlockedVisitorIn(Schema):
    mobile: str
    reason: str = Field(description="seen by reception only, never by the host or the visitor")
    name: str = ""
    until: datetime | None = Field(None, description="empty: until removed")
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class BlockedVisitorOut(Schema):
    id: int
    mobile: str
    name: str
    reason: str
    until: datetime | None
    created_at: datetime
