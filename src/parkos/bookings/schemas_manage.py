"""Schemas of the operators' API (places and their rules, credit plans and enterprises' plans, approvals)
and of an enterprise's monthly statement. Money is integer fen; times of day are Beijing time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, Int, SmallInt

EQUIPMENT_DOC = "codes: screen, projector, video, whiteboard, phone, sound, stage, power"


class PlaceIn(Schema):
    kind: str = Field("room", description="room or venue (desks are made on their floor plan)")
    name: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    building: Id | None = Field(None, description="a building of the park")
    floor: str = Field("", max_length=40, description="kept exactly as typed: 5F, B1, 夹层 …")
    capacity: SmallInt = 1
    equipment: list[str] = Field(default_factory=list, max_length=20, description=EQUIPMENT_DOC)
    opens_at: dt.time = Field(dt.time(8, 0), description="on the quarter hour")
    closes_at: dt.time = Field(dt.time(22, 0), description="on the quarter hour, after opens_at")
    open_on_weekends: bool = Field(False, description="open on weekends and public holidays")
    open_all_day: bool = Field(False, description="open 24 hours: bookings may run past midnight")
    audience: str = Field("tenants", description="everyone, tenants, enterprise or group")
    audience_enterprise: Id | None = Field(None, description="with audience=enterprise: the enterprise")
    audience_group: Id | None = Field(None, description="with audience=group: the interest group")
    price_per_hour_fen: Int = Field(0, description="charged beyond the enterprise's credits")
    credits_per_hour: SmallInt = 0
    needs_approval: bool = False
    min_minutes: SmallInt = Field(30, description="a multiple of 15")
    max_minutes: SmallInt = Field(240, description="a multiple of 15")
    max_days_ahead: SmallInt = 30
    cancel_hours: SmallInt = Field(2, description="the organiser cancels until this many hours before the start")
    buffer_minutes: SmallInt = Field(0, description="kept free after each booking")
    max_hours_per_week: SmallInt = Field(0, description="per enterprise; 0: no limit")
    door: Id | None = Field(None, description="a gate of the park whose passage checks the booking in")
    map_slug: str = Field("", max_length=60, description="the immersive map the room is on")
    map_area: SmallInt | None = Field(None, description="the room's area index on that map")
    position: Int = 0


class PlacePatch(Schema):
    """The fields to change (absent: unchanged; null clears building, door, enterprise or group)."""

    kind: str | None = None
    name: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    building: Id | None = None
    floor: str | None = Field(None, max_length=40)
    capacity: SmallInt | None = None
    equipment: list[str] | None = Field(None, max_length=20, description=EQUIPMENT_DOC)
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    open_on_weekends: bool | None = None
    open_all_day: bool | None = None
    audience: str | None = None
    audience_enterprise: Id | None = None
    audience_group: Id | None = None
    price_per_hour_fen: Int | None = None
    credits_per_hour: SmallInt | None = None
    needs_approval: bool | None = None
    min_minutes: SmallInt | None = None
    max_minutes: SmallInt | None = None
    max_days_ahead: SmallInt | None = None
    cancel_hours: SmallInt | None = None
    buffer_minutes: SmallInt | None = None
    max_hours_per_week: SmallInt | None = None
    door: Id | None = None
    map_slug: str | None = Field(None, max_length=60)
    map_area: SmallInt | None = None
    position: Int | None = None


class ManagedPlaceOut(Schema):
    id: int
    park_id: int
    kind: str
    name: str
    name_en: str
    description: str
    building_id: int | None
    building_name: str
    floor: str
    capacity: int
    equipment: list[str]
    photo_url: str = Field(description="empty when it has no photo")
    opens_at: str
    closes_at: str
    open_on_weekends: bool
    open_all_day: bool
    audience: str
    audience_enterprise_id: int | None
    audience_group_id: int | None
    price_per_hour_fen: int
    credits_per_hour: int
    needs_approval: bool
    min_minutes: int
    max_minutes: int
    max_days_ahead: int
    cancel_hours: int
    buffer_minutes: int
    max_hours_per_week: int
    door_id: int | None
    map_slug: str
    map_area: int | None
    position: int
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_building_name(obj: Any) -> str:
        return str(obj.building.name) if obj.building_id else ""

    @staticmethod
    def resolve_photo_url(obj: Any) -> str:
        return str(obj.photo.url) if obj.photo else ""

    @staticmethod
    def resolve_opens_at(obj: Any) -> str:
        return str(obj.opens_at.strftime("%H:%M"))

    @staticmethod
    def resolve_closes_at(obj: Any) -> str:
        return str(obj.closes_at.strftime("%H:%M"))


class DeactivateIn(Schema):
    reason: str = Field("", max_length=300, description="told to the organisers of the cancelled bookings")


class CheckinCodeOut(Schema):
    place_id: int
    checkin_url: str = Field(description="what the room's QR poster holds: members scan it to check in")


class CreditPlanIn(Schema):
    name: str = Field(max_length=100)
    monthly_credits: Int
    allow_overage: bool = Field(True, description="charge bookings beyond the credits (false: refuse them)")
    is_default: bool = Field(False, description="the plan of enterprises given none (one per park)")


class CreditPlanPatch(Schema):
    name: str | None = Field(None, max_length=100)
    monthly_credits: Int | None = None
    allow_overage: bool | None = None
    is_default: bool | None = None


class CreditPlanOut(Schema):
    id: int
    park_id: int
    name: str
    monthly_credits: int
    allow_overage: bool
    is_default: bool
    enterprise_count: int = Field(0, description="enterprises given this plan")

    @staticmethod
    def resolve_enterprise_count(obj: Any) -> int:
        return int(getattr(obj, "enterprise_count", 0) or 0)


class EnterprisePlanOut(Schema):
    enterprise_id: int = Field(alias="pk")
    name: str
    plan_id: int | None = Field(description="null: the park's default plan applies")
    plan_name: str | None


class PlanAssignIn(Schema):
    enterprises: list[Id] = Field(min_length=1, max_length=1000)
    plan: Id | None = Field(None, description="null: back to the park's default plan")


class PlanAssignOut(Schema):
    changed: int


class ApprovalOut(Schema):
    id: int
    park_id: int
    place_id: int
    place_name: str
    title: str
    note: str
    attendees: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    organiser_id: int
    organiser_name: str
    enterprise_id: int | None
    enterprise_name: str
    credits: int
    charge_fen: int
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_place_name(obj: Any) -> str:
        return str(obj.place.display_name())

    @staticmethod
    def resolve_organiser_name(obj: Any) -> str:
        return str(getattr(obj.organiser, "display_name", ""))

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name) if obj.enterprise_id else ""


class DecideIn(Schema):
    approve: bool
    reason: str = Field("", max_length=300, description="required to decline; the organiser is told")


class StatementLineOut(Schema):
    booking_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    title: str
    organiser: str
    status: str
    credits: int
    charge_fen: int


class CreditStatementOut(Schema):
    enterprise_id: int
    month: dt.date = Field(description="the first day of the month")
    plan_name: str
    granted: int = Field(description="from the ledger")
    used: int = Field(description="from the ledger; equals the lines' credits")
    left: int
    charged_fen: int = Field(description="from the ledger; equals the lines' charges")
    allow_overage: bool
    lines: list[StatementLineOut]


class StatementMonthOut(Schema):
    month: dt.date
    granted: int
    used: int
    charged_fen: int


__all__ = [
    "ApprovalOut",
    "CheckinCodeOut",
    "CreditPlanIn",
    "CreditPlanOut",
    "CreditPlanPatch",
    "CreditStatementOut",
    "DeactivateIn",
    "DecideIn",
    "EnterprisePlanOut",
    "ManagedPlaceOut",
    "PlaceIn",
    "PlacePatch",
    "PlanAssignIn",
    "PlanAssignOut",
    "StatementLineOut",
    "StatementMonthOut",
]
