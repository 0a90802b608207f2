"""The demo park's map: booths for the first eight enterprises, 思灵机器人's staff meeting room, and a
scene room bound to the demo's first published scene (the scenes demo runs before this one)."""

from __future__ import annotations

from typing import Any

from parkos.space.demo_map import build
from parkos.space.models import SpaceMap


def _demo_scene() -> int | None:
    """The scene the demo's scene room shows: the pilot-customer scene, found by its (stable) title."""
    from parkos.scenes.demo import SCENES
    from parkos.scenes.models import Scene

    return (Scene.objects.filter(title=SCENES[0]["title"], status=Scene.Status.OPEN)
            .values_list("pk", flat=True).first())


def seed_demo(ctx: Any) -> None:
    if SpaceMap.objects.filter(slug="park").exists():
        return
    # A booth's sign on the demo map is short (the enterprise's card shows its whole name); eight booths.
    booths = [(e.pk, e.short_name or e.name[:8]) for e in ctx.enterprises[:8]]
    SpaceMap.objects.create(slug="park", name="东升数字园区", name_en="Dongsheng digital park",
                            tiled=build(booths, staff_room_enterprise=ctx.enterprises[0].pk,
                                        scene_room_scene=_demo_scene()),
                            is_default=True, created_by=ctx.people["operator"])
    ctx.added["maps"] = ctx.added.get("maps", 0) + 1
