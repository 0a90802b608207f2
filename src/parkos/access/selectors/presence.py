"""Reads of time in the park: a member's own (week, month, a calendar of hours per day), an enterprise's
aggregates over the staff who consented (never one person's row; a figure over fewer than
``MIN_GROUP`` people is hidden), the operator's park-wide figures and innovation density, and the late
days the rewards domain reads for the overtime coupon. Days are the park's local days (Asia/Shanghai)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.access.models import AccessPreference, DailyPresence, OccupancyHour
from parkos.core import policy
from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.core.models import Park

# Enterprise aggregates over fewer people than this are hidden: with two, each can work out the other.
MIN_GROUP = 3
TREND_DAYS = 28  # the window of the operator's "by weekday" figures


def _require_here(viewer: Any, action: str, obj: Any) -> None:
    """``policy.require``, except that an operator of another park learns nothing: NotFound."""
    if policy.can(viewer, action, obj):
        return
    if policy.scope_filter(viewer, policy.OPERATOR) is not None:
        raise NotFound()
    policy.require(viewer, action, obj)


def month_of(value: str | None) -> dt.date:
    """The first day of ``YYYY-MM`` (empty: this month, local time)."""
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        year, _sep, number = value.partition("-")
        if len(year) != 4 or len(number) != 2:
            raise ValueError(value)
        first = dt.date(int(year), int(number), 1)
    except ValueError:
        raise field_error("month", _("Give the month as YYYY-MM."), code=ErrorCode.INVALID) from None
    if not 2000 <= first.year <= 2100:
        raise field_error("month", _("Give the month as YYYY-MM."), code=ErrorCode.OUT_OF_RANGE)
    return first


def day_of(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise field_error("day", _("Give the day as YYYY-MM-DD."), code=ErrorCode.INVALID) from None
    if not 2000 <= day.year <= 2100:
        raise field_error("day", _("Give the day as YYYY-MM-DD."), code=ErrorCode.OUT_OF_RANGE)
    return day


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _shift(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# --- the member's own ---------------------------------------------------------------------------------------

@dataclass
class DayCell:
    day: dt.date
    seconds: int = 0
    inferred_seconds: int = 0
    late: bool = False
    in_month: bool = True
    is_today: bool = False

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)


@dataclass
class MyPresence:
    month: dt.date
    previous_month: dt.date
    next_month: dt.date | None
    week_seconds: int
    week_days: int
    month_seconds: int
    month_days: int
    late_days: int
    inferred_seconds: int
    weeks: list[list[DayCell]]
    has_any: bool
    share_with_enterprise: bool
    presence_analytics: bool = True

    @property
    def week_hours(self) -> float:
        return round(self.week_seconds / 3600, 1)

    @property
    def month_hours(self) -> float:
        return round(self.month_seconds / 3600, 1)

    @property
    def average_hours(self) -> float:
        return round(self.month_seconds / 3600 / self.month_days, 1) if self.month_days else 0.0

    @property
    def days(self) -> list[DayCell]:
        return [cell for week in self.weeks for cell in week if cell.in_month]


def presence_mine(*, viewer: Any, month: str | None = None) -> MyPresence:
    """The viewer's own time in the park, summed over the parks they passed in: this week, the month
    asked for, and its calendar (Monday first). Three queries."""
    policy.require(viewer, "access.presence.own", viewer)
    first = month_of(month)
    last = _month_end(first)
    today = timezone.localdate()
    week_start = today - dt.timedelta(days=today.weekday())
    grid_start = first - dt.timedelta(days=first.weekday())
    grid_end = last + dt.timedelta(days=6 - last.weekday())
    lo, hi = min(grid_start, week_start), max(grid_end, week_start + dt.timedelta(days=6))
    per_day: dict[dt.date, DayCell] = {}
    for r in (DailyPresence.objects.filter(user=viewer, day__gte=lo, day__lte=hi).values("day")
              .annotate(seconds=Sum("seconds_inside"), inferred=Sum("inferred_seconds"),
                        late=Count("id", filter=Q(late=True))).order_by("day")):
        per_day[r["day"]] = DayCell(r["day"], r["seconds"] or 0, r["inferred"] or 0, bool(r["late"]))
    weeks: list[list[DayCell]] = []
    day = grid_start
    while day <= grid_end:
        found = per_day.get(day)
        cell = DayCell(day, found.seconds, found.inferred_seconds, found.late) if found else DayCell(day)
        cell.in_month, cell.is_today = first <= day <= last, day == today
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append(cell)
        day += dt.timedelta(days=1)
    in_month = [c for w in weeks for c in w if c.in_month and c.seconds]
    week = [c for d, c in per_day.items() if week_start <= d <= week_start + dt.timedelta(days=6) and c.seconds]
    has_any = bool(per_day) or DailyPresence.objects.filter(user=viewer).exists()
    preference = (AccessPreference.objects.filter(user=viewer)
                  .values_list("share_with_enterprise", "presence_analytics").first() or (False, True))
    following = _shift(first, 1)
    return MyPresence(
        month=first, previous_month=_shift(first, -1), next_month=following if following <= today else None,
        week_seconds=sum(c.seconds for c in week), week_days=len(week),
        month_seconds=sum(c.seconds for c in in_month), month_days=len(in_month),
        late_days=sum(1 for w in weeks for c in w if c.in_month and c.late),
        inferred_seconds=sum(c.inferred_seconds for c in in_month),
        weeks=weeks, has_any=has_any, share_with_enterprise=bool(preference[0]),
        presence_analytics=bool(preference[1]),
    )


# --- an enterprise's aggregates -----------------------------------------------------------------------------

@dataclass
class GroupDay:
    day: dt.date
    people: int | None  # None: hidden (fewer than MIN_GROUP)
    average_hours: float | None


@dataclass
class EnterprisePresence:
    enterprise: Any
    month: dt.date
    previous_month: dt.date
    next_month: dt.date | None
    staff: int
    consented: int
    people: int  # consenting staff with any presence in the month
    shown: bool  # the month's aggregates are shown (people >= MIN_GROUP)
    person_hours: float | None
    average_hours: float | None  # per person and day present
    late_person_days: int | None
    days: list[GroupDay] = field(default_factory=list)
    weekdays: list[tuple[int, float | None]] = field(default_factory=list)  # (weekday, average hours)
    min_group: int = MIN_GROUP


def _hours(seconds: float | int | None, people: int) -> float | None:
    return round((seconds or 0) / 3600 / people, 1) if people else None


def presence_enterprise(*, viewer: Any, enterprise_id: int, month: str | None = None) -> EnterprisePresence:
    """The month of an enterprise's staff who consented to share (``share_with_enterprise``), as
    aggregates only: how many consented, people present and average hours per day, person-hours, late
    person-days. Any figure over fewer than ``MIN_GROUP`` people is None. Five queries."""
    from parkos.enterprises.selectors import enterprise_get, staff_of

    enterprise = enterprise_get(viewer=viewer, enterprise_id=enterprise_id)
    _require_here(viewer, "access.presence.enterprise", enterprise)
    first = month_of(month)
    last = _month_end(first)
    staff_ids = staff_of(enterprise).values("pk")
    staff = staff_of(enterprise).count()
    consenting = list(AccessPreference.objects.filter(user_id__in=staff_ids, share_with_enterprise=True)
                      .values_list("user_id", flat=True))
    rows = DailyPresence.objects.filter(user_id__in=consenting, park_id=enterprise.park_id, day__gte=first,
                                        day__lte=last)
    totals = rows.aggregate(people=Count("user_id", distinct=True), seconds=Sum("seconds_inside"),
                            person_days=Count("id"), late=Count("id", filter=Q(late=True)))
    people = totals["people"] or 0
    shown = people >= MIN_GROUP
    days: list[GroupDay] = []
    by_weekday: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r in rows.values("day").annotate(n=Count("user_id", distinct=True), seconds=Sum("seconds_inside")).order_by("day"):
        visible = r["n"] >= MIN_GROUP
        days.append(GroupDay(r["day"], r["n"] if visible else None, _hours(r["seconds"], r["n"]) if visible else None))
        if visible:
            by_weekday[r["day"].weekday()].append((r["n"], r["seconds"] or 0))
    weekdays = [(wd, _hours(sum(s for _n, s in by_weekday[wd]), sum(n for n, _s in by_weekday[wd]))
                 if by_weekday.get(wd) else None) for wd in range(7)]
    following = _shift(first, 1)
    return EnterprisePresence(
        enterprise=enterprise, month=first, previous_month=_shift(first, -1),
        next_month=following if following <= timezone.localdate() else None,
        staff=staff, consented=len(consenting), people=people, shown=shown,
        person_hours=round((totals["seconds"] or 0) / 3600, 1) if shown else None,
        average_hours=_hours(totals["seconds"], totals["person_days"] or 0) if shown else None,
        late_person_days=totals["late"] if shown else None,
        days=days if shown else [], weekdays=weekdays if shown else [],
    )


# --- the operator's figures ---------------------------------------------------------------------------------

@dataclass
class BuildingDensity:
    building_id: int | None
    name: str
    floor_area_m2: int | None
    hours: list[float | None]  # 24 values: people-hours per 1,000 m² in that hour (None: no floor area)
    peak: float | None
    peak_hour: int | None
    average: float | None  # over the hours anyone was inside
    person_hours: float


@dataclass
class ParkFigures:
    park: Park
    day: dt.date
    present_day: int
    present_now: int | None  # only for today
    average_hours: float | None  # the last 7 days, per member and day present
    late_people_week: int
    late_days_week: int
    by_hour: list[float]  # 24 values: people inside on average during the hour (person-hours)
    by_weekday: list[float]  # 7 values: members present on an average such weekday over TREND_DAYS
    density: list[BuildingDensity]

    @property
    def by_hour_max(self) -> float:
        return max(self.by_hour or [0.0]) or 1.0

    @property
    def by_weekday_max(self) -> float:
        return max(self.by_weekday or [0.0]) or 1.0

    @property
    def density_max(self) -> float:
        return max((b.peak or 0.0 for b in self.density), default=0.0) or 1.0


def presence_park(*, viewer: Any, park_id: int, day: str | None = None) -> ParkFigures:
    """Park-wide figures for the park's operators: members present that day (and now, for today), by hour
    and by weekday, the average time inside, late workers this week, and innovation density per building
    (people-hours per 1,000 m² of floor area per hour; from the occupancy rollup). Eight queries."""
    from parkos.core.parks import park_get
    from parkos.enterprises.selectors import building_list

    park = park_get(park_id=park_id)
    _require_here(viewer, "access.figures.view", park)
    shown_day = day_of(day)
    today = timezone.localdate()
    # The hourly occupancy is a derived table: the day shown is brought up to date first (only if its
    # presence changed since the last rollup), so the operator sees today's hours live.
    from parkos.access.services.presence import rollup_if_marked

    rollup_if_marked(park_id=park.pk, day=shown_day)
    rows = DailyPresence.objects.filter(park_id=park.pk)
    present_day = rows.filter(day=shown_day).count()
    present_now = rows.filter(day=today, last_out__isnull=True, first_in__isnull=False).count() \
        if shown_day == today else None
    week_start = shown_day - dt.timedelta(days=shown_day.weekday())
    recent = rows.filter(day__gt=shown_day - dt.timedelta(days=7), day__lte=shown_day)
    average = recent.aggregate(avg=Avg("seconds_inside"))["avg"]
    late = rows.filter(day__gte=week_start, day__lte=shown_day, late=True).aggregate(
        people=Count("user_id", distinct=True), days=Count("id"))
    counts: dict[int, list[int]] = defaultdict(list)
    trend_start = shown_day - dt.timedelta(days=TREND_DAYS - 1)
    per_day = dict(rows.filter(day__gte=trend_start, day__lte=shown_day).values("day").annotate(n=Count("id"))
                   .values_list("day", "n"))
    for offset in range(TREND_DAYS):  # days with nobody count as zero
        d = trend_start + dt.timedelta(days=offset)
        counts[d.weekday()].append(per_day.get(d, 0))
    by_weekday = [round(sum(counts[wd]) / len(counts[wd]), 1) if counts[wd] else 0.0 for wd in range(7)]

    start = timezone.make_aware(dt.datetime.combine(shown_day, dt.time.min))
    end = start + dt.timedelta(days=1)
    by_hour = [0.0] * 24
    per_building: dict[int | None, list[int]] = defaultdict(lambda: [0] * 24)
    for building_id, hour, seconds in (OccupancyHour.objects.filter(park_id=park.pk, hour__gte=start, hour__lt=end)
                                       .values_list("building_id", "hour", "person_seconds")):
        index = timezone.localtime(hour).hour
        by_hour[index] += seconds / 3600
        per_building[building_id][index] += seconds
    density: list[BuildingDensity] = []
    for building in building_list(park=park):
        density.append(_density(building.pk, str(building), building.floor_area_m2,
                                per_building.pop(building.pk, [0] * 24)))
    if None in per_building:
        density.append(_density(None, _("Outside the buildings"), None, per_building.pop(None)))
    return ParkFigures(
        park=park, day=shown_day, present_day=present_day, present_now=present_now,
        average_hours=round(average / 3600, 1) if average is not None else None,
        late_people_week=late["people"] or 0, late_days_week=late["days"] or 0,
        by_hour=[round(v, 1) for v in by_hour], by_weekday=by_weekday, density=density,
    )


def _density(building_id: int | None, name: str, area: int | None, seconds: list[int]) -> BuildingDensity:
    per_1000 = (area / 1000) if area else None
    hours: list[float | None] = [round(s / 3600 / per_1000, 2) if per_1000 else None for s in seconds]
    values = [(h, v) for h, v in enumerate(hours) if v is not None and seconds[h] > 0]
    peak_hour, peak = max(values, key=lambda hv: hv[1]) if values else (None, None)
    return BuildingDensity(
        building_id=building_id, name=name, floor_area_m2=area, hours=hours, peak=peak, peak_hour=peak_hour,
        average=round(sum(v for _h, v in values) / len(values), 2) if values else None,
        person_hours=round(sum(seconds) / 3600, 1),
    )


# --- for other domains --------------------------------------------------------------------------------------

def presence_late_days(*, park_id: int, start: dt.date, end: dt.date) -> dict[int, int]:
    """Member id -> how many days in ``start``..``end`` (inclusive) they were still inside after the park's
    late hour (the overtime coupon of rewards). One query; members with none are absent."""
    return dict(DailyPresence.objects.filter(park_id=park_id, day__gte=start, day__lte=end, late=True)
                .values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))


def in_park_today(user_ids: frozenset[int]) -> set[int]:
    """The map's presence provider (registered in access/registrations.py): those among ``user_ids`` (only
    members who consented to the map's marker are asked about) who are in a park today: an accepted IN
    passage today, or today's daily presence whose last passage was an IN (``last_out`` empty: generated
    presence, or passages already purged). Two queries."""
    from parkos.access.models import Passage

    if not user_ids:
        return set()
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    ids = sorted(user_ids)
    present = set(Passage.objects.filter(user_id__in=ids, occurred_at__gte=start, occurred_at__lt=start + dt.timedelta(days=1),
                                         direction="in", result=Passage.Result.ACCEPTED)
                  .values_list("user_id", flat=True).distinct())
    rest = [i for i in ids if i not in present]
    if rest:
        present |= set(DailyPresence.objects.filter(user_id__in=rest, day=today, last_out__isnull=True, passages__gt=0)
                       .values_list("user_id", flat=True))
    return present


def presence_late_members(*, park_id: int, days: list[dt.date], min_days: int) -> list[tuple[int, int]]:
    """(member id, late days) of those inside the park after its late hour on at least ``min_days`` of
    ``days`` (the working days of a week, chosen by the caller from the park's calendar): the overtime
    coupon of rewards. Most late days first, then by member id (the order a budget serves them in). One
    query (grouped, ``HAVING``), set-based over the whole park."""
    if not days or min_days < 1:
        return []
    return list(DailyPresence.objects.filter(park_id=park_id, day__in=sorted(set(days)), late=True)
                .values("user_id").annotate(n=Count("id")).filter(n__gte=min_days)
                .order_by("-n", "user_id").values_list("user_id", "n"))
