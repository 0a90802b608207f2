"""Rate limits on the shared "ratelimit" cache (files in embedded mode, Redis in scale-out), via django-ratelimit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import ALL, get_usage, is_ratelimited

from parkos.core.errors import RateLimited


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def check(request: HttpRequest, *, group: str, key: str, rate: str, increment: bool) -> bool:
    """True when ``key`` in ``group`` is over ``rate``; counts this hit when ``increment``.

    Without ``increment`` this is a peek before an attempt: the limit is reached once ``count``
    equals it (django-ratelimit's ``count > limit`` would let one more attempt through)."""
    if not settings.RATELIMIT_ENABLE:
        return False
    if not increment:
        usage = get_usage(request, group=group, key=lambda _g, _r: key, rate=rate, method=ALL, increment=False)
        return usage is not None and (usage["should_limit"] or usage["count"] >= usage["limit"])
    return bool(
        is_ratelimited(request, group=group, key=lambda _g, _r: key, rate=rate, method=is_ratelimited.ALL,
                       increment=increment)
    )


def enforce(request: HttpRequest, *, group: str, key: str, rate: str) -> None:
    """Count one hit and refuse when over the limit."""
    if check(request, group=group, key=key, rate=rate, increment=True):
        raise RateLimited()
