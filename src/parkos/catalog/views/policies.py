"""Policy matching pages: the open policies, an enterprise's matches (and its facts), applying for a
policy through a service order, and the butler's portfolio matrix."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.accounts.models import User
from parkos.catalog.eligibility import EnterpriseProfile, describe, evaluate
from parkos.catalog.forms import OrderRequestForm, request_action
from parkos.catalog.forms_policy import FactsForm
from parkos.catalog.parks import chosen_park, role_park_choices
from parkos.catalog.selectors import policies as selectors
from parkos.catalog.selectors.catalog import viewer_enterprise
from parkos.catalog.services import policies as services
from parkos.catalog.views.orders import sent_message
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.forms import page_action
from parkos.enterprises.models import Enterprise

PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def policy_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]  # a search query, not stored
    # The current park's policies: the portfolio-wide ones plus its own.
    policies = selectors.policy_list(viewer=request.user, q=q, park=request.park)  # type: ignore[attr-defined]
    page = Paginator(policies, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/policy_list.html", {
        "page": page, "q": q, "querystring": urlencode({"q": q}) if q else "",
        "my_enterprise": viewer_enterprise(request.user),
        "is_butler": policy.can(request.user, "workspace.view"),
    })


def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    item = selectors.policy_get(viewer=request.user, policy_id=policy_id,
                                park=request.park)  # type: ignore[attr-defined]
    vocabulary = selectors.names()
    enterprise = viewer_enterprise(request.user)
    match = None
    if enterprise is not None:
        from django.utils import timezone

        full = selectors.enterprises_for_matching().get(pk=enterprise.pk)
        match = evaluate(item, EnterpriseProfile.of(full), today=timezone.localdate(), names=vocabulary)
    return render(request, "catalog/policy_detail.html", {
        "item": item, "conditions": [describe(r, vocabulary) for r in item.rules or []],
        "enterprise": enterprise, "match": match,
    })


@login_required
def policy_mine(request: HttpRequest) -> HttpResponse:
    enterprise = viewer_enterprise(request.user)
    if enterprise is None:
        if policy.can(request.user, "workspace.view"):
            return redirect("catalog:policy_portfolio")
        messages.info(request, _("Policy matching is for members of an enterprise in the park."))
        return redirect("catalog:policy_list")
    return redirect("catalog:policy_matches", enterprise.pk)


def _matches_context(request: HttpRequest, enterprise_id: int, facts_form: FactsForm | None = None) -> dict[str, Any]:
    result = selectors.matches_for(viewer=request.user, enterprise_id=enterprise_id)
    enterprise = result.enterprise
    can_edit = policy.can(request.user, "policy.facts.edit", enterprise)
    if facts_form is None and can_edit:
        facts = result.facts
        facts_form = FactsForm(initial={"revenue_band": facts.revenue_band if facts else "",
                                        "patents": facts.patents if facts else 0,
                                        "high_tech": facts.high_tech if facts else False})
    return {"result": result, "enterprise": enterprise, "facts_form": facts_form, "can_edit": can_edit,
            "can_apply": policy.can(request.user, "policy.apply", enterprise)}


@login_required
def policy_matches(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    return render(request, "catalog/policy_matches.html", _matches_context(request, enterprise_id))


@login_required
@require_POST
def policy_facts(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound()
    policy.require(request.user, "policy.facts.edit", enterprise)
    form = FactsForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form,
                         success=_("The facts were saved; the matches below are up to date.")) as done:
            services.facts_save(actor=_user(request), enterprise=enterprise, **form.cleaned_data)
        if done:
            return redirect("catalog:policy_matches", enterprise.pk)
    return render(request, "catalog/policy_matches.html", _matches_context(request, enterprise_id, form), status=400)


@login_required
def policy_apply(request: HttpRequest, policy_id: int, enterprise_id: int) -> HttpResponse:
    item = selectors.policy_get(viewer=request.user, policy_id=policy_id)
    enterprise = Enterprise.objects.filter(pk=enterprise_id, is_active=True).first()
    if enterprise is None:
        raise NotFound()
    policy.require(request.user, "policy.apply", enterprise)
    if item.service is None:
        messages.error(request, _("This policy has no application service yet: ask your butler to help you apply."))
        return redirect("catalog:policy_matches", enterprise.pk)
    form = OrderRequestForm(request.POST or None, service=item.service)
    if request.method == "POST":
        with request_action(request, form=form) as done:
            order, created = services.policy_apply(
                actor=_user(request), enterprise=enterprise, item=item,
                idempotency_key=request.POST.get("idempotency_key", ""), answers=form.raw_answers(),
                note=request.POST.get("note", ""))
        if done:
            if created:
                messages.success(request, sent_message(order))
            return redirect("catalog:order_detail", order.pk)
    return render(request, "catalog/policy_apply.html", {"item": item, "enterprise": enterprise, "form": form},
                  status=400 if form.errors else 200)


@login_required
def policy_portfolio(request: HttpRequest) -> HttpResponse:
    butler_id = request.GET.get("butler", "")
    park = chosen_park(request)
    matrix = selectors.portfolio_matrix(viewer=request.user,
                                        butler_id=int(butler_id) if butler_id.isdigit() else None, park=park)
    rows = [(row, [matrix.cell(row, p) for p in matrix.policies]) for row in matrix.rows]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    totals = [(p, matrix.qualifies[p.pk], matrix.nearly[p.pk]) for p in matrix.policies]
    return render(request, "catalog/policy_portfolio.html", {
        "matrix": matrix, "page": page, "totals": totals,
        "querystring": urlencode({k: v for k, v in (("butler", butler_id if butler_id.isdigit() else ""),
                                                    ("park", park.code if park is not None else "")) if v}),
        "park": park, "parks": role_park_choices(request.user, policy.OPERATOR if policy.can(
            request.user, "workspace.view.all") else policy.BUTLER),
    })


# This part's routes, gathered by ../urls.py.
urls: list[URLPattern] = [
    path("policies/", policy_list, name="policy_list"),
    path("policies/mine/", policy_mine, name="policy_mine"),
    path("policies/portfolio/", policy_portfolio, name="policy_portfolio"),
    path("policies/<int:policy_id>/", policy_detail, name="policy_detail"),
    path("policies/enterprise/<int:enterprise_id>/", policy_matches, name="policy_matches"),
    path("policies/enterprise/<int:enterprise_id>/facts/", policy_facts, name="policy_facts"),
    path("policies/<int:policy_id>/apply/<int:enterprise_id>/", policy_apply, name="policy_apply"),
]
