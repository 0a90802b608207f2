"""API: the member's side of bookings. Places and the day's grid, free rooms for a time, a quote, booking
(idempotent: the key in the body or the Idempotency-Key header), my bookings, cancelling, checking in (on
the booking, or with a room's QR code), inviting colleagues and visitors, and weekly bookings with their
preview."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Header, Router, Status
from ninja.pagination import paginate

from parkos.bookings.schemas_bookings import (
    BookingCancelIn,
    BookingIn,
    BookingOut,
    BookingQuoteIn,
    BookingQuoteOut,
    CheckInIn,
    GridOut,
    GuestOut,
    GuestsIn,
    OccurrenceOut,
    PlaceOut,
    SeriesOut,
    WeeklyIn,
    quote_out,
)
from parkos.bookings.selectors import availability
from parkos.bookings.selectors.bookings import booking_get, booking_list_mine
from parkos.bookings.services import booking as services
from parkos.bookings.services.checkin import booking_check_in, check_in_by_code
from parkos.bookings.services.guests import booking_invite
from parkos.bookings.services.series import series_create, series_preview
from parkos.bookings.services.times import clean_date
from parkos.core.errors import ErrorCode, Invalid, NotAuthenticated
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param

router = Router(tags=["bookings"])

EQUIPMENT_MAX = 8


def _park(request: HttpRequest, park: str | None) -> Any:
    return park_param(park) or request.park  # type: ignore[attr-defined]


def _equipment(value: str | None) -> list[str]:
    codes = [c.strip() for c in (value or "").split(",") if c.strip()]
    if len(codes) > EQUIPMENT_MAX:
        raise Invalid(code=ErrorCode.TOO_MANY, details={"equipment": ["at most 8"]})
    return codes


def _not_desk(place: Any) -> Any:
    """Desks are booked by the day, one a day per member, through ``/bookings/desks/bookings``."""
    if place.kind == "desk":
        raise Invalid(_("Desks are booked by the day: use /api/v1/bookings/desks/bookings."),
                      code=ErrorCode.INVALID_CHOICE, details={"place": [str(_("Choose a room or a venue."))]})
    return place


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


@router.get("/places", response=list[PlaceOut], auth=None)
@paginate(PageNumberPagination, page_size=50)
def place_list(request: HttpRequest, kind: str | None = None, building: int | None = None,
               min_capacity: int | None = None, equipment: str | None = None, park: str | None = None) -> Any:
    """The park's bookable rooms and venues (``kind=desk`` for desks), filtered by building, size and
    equipment (comma-separated codes, all required)."""
    if kind and kind not in ("room", "venue", "desk"):
        raise Invalid(code=ErrorCode.INVALID_CHOICE, details={"kind": ["room, venue or desk"]})
    return availability.place_list(park=_park(request, park), kind=kind, building=building,
                                   min_capacity=min_capacity, equipment=_equipment(equipment))


@router.get("/places/{int:place_id}", response=PlaceOut, auth=None)
def place_get(request: HttpRequest, place_id: int) -> Any:
    return services.place_get(place_id=place_id)


@router.get("/grid", response=GridOut)
def grid(request: HttpRequest, day: str, building: int | None = None, kind: str | None = None,
         min_capacity: int | None = None, park: str | None = None) -> Any:
    """The day's grid (Beijing time) of a building's rooms and venues: half-hour cells free, busy, closed or
    past. A booking's title shows only to its organiser and the park's operators."""
    _me(request)
    the_park = _park(request, park)
    places = availability.place_list(park=the_park, kind=kind if kind in ("room", "venue") else None,
                                     building=building, min_capacity=min_capacity)
    result = availability.availability_grid(viewer=request.user, park=the_park, day=clean_date(day, field="day"),
                                            places=places[:200])
    return {"day": result.day, "cell_minutes": availability.CELL_MINUTES,
            "rows": [{"place": r.place, "may_book": r.may_book, "cells": r.cells} for r in result.rows]}


@router.get("/free", response=list[PlaceOut])
def free(request: HttpRequest, starts_at: str, ends_at: str, min_capacity: int = 1, equipment: str | None = None,
         building: int | None = None, park: str | None = None) -> Any:
    """Rooms and venues free for the whole time, big enough, with the equipment, that I may book."""
    from parkos.bookings.services.times import clean_moment

    start, end = clean_moment(starts_at, field="starts_at"), clean_moment(ends_at, field="ends_at")
    if end <= start:
        raise Invalid(code=ErrorCode.ENDS_BEFORE_START, details={"ends_at": ["after starts_at"]})
    return availability.free_places(viewer=_me(request), park=_park(request, park), starts_at=start, ends_at=end,
                                    min_capacity=min_capacity, equipment=_equipment(equipment), building=building)


@router.post("/quote", response=BookingQuoteOut)
def quote(request: HttpRequest, payload: BookingQuoteIn) -> Any:
    """What a booking would cost my enterprise (credits, then the monthly statement), or why it would be
    refused. Changes nothing."""
    place = _not_desk(services.place_get(place_id=payload.place))
    return quote_out(services.booking_quote(actor=_me(request), place=place, starts_at=payload.starts_at,
                                            ends_at=payload.ends_at, attendees=payload.attendees))


@router.post("", response={201: BookingOut})
def booking_create(request: HttpRequest, payload: BookingIn,
                   idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Status[Any]:
    """Book a place. A retry with the same key returns the first booking; 409 ``overlap`` when someone else
    has it, ``credits_exhausted`` when the credits do not cover it, ``quote_changed`` when the price differs
    from ``expected_credits``/``expected_charge_fen``. A place that needs approval answers ``pending``."""
    place = _not_desk(services.place_get(place_id=payload.place))
    expected = None
    if payload.expected_credits is not None or payload.expected_charge_fen is not None:
        expected = (payload.expected_credits or 0, payload.expected_charge_fen or 0)
    booking = services.booking_create(
        actor=_me(request), place=place, starts_at=payload.starts_at, ends_at=payload.ends_at, title=payload.title,
        attendees=payload.attendees, note=payload.note, key=(idempotency_key or payload.key or "").strip(),
        expected=expected)
    return Status(201, booking_get(viewer=request.user, booking_id=booking.pk))


@router.get("/mine", response=list[BookingOut])
@paginate(PageNumberPagination, page_size=50)
def mine(request: HttpRequest, scope: str = "upcoming", park: str | None = None) -> Any:
    """Bookings I organise or am invited to: ``upcoming`` (soonest first), ``past`` or ``all``."""
    if scope not in ("upcoming", "past", "all"):
        raise Invalid(code=ErrorCode.INVALID_CHOICE, details={"scope": ["upcoming, past or all"]})
    return booking_list_mine(viewer=_me(request), scope=scope, park=park_param(park))


@router.get("/{int:booking_id}", response=BookingOut)
def booking_detail(request: HttpRequest, booking_id: int) -> Any:
    return booking_get(viewer=_me(request), booking_id=booking_id)


@router.post("/{int:booking_id}/cancel", response=BookingOut)
def booking_cancel(request: HttpRequest, booking_id: int, payload: BookingCancelIn) -> Any:
    """Cancel (the organiser until the place's deadline, the park's operators at any time with a reason);
    credits and charges go back."""
    booking = booking_get(viewer=_me(request), booking_id=booking_id)
    services.booking_cancel(actor=request.user, booking=booking, reason=payload.reason)
    return booking_get(viewer=request.user, booking_id=booking_id)


@router.post("/{int:booking_id}/check-in", response=BookingOut)
def booking_checkin(request: HttpRequest, booking_id: int) -> Any:
    """Check in, from ten minutes before the start until the end (within 15 minutes, or the room is
    released)."""
    booking = booking_get(viewer=_me(request), booking_id=booking_id)
    booking_check_in(actor=request.user, booking=booking, how="web")
    return booking_get(viewer=request.user, booking_id=booking_id)


@router.post("/check-in", response=BookingOut)
def checkin_by_code(request: HttpRequest, payload: CheckInIn) -> Any:
    """Check in my booking of the room whose QR code I scanned."""
    booking = check_in_by_code(actor=_me(request), token=payload.token)
    return booking_get(viewer=request.user, booking_id=booking.pk)


@router.post("/{int:booking_id}/guests", response=list[GuestOut])
def guests_add(request: HttpRequest, booking_id: int, payload: GuestsIn) -> Any:
    """Invite colleagues (member ids) and visitors (name and mobile: each gets a visitor pass for the gates,
    its link returned once as ``pass_url``)."""
    booking = booking_get(viewer=_me(request), booking_id=booking_id)
    return booking_invite(actor=request.user, booking=booking, members=payload.members,
                          visitors=[(v.name, v.mobile) for v in payload.visitors])


@router.post("/weekly/preview", response=list[OccurrenceOut])
def weekly_preview(request: HttpRequest, payload: WeeklyIn) -> Any:
    """Each week's date and what stands in its way, before anything is booked."""
    place = services.place_get(place_id=payload.place)
    return series_preview(actor=_me(request), place=place, first_date=payload.first_date,
                          last_date=payload.last_date, start_time=payload.start_time, minutes=payload.minutes,
                          exceptions=payload.exceptions, attendees=payload.attendees)


@router.post("/weekly", response={201: SeriesOut})
def weekly_create(request: HttpRequest, payload: WeeklyIn,
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Status[Any]:
    """Book every week's date, or none (400 ``overlap`` with ``details.dates`` to leave out)."""
    place = services.place_get(place_id=payload.place)
    series = series_create(actor=_me(request), place=place, title=payload.title, first_date=payload.first_date,
                           last_date=payload.last_date, start_time=payload.start_time, minutes=payload.minutes,
                           exceptions=payload.exceptions, attendees=payload.attendees,
                           key=(idempotency_key or payload.key or "").strip())
    return Status(201, series)



