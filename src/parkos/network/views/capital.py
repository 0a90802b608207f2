"""Pages: the network's capital — the funds' directory and a fund with its portfolio (operators create,
edit, deactivate), the investor directory and the investor's own profile, an enterprise's financing with
its record form, the park's financing figures (with the operators' CSV/XLSX export) and the exchange rates.
Each calls the same services and selectors as the API; amounts are shown only through the financing
presenter, which masks confidential ones."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.core import policy
from parkos.core.errors import DomainError
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator
from parkos.core.parks import park_list, park_param
from parkos.enterprises.models import Stage
from parkos.network.forms_capital import FinancingForm, FundForm, InvestorForm, RateForm, industry_choices
from parkos.network.models import FundKind
from parkos.network.selectors import capital as selectors
from parkos.network.selectors import financing as financing_selectors
from parkos.network.services import financing as financing_services
from parkos.network.services import funds as fund_services
from parkos.network.services import investors as investor_services
from parkos.network.services import rates as rate_services


def _may_manage_funds(request: HttpRequest) -> bool:
    return policy.can(request.user, "network.fund.manage", policy.PORTFOLIO)


def _querystring(values: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


# --- funds ----------------------------------------------------------------------------------------------

@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    filters = {"q": get.get("q", "")[:50], "kind": get.get("kind", "")[:20], "stage": get.get("stage", "")[:20],
               "industry": get.get("industry", "")[:40], "region": get.get("region", "")[:20],
               "ticket": get.get("ticket", "")[:9]}
    ticket = int(filters["ticket"]) if filters["ticket"].isdigit() else None
    manage = _may_manage_funds(request)
    show_inactive = manage and get.get("show") == "inactive"
    rows = selectors.fund_list(viewer=request.user, kind=filters["kind"], stage=filters["stage"],
                               industry=filters["industry"], region=filters["region"], ticket_wan=ticket,
                               q=filters["q"], active=not show_inactive)
    page = CappedPaginator(rows, 30).get_page(get.get("page"))
    return render(request, "network/capital/funds.html", {
        "page": page, "f": filters, "kinds": FundKind.choices, "stages": Stage.choices,
        "industries": industry_choices(), "may_manage": manage, "show_inactive": show_inactive,
        "querystring": _querystring({**filters, "show": "inactive" if show_inactive else ""})})


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(viewer=request.user, fund_id=pk)
    portfolio = financing_selectors.fund_portfolio(viewer=request.user, fund=fund)
    return render(request, "network/capital/fund.html", {
        "fund": fund, "portfolio": portfolio, "may_manage": _may_manage_funds(request),
        "stage_labels": dict(Stage.choices), "investors": fund.investors.filter(is_listed=True).select_related("user")})


@login_required
def fund_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "network.fund.manage", policy.PORTFOLIO)
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The fund has been added.")) as done:
            fund = fund_services.fund_create(actor=request.user, **form.service_fields())
        if done:
            return redirect("network:capital_fund", fund.pk)
    return render(request, "network/capital/fund_form.html", {"form": form, "title": _("New fund")},
                  status=400 if form.errors else 200)


@login_required
def fund_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, "network.fund.manage", policy.PORTFOLIO)
    fund = selectors.fund_get(viewer=request.user, fund_id=pk)
    form = FundForm(request.POST or None, fund=fund)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The fund has been saved.")) as done:
            fund_services.fund_update(actor=request.user, fund=fund, **form.service_fields())
        if done:
            return redirect("network:capital_fund", fund.pk)
    return render(request, "network/capital/fund_form.html", {"form": form, "fund": fund, "title": fund.name},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def fund_active(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(viewer=request.user, fund_id=pk)
    active = request.POST.get("active") == "1"
    message = _("The fund is listed again.") if active else _("The fund has been deactivated: it is no longer "
                                                              "listed, its portfolio stays.")
    with page_action(request, success=message):
        fund_services.fund_set_active(actor=request.user, fund=fund, active=active)
    return redirect("network:capital_fund", fund.pk)


# --- investors ------------------------------------------------------------------------------------------

@login_required
def investor_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    filters = {"q": get.get("q", "")[:50], "stage": get.get("stage", "")[:20],
               "industry": get.get("industry", "")[:40], "region": get.get("region", "")[:20]}
    rows = selectors.investor_list(viewer=request.user, **filters)
    page = CappedPaginator(rows, 30).get_page(get.get("page"))
    return render(request, "network/capital/investors.html", {
        "page": page, "f": filters, "stages": Stage.choices, "stage_labels": dict(Stage.choices),
        "industries": industry_choices(), "querystring": _querystring(filters),
        "is_investor": investor_services.is_investor(request.user)})


@login_required
def investor_me(request: HttpRequest) -> HttpResponse:
    investor = investor_services.investor_profile_get_or_create(actor=request.user)
    form = InvestorForm(request.POST or None, investor=investor)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Your investor profile has been saved.")) as done:
            investor_services.investor_profile_update(actor=request.user, investor=investor, **form.cleaned_data)
        if done:
            return redirect("network:capital_investor_me")
    return render(request, "network/capital/investor_form.html", {"form": form, "investor": investor},
                  status=400 if form.errors else 200)


# --- an enterprise's financing ----------------------------------------------------------------------------

@login_required
def financing(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = financing_selectors.financing_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    records = financing_selectors.financing_list(viewer=request.user, enterprise=enterprise)
    response = render(request, "network/capital/financing.html", {
        "enterprise": enterprise, "records": records,
        "may_record": policy.can(request.user, "network.financing.record", enterprise)})
    response["Cache-Control"] = "private, no-store"  # confidential amounts for the enterprise's admins
    return response


@login_required
def financing_create(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = financing_selectors.financing_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    policy.require(request.user, "network.financing.record", enterprise)
    form = FinancingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The round has been recorded.")) as done:
            financing_services.financing_record(actor=request.user, enterprise=enterprise, **form.service_fields())
        if done:
            return redirect("network:capital_financing", enterprise.pk)
    return render(request, "network/capital/financing_form.html", {
        "form": form, "enterprise": enterprise, "title": _("Record a round")}, status=400 if form.errors else 200)


@login_required
def financing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = financing_selectors.financing_get(viewer=request.user, record_id=pk, edit=True)
    form = FinancingForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The round has been saved.")) as done:
            financing_services.financing_update(actor=request.user, record=record, **form.service_fields())
        if done:
            return redirect("network:capital_financing", record.enterprise_id)
    response = render(request, "network/capital/financing_form.html", {
        "form": form, "enterprise": record.enterprise, "record": record, "title": _("Edit the round")},
        status=400 if form.errors else 200)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def financing_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = financing_selectors.financing_get(viewer=request.user, record_id=pk, edit=True)
    with page_action(request, success=_("The round has been deleted.")):
        financing_services.financing_delete(actor=request.user, record=record)
    return redirect("network:capital_financing", record.enterprise_id)


# --- the park's figures -----------------------------------------------------------------------------------

def _figures_park(request: HttpRequest) -> Any:
    try:
        return park_param(request.GET.get("park", "")[:20]) or request.park  # type: ignore[attr-defined]
    except DomainError:  # an unknown park in the address: the page does not exist
        raise Http404 from None


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """The park's figures (``?park=&year=``); operators download the records (``?export=csv|xlsx``)."""
    park = _figures_park(request)
    year = request.GET.get("year", "")[:4]
    fmt = request.GET.get("export", "")
    if fmt:
        if fmt not in ("csv", "xlsx"):
            raise Http404
        header, rows = financing_selectors.financing_export_rows(viewer=request.user, park=park,
                                                                 year=year if year.isdigit() else None)
        response = table_download(header=header, rows=rows, fmt=fmt, sheet="financing",
                                  filename=f"network-financing-{park.code}{f'-{year}' if year.isdigit() else ''}")
        response["Cache-Control"] = "private, no-store"
        return response
    with page_action(request) as done:
        f = financing_selectors.figures_get(viewer=request.user, park=park, year=year)
    if not done:
        if done.error is not None and done.error.status != 400:
            raise done.error
        f = financing_selectors.figures_get(viewer=request.user, park=park)
    return render(request, "network/capital/figures.html", {
        "f": f, "park": park, "parks": park_list(),
        "may_export": policy.can(request.user, "network.financing.export", park),
        "export_query": _querystring({"park": park.code, "year": f.year or ""})})


