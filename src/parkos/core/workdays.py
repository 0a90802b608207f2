"""Working days in the park's calendar: weekends off, except the adjusted working weekends (调休), and
the Chinese public holidays off.

The schedule is data (``core/data/holidays.json``, or the file named by ``PARK_HOLIDAYS_FILE``) that
the operator updates once a year when the State Council publishes it; a year missing from the file
falls back to plain Monday–Friday. SLA clocks (service orders) and reply deadlines (suggestions to
the park) count in these days.

Each park may have its own schedule (``Park.holidays_file``; a park abroad, or one with local days off):
``park_calendar(park)`` gives it, read once per file. The module-level functions keep counting in the
national schedule (``PARK_HOLIDAYS_FILE``, else ``core/data/holidays.json``), the calendar of the default
park, for the callers that have no park at hand."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "holidays.json"

Schedule = tuple[frozenset[date], frozenset[date], frozenset[int]]


def _national_file() -> Path:
    return Path(getattr(settings, "PARK_HOLIDAYS_FILE", "") or DEFAULT_FILE)


@lru_cache(maxsize=32)
def _read(path: str) -> Schedule:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
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


def _calendar() -> Schedule:
    return _read(str(_national_file()))


def reload() -> None:
    """Forget the cached schedules (after the operator edits a file, or in tests)."""
    _read.cache_clear()


def local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def _is_workday(schedule: Schedule, day: date) -> bool:
    holidays, workdays, _years = schedule
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def _add_workdays(schedule: Schedule, start: datetime | date, days: int) -> date:
    day = local_date(start)
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if _is_workday(schedule, day):
            remaining -= 1
    return day


def _workdays_between(schedule: Schedule, start: datetime | date, end: datetime | date) -> int:
    first, last = local_date(start), local_date(end)
    if last <= first:
        return 0
    count = 0
    day = first
    while day < last:
        day += timedelta(days=1)
        count += _is_workday(schedule, day)
    return count


# --- the national schedule (the default park's) ---------------------------------------------------

def known_years() -> frozenset[int]:
    return _calendar()[2]


def is_workday(day: date) -> bool:
    return _is_workday(_calendar(), day)


def add_workdays(start: datetime | date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is day 0, whatever it is)."""
    return _add_workdays(_calendar(), start, days)


def workdays_between(start: datetime | date, end: datetime | date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    return _workdays_between(_calendar(), start, end)


# --- one park's schedule --------------------------------------------------------------------------

class ParkCalendar:
    """The working days of one park: its own holiday file when it names one, else the national schedule.
    The same questions as the module's functions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._schedule = _read(str(path))

    def known_years(self) -> frozenset[int]:
        return self._schedule[2]

    def is_workday(self, day: date) -> bool:
        return _is_workday(self._schedule, day)

    def add_workdays(self, start: datetime | date, days: int) -> date:
        return _add_workdays(self._schedule, start, days)

    def workdays_between(self, start: datetime | date, end: datetime | date) -> int:
        return _workdays_between(self._schedule, start, end)


def park_calendar(park: Any = None) -> ParkCalendar:
    """The holiday calendar of ``park`` (a Park; None or no file of its own: the national one), read once
    per file. A relative ``holidays_file`` is taken from the directory of the national file's default
    (core/data/), so ``"holidays-hk.json"`` names a file shipped next to ``holidays.json``."""
    name = (getattr(park, "holidays_file", "") or "").strip()
    if not name:
        return ParkCalendar(_national_file())
    path = Path(name)
    if not path.is_absolute():
        path = DEFAULT_FILE.parent / path
    return ParkCalendar(path)
