"""Reads for the operators' dashboards and the lobby's big screen.

The dashboard reads only the daily rollups (``DailyFigure``, kept by ``services/rollups.py``) and when they
last ran: five grouped queries whatever the period or the park's size — when the rollups last ran, the
period's and the previous period's totals per metric and key, the period's daily series, the heat map by
weekday and hour, the week, month and end-of-day figures — plus the park's buildings for their names and
floor areas.

Scope: one park's figures for its operators (an operator of another park is told there is no such park), or
the whole portfolio's, summed over its parks, for portfolio operators only. Definitions of every metric are
in ``services/rollups.py``; the page states them in a line under each section. The big screen's reads are in
selectors/screens.py."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Func, IntegerField, Max, Min, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.core.parks import park_list
from parkos.insights.models import DailyFigure, RollupRun
from parkos.insights.services import rollups as m
from parkos.insights.services.rollups import month_start, week_start

ACTION = "insights.dashboard.view"
MAX_DAYS = 366
EARLIEST = dt.date(2000, 1, 1)
DAILY_UP_TO = 92  # longer periods are charted and tabled by week
PRESETS = ("7", "30", "90", "year")
DEFAULT_PRESET = "30"


# --- the period ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    preset: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def prev_end(self) -> dt.date:
        return self.start - dt.timedelta(days=1)

    @property
    def prev_start(self) -> dt.date:
        """The previous period of the same length, just before this one."""
        return self.start - dt.timedelta(days=self.days)

    @property
    def by_week(self) -> bool:
        return self.days > DAILY_UP_TO


def _day(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        message = _("Enter a date like 2026-12-01.")
        raise Invalid(message, code=ErrorCode.INVALID, details={name: [message]}) from None


def _preset(preset: str, today: dt.date) -> Period:
    if preset == "year":
        return Period(today.replace(month=1, day=1), today, preset)
    return Period(today - dt.timedelta(days=int(preset) - 1), today, preset)


def dashboard_period(*, start: Any = None, end: Any = None, preset: str | None = None,
                     today: dt.date | None = None) -> Period:
    """The period shown (both days included, Beijing days): a preset (``7``, ``30``, ``90`` days up to today,
    or ``year``: this year so far), or ``start``/``end`` as dates or YYYY-MM-DD; with neither, the last 30
    days. Only a start: up to today; only an end: the 30 days up to it. Invalid, with the field's message,
    for a date that is no date, in the future, an end before the start or a period longer than a year."""
    today = today or timezone.localdate()
    if preset:
        if preset not in PRESETS:
            message = _("Choose one of the periods offered.")
            raise Invalid(message, code=ErrorCode.INVALID_CHOICE, details={"preset": [message]})
        return _preset(preset, today)
    first, last = _day(start, "start"), _day(end, "end")
    if first is None and last is None:
        return _preset(DEFAULT_PRESET, today)
    if last is None:
        last = today
    if first is None:
        first = last - dt.timedelta(days=int(DEFAULT_PRESET) - 1)
    errors: dict[str, list[str]] = {}
    if first > today:
        errors["start"] = [_("The period cannot start after today.")]
    if last > today:
        errors["end"] = [_("The period cannot end after today.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], code=ErrorCode.IN_THE_FUTURE, details=errors)
    if last < first:
        message = _("The end of the period is before its start.")
        raise Invalid(message, code=ErrorCode.ENDS_BEFORE_START, details={"end": [message]})
    if first < EARLIEST:
        message = _("Choose a period from %(date)s on.") % {"date": EARLIEST.isoformat()}
        raise Invalid(message, code=ErrorCode.OUT_OF_RANGE, details={"start": [message]})
    if (last - first).days + 1 > MAX_DAYS:
        message = _("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS}
        raise Invalid(message, code=ErrorCode.OUT_OF_RANGE, details={"end": [message]})
    return Period(first, last)


# --- which parks -----------------------------------------------------------------------------------------

def dashboard_parks(*, viewer: Any) -> list[Park]:
    """The parks whose dashboards ``viewer`` may read (the page's park picker)."""
    return [p for p in park_list() if policy.can(viewer, ACTION, p)]


def dashboard_portfolio(*, viewer: Any) -> bool:
    """Whether ``viewer`` may read the whole portfolio's figures (a portfolio operator)."""
    return policy.can(viewer, ACTION, policy.PORTFOLIO)


def dashboard_require(viewer: Any, park: Park | None) -> None:
    """One park's operators, or portfolio operators for every park: another park is "not found" (an operator
    of park A learns nothing of park B), a member is refused."""
    if policy.can(viewer, ACTION, park if park is not None else policy.PORTFOLIO):
        return
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    if park is not None and dashboard_parks(viewer=viewer):
        raise NotFound(_("No such park."))
    raise Forbidden()


def _scope(park: Park | None) -> dict[str, Any]:
    return {"park_id": park.pk} if park is not None else {"park_id__in": [p.pk for p in park_list()]}


class _IsoWeekday(Func):
    """The ISO weekday (1 Monday … 7 Sunday) of a date column, in SQL on both databases (Django's
    ExtractIsoWeekDay calls a Python function per row on SQLite: a year's heat map is 9,000 rows)."""

    output_field = IntegerField()
    template = "CAST(EXTRACT(ISODOW FROM %(expressions)s) AS INTEGER)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection,
                           template="((CAST(strftime('%%%%w', %(expressions)s) AS INTEGER) + 6) %%%% 7 + 1)", **extra)


