"""API schemas of workstations: floor plans, a plan's desks on a day, booking a hot desk, allocations and who
sits where."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from parkos.bookings.services.times import local
from parkos.core.schemas import Id


class FloorPlanOut(Schema):
    id: int
    name: str
    building: str | None = Field(description="the building's code")
    floor: str
    width: int = Field(description="plan units; desks' x run from 0 (left) to width")
    height: int = Field(description="plan units; desks' y run from 0 (top) to height")
    has_image: bool
    desks: int = Field(description="active desks on the plan")

    @staticmethod
    def resolve_building(obj: Any) -> str | None:
        return obj.building.code if obj.building_id else None

    @staticmethod
    def resolve_has_image(obj: Any) -> bool:
        return bool(obj.image)

    @staticmethod
    def resolve_desks(obj: Any) -> int:
        count = getattr(obj, "desk_count", None)
        return int(count) if count is not None else int(obj.desks.filter(is_active=True).count())


class DeskStateOut(Schema):
    id: int
    name: str
    x: int | None
    y: int | None
    state: str = Field(description="free, booked, allocated, mine or closed")
    bookable: bool = Field(description="whether I may book it for this day")
    who: str = Field(description="who sits there: only for the park's operators and the same enterprise's staff")
    enterprise: str = Field(description="the enterprise it is allocated to: operators and that enterprise only")

    @staticmethod
    def resolve_id(obj: Any) -> int:
        return int(obj.desk.pk)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.desk.name)

    @staticmethod
    def resolve_x(obj: Any) -> int | None:
        return obj.desk.x  # type: ignore[no-any-return]

    @staticmethod
    def resolve_y(obj: Any) -> int | None:
        return obj.desk.y  # type: ignore[no-any-return]


class PlanDayOut(Schema):
    plan: FloorPlanOut
    day: date
    closed: bool = Field(description="a weekend or public holiday of the park")
    desks: list[DeskStateOut]


class DeskBookIn(Schema):
    desk: Id
    day: date = Field(description="the Beijing day")
    key: str = Field("", max_length=200, description="idempotency key (or the Idempotency-Key header)")


class DeskBookingOut(Schema):
    id: int
    desk: int
    desk_name: str
    day: date
    starts_at: datetime
    ends_at: datetime
    status: str

    @staticmethod
    def resolve_desk(obj: Any) -> int:
        return int(obj.place_id)

    @staticmethod
    def resolve_desk_name(obj: Any) -> str:
        return str(obj.place.name)

    @staticmethod
    def resolve_day(obj: Any) -> date:
        return local(obj.starts_at).date()


class AllocatedDeskOut(Schema):
    id: int
    desk: int
    desk_name: str
    floor_plan: int | None
    starts_on: date
    ends_on: date
    occupant: int | None = Field(description="the member who sits here (their enterprise's admin assigns)")
    occupant_name: str | None

    @staticmethod
    def resolve_desk(obj: Any) -> int:
        return int(obj.desk_id)

    @staticmethod
    def resolve_desk_name(obj: Any) -> str:
        return str(obj.desk.name)

    @staticmethod
    def resolve_floor_plan(obj: Any) -> int | None:
        return int(obj.desk.floor_plan_id) if obj.desk.floor_plan_id else None

    @staticmethod
    def resolve_occupant(obj: Any) -> int | None:
        return int(obj.occupant_id) if obj.occupant_id else None

    @staticmethod
    def resolve_occupant_name(obj: Any) -> str | None:
        return str(obj.occupant.display_name) if obj.occupant_id else None


class AllocationOut(Schema):
    id: int
    enterprise: int
    enterprise_name: str
    starts_on: date
    ends_on: date
    source: str = Field(description="lease, competition (an award) or programme")
    source_label: str
    source_ref: str
    note: str
    ended_at: datetime | None = Field(description="when the park ended it early")
    desks: list[AllocatedDeskOut]

    @staticmethod
    def resolve_enterprise(obj: Any) -> int:
        return int(obj.enterprise_id)

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_source_label(obj: Any) -> str:
        return str(obj.get_source_display())

    @staticmethod
    def resolve_desks(obj: Any) -> list[Any]:
        return list(obj.allocated.all())


class AllocationIn(Schema):
    enterprise: Id
    desks: list[Id] = Field(min_length=1, max_length=500)
    starts_on: date
    ends_on: date = Field(description="the last day, included")
    source: str = Field("lease", max_length=20, description="lease, competition or programme")
    source_ref: str = Field("", max_length=200, description="idempotent: the same reference never allocates twice")
    note: str = Field("", max_length=1000)
    park: str | None = Field(None, max_length=40, description="the park (code or id); default: the current park")


class OccupantIn(Schema):
    occupant: Id | None = Field(None, description="a member of the enterprise's staff; null: nobody")


__all__ = ["AllocatedDeskOut", "AllocationIn", "AllocationOut", "DeskBookIn", "DeskBookingOut", "DeskStateOut",
           "FloorPlanOut", "OccupantIn", "PlanDayOut"]
