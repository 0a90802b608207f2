"""Rate limits on the shared "ratelimit" cache (files in embedded mode, Redis in scale-out), via django-ratelimit.

Windows are fixed (django-ratelimit's): a key that reached its limit may try again when its window ends,
and a refusal says when (``RateLimited.retry_after``, sent as the 429's Retry-After). Per-IP limits key
on ``client_ip(request)``, which knows about the trusted proxies in front (core/client_ip.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import ALL, get_usage

from parkos.core.client_ip import client_ip
from parkos.core.errors import RateLimited

__all__ = ["RateLimited", "check", "client_ip", "enforce", "refuse_if_limited"]


def _usage(request: HttpRequest, *, group: str, key: str, rate: str, increment: bool) -> dict[str, Any] | None:
    return get_usage(request, group=group, key=lambda _g, _r: key, rate=rate, method=ALL,
                     increment=increment)


def _reached(usage: dict[str, Any] | None, *, increment: bool) -> bool:
    """Over the limit after counting this hit; or, for a peek (no ``increment``), at it already: the
    limit is reached once ``count`` equals it (django-ratelimit's ``count > limit`` would let one more
    attempt through)."""
    if usage is None:
        return False
    return bool(usage["should_limit"] or (not increment and usage["count"] >= usage["limit"]))


def _seconds_left(usage: dict[str, Any]) -> int:
    # At least one second: a window ending within this second, or a cache that failed (time_left -1,
    # refused because ParkOS fails closed), still means "not now".
    return max(1, int(usage["time_left"]))


def check(request: HttpRequest, *, group: str, key: str, rate: str, increment: bool) -> bool:
    """True when ``key`` in ``group`` is over ``rate``; counts this hit when ``increment``.

    Without ``increment`` this is a peek before an attempt (see ``_reached``)."""
    if not settings.RATELIMIT_ENABLE:
        return False
    return _reached(_usage(request, group=group, key=key, rate=rate, increment=increment), increment=increment)


def enforce(request: HttpRequest, *, group: str, key: str, rate: str, message: Any = None) -> None:
    """Count one hit and refuse when over the limit, saying how many seconds until the window frees."""
    if not settings.RATELIMIT_ENABLE:
        return
    usage = _usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is not None and _reached(usage, increment=True):
        raise RateLimited(message, retry_after=_seconds_left(usage))


def refuse_if_limited(request: HttpRequest, *limits: tuple[str, str, str], message: Any = None) -> None:
    """Peek at each ``(group, key, rate)`` without counting; refuse when any has reached its limit, with
    Retry-After the longest wait among those reached (all of them must free for the attempt to pass).

    For attempts counted only when they fail, such as log-ins: peek first, count with ``check`` after."""
    if not settings.RATELIMIT_ENABLE:
        return
    waits = []
    for group, key, rate in limits:
        usage = _usage(request, group=group, key=key, rate=rate, increment=False)
        if usage is not None and _reached(usage, increment=False):
            waits.append(_seconds_left(usage))
    if waits:
        raise RateLimited(message, retry_after=max(waits))
