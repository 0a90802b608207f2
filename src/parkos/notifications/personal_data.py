"""The "notifications" section of a member's data export: what they were sent and their choices."""

from __future__ import annotations

from typing import Any

from parkos.core.personal_data import exporter_register, iso
from parkos.notifications.models import Notification, Preference


def export(user: Any) -> dict[str, Any]:
    return {
        "notifications": [
            {"kind": n["kind"], "title": n["title"], "body": n["body"], "url": n["url"],
             "sent_at": iso(n["created_at"]), "read_at": iso(n["read_at"]), "emailed_at": iso(n["emailed_at"])}
            for n in Notification.objects.filter(recipient=user).order_by("created_at", "id")
            .values("kind", "title", "body", "url", "created_at", "read_at", "emailed_at")
        ],
        "preferences": [
            {"kind": p["kind"], "in_app": p["in_app"], "email": p["email"]}
            for p in Preference.objects.filter(user=user).order_by("kind").values("kind", "in_app", "email")
        ],
    }


exporter_register("notifications", export)
