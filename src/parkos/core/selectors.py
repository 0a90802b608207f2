"""Reads of the shared kernel: the home page's parts, which the domains contribute.

``core`` depends on no domain: a domain that has something for the home page registers it here from its
AppConfig.ready (like the personal-data exporters), and the home view shows whatever was registered.
The headline counts are per park: a count function takes a park id (None: the whole portfolio)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

# name -> a function counting it in one park, or in the whole portfolio for None ("members", "enterprises" ...)
OVERVIEW_COUNTS: dict[str, Callable[[int | None], int]] = {}
# functions adding their part of the home page's context for the person looking at it
HOME_PARTS: dict[str, Callable[[HttpRequest], dict[str, Any]]] = {}


def overview_count_register(name: str, count: Callable[[int | None], int]) -> None:
    if name in OVERVIEW_COUNTS and OVERVIEW_COUNTS[name] is not count:
        raise ValueError(f"park overview count {name!r} is registered twice")
    OVERVIEW_COUNTS[name] = count


def home_part_register(name: str, part: Callable[[HttpRequest], dict[str, Any]]) -> None:
    if name in HOME_PARTS and HOME_PARTS[name] is not part:
        raise ValueError(f"home page part {name!r} is registered twice")
    HOME_PARTS[name] = part


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
    for _name, part in sorted(HOME_PARTS.items()):
        context.update(part(request))
    return context
