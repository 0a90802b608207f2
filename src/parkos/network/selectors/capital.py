"""Reads of the capital directory: funds (with their filters) and the listed investors, for signed-in
members (``network.fund.view``). A fund's portfolio is read through selectors/financing.py, which masks
confidential amounts."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.text import normalise_plain
from parkos.enterprises.models import Industry
from parkos.network.models import Fund, FundKind, Investor

QUERY_MAX = 50


def _json_contains(field: str, value: str) -> Q:
    """A JSON list of texts containing ``value`` (SQLite keeps non-ASCII escaped: match that form too)."""
    return Q(**{f"{field}__icontains": json.dumps(value)}) | Q(**{f"{field}__icontains": value})


def _industry_filter(field: str, code: str) -> Q:
    """An industry and its children: a fund of "人工智能" fits a search for its parent industry too."""
    return Q(**{f"{field}__code": code}) | Q(**{f"{field}__parent__code": code})


def fund_list(*, viewer: Any, kind: str = "", stage: str = "", industry: str = "", region: str = "",
              ticket_wan: int | None = None, q: str = "", active: bool | None = True) -> QuerySet[Fund]:
    """The network's funds by name; ``ticket_wan``: funds whose ticket range holds that size (ten thousand
    yuan); ``active``: None lists deactivated ones too (operators)."""
    policy.require(viewer, "network.fund.view")
    qs = Fund.objects.select_related("country").prefetch_related(
        Prefetch("industries", Industry.objects.order_by("position", "code")))
    if active is not None:
        if not active:
            policy.require(viewer, "network.fund.manage", policy.PORTFOLIO)
        qs = qs.filter(is_active=active)
    elif not policy.can(viewer, "network.fund.manage", policy.PORTFOLIO):
        qs = qs.filter(is_active=True)
    if kind and kind in FundKind.values:
        qs = qs.filter(kind=kind)
    if stage:
        qs = qs.filter(_json_contains("stages", stage[:20]))
    if industry:
        qs = qs.filter(_industry_filter("industries", industry[:40])).distinct()
    if region:
        qs = qs.filter(_json_contains("regions", normalise_plain(region)[:20]))
    if ticket_wan is not None:
        qs = qs.filter(Q(ticket_min_wan__isnull=True) | Q(ticket_min_wan__lte=ticket_wan),
                       Q(ticket_max_wan__isnull=True) | Q(ticket_max_wan__gte=ticket_wan))
    text = normalise_plain(q)[:QUERY_MAX]
    if text:
        qs = qs.filter(Q(name_zh__icontains=text) | Q(name_en__icontains=text) | Q(description__icontains=text))
    return qs.order_by("name_zh")


def fund_get(*, viewer: Any, fund_id: int) -> Fund:
    """A fund; a deactivated one only for the operators who keep them."""
    policy.require(viewer, "network.fund.view")
    fund = (Fund.objects.select_related("country")
            .prefetch_related(Prefetch("industries", Industry.objects.order_by("position", "code")))
            .filter(pk=fund_id).first())
    if fund is None or (not fund.is_active and not policy.can(viewer, "network.fund.manage", policy.PORTFOLIO)):
        raise NotFound(_("No such fund."))
    return fund


def fund_choices() -> QuerySet[Fund]:
    """Active funds, for the financing form's and the profile's choices."""
    return Fund.objects.filter(is_active=True).only("id", "name_zh", "name_en").order_by("name_zh")


def investor_list(*, viewer: Any, q: str = "", stage: str = "", industry: str = "",
                  region: str = "") -> QuerySet[Investor]:
    """Listed investors (those who chose to be shown to the parks' enterprises) whose account is active."""
    policy.require(viewer, "network.fund.view")
    qs = (Investor.objects.filter(is_listed=True, user__is_active=True)
          .select_related("user", "fund")
          .prefetch_related(Prefetch("industries", Industry.objects.order_by("position", "code"))))
    if stage:
        qs = qs.filter(_json_contains("stages", stage[:20]))
    if industry:
        qs = qs.filter(_industry_filter("industries", industry[:40])).distinct()
    if region:
        qs = qs.filter(_json_contains("regions", normalise_plain(region)[:20]))
    text = normalise_plain(q)[:QUERY_MAX]
    if text:
        qs = qs.filter(Q(user__display_name__icontains=text) | Q(thesis__icontains=text)
                       | Q(title__icontains=text) | Q(fund__name_zh__icontains=text))
    return qs.order_by("-updated_at", "id")


def investor_industries(investor: Investor) -> list[Industry]:
    return list(investor.industries.order_by("position", "code"))


__all__ = ["fund_choices", "fund_get", "fund_list", "investor_industries", "investor_list"]