# --- exchange rates -------------------------------------------------------------------------------------

@login_required
def rates(request: HttpRequest) -> HttpResponse:
    may_record = policy.can(request.user, "network.fund.manage", policy.PORTFOLIO)
    form = RateForm(request.POST or None) if may_record else None
    if request.method == "POST":
        policy.require(request.user, "network.fund.manage", policy.PORTFOLIO)
        assert form is not None
        if form.is_valid():
            with page_action(request, form=form, success=_("The rate has been recorded.")) as done:
                rate_services.rate_record(actor=request.user, **form.cleaned_data)
            if done:
                return redirect("network:capital_rates")
    rows = financing_selectors.rate_list(viewer=request.user)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "network/capital/rates.html", {"page": page, "form": form},
                  status=400 if form is not None and form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("capital/funds/", fund_list, name="capital_funds"),
    path("capital/funds/new/", fund_create, name="capital_fund_create"),
    path("capital/funds/<int:pk>/", fund_detail, name="capital_fund"),
    path("capital/funds/<int:pk>/edit/", fund_edit, name="capital_fund_edit"),
    path("capital/funds/<int:pk>/active/", fund_active, name="capital_fund_active"),
    path("capital/investors/", investor_list, name="capital_investors"),
    path("capital/investors/me/", investor_me, name="capital_investor_me"),
    path("capital/enterprises/<int:enterprise_id>/financing/", financing, name="capital_financing"),
    path("capital/enterprises/<int:enterprise_id>/financing/new/", financing_create, name="capital_financing_create"),
    path("capital/financing/<int:pk>/edit/", financing_edit, name="capital_financing_edit"),
    path("capital/financing/<int:pk>/delete/", financing_delete, name="capital_financing_delete"),
    path("capital/figures/", figures, name="capital_figures"),
    path("capital/rates/", rates, name="capital_rates"),
]
