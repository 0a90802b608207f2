"""The "bookings" section of a member's data export: the bookings they organised (place, times, status,
credits and charge) and the ones they were invited to.

Deletion: bookings are the park's books (credit months and the ledger refer to them) and hang on the account
with PROTECT, as coupons do, so the account is anonymised; its future bookings are cancelled first."""

from __future__ import annotations

from typing import Any

from parkos.bookings.models import Booking, BookingGuest
from parkos.core.personal_data import closing_register, exporter_register, iso


def export(user: Any) -> dict[str, Any]:
    return {
        "organised": [
            {"place": b["place__name"], "title": b["title"], "starts_at": iso(b["starts_at"]),
             "ends_at": iso(b["ends_at"]), "status": b["status"], "credits": b["credits"],
             "charge_fen": b["charge_fen"], "checked_in_at": iso(b["checked_in_at"])}
            for b in Booking.objects.filter(organiser=user).order_by("starts_at", "id")
            .values("place__name", "title", "starts_at", "ends_at", "status", "credits", "charge_fen", "checked_in_at")
        ],
        "invited_to": [
            {"place": g["booking__place__name"], "title": g["booking__title"],
             "starts_at": iso(g["booking__starts_at"])}
            for g in BookingGuest.objects.filter(user=user).order_by("booking__starts_at", "id")
            .values("booking__place__name", "booking__title", "booking__starts_at")
        ],
    }


def close(user: Any) -> None:
    """A closed account's future bookings are cancelled (credits back to the enterprise, visitors' passes
    withdrawn), so the rooms are free for others."""
    from django.utils import timezone

    from parkos.bookings.models import ACTIVE
    from parkos.bookings.services.booking import booking_cancel

    for booking in Booking.objects.filter(organiser=user, status__in=ACTIVE, starts_at__gt=timezone.now()):
        booking_cancel(actor=user, booking=booking, reason="account closed", force=True)


exporter_register("bookings", export)
closing_register("bookings", close)
