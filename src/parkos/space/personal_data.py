"""The "space" section of a member's data export: their choices on the map, whom they blocked, the
rooms they were invited to and any ban from a map (with its reason). Positions are never stored."""

from __future__ import annotations

from typing import Any

from parkos.core.personal_data import exporter_register, iso
from parkos.space.models import AreaInvite, Block, MapBan, SpacePreference


def export(user: Any) -> dict[str, Any]:
    preference = SpacePreference.objects.filter(user=user).first()
    return {
        "preferences": {
            "show_in_park": preference.show_in_park if preference else False,
            "followable": preference.followable if preference else True,
            "changed_at": iso(preference.updated_at) if preference else None,
        },
        "blocked": [
            {"member": b["blocked__display_name"], "member_id": b["blocked_id"], "blocked_at": iso(b["created_at"])}
            for b in Block.objects.filter(user=user).order_by("created_at")
            .values("blocked_id", "blocked__display_name", "created_at")
        ],
        "room_invitations": [
            {"map": i["map__slug"], "area": i["area"], "invited_at": iso(i["created_at"])}
            for i in AreaInvite.objects.filter(user=user).order_by("created_at").values("map__slug", "area", "created_at")
        ],
        "bans": [
            {"map": b["map__slug"], "reason": b["reason"], "banned_at": iso(b["created_at"])}
            for b in MapBan.objects.filter(user=user).order_by("created_at").values("map__slug", "reason", "created_at")
        ],
    }


exporter_register("space", export)
