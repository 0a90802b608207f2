"""What is free when: the day's grid of places (rooms by building, or the desks of a floor) and the room
finder. Two queries whatever the size: the places, then the day's active bookings of those places."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from parkos.bookings.models import ACTIVE, EQUIPMENT, AllocatedDesk, Booking, Place, PlaceKind
from parkos.bookings.services.booking import audience_refusal, employer_in
from parkos.bookings.services.times import at, day_bounds, local
from parkos.core.workdays import park_calendar

CELL_MINUTES = 30


@dataclass
class Cell:
    starts_at: dt.datetime
    state: str  # free, busy, closed, past
    title: str = ""
    label: str = ""  # HH:MM, Beijing time
    href: str = ""  # where a tap books it (free cells of places the viewer may book)
    hint: str = ""  # what the cell says to a screen reader and on hover


@dataclass
class Row:
    place: Place
    cells: list[Cell] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    may_book: bool = True

    @property
    def free_cells(self) -> int:
        return sum(1 for c in self.cells if c.state == "free")


@dataclass
class Grid:
    day: dt.date
    columns: list[dt.datetime]
    rows: list[Row]

    @property
    def column_labels(self) -> list[str]:
        return [local(c).strftime("%H:%M") for c in self.columns]


def place_list(*, park: Any, kind: str | None = None, building: Any = None, floor: str | None = None,
               min_capacity: int | None = None, equipment: list[str] | None = None) -> QuerySet[Place]:
    qs = Place.objects.filter(park=park, is_active=True).select_related("building")
    qs = qs.filter(kind=kind) if kind else qs.exclude(kind=PlaceKind.DESK)
    if building:
        qs = qs.filter(building_id=getattr(building, "pk", building))
    if floor:
        qs = qs.filter(floor=floor)
    if min_capacity:
        qs = qs.filter(capacity__gte=min_capacity)
    for code in equipment or []:
        if code in EQUIPMENT:
            # JSON containment differs between SQLite and PostgreSQL; the quoted code in the text is exact
            # for this fixed vocabulary of plain words.
            qs = qs.filter(equipment__icontains=f'"{code}"')
    return qs.order_by("building__code", "floor", "position", "name")


def longest(places: list[Place]) -> dt.timedelta:
    """How long before a moment a booking of these places can have started and still hold it: bounding
    ``starts_at`` from below lets the database use the (place, starts_at) index instead of scanning every
    active booking before the day."""
    if not places:
        return dt.timedelta(0)
    return max(dt.timedelta(days=1, minutes=p.buffer_minutes) if p.kind == PlaceKind.DESK
               else dt.timedelta(minutes=p.max_minutes + p.buffer_minutes) for p in places)


def _columns(day: dt.date, places: list[Place]) -> list[dt.datetime]:
    if not places:
        return []
    if any(p.open_all_day or p.kind == PlaceKind.DESK for p in places):
        first, last = dt.time(0, 0), None
    else:
        first, last = min(p.opens_at for p in places), max(p.closes_at for p in places)
    start = at(day, first.replace(minute=first.minute - first.minute % CELL_MINUTES))
    end = at(day, last) if last is not None else day_bounds(day)[1]
    columns = []
    moment = start
    while moment < end:
        columns.append(moment)
        moment += dt.timedelta(minutes=CELL_MINUTES)
    return columns


def _closed(place: Place, day: dt.date, start: dt.datetime, workday: bool) -> bool:
    if place.kind == PlaceKind.DESK or place.open_all_day:
        return not workday and not place.open_on_weekends
    if not workday and not place.open_on_weekends:
        return True
    t = local(start).time()
    return t < place.opens_at or t >= place.closes_at


def availability_grid(*, viewer: Any, park: Any, day: dt.date, places: QuerySet[Place] | list[Place],
                      now: dt.datetime | None = None) -> Grid:
    """The day's grid: for each place, its half-hour cells free, busy (with the booking's title for those
    allowed to see it: the organiser and guests see theirs, operators all; others see "booked"), closed or
    past."""
    from parkos.core import policy

    now = now or timezone.now()
    places = list(places)
    start, end = day_bounds(day)
    columns = _columns(day, places)
    by_place: dict[int, list[Booking]] = defaultdict(list)
    for booking in Booking.objects.filter(place__in=[p.pk for p in places], status__in=ACTIVE,
                                          starts_at__gt=start - longest(places),
                                          starts_at__lt=end, blocks_until__gt=start).order_by("starts_at") \
            .only("pk", "place_id", "starts_at", "ends_at", "blocks_until", "title", "organiser_id", "status"):
        by_place[booking.place_id].append(booking)
    allocated = set()
    desks = [p.pk for p in places if p.kind == PlaceKind.DESK]
    if desks:
        allocated = set(AllocatedDesk.objects.filter(desk_id__in=desks, starts_on__lte=day, ends_on__gte=day,
                                                     allocation__ended_at__isnull=True)
                        .values_list("desk_id", flat=True))
    workday = park_calendar(park).is_workday(day)
    operator = policy.can(viewer, "bookings.manage", park)
    enterprise = employer_in(viewer, park.pk) if getattr(viewer, "is_authenticated", False) else None
    rows = []
    labels = [local(c).strftime("%H:%M") for c in columns]
    # Built once per column, not per cell: a building's day is hundreds of cells.
    starts = [quote(local(c).isoformat(), safe="") for c in columns]
    words = {"free": gettext("free"), "busy": gettext("booked"), "closed": gettext("closed"), "past": gettext("past")}
    for place in places:
        row = Row(place=place, bookings=by_place.get(place.pk, []))
        row.may_book = getattr(viewer, "is_authenticated", False) and audience_refusal(viewer, place, enterprise) is None
        book_url = reverse("bookings:book", kwargs={"place_id": place.pk}) if place.kind != PlaceKind.DESK else ""
        name = place.display_name()
        for i, column in enumerate(columns):
            cell_end = column + dt.timedelta(minutes=CELL_MINUTES)
            state, title = "free", ""
            if place.pk in allocated:
                state = "busy"
            elif _closed(place, day, column, workday):
                state = "closed"
            else:
                for booking in row.bookings:
                    if booking.starts_at < cell_end and booking.blocks_until > column:
                        state = "busy"
                        if operator or booking.organiser_id == getattr(viewer, "pk", None):
                            title = booking.title
                        break
                if state == "free" and cell_end <= now:
                    state = "past"
            href = f"{book_url}?start={starts[i]}" if state == "free" and row.may_book and book_url else ""
            hint = f"{name} {labels[i]} {title or words[state]}"
            row.cells.append(Cell(column, state, title, labels[i], href, hint))
        rows.append(row)
    return Grid(day=day, columns=columns, rows=rows)


def booked_now(*, place_ids: list[int], now: dt.datetime | None = None) -> dict[int, Booking]:
    """The active booking of each place at ``now`` (the map's rooms show whether they are booked)."""
    now = now or timezone.now()
    found: dict[int, Booking] = {}
    # A room's booking is at most a day long (24-hour venues aside, whose longest booking is their rule).
    since = now - longest(list(Place.objects.filter(pk__in=place_ids).only("kind", "max_minutes", "buffer_minutes")))
    for booking in Booking.objects.filter(place_id__in=place_ids, status__in=ACTIVE, starts_at__lte=now,
                                          starts_at__gt=since, ends_at__gt=now) \
            .only("pk", "place_id", "starts_at", "ends_at", "status"):
        found[booking.place_id] = booking
    return found


def place_for_map_area(*, map_slug: str, area_index: int) -> Place | None:
    return Place.objects.filter(map_slug=map_slug, map_area=area_index, is_active=True).first()


def free_places(*, viewer: Any, park: Any, starts_at: dt.datetime, ends_at: dt.datetime, min_capacity: int = 1,
                equipment: list[str] | None = None, building: Any = None) -> list[Place]:
    """Rooms and venues free for the whole of [starts_at, ends_at) that fit, the viewer may book, and are
    open then: the room finder."""
    from parkos.bookings.services.booking import _hours_refusal

    candidates = list(place_list(park=park, building=building, min_capacity=min_capacity, equipment=equipment))
    taken = set(Booking.objects.filter(place__in=[p.pk for p in candidates], status__in=ACTIVE,
                                       starts_at__gt=starts_at - longest(candidates),
                                       starts_at__lt=ends_at, blocks_until__gt=starts_at)
                .values_list("place_id", flat=True))
    enterprise = employer_in(viewer, park.pk)
    return [p for p in candidates if p.pk not in taken and _hours_refusal(p, starts_at, ends_at) is None
            and audience_refusal(viewer, p, enterprise) is None]


__all__ = ["CELL_MINUTES", "Grid", "Q", "availability_grid", "booked_now", "free_places", "place_for_map_area",
           "place_list"]
