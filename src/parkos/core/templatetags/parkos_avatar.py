"""``{% load parkos_avatar %}{% avatar person size="sm" %}``: a person's (or an enterprise's) picture.

The uploaded avatar if there is one, else a circle with the first character of the display name, in a
colour of its own so that a feed of letters still tells people apart. Duck-typed (``display_name``,
optionally ``avatar``): core knows no domain's models.
"""

from __future__ import annotations

import zlib
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

SIZES = {"xs": 28, "sm": 36, "md": 48, "lg": 96}


def avatar_hue(person: Any) -> int:
    """A stable hue for ``person``: by id (a renamed member keeps their colour), else by name."""
    key = getattr(person, "pk", None)
    seed = str(key) if key is not None else str(getattr(person, "display_name", ""))
    # crc32, not hash(): the same colour in every process and on every node.
    return zlib.crc32(seed.encode()) % 360


@register.simple_tag
def avatar(person: Any, size: str = "md") -> SafeString:
    """Drawn in Python, not with a template: a list of members draws dozens (a template each cost more
    than the rest of the row)."""
    image = getattr(person, "avatar", None)
    size = size if size in SIZES else "md"
    px = SIZES[size]
    if image:
        return format_html('<img class="avatar avatar-{}" src="{}" alt="" width="{}" height="{}" loading="lazy">',
                           size, image.url, px, px)
    name = str(getattr(person, "display_name", "") or "").strip()
    hue = avatar_hue(person)
    return format_html('<span class="avatar avatar-{}" style="background:hsl({} 55% 88%);color:hsl({} 50% 27%)" '
                       'aria-hidden="true">{}</span>', size, hue, hue, name[:1].upper() or "?")
