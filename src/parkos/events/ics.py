"""iCalendar (.ics) documents: one event, or a member's feed."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from parkos.events.models import Event, PlaceKind


def _vevent(event: Event, base_url: str) -> VEvent:
    item = VEvent()
    item.add("uid", f"event-{event.pk}@parkos")
    item.add("dtstamp", timezone.now())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title)
    url = f"{base_url}/events/{event.pk}/"
    item.add("description", f"{event.description}\n\n{url}".strip())
    item.add("location", event.online_url if event.place_kind == PlaceKind.ONLINE else event.location)
    item.add("url", url)
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    item.add("last-modified", event.updated_at)
    return item


def calendar_of(events: Iterable[Event], *, base_url: str, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//ParkOS//events//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for event in events:
        cal.add_component(_vevent(event, base_url))
    data: bytes = cal.to_ical()
    return data
