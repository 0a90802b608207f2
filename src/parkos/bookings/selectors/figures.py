"""The operators' figures of a park's rooms and venues over a period (Beijing dates, both included):
occupancy by room, by floor and by hour of day × weekday, the no-show rate, credits used by enterprise, and
revenue (charges) by month and by place.

Set-based and bounded: three GROUP BY queries over the period's bookings (at most a quarter, read on the
(park, starts_at) index), one over the places, one over the year's credit months and one for the enterprises'
names, whatever the number of bookings (a park-year holds hundreds of thousands; a quarter of one answers
in a few hundred milliseconds on SQLite). Python then works on the groups only (a place, an enterprise, a
start minute of the week with a length), never on single bookings. Durations and local times are computed
by the database itself (``_EpochMinutes``): Django's datetime functions call back into Python for every
row on SQLite.

Definitions, as the page states them (a booking belongs to the period in which it starts):

- booked hours: bookings confirmed or checked in (a released no-show, a cancelled or declined booking, and
  one still waiting for approval do not hold the room);
- open hours: the place's opening hours on each day of the period it is open (working days, or every day
  for places open on weekends and holidays; 24 hours for places open round the clock);
- occupancy: booked hours ÷ open hours;
- no-show rate: bookings released because nobody checked in ÷ bookings that should have started by now
  (confirmed, checked in or released, started more than the check-in grace ago);
- credits and charges: of bookings that keep them (all but cancelled and declined ones);
- by month: the twelve months up to the period's end, from the enterprises' credit months (the counters the
  ledger checks, what the monthly statements show), so a year of revenue costs twelve rows an enterprise."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, ExpressionWrapper, Func, IntegerField, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parkos.bookings.models import Booking, BookingStatus, CreditMonth, Place
from parkos.bookings.selectors.statements import CHARGED
from parkos.bookings.services.booking import CHECKIN_GRACE
from parkos.bookings.services.places import KINDS
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.core.parks import park_list
from parkos.core.workdays import park_calendar

MAX_DAYS = 92  # a quarter: the page stays fast on a busy park; the months table covers the year
MONTHS = 12
DEFAULT_DAYS = 28  # four whole weeks: every weekday of the heat map counts the same number of days
USED = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
DUE = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.RELEASED)
WEEK_MINUTES = 7 * 24 * 60
# 1970-01-01 was a Thursday: three days after the Monday the week's minutes count from.
EPOCH_WEEKDAY_SHIFT = 3 * 24 * 60
HEAT_LEVELS = 5
TABLES = ("places", "floors", "heat", "noshow", "enterprises", "months")


class _EpochMinutes(Func):
    """Whole minutes since 1970-01-01 00:00 UTC of a datetime column, in the database: julianday on SQLite
    (which stores UTC text), EXTRACT(EPOCH) on PostgreSQL. Bookings start and end on the quarter hour, so
    differences and local times (a fixed offset: Beijing keeps no daylight-saving time) are exact."""

    arity = 1
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(ROUND((julianday({sql}) - 2440587.5) * 1440) AS INTEGER)", params

    def as_sql(self, compiler: Any, connection: Any, function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra: Any) -> Any:  # PostgreSQL
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {sql}) / 60) AS BIGINT)", params


class _WeekMinute(Func):
    """The local minute of the week (Monday 00:00 = 0) of a datetime column, ``shift`` being the local
    offset from UTC in minutes plus the epoch's weekday shift. Integer arithmetic only (no ``%``, which the
    database drivers' parameter styles treat differently)."""

    arity = 1
    output_field = IntegerField()

    def __init__(self, expression: Any, *, shift: int) -> None:
        super().__init__(_EpochMinutes(expression))
        self.shift = int(shift)

    def as_sql(self, compiler: Any, connection: Any, function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        local = f"({sql} + {self.shift})"
        return f"({local} - ({local} / {WEEK_MINUTES}) * {WEEK_MINUTES})", params


def _minutes() -> ExpressionWrapper:
    return ExpressionWrapper(_EpochMinutes("ends_at") - _EpochMinutes("starts_at"), output_field=IntegerField())


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- the period and the park ------------------------------------------------------------------------------

def _day(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        message = _("Enter a date like 2026-12-01.")
        raise Invalid(message, code=ErrorCode.INVALID, details={name: [message]}) from None


def figures_period(start: Any = None, end: Any = None, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period (both days included, Beijing dates): by default the last four weeks up to today; at most
    a quarter (the months table covers the year)."""
    today = today or timezone.localdate()
    last = _day(end, "end")
    first = _day(start, "start")
    if first is None:
        first = (last or today) - dt.timedelta(days=DEFAULT_DAYS - 1)
    if last is None:
        last = max(first, min(today, first + dt.timedelta(days=DEFAULT_DAYS - 1)))
    if last < first:
        message = _("The end of the period is before its start.")
        raise Invalid(message, code=ErrorCode.ENDS_BEFORE_START, details={"end": [message]})
    if (last - first).days >= MAX_DAYS:
        message = _("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS}
        raise Invalid(message, code=ErrorCode.OUT_OF_RANGE, details={"end": [message]})
    return first, last


def figures_parks(*, viewer: Any) -> list[Park]:
    """The parks whose figures ``viewer`` may see (the page's park picker)."""
    return [p for p in park_list() if policy.can(viewer, "bookings.figures.view", p)]


# --- the figures ------------------------------------------------------------------------------------------

class _Booked:
    """Occupancy and hours of figures that carry booked and open minutes."""

    booked_minutes: int
    open_minutes: int

    @property
    def occupancy_pct(self) -> float | None:
        return _pct(self.booked_minutes, self.open_minutes)

    @property
    def booked_hours(self) -> float:
        return round(self.booked_minutes / 60, 2)

    @property
    def open_hours(self) -> float:
        return round(self.open_minutes / 60, 2)


class _Counted(_Booked):
    """No-shows and the charge of figures that also count bookings."""

    released: int
    due: int
    charge_fen: int

    @property
    def no_show_pct(self) -> float | None:
        return _pct(self.released, self.due)

    @property
    def charge_text(self) -> str:
        return Money.format(self.charge_fen)


@dataclass
class PlaceFigures(_Counted):
    place_id: int
    name: str
    kind: str
    building: str
    floor: str
    is_active: bool
    open_minutes: int = 0
    booked_minutes: int = 0
    bookings: int = 0
    due: int = 0
    released: int = 0
    credits: int = 0
    charge_fen: int = 0

    # occupancy, no-shows, hours and the charge as text: from _Booked and _Counted


@dataclass
class FloorFigures(_Booked):
    building: str
    floor: str
    places: int = 0
    open_minutes: int = 0
    booked_minutes: int = 0

    # occupancy and hours: from _Booked


@dataclass
class HeatCell:
    weekday: int  # 0 Monday … 6 Sunday
    hour: int
    booked_minutes: int = 0
    open_minutes: int = 0

    @property
    def occupancy_pct(self) -> float | None:
        return _pct(self.booked_minutes, self.open_minutes)

    @property
    def level(self) -> int:
        """0 (nothing booked) to HEAT_LEVELS (full): the cell's shade."""
        pct = self.occupancy_pct
        if not pct:
            return 0
        return max(1, min(HEAT_LEVELS, math.ceil(pct / (100 / HEAT_LEVELS))))


@dataclass
class EnterpriseFigures:
    enterprise_id: int
    name: str
    bookings: int = 0
    booked_minutes: int = 0
    credits: int = 0
    charge_fen: int = 0

    @property
    def booked_hours(self) -> float:
        return round(self.booked_minutes / 60, 2)

    @property
    def charge_text(self) -> str:
        return Money.format(self.charge_fen)


@dataclass
class MonthFigures:
    month: dt.date
    enterprises: int = 0  # enterprises that booked with credits or charges
    granted: int = 0
    credits: int = 0
    charge_fen: int = 0

    @property
    def charge_text(self) -> str:
        return Money.format(self.charge_fen)


@dataclass
class Totals(_Counted):
    bookings: int = 0
    due: int = 0
    released: int = 0
    open_minutes: int = 0
    booked_minutes: int = 0
    credits: int = 0
    charge_fen: int = 0

    # occupancy, no-shows, hours and the charge as text: from _Booked and _Counted


@dataclass
class BookingFigures:
    park: Park
    start: dt.date
    end: dt.date
    places: list[PlaceFigures] = field(default_factory=list)
    floors: list[FloorFigures] = field(default_factory=list)
    heat: list[list[HeatCell]] = field(default_factory=list)  # 7 weekdays × 24 hours
    enterprises: list[EnterpriseFigures] = field(default_factory=list)
    months: list[MonthFigures] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def heat_hours(self) -> list[int]:
        """The hours the heat map shows: from the first to the last hour any place is open or booked."""
        used = [h for h in range(24) if any(row[h].open_minutes or row[h].booked_minutes for row in self.heat)]
        return list(range(used[0], used[-1] + 1)) if used else list(range(8, 22))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def park_id(self) -> int:
        return int(self.park.pk)


def _enterprise_names(viewer: Any, park: Park, ids: list[int]) -> dict[int, str]:
    from parkos.enterprises.selectors import enterprise_list

    if not ids:
        return {}
    rows = enterprise_list(viewer=viewer, park=park).select_related(None).filter(pk__in=ids).only("pk", "name",
                                                                                                  "name_en")
    return {e.pk: str(e.display_name) for e in rows}


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
            timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)))


def _local_shift(moment: dt.datetime) -> int:
    offset = timezone.localtime(moment).utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds() // 60)


def _open_days(park: Park, start: dt.date, end: dt.date) -> tuple[list[int], list[int]]:
    """Days of each weekday in the period: all of them, and the working days (the park's calendar, with its
    holidays and the Saturdays worked in their place)."""
    calendar = park_calendar(park)
    every, working = [0] * 7, [0] * 7
    day = start
    while day <= end:
        every[day.weekday()] += 1
        if calendar.is_workday(day):
            working[day.weekday()] += 1
        day += dt.timedelta(days=1)
    return every, working


def _daily_minutes(place: Place) -> tuple[int, int]:
    """The place's opening hours as minutes of the day [from, to)."""
    if place.open_all_day:
        return 0, 24 * 60
    return place.opens_at.hour * 60 + place.opens_at.minute, place.closes_at.hour * 60 + place.closes_at.minute


def _heat(groups: Any, places: list[Place], every: list[int], working: list[int]) -> list[list[HeatCell]]:
    heat = [[HeatCell(weekday, hour) for hour in range(24)] for weekday in range(7)]
    shapes: dict[tuple[int, int, bool], int] = defaultdict(int)
    for place in places:
        shapes[(*_daily_minutes(place), place.open_on_weekends)] += 1
    for (opens, closes, weekends), count in shapes.items():
        for weekday in range(7):
            days = every[weekday] if weekends else working[weekday]
            if not days:
                continue
            for hour in range(24):
                overlap = min(closes, (hour + 1) * 60) - max(opens, hour * 60)
                if overlap > 0:
                    heat[weekday][hour].open_minutes += overlap * days * count
    for row in groups:
        moment, left, n = int(row["week_minute"]), int(row["minutes"] or 0), int(row["n"])
        while left > 0:
            chunk = min(left, 60 - moment % 60)
            cell = (moment // 60) % (7 * 24)
            heat[cell // 24][cell % 24].booked_minutes += chunk * n
            moment, left = moment + chunk, left - chunk
    return heat


def figures_get(*, viewer: Any, park: Park, start: Any = None, end: Any = None,
                now: dt.datetime | None = None) -> BookingFigures:
    """The park's figures over the period (default: the last four weeks). Its operators only: an operator
    of another park is refused."""
    policy.require(viewer, "bookings.figures.view", park)
    first, last = figures_period(start, end)
    now = now or timezone.now()
    a, b = _bounds(first, last)
    figures = BookingFigures(park=park, start=first, end=last)
    every, working = _open_days(park, first, last)

    all_places = list(Place.objects.filter(park=park, kind__in=KINDS).select_related("building")
                      .order_by("building__code", "floor", "position", "name", "pk"))
    base = Booking.objects.filter(park=park, starts_at__gte=a, starts_at__lt=b,
                                  place_id__in=[p.pk for p in all_places]).order_by()
    charged, used = Q(status__in=CHARGED), Q(status__in=USED)
    per_place = {row["place_id"]: row for row in base.values("place_id").annotate(
        booked=Sum(_minutes(), filter=used), bookings=Count("pk", filter=charged),
        due=Count("pk", filter=Q(status__in=DUE, starts_at__lte=now - CHECKIN_GRACE)),
        released=Count("pk", filter=Q(status=BookingStatus.RELEASED)),
        credits=Sum("credits", filter=charged), charge=Sum("charge_fen", filter=charged))}

    places = [p for p in all_places if p.is_active or p.pk in per_place]
    floors: dict[tuple[str, str], FloorFigures] = {}
    totals = figures.totals
    for place in places:
        opens, closes = _daily_minutes(place)
        days = sum(every) if place.open_on_weekends else sum(working)
        row = per_place.get(place.pk, {})
        building = place.building.name if place.building is not None else ""
        pf = PlaceFigures(place_id=place.pk, name=place.display_name(), kind=place.kind, building=building,
                          floor=place.floor, is_active=place.is_active, open_minutes=(closes - opens) * days,
                          booked_minutes=int(row.get("booked") or 0), bookings=int(row.get("bookings") or 0),
                          due=int(row.get("due") or 0), released=int(row.get("released") or 0),
                          credits=int(row.get("credits") or 0), charge_fen=int(row.get("charge") or 0))
        figures.places.append(pf)
        floor = floors.setdefault((building, place.floor), FloorFigures(building, place.floor))
        floor.places += 1
        floor.open_minutes += pf.open_minutes
        floor.booked_minutes += pf.booked_minutes
        for name in ("bookings", "due", "released", "open_minutes", "booked_minutes", "credits", "charge_fen"):
            setattr(totals, name, getattr(totals, name) + getattr(pf, name))
    figures.floors = list(floors.values())

    groups = base.filter(used).values(week_minute=_WeekMinute("starts_at", shift=_local_shift(a)
                                                              + EPOCH_WEEKDAY_SHIFT), minutes=_minutes()) \
        .annotate(n=Count("pk"))
    figures.heat = _heat(groups, places, every, working)

    rows = list(base.filter(charged, enterprise__isnull=False).values("enterprise_id")
                .annotate(n=Count("pk"), booked=Sum(_minutes(), filter=used), credits=Sum("credits"),
                          charge=Sum("charge_fen")))
    names = _enterprise_names(viewer, park, [row["enterprise_id"] for row in rows])
    figures.enterprises = sorted(
        (EnterpriseFigures(enterprise_id=row["enterprise_id"], name=names.get(row["enterprise_id"],
                                                                              f"#{row['enterprise_id']}"),
                           bookings=row["n"], booked_minutes=int(row["booked"] or 0), credits=int(row["credits"] or 0),
                           charge_fen=int(row["charge"] or 0)) for row in rows),
        key=lambda e: (-e.credits, -e.charge_fen, e.name))

    last_month = last.replace(day=1)
    first_month = (last_month - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    figures.months = [
        MonthFigures(month=row["month"], enterprises=row["n"], granted=int(row["granted"] or 0),
                     credits=int(row["used"] or 0), charge_fen=int(row["charged"] or 0))
        for row in CreditMonth.objects.filter(park=park, month__gte=first_month, month__lte=last_month)
        .values("month").annotate(n=Count("pk"), granted=Sum("granted"), used=Sum("used"),
                                  charged=Sum("charged_fen")).order_by("month")]
    return figures


# --- the exports ------------------------------------------------------------------------------------------

def weekday_names() -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def _kind_label(kind: str) -> str:
    from parkos.bookings.models import PlaceKind

    return str(dict(PlaceKind.choices).get(kind, kind))


def figures_table(f: BookingFigures, table: str) -> tuple[list[Any], list[list[Any]]]:
    """One of the page's tables as a spreadsheet (``table``: one of TABLES); money in yuan, percentages
    as numbers (empty where nothing was open or due)."""
    yuan = Money.to_yuan
    if table == "places":
        return ([_("Place"), _("Kind"), _("Building"), _("Floor"), _("Open hours"), _("Booked hours"),
                 _("Occupancy (%)"), _("Bookings"), _("Credits"), _("Revenue (¥)")],
                [[p.name, _kind_label(p.kind), p.building, p.floor, p.open_hours, p.booked_hours, p.occupancy_pct,
                  p.bookings, p.credits, yuan(p.charge_fen)] for p in f.places])
    if table == "floors":
        return ([_("Building"), _("Floor"), _("Places"), _("Open hours"), _("Booked hours"), _("Occupancy (%)")],
                [[r.building, r.floor, r.places, r.open_hours, r.booked_hours, r.occupancy_pct] for r in f.floors])
    if table == "heat":
        names = weekday_names()
        return ([_("Weekday"), _("Hour"), _("Open hours"), _("Booked hours"), _("Occupancy (%)")],
                [[names[c.weekday], f"{c.hour:02d}:00", round(c.open_minutes / 60, 2),
                  round(c.booked_minutes / 60, 2), c.occupancy_pct]
                 for row in f.heat for c in row if c.open_minutes or c.booked_minutes])
    if table == "noshow":
        rows = [[p.name, p.due, p.released, p.no_show_pct] for p in f.places]
        rows.append([_("All places"), f.totals.due, f.totals.released, f.totals.no_show_pct])
        return [_("Place"), _("Should have started"), _("Released (no-show)"), _("No-show rate (%)")], rows
    if table == "enterprises":
        return ([_("Enterprise"), _("Bookings"), _("Booked hours"), _("Credits used"), _("Charged (¥)")],
                [[e.name, e.bookings, e.booked_hours, e.credits, yuan(e.charge_fen)] for e in f.enterprises])
    if table == "months":
        return ([pgettext("statement", "Month"), _("Enterprises"), _("Credits granted"), _("Credits used"), _("Revenue (¥)")],
                [[m.month.strftime("%Y-%m"), m.enterprises, m.granted, m.credits, yuan(m.charge_fen)]
                 for m in f.months])
    raise Invalid(_("Choose a table to download."), code=ErrorCode.INVALID_CHOICE,
                  details={"table": [", ".join(TABLES)]})


__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "TABLES", "BookingFigures", "figures_get", "figures_parks",
           "figures_period", "figures_table"]