# --- what the page shows ---------------------------------------------------------------------------------

def _style() -> tuple[str, str]:
    """The active language's thousands and decimal separators (Chinese: none and "."; English: "," and ".")."""
    return _style_of(get_language() or "")


@functools.lru_cache(maxsize=16)
def _style_of(language: str) -> tuple[str, str]:
    grouping = formats.get_format("NUMBER_GROUPING", language)
    return ((formats.get_format("THOUSAND_SEPARATOR", language) if grouping else ""),
            formats.get_format("DECIMAL_SEPARATOR", language))


def _num(value: float | int | None, decimals: int = 0, style: tuple[str, str] | None = None) -> str:
    """A number in the active language's own way, written without Django's number_format (which a page of a
    few thousand table cells would feel); ``style``: the separators, looked up once for many numbers."""
    if value is None:
        return "—"
    thousands, decimal = style or _style()
    whole, _dot, fraction = f"{value:,.{decimals}f}".partition(".")
    return whole.replace(",", thousands) + (decimal + fraction if fraction else "")


def _pct(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class Figure:
    """A headline figure with the previous period's (``better``: whether a rise is good news, bad news or
    neither: ``up``, ``down``, ``""``)."""

    key: str
    label: str
    value: float | None
    previous: float | None
    text: str
    previous_text: str
    note: str = ""
    better: str = "up"
    change_text: str = ""

    @property
    def change_pct(self) -> float | None:
        if self.value is None or self.previous is None or not self.previous:
            return None
        return round(100 * (self.value - self.previous) / abs(self.previous), 1)

    @property
    def trend(self) -> str:
        """``up``, ``down`` or ``flat`` (no change, or nothing to compare with)."""
        change = self.change_pct
        if change is None or change == 0:
            return "flat"
        return "up" if change > 0 else "down"

    @property
    def tone(self) -> str:
        """``good``, ``bad`` or ``neutral``, for the arrow's colour."""
        if self.trend == "flat" or not self.better:
            return "neutral"
        return "good" if self.trend == self.better else "bad"



@dataclass
class Column:
    label: str
    num: bool = True
    decimals: int = 1  # of a float
    money: bool = False  # yuan in the rows (the export), shown as ¥1,234.50


@dataclass
class Table:
    """A table view of a chart (the accessible one), and its XLSX export under ``key``."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]  # raw values: numbers, dates, text (the export's cells)
    note: str = ""
    body: str = ""  # the rows as HTML, escaped (written by the page's view, see there)

    @property
    def cells(self) -> list[list[str]]:
        """The rows as shown, in the active language (formatted when asked: the export never needs them)."""
        style = _style()
        columns = self.columns
        return [[_cell(v, style, c) for v, c in zip(row, columns, strict=False)] for row in self.rows]


@dataclass
class Section:
    key: str
    title: str
    note: str
    figures: list[Figure]
    charts: list[dict[str, Any]]
    tables: list[Table]
    empty: bool


@dataclass(frozen=True)
class RollupStatus:
    """How far the rollups of the parks shown are: the oldest last run (None: some park never ran), the
    latest (any new run changes it: the page's cache key), and the day they are complete up to."""

    ran_at: dt.datetime | None
    latest: dt.datetime | None
    through: dt.date | None
    parks_shown: int

    @property
    def computed(self) -> bool:
        return self.ran_at is not None

    @property
    def version(self) -> str:
        return f"{self.latest.timestamp() if self.latest else 0}-{self.through or ''}"


@dataclass
class Dashboard:
    park: Park | None
    period: Period
    sections: list[Section]
    status: RollupStatus

    @property
    def computed(self) -> bool:
        return self.status.computed

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table | None:
        for s in self.sections:
            for t in s.tables:
                if t.key == key:
                    return t
        return None

    @property
    def charts(self) -> list[dict[str, Any]]:
        return [c for s in self.sections for c in s.charts]


class _Reads:
    """The rollups of the scope over the two periods, read once (four queries)."""

    def __init__(self, park: Park | None, period: Period) -> None:
        scope = _scope(park)
        p = period
        rows = (DailyFigure.objects.filter(**scope, day__gte=p.prev_start, day__lte=p.end, metric__in=TOTAL_METRICS)
                .values("metric", "key").order_by()
                .annotate(cur=Sum("value", filter=Q(day__gte=p.start)), prev=Sum("value", filter=Q(day__lt=p.start))))
        self.cur: dict[tuple[str, str], int] = {}
        self.prev: dict[tuple[str, str], int] = {}
        for r in rows:
            self.cur[(r["metric"], r["key"])] = int(r["cur"] or 0)
            self.prev[(r["metric"], r["key"])] = int(r["prev"] or 0)
        self.daily: dict[str, dict[dt.date, int]] = defaultdict(dict)
        for metric, day, value in (DailyFigure.objects.filter(**scope, day__gte=p.start, day__lte=p.end, key="",
                                                              metric__in=SERIES_METRICS)
                                   .values("metric", "day").order_by().annotate(v=Sum("value"))
                                   .values_list("metric", "day", "v")):
            self.daily[metric][day] = int(value or 0)
        self.heat: dict[tuple[int, int], int] = {}
        for key, weekday, value in (DailyFigure.objects.filter(**scope, metric=m.HOUR_SECONDS, day__gte=p.start,
                                                               day__lte=p.end)
                                    .annotate(wd=_IsoWeekday("day")).values("key", "wd").order_by()
                                    .annotate(v=Sum("value")).values_list("key", "wd", "v")):
            self.heat[(int(weekday) - 1, int(key))] = int(value or 0)
        # Weeks and months from the previous period's first on, and the week and month before the period's
        # last ones (the "last week / month against the one before" figures).
        wide = min(week_start(p.prev_start), month_start(p.prev_start), week_start(p.end) - dt.timedelta(days=7),
                   month_start(month_start(p.end) - dt.timedelta(days=1)))
        self.periodic: dict[str, dict[dt.date, int]] = defaultdict(dict)
        for metric, day, value in (DailyFigure.objects.filter(**scope, day__gte=wide, day__lte=p.end,
                                                              metric__in=(*m.WEEK_METRICS, *m.MONTH_METRICS,
                                                                          *m.SNAPSHOT_METRICS))
                                   .values("metric", "day").order_by().annotate(v=Sum("value"))
                                   .values_list("metric", "day", "v")):
            self.periodic[metric][day] = int(value or 0)

    def total(self, metric: str, key: str = "", previous: bool = False) -> int:
        return (self.prev if previous else self.cur).get((metric, key), 0)

    def keys(self, metric: str) -> set[str]:
        return {k for (mm, k), v in self.cur.items() if mm == metric and v} | \
            {k for (mm, k), v in self.prev.items() if mm == metric and v}

    def snapshot(self, metric: str, day: dt.date, since: dt.date) -> int:
        """The latest end-of-day value on or before ``day`` (not before ``since``): 0 when none."""
        values = self.periodic.get(metric, {})
        found = [d for d in values if since <= d <= day]
        return values[max(found)] if found else 0


SERIES_METRICS = tuple(x for x in m.DAY_METRICS if x not in (m.BUILDING_SECONDS, m.HOUR_SECONDS, *m.SNAPSHOT_METRICS))
TOTAL_METRICS = (*SERIES_METRICS, m.BUILDING_SECONDS)


# --- the buckets of a series (days, or weeks for long periods) ---------------------------------------------

@dataclass(frozen=True)
class Bucket:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _buckets(period: Period) -> list[Bucket]:
    out: list[Bucket] = []
    day = period.start
    while day <= period.end:
        last = min(period.end, week_start(day) + dt.timedelta(days=6)) if period.by_week else day
        out.append(Bucket(day, last))
        day = last + dt.timedelta(days=1)
    return out


def _bucket_label(b: Bucket, by_week: bool) -> str:
    return b.start.strftime("%m-%d") if not by_week else b.start.strftime("%m-%d") + "~"


def _series(reads: _Reads, metric: str, buckets: list[Bucket]) -> list[int]:
    values = reads.daily.get(metric, {})
    if not values:
        return [0] * len(buckets)
    if (buckets[-1].end - buckets[0].start).days + 1 == len(buckets):
        return [values.get(b.start, 0) for b in buckets]  # a bucket a day
    return [sum(values.get(b.start + dt.timedelta(days=i), 0) for i in range(b.days)) for b in buckets]


def _peak(reads: _Reads, metric: str) -> tuple[int, dt.date | None]:
    values = reads.daily.get(metric, {})
    if not values:
        return 0, None
    day = max(values, key=lambda d: (values[d], d))
    return values[day], day


def _cell(value: Any, style: tuple[str, str], column: Column) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not style[0] and not column.money:
        return str(value)  # the common case of a table cell, kept short
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.money:
        return Money.format(round(value * 100))
    if isinstance(value, float):
        return _num(value, column.decimals, style)
    if isinstance(value, int):
        return _num(value, 0, style)
    return str(value)


def _round(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def _figure(key: str, label: str, cur: float | None, prev: float | None, *, decimals: int = 0, suffix: str = "",
            note: str = "", better: str = "up", money: bool = False) -> Figure:
    style = _style()

    def text(v: float | None) -> str:
        if v is None:
            return "—"
        if money:
            return Money.format(int(v))
        return _num(v, decimals, style) + suffix

    figure = Figure(key=key, label=label, value=cur, previous=prev, text=text(cur), previous_text=text(prev),
                    note=note, better=better)
    change = figure.change_pct
    if change is not None:
        figure.change_text = ("+" if change > 0 else "") + _num(change, 1, style) + "%"
    return figure


def _chart(chart_id: str, kind: str, title: str, x: list[str], series: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": chart_id, "type": kind, "title": title, "x": x, "series": series, **extra}


def _bucket_header(by_week: bool) -> Column:
    return Column(_("Week starting") if by_week else _("Day"), num=False)


# --- the sections ----------------------------------------------------------------------------------------

def _active(reads: _Reads, period: Period, buckets: list[Bucket]) -> Section:
    p = period
    daily_cur = reads.total(m.ACTIVE_DAY)
    daily_prev = reads.total(m.ACTIVE_DAY, previous=True)
    peak, peak_day = _peak(reads, m.ACTIVE_DAY)
    weeks = reads.periodic.get(m.ACTIVE_WEEK, {})
    months = reads.periodic.get(m.ACTIVE_MONTH, {})
    # The period's last week and month (maybe under way), each against the one before it.
    last_week, last_month = week_start(p.end), month_start(p.end)
    week_before, month_before = last_week - dt.timedelta(days=7), month_start(last_month - dt.timedelta(days=1))
    figures = [
        _figure("active_daily", _("Active members a day (average)"), daily_cur / p.days, daily_prev / p.days,
                decimals=1),
        _figure("active_peak", _("Busiest day"), peak, None,
                note=peak_day.isoformat() if peak_day else ""),
        _figure("active_week", _("Active in the period's last week"), weeks.get(last_week, 0),
                weeks.get(week_before, 0),
                note=_("Week of %(date)s, against the week before") % {"date": last_week.isoformat()}),
        _figure("active_month", _("Active in the period's last month"), months.get(last_month, 0),
                months.get(month_before, 0),
                note=_("%(month)s, against %(before)s") % {"month": last_month.strftime("%Y-%m"),
                                                          "before": month_before.strftime("%Y-%m")}),
    ]
    series = _series(reads, m.ACTIVE_DAY, buckets)
    label = _("Active members a day (weekly average)") if p.by_week else _("Active members")
    values: list[float | int] = ([round(v / b.days, 1) for v, b in zip(series, buckets, strict=True)] if p.by_week
                                 else list(series))
    x = [_bucket_label(b, p.by_week) for b in buckets]
    week_days = sorted(d for d in weeks if week_start(p.start) <= d <= p.end)
    month_days = sorted(d for d in months if month_start(p.start) <= d <= p.end)
    charts = [
        _chart("chart-active", "line", label, x, [{"name": label, "data": values}]),
        _chart("chart-active-weeks", "bar", _("Distinct active members by week"),
               [d.strftime("%m-%d") for d in week_days], [{"name": _("Active in the week"), "data": [weeks[d] for d in week_days]}]),
    ]
    tables = [
        (Table("active-days", label, [_bucket_header(p.by_week), Column(label)],
                        [[b.start, v] for b, v in zip(buckets, values, strict=True)])),
        (Table("active-weeks", _("Distinct active members by week"),
                        [Column(_("Week starting"), num=False), Column(_("Active in the week"))],
                        [[d, weeks[d]] for d in week_days])),
        (Table("active-months", _("Distinct active members by month"),
                        [Column(pgettext("table column", "Month"), num=False), Column(_("Active in the month"))],
                        [[d.strftime("%Y-%m"), months[d]] for d in month_days])),
    ]
    return Section("active", _("Active members"),
                   _("A member is active on a day when they came through a gate, posted or commented, ordered a "
                     "service, registered for or checked in at an event. A week or a month counts each member "
                     "once. Every park: the parks' figures added up."),
                   figures, charts, tables, empty=not (daily_cur or daily_prev))


# Literal calls, so the catalog has them; shown in the active language when a page is drawn.
WEEKDAYS = (pgettext_lazy("weekday", "Mon"), pgettext_lazy("weekday", "Tue"), pgettext_lazy("weekday", "Wed"),
            pgettext_lazy("weekday", "Thu"), pgettext_lazy("weekday", "Fri"), pgettext_lazy("weekday", "Sat"),
            pgettext_lazy("weekday", "Sun"))


def _weekday_names() -> list[str]:
    return [str(name) for name in WEEKDAYS]


def _presence(reads: _Reads, period: Period, buckets: list[Bucket], buildings: dict[str, tuple[str, int | None]]
              ) -> Section:
    p = period
    people, people_prev = reads.total(m.PRESENCE_PEOPLE), reads.total(m.PRESENCE_PEOPLE, previous=True)
    seconds, seconds_prev = reads.total(m.PRESENCE_SECONDS), reads.total(m.PRESENCE_SECONDS, previous=True)
    late, late_prev = reads.total(m.PRESENCE_LATE), reads.total(m.PRESENCE_LATE, previous=True)
    figures = [
        _figure("present_daily", _("In the park a day (average)"), people / p.days, people_prev / p.days, decimals=1),
        _figure("hours_each", _("Hours inside per person and day"), _ratio(seconds / 3600, people),
                _ratio(seconds_prev / 3600, people_prev), decimals=1),
        _figure("person_hours", _("Person-hours in the park"), seconds / 3600, seconds_prev / 3600),
        _figure("late", _("Late stays"), late, late_prev, better="",
                note=_("still inside after the park's late hour")),
    ]
    x = [_bucket_label(b, p.by_week) for b in buckets]
    people_series = _series(reads, m.PRESENCE_PEOPLE, buckets)
    seconds_series = _series(reads, m.PRESENCE_SECONDS, buckets)
    late_series = _series(reads, m.PRESENCE_LATE, buckets)
    per_day = [round(v / b.days, 1) for v, b in zip(people_series, buckets, strict=True)]

    # Buildings: person-hours and innovation density (person-hours per 1,000 m² of floor area, per day).
    rows: list[list[Any]] = []
    names, density_values = [], []
    for code in sorted(reads.keys(m.BUILDING_SECONDS), key=lambda c: (c == m.OUTSIDE, c)):
        name, area = buildings.get(code, (_("Outside the buildings") if code == m.OUTSIDE else code, None))
        hours = reads.total(m.BUILDING_SECONDS, code) / 3600
        hours_prev = reads.total(m.BUILDING_SECONDS, code, previous=True) / 3600
        density = hours / (area / 1000) / p.days if area else None
        density_prev = hours_prev / (area / 1000) / p.days if area else None
        rows.append([name, area, round(hours, 1), _round(density, 2), _round(density_prev, 2)])
        names.append(name)
        density_values.append(_round(density, 2))
    building_table = (Table(
        "presence-buildings", _("Time in the park and innovation density by building"),
        [Column(_("Building"), num=False), Column(_("Floor area (m²)")), Column(_("Person-hours")),
         Column(_("Density"), decimals=2), Column(_("Density, previous period"), decimals=2)], rows,
        note=_("Density: person-hours a day per 1,000 m² of floor area (no figure without a floor area).")))

    # Heat map: people inside on average during each hour of each weekday of the period.
    weekday_count = [0] * 7
    for offset in range(p.days):
        weekday_count[(p.start + dt.timedelta(days=offset)).weekday()] += 1
    heat_rows: list[list[Any]] = []
    cells: list[list[float]] = []
    weekdays = _weekday_names()
    for wd in range(7):
        values = [round(reads.heat.get((wd, h), 0) / 3600 / weekday_count[wd], 1) if weekday_count[wd] else 0.0
                  for h in range(24)]
        heat_rows.append([weekdays[wd], *values])
        cells.extend([[h, wd, v] for h, v in enumerate(values)])
    heat_table = (Table("presence-heat", _("People inside by weekday and hour"),
                                 [Column(_("Weekday"), num=False), *[Column(f"{h:02d}") for h in range(24)]],
                                 heat_rows,
                                 note=_("Each cell: people inside on average during that hour of that weekday "
                                        "in the period (Beijing time).")))
    charts = [
        _chart("chart-presence", "line", _("In the park a day"), x, [
            {"name": _("In the park a day"), "data": per_day},
            {"name": _("Late stays"), "data": late_series, "selected": False}]),
        _chart("chart-buildings", "bar", _("Innovation density by building"), names,
               [{"name": _("Density"), "data": density_values}], horizontal=True),
        _chart("chart-heat", "heatmap", _("People inside by weekday and hour"), [f"{h:02d}" for h in range(24)],
               [{"name": _("People inside"), "data": cells}], y=weekdays,
               max=max((c[2] for c in cells), default=0) or 1),
    ]
    day_table = (Table(
        "presence-days", _("Time in the park"),
        [_bucket_header(p.by_week), Column(_("In the park a day")), Column(_("Person-hours")),
         Column(_("Hours inside per person and day")), Column(_("Late stays"))],
        [[b.start, per, round(s / 3600, 1), _round(_ratio(s / 3600, n)), late_n]
         for b, per, s, n, late_n in zip(buckets, per_day, seconds_series, people_series, late_series, strict=True)]))
    return Section("presence", _("Time in the park"),
                   _("From the gates' daily presence and hourly occupancy; members who withdrew their consent to "
                     "presence analytics are left out."),
                   figures, charts, [day_table, building_table, heat_table], empty=not (people or people_prev))


def _orders(reads: _Reads, period: Period, buckets: list[Bucket]) -> Section:
    p = period

    def t(metric: str, previous: bool = False) -> int:
        return reads.total(metric, previous=previous)

    delivered, delivered_prev = t(m.ORDERS_DELIVERED), t(m.ORDERS_DELIVERED, True)
    rated, rated_prev = t(m.ORDERS_RATED), t(m.ORDERS_RATED, True)
    sla_avg = _ratio(t(m.ORDERS_SLA), delivered)
    figures = [
        _figure("orders_submitted", _("Orders submitted"), t(m.ORDERS_SUBMITTED), t(m.ORDERS_SUBMITTED, True),
                better=""),
        _figure("orders_delivered", _("Orders delivered"), delivered, delivered_prev),
        _figure("orders_within_sla", _("Delivered within the SLA"), _pct(t(m.ORDERS_WITHIN_SLA), delivered),
                _pct(t(m.ORDERS_WITHIN_SLA, True), delivered_prev), decimals=1, suffix="%"),
        _figure("orders_turnaround", _("Turnaround (working days, average)"),
                _ratio(t(m.ORDERS_TURNAROUND), delivered), _ratio(t(m.ORDERS_TURNAROUND, True), delivered_prev),
                decimals=1, better="down",
                note=(_("SLA %(days)s working days on average") % {"days": _num(sla_avg, 1)}) if sla_avg else ""),
        _figure("orders_rating", _("Satisfaction (average rating)"), _ratio(t(m.ORDERS_RATING_SUM), rated),
                _ratio(t(m.ORDERS_RATING_SUM, True), rated_prev), decimals=2,
                note=_("%(n)s ratings") % {"n": _num(rated)}),
    ]
    x = [_bucket_label(b, p.by_week) for b in buckets]
    s = {k: _series(reads, k, buckets) for k in (m.ORDERS_SUBMITTED, m.ORDERS_DELIVERED, m.ORDERS_WITHIN_SLA,
                                                 m.ORDERS_TURNAROUND, m.ORDERS_SLA, m.ORDERS_RATED,
                                                 m.ORDERS_RATING_SUM)}
    rating = [_round(_ratio(a, b), 2) for a, b in zip(s[m.ORDERS_RATING_SUM], s[m.ORDERS_RATED], strict=True)]
    turnaround = [_round(_ratio(a, b)) for a, b in zip(s[m.ORDERS_TURNAROUND], s[m.ORDERS_DELIVERED], strict=True)]
    charts = [
        _chart("chart-orders", "bar", _("Orders"), x, [
            {"name": _("Submitted"), "data": s[m.ORDERS_SUBMITTED]},
            {"name": _("Delivered"), "data": s[m.ORDERS_DELIVERED]},
            {"name": _("Within the SLA"), "data": s[m.ORDERS_WITHIN_SLA]}]),
        _chart("chart-orders-trend", "line", _("Satisfaction and turnaround"), x, [
            {"name": _("Average rating"), "data": rating},
            {"name": _("Turnaround (working days)"), "data": turnaround, "axis": 1}], connect=True),
    ]
    rows = [[b.start, sub, dlv, within, _round(_pct(within, dlv)), _round(_ratio(ta, dlv)), _round(_ratio(sla, dlv)),
             n, _round(_ratio(rs, n), 2)]
            for b, sub, dlv, within, ta, sla, n, rs in zip(
                buckets, s[m.ORDERS_SUBMITTED], s[m.ORDERS_DELIVERED], s[m.ORDERS_WITHIN_SLA], s[m.ORDERS_TURNAROUND],
                s[m.ORDERS_SLA], s[m.ORDERS_RATED], s[m.ORDERS_RATING_SUM], strict=True)]
    table = (Table("orders", _("Service orders"), [
        _bucket_header(p.by_week), Column(_("Submitted")), Column(_("Delivered")), Column(_("Within the SLA")),
        Column(_("Within the SLA (%)")), Column(_("Turnaround (working days)")), Column(_("SLA (working days)")),
        Column(_("Ratings")), Column(_("Average rating"))], rows))
    return Section("orders", _("Service orders"),
                   _("Submitted: by the day submitted. Delivered, SLA and turnaround: by the day delivered, in "
                     "working days, the days waiting for material left out. Ratings: by the day given (1 to 5)."),
                   figures, charts, [table],
                   empty=not any(t(k) or t(k, True) for k in (m.ORDERS_SUBMITTED, m.ORDERS_DELIVERED, m.ORDERS_RATED)))


def _community(reads: _Reads, period: Period, buckets: list[Bucket]) -> Section:
    p = period

    def t(metric: str, previous: bool = False) -> int:
        return reads.total(metric, previous=previous)

    months = reads.periodic.get(m.POSTERS_MONTH, {})
    figures = [
        _figure("posts", _("Posts"), t(m.POSTS), t(m.POSTS, True)),
        _figure("comments", _("Comments"), t(m.COMMENTS), t(m.COMMENTS, True)),
        _figure("posters", _("Active posters a day (average)"), t(m.POSTERS) / p.days, t(m.POSTERS, True) / p.days,
                decimals=1, note=_("%(n)s in %(month)s") % {"n": _num(months.get(month_start(p.end), 0)),
                                                             "month": month_start(p.end).strftime("%Y-%m")}),
        _figure("suggestions", _("Suggestions submitted"), t(m.SUGGESTIONS), t(m.SUGGESTIONS, True), better=""),
        _figure("suggestions_on_time", _("Suggestions answered on time"),
                _pct(t(m.SUGGESTIONS_ON_TIME), t(m.SUGGESTIONS_DUE)),
                _pct(t(m.SUGGESTIONS_ON_TIME, True), t(m.SUGGESTIONS_DUE, True)), decimals=1, suffix="%",
                note=_("%(on_time)s of %(due)s due") % {"on_time": _num(t(m.SUGGESTIONS_ON_TIME)),
                                                         "due": _num(t(m.SUGGESTIONS_DUE))}),
    ]
    x = [_bucket_label(b, p.by_week) for b in buckets]
    s = {k: _series(reads, k, buckets) for k in (m.POSTS, m.COMMENTS, m.POSTERS, m.SUGGESTIONS, m.SUGGESTIONS_DUE,
                                                 m.SUGGESTIONS_ON_TIME)}
    charts = [_chart("chart-community", "bar", _("Posts and comments"), x, [
        {"name": _("Posts"), "data": s[m.POSTS]}, {"name": _("Comments"), "data": s[m.COMMENTS]},
        {"name": _("Active posters"), "data": s[m.POSTERS], "type": "line"}])]
    rows = [[b.start, posts, comments, posters, sugg, due, on_time]
            for b, posts, comments, posters, sugg, due, on_time in zip(
                buckets, s[m.POSTS], s[m.COMMENTS], s[m.POSTERS], s[m.SUGGESTIONS], s[m.SUGGESTIONS_DUE],
                s[m.SUGGESTIONS_ON_TIME], strict=True)]
    table = (Table("community", _("Community"), [
        _bucket_header(p.by_week), Column(_("Posts")), Column(_("Comments")),
        Column(_("Active posters (sum of the days)") if p.by_week else _("Active posters")),
        Column(_("Suggestions submitted")), Column(_("Replies due")), Column(_("Answered on time"))], rows))
    return Section("community", _("Community"),
                   _("Visible posts and comments in the park's feed and groups. Suggestions answered on time: of "
                     "those whose official reply was due in the period (they passed the support threshold), the "
                     "ones first answered by the day it was due."),
                   figures, charts, [table],
                   empty=not any(t(k) or t(k, True) for k in (m.POSTS, m.COMMENTS, m.SUGGESTIONS, m.SUGGESTIONS_DUE)))


def _events(reads: _Reads, period: Period, buckets: list[Bucket]) -> Section:
    p = period

    def t(metric: str, previous: bool = False) -> int:
        return reads.total(metric, previous=previous)

    def rate(previous: bool = False) -> float | None:
        attended, missed = t(m.EVENTS_ATTENDED, previous), t(m.EVENTS_NO_SHOWS, previous)
        return _pct(attended, attended + missed)

    figures = [
        _figure("events_held", _("Events held"), t(m.EVENTS_HELD), t(m.EVENTS_HELD, True)),
        _figure("events_registrations", _("Registrations"), t(m.EVENTS_REGISTRATIONS), t(m.EVENTS_REGISTRATIONS, True)),
        _figure("events_confirmed", _("Seats taken"), t(m.EVENTS_CONFIRMED), t(m.EVENTS_CONFIRMED, True),
                note=_("of %(seats)s seats") % {"seats": _num(t(m.EVENTS_SEATS))}),
        _figure("events_attendance", _("Attendance rate"), rate(), rate(True), decimals=1, suffix="%"),
        _figure("events_no_shows", _("No-shows"), t(m.EVENTS_NO_SHOWS), t(m.EVENTS_NO_SHOWS, True), better="down"),
    ]
    x = [_bucket_label(b, p.by_week) for b in buckets]
    s = {k: _series(reads, k, buckets) for k in (m.EVENTS_HELD, m.EVENTS_SEATS, m.EVENTS_REGISTRATIONS,
                                                 m.EVENTS_CONFIRMED, m.EVENTS_ATTENDED, m.EVENTS_NO_SHOWS)}
    charts = [_chart("chart-events", "bar", _("Seats taken, attended and no-shows"), x, [
        {"name": _("Seats taken"), "data": s[m.EVENTS_CONFIRMED]},
        {"name": _("Attended"), "data": s[m.EVENTS_ATTENDED]},
        {"name": _("No-shows"), "data": s[m.EVENTS_NO_SHOWS]},
        {"name": _("Registrations"), "data": s[m.EVENTS_REGISTRATIONS], "type": "line", "selected": False}])]
    rows = [[b.start, held, seats, regs, conf, att, ns, _round(_pct(att, att + ns))]
            for b, held, seats, regs, conf, att, ns in zip(
                buckets, s[m.EVENTS_HELD], s[m.EVENTS_SEATS], s[m.EVENTS_REGISTRATIONS], s[m.EVENTS_CONFIRMED],
                s[m.EVENTS_ATTENDED], s[m.EVENTS_NO_SHOWS], strict=True)]
    table = (Table("events", _("Events"), [
        _bucket_header(p.by_week), Column(_("Events held")), Column(_("Seats")), Column(_("Registrations")),
        Column(_("Seats taken")), Column(_("Attended")), Column(_("No-shows")), Column(_("Attendance rate (%)"))],
        rows))
    return Section("events", _("Events"),
                   _("Events, seats, attendance and no-shows: by the day the event starts (an event not over yet "
                     "has no no-shows). Registrations: by the day they were made. Attendance rate: attended of "
                     "attended and no-shows."),
                   figures, charts, [table],
                   empty=not any(t(k) or t(k, True) for k in (m.EVENTS_HELD, m.EVENTS_REGISTRATIONS)))


def _scenes(reads: _Reads, period: Period, buckets: list[Bucket]) -> Section:
    p = period

    def t(metric: str, previous: bool = False) -> int:
        return reads.total(metric, previous=previous)

    figures = [
        _figure("scenes_published", _("Scenes published"), t(m.SCENES_PUBLISHED), t(m.SCENES_PUBLISHED, True)),
        _figure("scenes_proposals", _("Proposals"), t(m.SCENES_PROPOSALS), t(m.SCENES_PROPOSALS, True)),
        _figure("scenes_deals", _("Deals"), t(m.SCENES_DEALS), t(m.SCENES_DEALS, True)),
        _figure("scenes_value", _("Value of the deals"), t(m.SCENES_DEAL_FEN), t(m.SCENES_DEAL_FEN, True), money=True),
    ]
    x = [_bucket_label(b, p.by_week) for b in buckets]
    s = {k: _series(reads, k, buckets) for k in (m.SCENES_PUBLISHED, m.SCENES_PROPOSALS, m.SCENES_DEALS,
                                                 m.SCENES_DEAL_FEN)}
    charts = [
        _chart("chart-scenes-funnel", "funnel", _("From scene to deal"), [], [{"name": _("From scene to deal"), "data": [
            {"name": _("Scenes published"), "value": t(m.SCENES_PUBLISHED)},
            {"name": _("Proposals"), "value": t(m.SCENES_PROPOSALS)},
            {"name": _("Deals"), "value": t(m.SCENES_DEALS)}]}]),
        _chart("chart-scenes", "bar", _("Scenes, proposals and deals"), x, [
            {"name": _("Scenes published"), "data": s[m.SCENES_PUBLISHED]},
            {"name": _("Proposals"), "data": s[m.SCENES_PROPOSALS]},
            {"name": _("Deals"), "data": s[m.SCENES_DEALS]}]),
    ]
    rows = [[b.start, pub, prop, deals, float(Money.to_yuan(fen) or 0)]
            for b, pub, prop, deals, fen in zip(buckets, s[m.SCENES_PUBLISHED], s[m.SCENES_PROPOSALS],
                                                s[m.SCENES_DEALS], s[m.SCENES_DEAL_FEN], strict=True)]
    table = Table("scenes", _("Scenes"), [
        _bucket_header(p.by_week), Column(_("Scenes published")), Column(_("Proposals")), Column(_("Deals")),
        Column(_("Value of the deals (¥)"), money=True)], rows)
    return Section("scenes", _("Scenes"),
                   _("Scenes published in the park, proposals sent to them and the deals agreed, each by the day "
                     "it happened; value: the deals' agreed amounts."),
                   figures, charts, [table],
                   empty=not any(t(k) or t(k, True) for k in (m.SCENES_PUBLISHED, m.SCENES_PROPOSALS, m.SCENES_DEALS)))


def _rewards(reads: _Reads, period: Period, buckets: list[Bucket]) -> Section:
    p = period

    def t(metric: str, previous: bool = False) -> int:
        return reads.total(metric, previous=previous)

    budget = reads.snapshot(m.REWARDS_BUDGET_FEN, p.end, p.start)
    committed = reads.snapshot(m.REWARDS_COMMITTED_FEN, p.end, p.start)
    budget_prev = reads.snapshot(m.REWARDS_BUDGET_FEN, p.prev_end, p.prev_start)
    committed_prev = reads.snapshot(m.REWARDS_COMMITTED_FEN, p.prev_end, p.prev_start)
    figures = [
        _figure("rewards_issued", _("Coupons issued"), t(m.REWARDS_ISSUED), t(m.REWARDS_ISSUED, True),
                note=Money.format(t(m.REWARDS_ISSUED_FEN))),
        _figure("rewards_redeemed", _("Coupons redeemed"), t(m.REWARDS_REDEEMED), t(m.REWARDS_REDEEMED, True)),
        _figure("rewards_cost", _("Discounts given"), t(m.REWARDS_COST_FEN), t(m.REWARDS_COST_FEN, True), money=True,
                better=""),
        _figure("rewards_budget", _("Budget used"), _pct(committed, budget), _pct(committed_prev, budget_prev),
                decimals=1, suffix="%", better="",
                note=_("%(used)s of %(budget)s at the period's end") % {"used": Money.format(committed),
                                                                       "budget": Money.format(budget)}),
    ]
    x = [_bucket_label(b, p.by_week) for b in buckets]
    s = {k: _series(reads, k, buckets) for k in (m.REWARDS_ISSUED, m.REWARDS_ISSUED_FEN, m.REWARDS_REDEEMED,
                                                 m.REWARDS_COST_FEN)}
    charts = [_chart("chart-rewards", "bar", _("Coupons issued and redeemed"), x, [
        {"name": _("Issued"), "data": s[m.REWARDS_ISSUED]}, {"name": _("Redeemed"), "data": s[m.REWARDS_REDEEMED]}])]
    rows = [[b.start, n, float(Money.to_yuan(fen) or 0), used, float(Money.to_yuan(cost) or 0)]
            for b, n, fen, used, cost in zip(buckets, s[m.REWARDS_ISSUED], s[m.REWARDS_ISSUED_FEN],
                                             s[m.REWARDS_REDEEMED], s[m.REWARDS_COST_FEN], strict=True)]
    table = Table("rewards", _("Coupons"), [
        _bucket_header(p.by_week), Column(_("Issued")), Column(_("Value issued (¥)"), money=True),
        Column(_("Redeemed")), Column(_("Discounts given (¥)"), money=True)], rows)
    return Section("rewards", _("Coupons"),
                   _("Issued and redeemed by the day it happened; discounts: of the redemptions that stand; budget "
                     "used: the value the park's coupons have issued against their budgets, at the period's end."),
                   figures, charts, [table],
                   empty=not any(t(k) or t(k, True) for k in (m.REWARDS_ISSUED, m.REWARDS_REDEEMED)) and not budget)


def _buildings(park: Park | None) -> dict[str, tuple[str, int | None]]:
    """Building code -> (name, floor area) of the parks shown (one small query)."""
    from parkos.enterprises.selectors import building_list

    return {b.code: (b.name, b.floor_area_m2) for b in building_list(park=park)}


def dashboard_status(*, viewer: Any, park: Park | None) -> RollupStatus:
    """Whether and when the rollups of ``park`` (None: every park) last ran; checks that ``viewer`` may read its
    dashboard. One query."""
    dashboard_require(viewer, park)
    scope = _scope(park)
    runs = RollupRun.objects.filter(**scope).aggregate(ran=Min("ran_at"), latest=Max("ran_at"), through=Min("through"),
                                                       n=Count("id"))
    parks_shown = 1 if park is not None else len(scope["park_id__in"])
    complete = runs["n"] == parks_shown  # every park shown has run at least once
    return RollupStatus(ran_at=runs["ran"] if complete else None, latest=runs["latest"],
                        through=runs["through"] if complete else None, parks_shown=parks_shown)


def dashboard_get(*, viewer: Any, park: Park | None, period: Period, status: RollupStatus | None = None) -> Dashboard:
    """The dashboard of ``park`` (None: every park, portfolio operators only) over ``period`` against the
    previous period of the same length. Reads the rollups only (see the module docstring); ``status``: from
    ``dashboard_status`` when the caller has it already (it checked the viewer)."""
    if status is None:
        status = dashboard_status(viewer=viewer, park=park)
    reads = _Reads(park, period)
    buckets = _buckets(period)
    sections = [
        _active(reads, period, buckets),
        _presence(reads, period, buckets, _buildings(park)),
        _orders(reads, period, buckets),
        _community(reads, period, buckets),
        _events(reads, period, buckets),
        _scenes(reads, period, buckets),
        _rewards(reads, period, buckets),
    ]
    return Dashboard(park=park, period=period, sections=sections, status=status)
