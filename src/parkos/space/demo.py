"""The demo park's map: booths for the first eight enterprises, 思灵机器人's staff meeting room."""

from __future__ import annotations

from typing import Any

from parkos.space.demo_map import build
from parkos.space.models import SpaceMap


def seed_demo(ctx: Any) -> None:
    if SpaceMap.objects.filter(slug="park").exists():
        return
    booths = [(e.pk, e.short_name or e.name[:8]) for e in ctx.enterprises[:8]]
    SpaceMap.objects.create(slug="park", name="东升数字园区", name_en="Dongsheng digital park",
                            tiled=build(booths, staff_room_enterprise=ctx.enterprises[0].pk), is_default=True,
                            created_by=ctx.people["operator"])
    ctx.added["maps"] = ctx.added.get("maps", 0) + 1
