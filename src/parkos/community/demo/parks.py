"""The two demo parks, as the demo seed makes them (the second one made here the same way when a domain's
demo runs on its own, e.g. in its tests)."""

from __future__ import annotations

from typing import Any

from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed

SECOND_PARK = "yizhuang"


def demo_parks(ctx: Any) -> tuple[Park, Park]:
    """(the default park, "yizhuang")."""
    parks = getattr(ctx, "parks", None) or {}
    main = parks.get("main") or park_default()
    second = parks.get(SECOND_PARK)
    if second is None:
        second, created = Park.objects.get_or_create(code=SECOND_PARK, defaults={"name": "亦庄创新港",
                                                                                 "name_en": "Yizhuang Innovation Harbour",
                                                                                 "position": 1})
        if created:
            parks_changed()
    return main, second
