"""Inviting people to a booking: colleagues (members, told in the app) and visitors (a name and a mobile
number; each gets a visitor pass from the gates part, valid from half an hour before the booking to half an
hour after it, at the gates of the room's building and its door)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import Booking, BookingGuest
from parkos.bookings.services.booking import _when, booking_url
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, field_error

MAX_GUESTS = 50
VISIT_MARGIN = dt.timedelta(minutes=30)


def _visitor_gates(booking: Booking) -> list[int]:
    from parkos.access.models import Gate

    place = booking.place
    gates = Gate.objects.filter(park_id=booking.park_id, is_active=True)
    if place.building_id is not None:
        gates = gates.filter(area__building_id=place.building_id)
    ids = set(gates.values_list("pk", flat=True)[:40])
    if place.door_id:
        ids.add(place.door_id)
    return sorted(ids)


def booking_invite(*, actor: Any, booking: Booking, members: Iterable[Any] = (),
                   visitors: Iterable[tuple[Any, Any]] = ()) -> list[BookingGuest]:
    """Invite colleagues (user ids or users) and visitors ((name, mobile) pairs). Inviting someone twice
    changes nothing. Returns the guests added; a visitor's guest carries ``pass_url``, the link to their pass,
    which is shown this once."""
    from django.contrib.auth import get_user_model

    from parkos.access.services.visitors import pass_url, visitor_invite

    policy.require(actor, "bookings.booking.manage", booking)
    if not booking.is_active:
        raise Conflict(_("This booking is no longer active."), code=ErrorCode.CLOSED)
    member_ids = []
    for value in members:
        try:
            member_ids.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            raise field_error("members", _("Choose members from the list."), code=ErrorCode.INVALID_CHOICE) from None
    visitor_rows = [(str(n or "").strip(), str(m or "").strip()) for n, m in visitors]
    if booking.guests.count() + len(member_ids) + len(visitor_rows) > MAX_GUESTS:
        raise field_error("members", format_lazy(_("At most {n} guests."), n=MAX_GUESTS), code=ErrorCode.TOO_MANY)
    users = get_user_model().objects.filter(pk__in=member_ids, is_active=True)
    if len(users) != len(set(member_ids)):
        raise field_error("members", _("Choose members from the list."), code=ErrorCode.INVALID_CHOICE)
    added: list[BookingGuest] = []
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("place").get(pk=booking.pk)
        known = set(booking.guests.filter(user__isnull=False).values_list("user_id", flat=True))
        for user in users:
            if user.pk in known or user.pk == booking.organiser_id:
                continue
            added.append(BookingGuest.objects.create(booking=booking, user=user, name=user.display_name[:40]))
        if visitor_rows:
            gates = _visitor_gates(booking)
            if not gates:
                raise field_error("visitors", _("This park has no gates for visitors here yet; please tell "
                                                "the reception instead."), code=ErrorCode.INVALID)
            known_mobiles = set(booking.guests.exclude(mobile="").values_list("mobile", flat=True))
            for name, mobile in visitor_rows:
                visitor, _token = visitor_invite(
                    actor=actor, park=booking.park, name=name, mobile=mobile, enterprise=booking.enterprise,
                    valid_from=booking.starts_at - VISIT_MARGIN, valid_until=booking.ends_at + VISIT_MARGIN,
                    gate_ids=gates, purpose=booking.title[:60])
                if visitor.mobile in known_mobiles:
                    continue
                known_mobiles.add(visitor.mobile)
                guest = BookingGuest.objects.create(booking=booking, name=visitor.name, mobile=visitor.mobile,
                                                    visitor_pass=visitor)
                # The pass's link is shown once, to the organiser who sends it on (only its hash is kept).
                guest.pass_url = pass_url(_token)  # type: ignore[attr-defined]
                added.append(guest)
        _notify_invited(booking, [g.user for g in added if g.user_id], actor)
    return added


def _notify_invited(booking: Booking, users: list[Any], actor: Any) -> None:
    from parkos.notifications.services import notification_send

    if users:
        notification_send(recipients=users, kind="booking", actor=actor,
                          title=format_lazy(_("{name} invited you: {title}"), name=actor.display_name,
                                            title=booking.title),
                          body=f"{booking.place.name} · {_when(booking)}", url=booking_url(booking))


__all__ = ["MAX_GUESTS", "booking_invite"]
