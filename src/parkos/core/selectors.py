"""Reads of the shared kernel: the home page's parts, which the domains contribute.

``core`` depends on no domain: a domain that has something for the home page registers it here from its
AppConfig.ready (like the personal-data exporters), and the home view shows whatever was registered.
The headline counts are per park: a count function takes a park id (None: the whole portfolio).

A member's part may be kept: its ``follows(request)`` names the data sets (core/generations.py) the part
is drawn from for this viewer, and the part's context is then kept in the shared cache until one of them,
or the person's own token, gets a new one, and for ``HOME_SECONDS`` at most (what only the clock changes:
an event that has begun, a report whose publication time has come). A part without ``follows`` (a role's
live figures) is drawn on every visit."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from parkos.core.generations import person_token_name, token_cached

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


def home_context(request: HttpRequest) -> dict[str, Any]:
    park = getattr(request, "park", None)
    context: dict[str, Any] = {"overview": park_overview(park), "overview_park": park}
    user = request.user
    for name, (part, follows) in sorted(HOME_PARTS.items()):
        if follows is None or not user.is_authenticated:
            context.update(part(request))
            continue
        names = [person_token_name(user.pk), *follows(request)]
        # The day is in the key: a part may compare with today (an order overdue since midnight).
        key = f"home:{name}:{user.pk}:{timezone.localdate().isoformat()}"
        context.update(token_cached(names, key, partial(part, request), seconds=HOME_SECONDS))
    return context
