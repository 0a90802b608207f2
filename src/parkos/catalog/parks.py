"""The catalog's park vocabulary, shared by its pages and API: which services a park offers, and the
``?park=`` choice of the operator pages (a park operator's lists hold their park; a portfolio operator
chooses one park or all)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from parkos.core import policy
from parkos.core.models import Park
from parkos.core.parks import park_ids_of, park_list, park_param


def offered_q(park: Park | int | None, field: str = "park") -> Q:
    """Services (or policies) offered in ``park``: the portfolio-wide ones plus that park's own."""
    park_id = park.pk if isinstance(park, Park) else park
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}_id": park_id})


def offered_to_q(viewer: Any, field: str = "park") -> Q:
    """Without a park chosen (the API's default): the portfolio-wide ones plus the own ones of every park
    the viewer belongs to (none for the anonymous)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}_id__in": sorted(park_ids_of(viewer))})


def role_park_choices(viewer: Any, role: str) -> list[Park]:
    """The parks a list by ``role`` can be narrowed to (offered when there is more than one)."""
    parks = policy.role_parks(viewer, role)
    if policy.ALL_PARKS in parks:
        return park_list()
    return [p for p in park_list() if p.pk in parks]


def role_holders_in(role: str, scope: dict[str, Any] | None) -> QuerySet[Any]:
    """Active holders of ``role`` reaching the parks of ``scope`` (a ``policy.scope_filter`` result:
    ``{}`` every park, ``{"park_id__in": [...]}`` some): granted there or portfolio-wide."""
    from parkos.accounts.models import User

    if scope is None:
        return User.objects.none()
    if not scope:
        grants = Q(role_grants__role=role)
    else:
        # One filter() over the grants, so role and park are asked of the same grant.
        grants = (Q(role_grants__role=role, role_grants__park_id__in=scope["park_id__in"])
                  | Q(role_grants__role=role, role_grants__park__isnull=True))
    return User.objects.filter(grants, is_active=True).distinct().order_by("display_name")


def chosen_park(request: Any) -> Park | None:
    """The ``?park=`` of a page (code or id; unknown: NotFound), or None for every park."""
    return park_param(request.GET.get("park"))
