"""Times of bookings: Beijing local days, quarter-hour steps, and a place's opening hours.

ParkOS keeps datetimes aware and in UTC; the park's day, week and month are Beijing's (TIME_ZONE), which has
no daylight-saving time, so a local day is always 24 hours long."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from parkos.core.errors import ErrorCode, field_error

STEP_MINUTES = 15


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def month_of(moment: dt.datetime) -> dt.date:
    return local(moment).date().replace(day=1)


def week_bounds(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    day = local(moment).date()
    monday = day - dt.timedelta(days=day.weekday())
    return at(monday, dt.time.min), at(monday + dt.timedelta(days=7), dt.time.min)


def clean_moment(value: Any, *, field: str) -> dt.datetime:
    """An aware datetime from a form or the API; a naive one is Beijing time."""
    moment = value
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if not isinstance(moment, dt.datetime):
        raise field_error(field, _("Enter a date and time, e.g. 2026-12-08 09:30."), code=ErrorCode.INVALID)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment.second or moment.microsecond or local(moment).minute % STEP_MINUTES:
        raise field_error(field, _("Bookings start and end on the quarter hour (:00, :15, :30 or :45)."),
                          code=ErrorCode.INVALID)
    return moment


def clean_date(value: Any, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return local(value).date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise field_error(field, _("Enter a date, e.g. 2026-12-08."), code=ErrorCode.INVALID) from None


def quarter_floor(moment: dt.datetime) -> dt.datetime:
    moment = moment.replace(second=0, microsecond=0)
    return moment - dt.timedelta(minutes=local(moment).minute % STEP_MINUTES)
