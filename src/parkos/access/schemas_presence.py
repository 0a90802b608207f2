"""Schemas of time in the park: the member's own month, an enterprise's aggregates (no schema carries
one person's row), the operator's park-wide figures with innovation density, and the sharing consent."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class DayOut(Schema):
    day: dt.date
    seconds: int = Field(description="time inside that day, in seconds (inferred stretches included)")
    inferred_seconds: int = Field(description="of which closed or opened by inference (a missing exit or entry)")
    late: bool = Field(description="still inside after the park's late hour")


class MyPresenceOut(Schema):
    month: str = Field(description="YYYY-MM")
    week_seconds: int
    week_days: int
    month_seconds: int
    month_days: int
    late_days: int
    inferred_seconds: int
    days: list[DayOut] = Field(description="every day of the month, in order")
    share_with_enterprise: bool


class GroupDayOut(Schema):
    day: dt.date
    people: int | None = Field(description="consenting staff present; null when fewer than min_group")
    average_hours: float | None


class WeekdayOut(Schema):
    weekday: int = Field(description="0 = Monday")
    average_hours: float | None


class EnterprisePresenceOut(Schema):
    enterprise_id: int
    month: str
    staff: int
    consented: int = Field(description="staff who consented to share their time in the park")
    people: int = Field(description="consenting staff who came in that month")
    shown: bool = Field(description="false: fewer than min_group people, every figure below is null")
    min_group: int
    person_hours: float | None
    average_hours: float | None = Field(description="per person and day present")
    late_person_days: int | None
    days: list[GroupDayOut]
    weekdays: list[WeekdayOut]


class BuildingDensityOut(Schema):
    building_id: int | None
    name: str
    floor_area_m2: int | None
    hours: list[float | None] = Field(description="24 values: people-hours per 1,000 m² in that hour")
    peak: float | None
    peak_hour: int | None
    average: float | None
    person_hours: float


class ParkPresenceOut(Schema):
    park_id: int
    day: dt.date
    present_day: int
    present_now: int | None = Field(description="last passage an IN; only for today")
    average_hours: float | None = Field(description="the last 7 days, per member and day present")
    late_people_week: int
    late_days_week: int
    by_hour: list[float] = Field(description="24 values: people inside on average during each hour")
    by_weekday: list[float] = Field(description="7 values, Monday first: members present on an average such day")
    density: list[BuildingDensityOut]


class PresencePreferencesIn(Schema):
    share_with_enterprise: bool = Field(description="share my time in the park with my enterprise's admins "
                                                    "(as aggregates only)")


class PresencePreferencesOut(Schema):
    share_with_enterprise: bool
    temperature_screening: bool
