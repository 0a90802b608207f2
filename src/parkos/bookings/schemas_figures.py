"""Schemas of the operators' bookings figures (selectors/figures.py states the definitions). Durations are
minutes, money integer fen, percentages numbers with one decimal (null where nothing was open or due)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class PlaceFiguresOut(Schema):
    place_id: int
    name: str
    kind: str = Field(description="room or venue")
    building: str
    floor: str
    is_active: bool
    open_minutes: int = Field(description="the place's opening hours in the period")
    booked_minutes: int = Field(description="bookings confirmed or checked in")
    occupancy_pct: float | None
    bookings: int = Field(description="bookings that keep their credits and charges (not cancelled or declined)")
    due: int = Field(description="bookings that should have started by now")
    released: int = Field(description="of which released: nobody checked in")
    no_show_pct: float | None
    credits: int
    charge_fen: int


class FloorFiguresOut(Schema):
    building: str
    floor: str
    places: int
    open_minutes: int
    booked_minutes: int
    occupancy_pct: float | None


class HeatCellOut(Schema):
    weekday: int = Field(description="0 Monday … 6 Sunday")
    hour: int = Field(description="0–23, Beijing time")
    open_minutes: int
    booked_minutes: int
    occupancy_pct: float | None


class EnterpriseFiguresOut(Schema):
    enterprise_id: int
    name: str
    bookings: int
    booked_minutes: int
    credits: int = Field(description="credits used")
    charge_fen: int = Field(description="charged beyond the credits")


class MonthFiguresOut(Schema):
    """One of the twelve months up to the period's end, from the enterprises' credit months (as on their
    monthly statements)."""

    month: dt.date = Field(description="the first day of the month")
    enterprises: int = Field(description="enterprises that booked with credits or charges")
    granted: int = Field(description="credits granted")
    credits: int = Field(description="credits used")
    charge_fen: int = Field(description="revenue: charged beyond the credits")


class FiguresTotalsOut(Schema):
    bookings: int
    due: int
    released: int
    no_show_pct: float | None
    open_minutes: int
    booked_minutes: int
    occupancy_pct: float | None
    credits: int
    charge_fen: int


class BookingFiguresOut(Schema):
    park_id: int
    start: dt.date
    end: dt.date
    totals: FiguresTotalsOut
    places: list[PlaceFiguresOut]
    floors: list[FloorFiguresOut]
    heat: list[list[HeatCellOut]] = Field(description="7 rows (Monday first) of 24 hours")
    enterprises: list[EnterpriseFiguresOut]
    months: list[MonthFiguresOut]


__all__ = ["BookingFiguresOut", "EnterpriseFiguresOut", "FiguresTotalsOut", "FloorFiguresOut", "HeatCellOut",
           "MonthFiguresOut", "PlaceFiguresOut"]
