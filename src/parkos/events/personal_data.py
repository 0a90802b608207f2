"""The "events" section of a member's data export: their registrations (with answers and check-in)
and the events they organised. Ticket codes and hashes stay out: they are credentials for the door,
not information about the person, and a leaked export must not let someone else in."""

from __future__ import annotations

from typing import Any

from parkos.core.personal_data import exporter_register, iso
from parkos.events.models import Event, Registration


def export(user: Any) -> dict[str, Any]:
    return {
        "registrations": [
            {"event_id": r["event_id"], "event": r["event__title"], "starts_at": iso(r["event__starts_at"]),
             "status": r["status"], "registered_at": iso(r["created_at"]), "answers": r["answers"] or {},
             "points": r["points"], "confirmed_at": iso(r["confirmed_at"]), "cancelled_at": iso(r["cancelled_at"]),
             "checked_in_at": iso(r["checkin__checked_in_at"])}
            for r in Registration.objects.filter(user=user).order_by("created_at", "id")
            .values("event_id", "event__title", "event__starts_at", "status", "created_at", "answers", "points",
                    "confirmed_at", "cancelled_at", "checkin__checked_in_at")
        ],
        "organised": [
            {"id": e["id"], "title": e["title"], "starts_at": iso(e["starts_at"]), "status": e["status"]}
            for e in Event.objects.filter(created_by=user).order_by("starts_at", "id")
            .values("id", "title", "starts_at", "status")
        ],
    }


exporter_register("events", export)
