"""``{% load parkos_avatar %}{% avatar person size="sm" %}``: a person's (or an enterprise's) picture.

The uploaded avatar if there is one, else a circle with the first character of the display name, in a
colour of its own so that a feed of letters still tells people apart. Duck-typed (``display_name``,
optionally ``avatar``): core knows no domain's models.
"""

from __future__ import annotations

import zlib
from typing import Any

from django import template

register = template.Library()

SIZES = {"xs": 28, "sm": 36, "md": 48, "lg": 96}


def avatar_hue(person: Any) -> int:
    """A stable hue for ``person``: by id (a renamed member keeps their colour), else by name."""
    key = getattr(person, "pk", None)
    seed = str(key) if key is not None else str(getattr(person, "display_name", ""))
    # crc32, not hash(): the same colour in every process and on every node.
    return zlib.crc32(seed.encode()) % 360


@register.inclusion_tag("core/_avatar.html")
def avatar(person: Any, size: str = "md") -> dict[str, Any]:
    image = getattr(person, "avatar", None)
    name = str(getattr(person, "display_name", "") or "").strip()
    return {"url": image.url if image else "", "initial": name[:1].upper() or "?", "hue": avatar_hue(person),
            "size": size if size in SIZES else "md", "px": SIZES.get(size, SIZES["md"])}
