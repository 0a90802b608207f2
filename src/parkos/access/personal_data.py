"""The "access" section of a member's data export: their passages, daily presence, credentials (kind,
label and validity; never the value hashes or QR salts, which open doors), the visitor passes they
host (the visitor's name and purpose they typed; not the visitor's mobile number, the visitor's own
data), their temperature readings (the read is recorded in the audit log, as every read of one is),
the feedback they gave and their consents.

Deletion needs no code here: every one of these rows hangs on the account with ON DELETE CASCADE, so
deleting the account removes them; the audit log keeps its rows with the subject emptied (SET NULL)."""

from __future__ import annotations

from typing import Any

from parkos.access.models import (
    AccessPreference,
    Credential,
    DailyPresence,
    Feedback,
    Passage,
    Reading,
    VisitorPass,
)
from parkos.core.personal_data import exporter_register, iso


def export(user: Any) -> dict[str, Any]:
    preference = AccessPreference.objects.filter(user=user).first()
    readings = list(Reading.objects.filter(user=user).order_by("measured_at", "id")
                    .values("id", "park_id", "passage_id", "kind", "value", "is_alert", "measured_at", "app__name"))
    if readings:
        from parkos.access.services.audit import sensitive_reads_record

        by_park: dict[int, list[tuple[int | None, int | None]]] = {}
        for r in readings:
            by_park.setdefault(r["park_id"], []).append((user.pk, r["id"]))
        for park_id, subjects in by_park.items():
            sensitive_reads_record(actor=user, park_id=park_id, what="readings.export", subjects=subjects)
    return {
        "passages": [
            {"park": p["park__name"], "gate": p["gate__name"], "area": p["gate__area__name"], "direction": p["direction"],
             "occurred_at": iso(p["occurred_at"]), "result": p["result"], "reason": p["reason"]}
            for p in Passage.objects.filter(user=user).order_by("occurred_at", "id")
            .values("park__name", "gate__name", "gate__area__name", "direction", "occurred_at", "result", "reason")
        ],
        "presence": [
            {"park": d["park__name"], "day": d["day"].isoformat(), "first_in": iso(d["first_in"]),
             "last_out": iso(d["last_out"]), "seconds_inside": d["seconds_inside"],
             "inferred_seconds": d["inferred_seconds"], "late": d["late"], "passages": d["passages"]}
            for d in DailyPresence.objects.filter(user=user).order_by("day", "park_id")
            .values("park__name", "day", "first_in", "last_out", "seconds_inside", "inferred_seconds", "late",
                    "passages")
        ],
        "credentials": [
            {"park": c["park__name"], "kind": c["kind"], "label": c["label"], "valid_from": iso(c["valid_from"]),
             "valid_until": iso(c["valid_until"]), "revoked_at": iso(c["revoked_at"]), "created_at": iso(c["created_at"])}
            for c in Credential.objects.filter(user=user).order_by("created_at", "id")
            .values("park__name", "kind", "label", "valid_from", "valid_until", "revoked_at", "created_at")
        ],
        "visitors_hosted": [
            {"park": v["park__name"], "visitor": v["name"], "purpose": v["purpose"], "valid_from": iso(v["valid_from"]),
             "valid_until": iso(v["valid_until"]), "status": v["status"], "arrived_at": iso(v["arrived_at"])}
            for v in VisitorPass.objects.filter(host=user).order_by("valid_from", "id")
            .values("park__name", "name", "purpose", "valid_from", "valid_until", "status", "arrived_at")
        ],
        "readings": [
            {"kind": r["kind"], "value": str(r["value"]), "alert": r["is_alert"], "measured_at": iso(r["measured_at"]),
             "app": r["app__name"]}
            for r in readings
        ],
        "feedback": [
            {"gate": f["gate__name"], "app": f["app__name"], "enterprise": f["enterprise__name"], "rating": f["rating"],
             "text": f["text"], "created_at": iso(f["created_at"])}
            for f in Feedback.objects.filter(user=user).order_by("created_at", "id")
            .values("gate__name", "app__name", "enterprise__name", "rating", "text", "created_at")
        ],
        "preferences": {
            "share_with_enterprise": bool(preference and preference.share_with_enterprise),
            "temperature_screening": bool(preference and preference.temperature_screening),
            "temperature_consented_at": iso(preference.temperature_consented_at) if preference else None,
        },
    }


exporter_register("access", export)
