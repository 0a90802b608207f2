"""iCalendar (.ics) documents of bookings, for the member's calendar app."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from parkos.bookings.models import Booking, BookingStatus


def _vevent(booking: Booking, base_url: str) -> VEvent:
    item = VEvent()
    item.add("uid", f"booking-{booking.pk}@parkos")
    item.add("dtstamp", timezone.now())
    item.add("dtstart", booking.starts_at)
    item.add("dtend", booking.ends_at)
    item.add("summary", booking.title)
    url = f"{base_url}/bookings/b/{booking.pk}/"
    place = booking.place
    where = " ".join(x for x in (place.building.name if place.building else "", place.floor, place.name) if x)
    item.add("location", where)
    item.add("description", f"{booking.note}\n\n{url}".strip())
    item.add("url", url)
    item.add("status", "TENTATIVE" if booking.status == BookingStatus.PENDING else
             "CONFIRMED" if booking.is_active else "CANCELLED")
    return item


def calendar_of(bookings: Iterable[Booking], *, base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//ParkOS//bookings//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for booking in bookings:
        cal.add_component(_vevent(booking, base_url))
    data: bytes = cal.to_ical()
    return data
