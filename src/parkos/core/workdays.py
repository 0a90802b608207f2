"""Working days in the park's calendar: weekends off, except the adjusted working weekends (调休), and
the Chinese public holidays off.

The schedule is data (``core/data/holidays.json``, or the file named by ``PARK_HOLIDAYS_FILE``) that
the operator updates once a year when the State Council publishes it; a year missing from the file
falls back to plain Monday–Friday. SLA clocks (service orders) and reply deadlines (suggestions to
the park) count in these days."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "holidays.json"


@lru_cache(maxsize=1)
def _calendar() -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    path = Path(getattr(settings, "PARK_HOLIDAYS_FILE", "") or DEFAULT_FILE)
    data = json.loads(path.read_text(encoding="utf-8"))
    holidays: set[date] = set()
    workdays: set[date] = set()
    years: set[int] = set()
    for year, spec in data.items():
        if not year.isdigit():
            continue
        years.add(int(year))
        holidays.update(date.fromisoformat(d) for d in spec.get("holidays", []))
        workdays.update(date.fromisoformat(d) for d in spec.get("workdays", []))
    return frozenset(holidays), frozenset(workdays), frozenset(years)


def reload() -> None:
    """Forget the cached schedule (after the operator edits the file, or in tests)."""
    _calendar.cache_clear()


def known_years() -> frozenset[int]:
    return _calendar()[2]


def is_workday(day: date) -> bool:
    holidays, workdays, _years = _calendar()
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def add_workdays(start: datetime | date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is day 0, whatever it is)."""
    day = local_date(start)
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: datetime | date, end: datetime | date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    first, last = local_date(start), local_date(end)
    if last <= first:
        return 0
    count = 0
    day = first
    while day < last:
        day += timedelta(days=1)
        count += is_workday(day)
    return count
