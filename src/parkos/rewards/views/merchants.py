"""Pages: the operators' merchants (list, create, edit, staff, the pay code and its printable QR,
settlements and closing a period), the park's reward settings, and a merchant's statements (its
operators and its own staff: owners and cashiers read them, only operators close a period)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator
from parkos.rewards.forms_merchants import (
    MerchantForm,
    PeriodForm,
    RewardSettingsForm,
    StaffForm,
    StatementForm,
)
from parkos.rewards.models import Merchant, Settlement
from parkos.rewards.selectors import merchants as selectors
from parkos.rewards.services import merchants as services
from parkos.rewards.services import settlements


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def pay_url(request: HttpRequest, merchant: Merchant) -> str:
    """What the merchant's QR code holds: the absolute address of its pay page (rewards:pay)."""
    return request.build_absolute_uri(selectors.pay_path(merchant))


def _money(values: dict[str, int]) -> dict[str, str]:
    return {name: Money.format(value) for name, value in values.items()}


def _with_totals(rows: Any) -> Any:
    for settlement in rows:
        settlement.total_text = Money.format(settlement.total_fen)
    return rows


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


# --- operators: merchants ---------------------------------------------------------------------------

@login_required
def merchant_list(request: HttpRequest) -> HttpResponse:
    """Operators: the current park's merchants. Someone who runs no park but works at merchants sees theirs."""
    park = _park(request)
    mine = selectors.merchants_of_staff(request.user)
    operator = policy.can(request.user, "rewards.manage", park)
    rows = None
    q = request.GET.get("q", "")[:60]
    if operator or not mine:
        rows = selectors.merchant_list(viewer=request.user, park=park, q=q)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page")) if rows is not None else None
    return render(request, "rewards/merchants/list.html", {
        "park": park, "page": page, "mine": mine, "operator": operator, "q": q,
        "querystring": urlencode({"q": q}) if q else ""})


@login_required
def merchant_create(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    policy.require(request.user, "rewards.manage", park)
    form = MerchantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("The merchant has been created.")) as done:
            merchant = services.merchant_create(actor=request.user, park=park, name=data["name"],
                                                category=data["category"], location=data["location"],
                                                description=data["description"])
        if done:
            return redirect("rewards:merchant_detail", merchant.pk)
    return render(request, "rewards/merchants/form.html", {"form": form, "park": park, "title": _("New merchant")},
                  status=400 if form.errors else 200)


@login_required
def merchant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = selectors.merchant_get(viewer=request.user, merchant_id=pk, action="rewards.manage")
    initial = {"name": merchant.name, "category": merchant.category, "location": merchant.location,
               "description": merchant.description, "active": merchant.active}
    form = MerchantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The merchant has been saved.")) as done:
            services.merchant_update(actor=request.user, merchant=merchant, **form.cleaned_data)
        if done:
            return redirect("rewards:merchant_detail", merchant.pk)
    return render(request, "rewards/merchants/form.html", {
        "form": form, "park": merchant.park, "merchant": merchant, "title": _("Edit the merchant")},
        status=400 if form.errors else 200)


def _detail_post(request: HttpRequest, merchant: Merchant, staff_form: StaffForm, period_form: PeriodForm) -> bool:
    """One of the detail page's actions; True when it succeeded (the page redirects)."""
    action = request.POST.get("action", "")
    if action == "staff_add":
        if not staff_form.is_valid():
            return False
        from parkos.accounts.selectors import user_find

        with page_action(request, form=staff_form, success=_("They can now work at this merchant.")) as done:
            services.staff_add(actor=request.user, merchant=merchant,
                               user=user_find(value=staff_form.cleaned_data["user"]),
                               role=staff_form.cleaned_data["role"])
        return bool(done)
    if action == "close":
        if not period_form.is_valid():
            return False
        with page_action(request, form=period_form, success=_("The statement has been closed.")) as done:
            settlements.settlement_close(actor=request.user, merchant=merchant,
                                         period_start=period_form.cleaned_data["period_start"],
                                         period_end=period_form.cleaned_data["period_end"])
        return bool(done)
    raw = request.POST.get("id", "")
    target = int(raw) if raw.isdigit() and len(raw) < 18 else 0
    with page_action(request) as done:
        if action == "staff_remove":
            staff = services.staff_get(actor=request.user, merchant=merchant, user_id=target)
            services.staff_remove(actor=request.user, merchant=merchant, user=staff.user)
        elif action == "paid":
            settlement = selectors.settlement_get(viewer=request.user, settlement_id=target)
            if settlement.merchant_id != merchant.pk:
                return False
            settlements.settlement_mark_paid(actor=request.user, settlement=settlement)
        elif action == "reset_code":
            services.merchant_pay_token_reset(actor=request.user, merchant=merchant)
        elif action in ("deactivate", "activate"):
            services.merchant_update(actor=request.user, merchant=merchant, active=action == "activate")
        else:
            return False
    return bool(done)


