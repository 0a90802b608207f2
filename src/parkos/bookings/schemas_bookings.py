"""API schemas of the member's side: places, the day's grid, quotes, bookings, guests and weekly bookings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.ledger import Money


class PlaceOut(Schema):
    id: int
    kind: str = Field(description="room, venue or desk")
    name: str
    building: str | None
    floor: str
    capacity: int
    equipment: list[str] = Field(description="codes: screen, projector, video, whiteboard, phone, sound, stage, power")
    audience: str = Field(description="everyone, tenants, enterprise or group")
    opens_at: str
    closes_at: str
    open_on_weekends: bool
    open_all_day: bool
    price_per_hour_fen: int
    credits_per_hour: int
    needs_approval: bool
    min_minutes: int
    max_minutes: int
    max_days_ahead: int
    cancel_hours: int
    buffer_minutes: int

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.display_name())

    @staticmethod
    def resolve_building(obj: Any) -> str | None:
        return obj.building.code if obj.building_id else None

    @staticmethod
    def resolve_opens_at(obj: Any) -> str:
        return str(obj.opens_at.strftime("%H:%M"))

    @staticmethod
    def resolve_closes_at(obj: Any) -> str:
        return str(obj.closes_at.strftime("%H:%M"))


class CellOut(Schema):
    starts_at: datetime
    state: str = Field(description="free, busy, closed or past")
    title: str = Field(description="the booking's title, only for its organiser and the park's operators")


class GridRowOut(Schema):
    place: PlaceOut
    may_book: bool
    cells: list[CellOut]


class GridOut(Schema):
    day: date
    cell_minutes: int
    rows: list[GridRowOut]


class BookingQuoteIn(Schema):
    place: int = Field(ge=1)
    starts_at: datetime
    ends_at: datetime
    attendees: int = Field(1, ge=1, le=10_000)


class BookingQuoteOut(Schema):
    minutes: int
    needed: int = Field(description="credits the booking costs at the place's rate")
    credits: int = Field(description="credits it takes from the enterprise's month")
    charge_fen: int = Field(description="what goes on the enterprise's monthly statement (fen)")
    charge: str
    left: int | None = Field(description="the month's credits left before this booking")
    refused: bool = Field(description="true when the credits do not cover it and the plan charges nothing beyond")
    text: str


def quote_out(quote: Any) -> dict[str, Any]:
    return {"minutes": quote.minutes, "needed": quote.needed, "credits": quote.credits,
            "charge_fen": quote.charge_fen, "charge": Money.format(quote.charge_fen), "left": quote.left,
            "refused": quote.refused, "text": str(quote.text())}


class BookingIn(Schema):
    place: int = Field(ge=1)
    starts_at: datetime
    ends_at: datetime
    title: str = Field(max_length=200)
    attendees: int = Field(1, ge=1, le=10_000)
    note: str = Field("", max_length=2000)
    key: str = Field("", max_length=200, description="idempotency key (or the Idempotency-Key header)")
    expected_credits: int | None = Field(None, ge=0, le=1_000_000,
                                         description="the quote shown: refused with quote_changed if it differs")
    expected_charge_fen: int | None = Field(None, ge=0, le=10**12)


class GuestOut(Schema):
    name: str
    member: int | None = Field(description="the member's id; empty for a visitor")
    visitor: bool
    pass_url: str = Field("", description="a visitor's pass link, only in the answer that invited them")

    @staticmethod
    def resolve_member(obj: Any) -> int | None:
        return int(obj.user_id) if obj.user_id else None

    @staticmethod
    def resolve_visitor(obj: Any) -> bool:
        return not obj.user_id

    @staticmethod
    def resolve_pass_url(obj: Any) -> str:
        return str(getattr(obj, "pass_url", ""))


class BookingOut(Schema):
    id: int
    place: PlaceOut
    title: str
    note: str
    attendees: int
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="pending, confirmed, checked_in, cancelled, rejected or released")
    credits: int
    charge_fen: int
    organiser: str
    enterprise: str | None
    series: int | None
    checked_in_at: datetime | None
    reason: str

    @staticmethod
    def resolve_organiser(obj: Any) -> str:
        return str(obj.organiser.display_name)

    @staticmethod
    def resolve_enterprise(obj: Any) -> str | None:
        return obj.enterprise.name if obj.enterprise_id else None

    @staticmethod
    def resolve_series(obj: Any) -> int | None:
        return int(obj.series_id) if obj.series_id else None


class BookingCancelIn(Schema):
    reason: str = Field("", max_length=1000)


class CheckInIn(Schema):
    token: str = Field(max_length=64, description="the code in the room's QR code")


class VisitorIn(Schema):
    name: str = Field(max_length=100)
    mobile: str = Field(max_length=40)


class GuestsIn(Schema):
    members: list[int] = Field(default_factory=list, max_length=50)
    visitors: list[VisitorIn] = Field(default_factory=list, max_length=50)


class WeeklyIn(Schema):
    place: int = Field(ge=1)
    title: str = Field("", max_length=200)
    first_date: date
    last_date: date
    start_time: str = Field(max_length=8, description="HH:MM, Beijing time")
    minutes: int = Field(ge=15, le=1440)
    exceptions: list[date] = Field(default_factory=list, max_length=60)
    attendees: int = Field(1, ge=1, le=10_000)
    key: str = Field("", max_length=200)


class OccurrenceOut(Schema):
    day: date
    starts_at: datetime
    ends_at: datetime
    skipped: bool
    ok: bool
    problem: str

    @staticmethod
    def resolve_problem(obj: Any) -> str:
        return str(obj.problem or "")


class SeriesOut(Schema):
    id: int
    title: str
    first_date: date
    last_date: date
    bookings: list[BookingOut]

    @staticmethod
    def resolve_bookings(obj: Any) -> list[Any]:
        return list(obj.bookings.select_related("place", "place__building", "organiser", "enterprise")
                    .order_by("starts_at"))
