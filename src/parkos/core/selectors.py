"""Reads of the shared kernel: the home page's parts, which the domains contribute.

``core`` depends on no domain: a domain that has something for the home page registers it here from its
AppConfig.ready (like the personal-data exporters), and the home view shows whatever was registered.
The headline counts are per park: a count function takes a park id (None: the whole portfolio).

A member's part may be kept: its ``follows(request)`` names the data sets (core/generations.py) the part
is drawn from for this viewer, and the part's context is then kept in the shared cache until one of them,
the person's token or their own rows' (``own_follow``), gets a new one, and for ``HOME_SECONDS`` at most (what only the clock changes:
an event that has begun, a report whose publication time has come). A part without ``follows`` (a role's
live figures) is drawn on every visit."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import mark_safe

from parkos.core.generations import own_rows_name, person_token_name, token_cached

# name -> a function counting it in one park, or in the whole portfolio for None ("members", "enterprises" ...)
OVERVIEW_COUNTS: dict[str, Callable[[int | None], int]] = {}
# functions adding their part of the home page's context for the person looking at it, and what it follows
HomePart = Callable[[HttpRequest], dict[str, Any]]
Follows = Callable[[HttpRequest], list[str]]
HOME_PARTS: dict[str, tuple[HomePart, Follows | None]] = {}
HOME_SECONDS = 60  # the longest a member's kept part is shown


def overview_count_register(name: str, count: Callable[[int | None], int]) -> None:
    if name in OVERVIEW_COUNTS and OVERVIEW_COUNTS[name] is not count:
        raise ValueError(f"park overview count {name!r} is registered twice")
    OVERVIEW_COUNTS[name] = count


def home_part_register(name: str, part: HomePart, *, follows: Follows | None = None) -> None:
    """``part(request)``: its context for the viewer. ``follows(request)``: the data sets it is drawn from
    for a signed-in viewer (besides the person's own token); given, the part is kept until one changes."""
    if name in HOME_PARTS and HOME_PARTS[name][0] is not part:
        raise ValueError(f"home page part {name!r} is registered twice")
    HOME_PARTS[name] = (part, follows)


def park_overview(park: Any = None) -> dict[str, int]:
    """Headline counts of one park (a Park or its id; None: the portfolio), cached for a few seconds
    (they change slowly)."""
    park_id = getattr(park, "pk", park)
    key = f"park-overview:{park_id if park_id is not None else 'all'}"
    data = cache.get(key)
    if data is None:
        data = {name: count(park_id) for name, count in sorted(OVERVIEW_COUNTS.items())}
        cache.set(key, data, 15)
    return data


def _kept_parts(request: HttpRequest) -> tuple[list[str], Callable[[], dict[str, Any]]]:
    """The sets every kept part follows for this viewer, and a function drawing their context (each part
    from the shared cache while its own sets are unchanged)."""
    user = request.user
    day = timezone.localdate().isoformat()  # in the keys: a part may compare with today (overdue since midnight)
    person = [person_token_name(user.pk), own_rows_name(user.pk)]
    kept = [(name, part, [*person, *follows(request)]) for name, (part, follows) in sorted(HOME_PARTS.items())
            if follows is not None]

    def draw() -> dict[str, Any]:
        context: dict[str, Any] = {}
        for name, part, names in kept:
            context.update(token_cached(names, f"home:{name}:{user.pk}:{day}", partial(part, request),
                                        seconds=HOME_SECONDS))
        return context

    return sorted({n for _name, _part, names in kept for n in names}), draw


def home_context(request: HttpRequest) -> dict[str, Any]:
    """The home page's context. For a member whose page shows no live figures and no role's links (most of
    them), the member's part of the page is drawn once and kept whole (``member_html``) under every set its
    parts follow, the profiles' and the enterprises' (the greeting, the enterprise card, the park's name)."""
    from django.template.loader import render_to_string
    from django.utils.translation import get_language

    from parkos.core.context_processors import shell

    park = getattr(request, "park", None)
    context: dict[str, Any] = {"overview": park_overview(park), "overview_park": park}
    user = request.user
    if not user.is_authenticated:
        for _name, (part, _follows) in sorted(HOME_PARTS.items()):
            context.update(part(request))
        return context
    live: dict[str, Any] = {}
    for _name, (part, follows) in sorted(HOME_PARTS.items()):
        if follows is None:  # live: a role's figures
            live.update(part(request))
    context.update(live)
    names, draw = _kept_parts(request)
    roles = any(value for key, value in shell(request).items() if key.startswith("is_"))
    if live or roles:  # live figures or a role's links: the page is drawn each time
        context.update(draw())
        return context
    key = f"home-html:{user.pk}:{getattr(park, 'pk', '')}:{timezone.localdate().isoformat()}:{get_language()}"
    context["member_html"] = mark_safe(token_cached(  # HTML drawn from our own template
        [*names, "members", "enterprises"], key,
        lambda: render_to_string("core/_home_member.html", {**context, **draw()}, request=request),
        seconds=HOME_SECONDS))
    return context