@login_required
def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A merchant for its operators: staff, pay code, what the park owes it, its settlements."""
    merchant = selectors.merchant_get(viewer=request.user, merchant_id=pk, action="rewards.manage")
    action = request.POST.get("action") if request.method == "POST" else None
    staff_form = StaffForm(request.POST if action == "staff_add" else None, prefix="staff")
    start, end = _last_month(settlements.local_today())
    period_form = PeriodForm(request.POST if action == "close" else None, prefix="period",
                             initial={"period_start": start, "period_end": end})
    if action is not None:
        if _detail_post(request, merchant, staff_form, period_form):
            return redirect("rewards:merchant_detail", merchant.pk)
        merchant = selectors.merchant_get(viewer=request.user, merchant_id=pk, action="rewards.manage")
    settlement_page = CappedPaginator(selectors.settlement_list(viewer=request.user, merchant=merchant), 20) \
        .get_page(request.GET.get("page"))
    _with_totals(settlement_page.object_list)
    bad = staff_form.errors or period_form.errors
    response = render(request, "rewards/merchants/detail.html", {
        "merchant": merchant, "staff": list(selectors.staff_list(viewer=request.user, merchant=merchant)),
        "staff_form": staff_form, "period_form": period_form, "page": settlement_page,
        "owed_text": _money(selectors.owed(viewer=request.user, merchant=merchant)), "pay_url": pay_url(request, merchant)},
        status=400 if bad else 200)
    response["Cache-Control"] = "private, no-store"  # the pay code
    return response


@login_required
def merchant_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The merchant's pay code, to print and stand at the till (members scan it and confirm the amount)."""
    merchant = selectors.merchant_get(viewer=request.user, merchant_id=pk, action="rewards.manage")
    response = render(request, "rewards/merchants/qr.html", {"merchant": merchant, "pay_url": pay_url(request, merchant)})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def reward_settings(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    policy.require(request.user, "rewards.manage", park)
    current = services.settings_get(park)
    form = RewardSettingsForm(request.POST or None,
                              initial={name: getattr(current, name) for name in services.SETTINGS_FIELDS})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The reward settings have been saved.")) as done:
            services.settings_update(actor=request.user, park=park, **form.cleaned_data)
        if done:
            return redirect("rewards:reward_settings")
    return render(request, "rewards/merchants/settings.html", {"form": form, "park": park},
                  status=400 if form.errors else 200)


# --- statements (operators and the merchant's staff) -------------------------------------------------

@login_required
def statements(request: HttpRequest, merchant_pk: int) -> HttpResponse:
    """A period's redemptions (or one settlement's) with totals, what the park owes, the settlements, and
    the download (``?format=xlsx`` or ``csv``)."""
    merchant = selectors.merchant_get(viewer=request.user, merchant_id=merchant_pk, action="rewards.settlement.view")
    settlement: Settlement | None = None
    raw = request.GET.get("settlement", "")
    if raw.isdigit() and len(raw) < 18:
        settlement = selectors.settlement_get(viewer=request.user, settlement_id=int(raw))
        if settlement.merchant_id != merchant.pk:
            settlement = None
    today = settlements.local_today()
    form = StatementForm(request.GET if "start" in request.GET else None,
                         initial={"start": today.replace(day=1), "end": today})
    if settlement is not None:
        start, end = settlement.period_start, settlement.period_end
        form = StatementForm(initial={"start": start, "end": end})
    elif form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        start, end = today.replace(day=1), today
    scope: dict[str, Any] = {"settlement": settlement} if settlement is not None else {"start": start, "end": end}
    rows = totals = None
    with page_action(request, form=form if form.is_bound else None):
        rows = settlements.statement_redemptions(viewer=request.user, merchant=merchant, **scope)
        totals = settlements.statement_totals(viewer=request.user, merchant=merchant, **scope)
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv") and rows is not None:
        header, table = settlements.statement_table(viewer=request.user, merchant=merchant, **scope)
        name = f"statement-{merchant.pk}-{start.isoformat()}-{end.isoformat()}"
        return table_download(header=header, rows=table, fmt=fmt, filename=name, sheet="statement")
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page")) if rows is not None else None
    query: dict[str, Any] = {"settlement": settlement.pk} if settlement is not None else {"start": start.isoformat(),
                                                                          "end": end.isoformat()}
    return render(request, "rewards/merchants/statements.html", {
        "merchant": merchant, "form": form, "page": page, "totals": totals, "start": start, "end": end,
        "settlement": settlement, "settlement_rows": [settlements.statement_row(r) for r in page] if page else [],
        "totals_text": totals.as_text() if totals is not None else {},
        "settlements": _with_totals(list(selectors.settlement_list(viewer=request.user, merchant=merchant)[:24])),
        "owed_text": _money(selectors.owed(viewer=request.user, merchant=merchant)),
        "operator": policy.can(request.user, "rewards.settlement.close", merchant),
        "querystring": urlencode(query), "role": selectors.staff_role(request.user, merchant)},
        status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("merchants/", merchant_list, name="merchant_list"),
    path("merchants/new/", merchant_create, name="merchant_create"),
    path("merchants/<int:pk>/", merchant_detail, name="merchant_detail"),
    path("merchants/<int:pk>/edit/", merchant_edit, name="merchant_edit"),
    path("merchants/<int:pk>/qr/", merchant_qr, name="merchant_qr"),
    path("merchants/<int:merchant_pk>/statements/", statements, name="statements"),
    path("settings/", reward_settings, name="reward_settings"),
]
