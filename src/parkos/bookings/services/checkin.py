"""Checking in: the booking starts when someone comes. By the room's QR code (a page that finds the member's
booking of that room now), on the booking's page, or by passing the room's door (the gates part tells us
after it commits a passage). From ten minutes before the start until the end; within fifteen minutes of the
start, or the room is released (``bookings_release_no_shows``)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import Booking, BookingStatus, Place
from parkos.bookings.services.booking import CHECKIN_EARLY, CHECKIN_GRACE
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound

log = logging.getLogger(__name__)
HOW = ("qr", "door", "web")


def booking_check_in(*, actor: Any, booking: Booking, how: str = "web", now: dt.datetime | None = None) -> Booking:
    """Check ``booking`` in (its organiser, a guest or an operator). Checking in twice changes nothing."""
    policy.require(actor, "bookings.booking.check_in", booking)
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("place").get(pk=booking.pk)
        if booking.status == BookingStatus.CHECKED_IN:
            return booking
        if booking.status != BookingStatus.CONFIRMED:
            raise Conflict(_("This booking is not confirmed, so it cannot be checked in."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        if now < booking.starts_at - CHECKIN_EARLY:
            raise Conflict(_("Check-in opens ten minutes before the start."), code=ErrorCode.NOT_CHECKIN_TIME)
        if now >= booking.ends_at:
            raise Conflict(_("This booking is over."), code=ErrorCode.CLOSED)
        booking.status = BookingStatus.CHECKED_IN
        booking.checked_in_at, booking.checked_in_by, booking.checked_in_how = now, actor, how if how in HOW else "web"
        booking.save(update_fields=["status", "checked_in_at", "checked_in_by", "checked_in_how"])
    return booking


def _current_for(user: Any, place: Place, now: dt.datetime, *, ahead: dt.timedelta = CHECKIN_EARLY) -> Booking | None:
    """The booking of ``place`` that ``user`` organises or is invited to, running now or starting within
    ``ahead``."""
    return Booking.objects.filter(
        Q(organiser=user) | Q(guests__user=user), place=place,
        status__in=(BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN),
        starts_at__lte=now + ahead, ends_at__gt=now).order_by("starts_at").distinct().first()


def place_by_token(token: Any) -> Place:
    place = Place.objects.select_related("park", "building").filter(checkin_token=str(token or "")[:32],
                                                                      is_active=True).first()
    if place is None:
        raise NotFound(_("This check-in code is not known. Scan the code on the room's door."))
    return place


def check_in_by_code(*, actor: Any, token: Any, now: dt.datetime | None = None) -> Booking:
    """The room's QR code: check in the member's booking of that room now."""
    now = now or timezone.now()
    place = place_by_token(token)
    # Someone who scans early is told when check-in opens rather than that they have no booking.
    booking = _current_for(actor, place, now, ahead=dt.timedelta(hours=2))
    if booking is None:
        raise NotFound(_("You have no booking of this room now. Book it first, or check the time."),
                       code=ErrorCode.NOT_CHECKIN_TIME)
    return booking_check_in(actor=actor, booking=booking, how="qr", now=now)


def checkins_from_passages(passage_ids: list[int]) -> None:
    """A member passed a room's door: check in their booking of that room (the gates part calls this after
    it commits accepted passages). A passage that matches no booking does nothing."""
    from parkos.access.models import Passage

    rows = list(Passage.objects.filter(pk__in=passage_ids, result=Passage.Result.ACCEPTED, user__isnull=False)
                .values_list("gate_id", "user_id", "occurred_at"))
    if not rows:
        return
    places = {p.door_id: p for p in Place.objects.filter(door_id__in={r[0] for r in rows}, is_active=True)}
    if not places:
        return
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk({r[1] for r in rows if r[0] in places})
    for gate_id, user_id, occurred_at in rows:
        place, user = places.get(gate_id), users.get(user_id)
        if place is None or user is None:
            continue
        booking = _current_for(user, place, occurred_at)
        if booking is None or booking.status == BookingStatus.CHECKED_IN:
            continue
        try:
            booking_check_in(actor=user, booking=booking, how="door", now=occurred_at)
        except (Conflict, NotFound) as error:  # released meanwhile, or over: the door opened, nothing to start
            log.info("door check-in of booking %s skipped: %s", booking.pk, error)


__all__ = ["CHECKIN_GRACE", "booking_check_in", "check_in_by_code", "checkins_from_passages", "place_by_token"]
