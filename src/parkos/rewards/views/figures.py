"""The operators' pages: the rewards figures of a park or of the whole portfolio over a period (with an
XLSX export of the same tables) and the flags of unusual redemption patterns, resolved with a note."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.ledger import Money
from parkos.core.parks import park_param
from parkos.rewards.models import MerchantCategory, RuleKind
from parkos.rewards.selectors import figures as selectors
from parkos.rewards.selectors.figures import RewardFigures
from parkos.rewards.services import flags as services

ALL = "all"


def _park(request: HttpRequest) -> Any:
    """The park shown: ``?park=all`` every park (portfolio operators), ``?park=<code>`` that park, else the
    current park."""
    value = request.GET.get("park", "")
    if value == ALL:
        return None
    return park_param(value) or request.park  # type: ignore[attr-defined]


def _figures(request: HttpRequest) -> RewardFigures:
    """The figures for the page's filters; a bad date is said and the default period shown instead."""
    park = _park(request)
    with page_action(request) as done:
        figures = selectors.figures_get(viewer=request.user, park=park, start=request.GET.get("start"),
                                        end=request.GET.get("end"))
    if not done:
        figures = selectors.figures_get(viewer=request.user, park=park)
    return figures


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    f = _figures(request)
    if request.GET.get("format") in ("xlsx", "csv"):
        return _export(f, request.GET["format"])
    parks = selectors.figures_parks(viewer=request.user)
    can_all = len(parks) > 1 and _portfolio(request)
    categories = dict(MerchantCategory.choices)
    kinds = dict(RuleKind.choices)
    return render(request, "rewards/figures/figures.html", {
        "f": f, "parks": parks, "can_all": can_all, "all": ALL,
        "park_value": ALL if f.park is None else f.park.code,
        "hour_rows": [(hour, n, round(100 * n / f.hour_max)) for hour, n in enumerate(f.by_hour)],
        "merchant_rows": [(m, categories.get(m.category, m.category)) for m in f.merchants],
        "rule_rows": [(r, kinds.get(r.kind, r.kind)) for r in f.rules],
        "export_query": urlencode({"park": ALL if f.park is None else f.park.code, "start": f.start.isoformat(),
                                   "end": f.end.isoformat(), "format": "xlsx"}),
    })


def _portfolio(request: HttpRequest) -> bool:
    from parkos.core import policy

    return policy.can(request.user, "rewards.figures.view", policy.PORTFOLIO)


def _export(f: RewardFigures, fmt: str) -> HttpResponse:
    """The page's tables in one sheet, a section per block, money in yuan."""
    yuan = Money.to_yuan
    header = [_("Section"), _("Name"), _("Issued"), _("Redeemed"), _("Expired"), _("Available now"),
              _("Cost (¥)"), _("Budget (¥)"), _("Budget used (%)")]
    rows: list[list[Any]] = []
    for t in f.templates:
        rows.append([_("Coupon"), t.name, t.issued, t.redeemed, t.expired + t.revoked, t.available,
                     yuan(t.discount_fen), yuan(t.budget_fen), t.budget_used_pct])
    for r in f.rules:
        rows.append([_("Rule"), r.name, r.issued, r.used, r.expired, r.available, "", "", ""])
    for m in f.merchants:
        rows.append([_("Merchant"), m.name, "", m.redemptions, "", "", yuan(m.discount_fen), "", ""])
    for hour, n in enumerate(f.by_hour):
        rows.append([_("Hour of day"), f"{hour:02d}:00", "", n, "", "", "", "", ""])
    o = f.overtime
    rows += [
        [_("Overtime coupon"), _("Late workers"), o.late_workers, "", "", "", "", "", ""],
        [_("Overtime coupon"), _("Got a coupon"), o.got, "", "", "", "", "", ""],
        [_("Overtime coupon"), _("Used one"), "", o.used, "", "", "", "", ""],
    ]
    name = "all" if f.park is None else f.park.code
    return table_download(header=header, rows=rows, fmt=fmt, filename=f"rewards-{name}-{f.start}-{f.end}",
                          sheet="rewards")


@login_required
def flags(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    resolved = {"open": False, "resolved": True}.get(show)
    park_value = request.GET.get("park", "")
    park = None if park_value == ALL else (park_param(park_value) or request.park)  # type: ignore[attr-defined]
    rows = selectors.flag_list(viewer=request.user, park=park, resolved=resolved)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "rewards/figures/flags.html", {
        "page": page, "park": park, "show": show,
        "querystring": urlencode({k: v for k, v in {"show": show, "park": park_value}.items() if v}),
    })


@login_required
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = selectors.flag_get(viewer=request.user, flag_id=pk)
    with page_action(request, success=_("Flag resolved.")):
        services.flag_resolve(actor=request.user, flag=flag, note=request.POST.get("note", ""))
    return redirect(f"{reverse('rewards:flags')}?{urlencode({'park': flag.park.code})}")


urlpatterns: list[URLPattern] = [
    path("figures/", figures, name="figures"),
    path("flags/", flags, name="flags"),
    path("flags/<int:pk>/resolve/", flag_resolve, name="flag_resolve"),
]
