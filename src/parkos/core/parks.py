"""The parks of the operator's portfolio: reads, the member's parks, the current park of a request.

A deployment holds several parks. What lives in one park carries ``park_id`` (directly, or through its
enterprise's building); what spans the portfolio (accounts, interest groups, search, the competition,
the partner network) does not. Pages show the **current park** — the one the member chose in the header,
else their enterprise's, else the default — and say so; what a member may do never depends on it: the
policy asks the object's own park (``policy.park_of``).

Core depends on no domain, so the domains tell it which parks a member belongs to through
``register_member_parks`` (enterprises: the employer's park)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from parkos.core.errors import ErrorCode, NotAuthenticated, NotFound
from parkos.core.models import Park, ParkFollow

COOKIE = "parkos_park"
_CACHE_KEY = "parks:v1"
_CACHE_SECONDS = 60

# Domains add the parks a member belongs to (enterprises: the park of the member's enterprise).
_MEMBER_PARKS: list[Callable[[Any], Iterable[int]]] = []


def register_member_parks(source: Callable[[Any], Iterable[int]]) -> None:
    if source not in _MEMBER_PARKS:
        _MEMBER_PARKS.append(source)


# --- reads ----------------------------------------------------------------------------------------

def _all() -> list[Park]:
    """Every active park, cached briefly: parks change a few times a year and every page asks."""
    parks: list[Park] | None = cache.get(_CACHE_KEY)
    if parks is None:
        parks = list(Park.objects.filter(is_active=True).order_by("position", "id"))
        cache.set(_CACHE_KEY, parks, _CACHE_SECONDS)
    return parks


def parks_changed() -> None:
    """Forget the cached list now (the rest of this transaction sees its own new park: a seed that makes a
    park and then its gates, say) and again on commit (another process may have cached the old list
    in between)."""
    cache.delete(_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(_CACHE_KEY))


def park_list() -> list[Park]:
    return _all()


def park_default() -> Park:
    parks = _all()
    for park in parks:
        if park.is_default:
            return park
    if parks:
        return parks[0]
    # A database whose default park was never created (migrations always create one): make it now.
    park, _created = Park.objects.get_or_create(code="main", defaults={"name": "园区", "is_default": True})
    parks_changed()
    return park


def park_get(*, code: str | None = None, park_id: int | None = None) -> Park:
    for park in _all():
        if (code is not None and park.code == code) or (park_id is not None and park.pk == park_id):
            return park
    raise NotFound(_("No such park."))


# Why a park is the member's: the three ways ``parks_of`` names.
EMPLOYER = "employer"
FOLLOWED = "followed"
ROLE = "role"


def park_reasons_of(user: Any) -> dict[int, frozenset[str]]:
    """Each park of the member with why it is theirs: their enterprise's (``employer``), one they follow
    (``followed``), one where they hold a role (``role``; every park for a portfolio-wide role). Empty for
    the anonymous. Computed once per user object (a request's ``request.user``)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    # Cached under ``_park_ids`` (the keys are the ids): that is the name role grants forget (accounts).
    cached = getattr(user, "_park_ids", None)
    if cached is not None:
        return dict(cached)
    from parkos.core import policy
    from parkos.core.generations import person_fact

    def own() -> tuple[list[int], list[int]]:
        employer = [park_id for source in _MEMBER_PARKS for park_id in source(user)]
        return employer, list(ParkFollow.objects.filter(user=user).values_list("park_id", flat=True))

    # Kept until the person's memberships or followed parks change, or an enterprise moves (generations).
    employer, followed = person_fact(user, "parks", own, also=["enterprises"])
    reasons: dict[int, set[str]] = {}
    for park_id in employer:
        reasons.setdefault(park_id, set()).add(EMPLOYER)
    for park_id in followed:
        reasons.setdefault(park_id, set()).add(FOLLOWED)
    for parks in policy.role_scopes_of(user).values():
        ids = [p.pk for p in _all()] if policy.ALL_PARKS in parks else [p for p in parks if p is not None]
        for park_id in ids:
            reasons.setdefault(park_id, set()).add(ROLE)
    frozen = {park_id: frozenset(why) for park_id, why in reasons.items()}
    user._park_ids = frozen
    return dict(frozen)


def park_ids_of(user: Any) -> frozenset[int]:
    """The parks a member belongs to: their enterprise's, the ones they follow, and the ones where they
    hold a role (every park for a portfolio-wide role). Empty for the anonymous."""
    return frozenset(park_reasons_of(user))


def parks_of(user: Any) -> list[Park]:
    ids = park_ids_of(user)
    return [p for p in _all() if p.pk in ids]


# --- writes ---------------------------------------------------------------------------------------

def park_follow(*, actor: Any, park: Park, follow: bool = True) -> None:
    """Follow (or stop following) a park: its events and news then show for the member. Idempotent."""
    if not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated()
    if follow:
        ParkFollow.objects.get_or_create(user=actor, park=park)
    else:
        ParkFollow.objects.filter(user=actor, park=park).delete()
    actor.__dict__.pop("_park_ids", None)


# --- the current park of a request ----------------------------------------------------------------

def current_park(request: HttpRequest) -> Park:
    """The park a page shows: the member's choice (cookie), else their first park, else the default."""
    code = request.COOKIES.get(COOKIE)
    if code:
        for park in _all():
            if park.code == code:
                return park
    user = getattr(request, "user", None)
    mine = parks_of(user) if user is not None else []
    return mine[0] if mine else park_default()


def choose_park(response: HttpResponse, park: Park) -> HttpResponse:
    response.set_cookie(COOKIE, park.code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


class CurrentParkMiddleware:
    """Sets ``request.park`` (resolved on first use, so requests that never ask pay nothing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.park = SimpleLazyObject(lambda: current_park(request))  # type: ignore[attr-defined]
        return self.get_response(request)


def park_param(value: Any, *, field: str = "park") -> Park | None:
    """An optional ``park`` filter given by code or id in a query: None when empty, NotFound when unknown."""
    if value in (None, ""):
        return None
    text = str(value)
    try:
        return park_get(park_id=int(text)) if text.isdigit() else park_get(code=text)
    except NotFound:
        raise NotFound(_("No such park."), code=ErrorCode.NOT_FOUND, details={field: [str(_("No such park."))]}) from None


_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_FALLBACK_BRAND, _FALLBACK_ACCENT = "#0b7a5c", "#e3f4ee"


def park_colours(park: Park) -> dict[str, str]:
    """The park's colours as CSS values, re-checked here (the model validates them, but a row written
    around the model must not put arbitrary text into a style attribute)."""
    brand = park.brand_colour if _HEX.fullmatch(park.brand_colour or "") else _FALLBACK_BRAND
    accent = park.accent_colour if _HEX.fullmatch(park.accent_colour or "") else _FALLBACK_ACCENT
    return {"brand": brand.lower(), "accent": accent.lower()}


def park_style(park: Park) -> str:
    """The inline style that makes the park's colours the page's CSS variables (core/parkos.css)."""
    colours = park_colours(park)
    return f"--brand:{colours['brand']};--accent:{colours['accent']}"


def park_logo_url(park: Park) -> str:
    """The logo's address (core's view; ``?v=`` changes with the file, so browsers may cache it), or ""."""
    if not park.logo:
        return ""
    from urllib.parse import quote

    from django.urls import reverse

    return f"{reverse('core:park_logo', args=[park.code])}?v={quote(park.logo.name.rsplit('/', 1)[-1])}"


def park_choose(*, code: Any) -> Park:
    """The park a visitor switches to: any active park (switching changes what is shown, never what the
    member may do). Unknown or inactive: NotFound with a translated message."""
    text = str(code or "").strip()
    for park in _all():
        if text and park.code == text:
            return park
    raise NotFound(_("No such park."), code=ErrorCode.NOT_FOUND, details={"park": [str(_("No such park."))]})


def shell(request: HttpRequest) -> dict[str, Any]:
    """Template context: the current park (name, branding) and the parks the header switches between
    (the member's parks; every active park for the anonymous)."""
    park = getattr(request, "park", None)
    if park is None:
        return {}
    user = getattr(request, "user", None)
    mine = parks_of(user) if user is not None and user.is_authenticated else []
    choices = mine or _all()
    if park.pk not in {p.pk for p in choices}:
        choices = [*choices, park]
    return {"current_park": park, "park_choices": choices, "park_name": park.display_name(),
            "park_style": park_style(park), "park_logo_url": park_logo_url(park)}
