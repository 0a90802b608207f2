"""A member's bookings: the ones they organise and the ones they are invited to, upcoming or past."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from parkos.bookings.models import ACTIVE, Booking
from parkos.bookings.services.booking import booking_get

SCOPES = ("upcoming", "past", "all")


def booking_list_mine(*, viewer: Any, scope: str = "upcoming", park: Any = None,
                      now: dt.datetime | None = None) -> QuerySet[Booking]:
    if not getattr(viewer, "is_authenticated", False):
        return Booking.objects.none()
    now = now or timezone.now()
    qs = Booking.objects.filter(Q(organiser=viewer) | Q(guests__user=viewer)).distinct() \
        .select_related("place", "place__building", "organiser", "enterprise")
    if park is not None:
        qs = qs.filter(park=park)
    if scope == "past":
        return qs.filter(Q(ends_at__lte=now) | ~Q(status__in=ACTIVE)).order_by("-starts_at", "-id")
    if scope == "all":
        return qs.order_by("-starts_at", "-id")
    return qs.filter(ends_at__gt=now, status__in=ACTIVE).order_by("starts_at", "id")


def booking_next(*, viewer: Any, park: Any = None) -> Booking | None:
    return booking_list_mine(viewer=viewer, park=park).first()


__all__ = ["SCOPES", "booking_get", "booking_list_mine", "booking_next"]
