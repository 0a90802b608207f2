"""Weekly bookings: the same weekday and time for up to 26 weeks, with dates left out. The preview shows each
occurrence and what stands in its way (another booking, closed on a holiday, too far ahead) before anything
is made; making the series is all or nothing: if any occurrence cannot be booked when it is made, nothing
is written and the member sees which dates to leave out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import BookingSeries, Place
from parkos.bookings.services.booking import (
    TITLE_MAX,
    Request,
    _conflict_refusal,
    _text,
    booking_create,
    request_check,
)
from parkos.bookings.services.times import at, clean_date
from parkos.core.errors import DomainError, ErrorCode, Invalid, field_error

MAX_WEEKS = 26


@dataclass(frozen=True)
class Occurrence:
    day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    skipped: bool
    problem: Any = None

    @property
    def ok(self) -> bool:
        return self.skipped or self.problem is None


def _clean(first_date: Any, last_date: Any, start_time: Any, minutes: Any, exceptions: Any) -> tuple[
        dt.date, dt.date, dt.time, int, list[dt.date]]:
    first = clean_date(first_date, field="first_date")
    last = clean_date(last_date, field="last_date")
    if last < first:
        raise field_error("last_date", _("The last date must not be before the first."),
                          code=ErrorCode.ENDS_BEFORE_START)
    if (last - first).days > 7 * MAX_WEEKS:
        raise field_error("last_date", format_lazy(_("A weekly booking runs for at most {n} weeks."), n=MAX_WEEKS),
                          code=ErrorCode.OUT_OF_RANGE)
    if isinstance(start_time, dt.time):
        time = start_time
    else:
        try:
            time = dt.time.fromisoformat(str(start_time).strip())
        except ValueError:
            raise field_error("start_time", _("Enter a time, e.g. 09:30."), code=ErrorCode.INVALID) from None
    try:
        length = int(minutes)
    except (TypeError, ValueError):
        raise field_error("minutes", _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if length < 15 or length > 24 * 60 or length % 15:
        raise field_error("minutes", _("Enter a length in quarter hours, e.g. 60."), code=ErrorCode.OUT_OF_RANGE)
    skipped = sorted({clean_date(d, field="exceptions") for d in (exceptions or []) if str(d).strip()})
    return first, last, time, length, skipped


def series_preview(*, actor: Any, place: Place, first_date: Any, last_date: Any, start_time: Any, minutes: Any,
                   exceptions: Any = (), attendees: Any = 1) -> list[Occurrence]:
    """Each week's occurrence with its problem, if any. Writes nothing."""
    first, last, time, length, skipped = _clean(first_date, last_date, start_time, minutes, exceptions)
    result = []
    day = first
    while day <= last:
        start = at(day, time)
        end = start + dt.timedelta(minutes=length)
        if day in skipped:
            result.append(Occurrence(day, start, end, True))
        else:
            problem = None
            try:
                request = request_check(actor=actor, place=place, starts_at=start, ends_at=end, attendees=attendees)
                problem = _conflict_refusal(request)
            except DomainError as error:
                if error.code in (ErrorCode.NOT_ELIGIBLE, ErrorCode.NOT_STAFF, ErrorCode.FORBIDDEN):
                    raise
                problem = error.message
            result.append(Occurrence(day, start, end, False, problem))
        day += dt.timedelta(days=7)
    return result


def series_create(*, actor: Any, place: Place, title: Any, first_date: Any, last_date: Any, start_time: Any,
                  minutes: Any, key: Any, exceptions: Any = (), attendees: Any = 1, note: Any = "") -> BookingSeries:
    """Make every occurrence, or none. Each is an ordinary booking (its own credits, check-in and
    cancellation) with the key ``<key>:<date>``, so a retried request returns the same series."""
    clean_title = _text(title, field="title", limit=TITLE_MAX, required=True)
    first, last, time, length, skipped = _clean(first_date, last_date, start_time, minutes, exceptions)
    from parkos.bookings.models import Booking

    prefix = f"{str(key)[:60]}:"
    done = Booking.objects.filter(organiser=actor, key__startswith=prefix, series__isnull=False,
                                  series__place=place).select_related("series").first()
    if done is not None:  # a retry: the series was made
        return done.series  # type: ignore[return-value]
    occurrences = series_preview(actor=actor, place=place, first_date=first, last_date=last, start_time=time,
                                 minutes=length, exceptions=skipped, attendees=attendees)
    problems = [o for o in occurrences if not o.ok]
    if problems:
        raise Invalid(format_lazy(_("Some dates cannot be booked: {dates}. Leave them out and try again."),
                                  dates="、".join(o.day.isoformat() for o in problems)),
                      code=ErrorCode.OVERLAP, details={"dates": [o.day.isoformat() for o in problems]})
    wanted = [o for o in occurrences if not o.skipped]
    if not wanted:
        raise field_error("exceptions", _("Every date is left out: nothing to book."), code=ErrorCode.EMPTY)
    with transaction.atomic():
        series = BookingSeries.objects.create(park_id=place.park_id, place=place, organiser=actor, title=clean_title,
                                              start_time=time, minutes=length, first_date=first, last_date=last,
                                              exceptions=[d.isoformat() for d in skipped])
        for occurrence in wanted:
            booking_create(actor=actor, place=place, starts_at=occurrence.starts_at, ends_at=occurrence.ends_at,
                           title=clean_title, attendees=attendees, note=note, series=series,
                           key=f"{str(key)[:60]}:{occurrence.day.isoformat()}")
    return series


__all__ = ["MAX_WEEKS", "Occurrence", "Request", "series_create", "series_preview"]
