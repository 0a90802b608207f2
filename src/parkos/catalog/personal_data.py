"""The "catalog" section of a member's data export: the service orders they placed (with what they
wrote on them), the ratings they gave, the comments they wrote, the appointments they booked and,
for a butler, the times they published and how many orders they handle per status.

Internal notes (park staff only) are left out, as are other people's comments, the names of who
booked a butler's time and anything else about the other side of an order: one query per kind."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from parkos.catalog.models import Appointment, AppointmentSlot, OrderComment, OrderEvent, ServiceOrder
from parkos.core.personal_data import exporter_register, iso


def export(user: Any) -> dict[str, Any]:
    return {
        "orders": [
            {"id": o["id"], "number": o["number"], "service": o["service__name_zh"],
             "service_en": o["service__name_en"], "enterprise": o["enterprise__name"], "status": o["status"],
             "note": o["note"], "answers": o["answers"], "created_at": iso(o["created_at"]),
             "submitted_at": iso(o["submitted_at"]), "closed_at": iso(o["closed_at"])}
            for o in ServiceOrder.objects.filter(requested_by=user).order_by("submitted_at", "id")
            .values("id", "number", "service__name_zh", "service__name_en", "enterprise__name", "status", "note",
                    "answers", "created_at", "submitted_at", "closed_at")
        ],
        # Whoever rated an order (any staff of the enterprise may) is on its "rate" timeline event.
        "ratings": [
            {"order_id": e["order_id"], "order_number": e["order__number"], "service": e["order__service__name_zh"],
             "rating": e["order__rating"], "comment": e["order__rating_comment"], "rated_at": iso(e["created_at"])}
            for e in OrderEvent.objects.filter(actor=user, action="rate").order_by("created_at", "id")
            .values("order_id", "order__number", "order__service__name_zh", "order__rating",
                    "order__rating_comment", "created_at")
        ],
        "comments": [
            {"order_id": c["order_id"], "order_number": c["order__number"], "text": c["body"],
             "created_at": iso(c["created_at"])}
            for c in OrderComment.objects.filter(author=user, internal=False).order_by("created_at", "id")
            .values("order_id", "order__number", "body", "created_at")
        ],
        "appointments": [
            {"id": a["id"], "starts_at": iso(a["slot__starts_at"]), "ends_at": iso(a["slot__ends_at"]),
             "mode": a["slot__mode"], "place": a["slot__place"], "topic": a["topic"], "status": a["status"],
             "enterprise": a["enterprise__name"], "booked_at": iso(a["created_at"]),
             "cancelled_at": iso(a["cancelled_at"]), "cancel_reason": a["cancel_reason"]}
            for a in Appointment.objects.filter(member=user).order_by("slot__starts_at", "id")
            .values("id", "slot__starts_at", "slot__ends_at", "slot__mode", "slot__place", "topic", "status",
                    "enterprise__name", "created_at", "cancelled_at", "cancel_reason")
        ],
        # A butler's own published times, without who booked them.
        "appointment_slots": [
            {"id": s["id"], "starts_at": iso(s["starts_at"]), "ends_at": iso(s["ends_at"]), "mode": s["mode"],
             "place": s["place"], "withdrawn_at": iso(s["withdrawn_at"])}
            for s in AppointmentSlot.objects.filter(butler=user).order_by("starts_at", "id")
            .values("id", "starts_at", "ends_at", "mode", "place", "withdrawn_at")
        ],
        # Orders handled as butler are the enterprises' data: only how many, per status.
        "orders_handled_by_status": {
            row["status"]: row["n"]
            for row in ServiceOrder.objects.filter(butler=user).order_by("status").values("status")
            .annotate(n=Count("id"))
        },
    }


exporter_register("catalog", export)
