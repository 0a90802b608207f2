"""The demo parks' maps. The default park "main": booths for its first eight enterprises, 思灵机器人's staff
meeting room, and a scene room bound to the demo's first published scene (the scenes demo runs before
this one). The small park "yizhuang": a smaller map with booths for its enterprises."""

from __future__ import annotations

from typing import Any

from parkos.space.demo_map import build, build_small
from parkos.space.models import SpaceMap


def _demo_scene() -> int | None:
    """The scene the demo's scene room shows: the pilot-customer scene, found by its (stable) title."""
    from parkos.scenes.demo import SCENES
    from parkos.scenes.models import Scene

    return (Scene.objects.filter(title=SCENES[0]["title"], status=Scene.Status.OPEN)
            .values_list("pk", flat=True).first())


def _second_park() -> Any:
    """The demo's small park (the seed makes it first; made the same way when it has not)."""
    from parkos.core.models import Park
    from parkos.core.parks import parks_changed

    park, created = Park.objects.get_or_create(code="yizhuang", defaults={"name": "亦庄创新港",
                                                                          "name_en": "Yizhuang Innovation Port"})
    if created:
        parks_changed()
    return park


def _sign(e: Any) -> str:
    # A booth's sign on the demo map is short (the enterprise's card shows its whole name).
    return str(e.short_name or e.name[:8])


def seed_demo(ctx: Any) -> None:
    from parkos.core.parks import park_default

    main = park_default()
    if not SpaceMap.objects.filter(slug="park").exists():
        booths = [(e.pk, _sign(e)) for e in ctx.enterprises if e.park_id == main.pk][:8]
        SpaceMap.objects.create(slug="park", name="东升数字园区", name_en="Dongsheng digital park", park=main,
                                tiled=build(booths, staff_room_enterprise=booths[0][0] if booths else None,
                                            scene_room_scene=_demo_scene()),
                                is_default=True, created_by=ctx.people["operator"])
        ctx.added["maps"] = ctx.added.get("maps", 0) + 1
    if not SpaceMap.objects.filter(slug="yizhuang").exists():
        from parkos.enterprises.models import Enterprise

        park = _second_park()
        ours = Enterprise.objects.filter(park=park, is_active=True).order_by("pk")[:4]
        SpaceMap.objects.create(slug="yizhuang", name="亦庄创新港", name_en="Yizhuang Innovation Port", park=park,
                                tiled=build_small([(e.pk, _sign(e)) for e in ours]),
                                is_default=True, created_by=ctx.people["operator"])
        ctx.added["maps"] = ctx.added.get("maps", 0) + 1
