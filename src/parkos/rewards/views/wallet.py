"""Pages: the member's wallet (coupons available, used and expired in the current park) and one coupon
(its rotating QR code for the till, its code to type, its rules, where it is accepted), giving a coupon
to another member (find, confirm, give) and an operator withdrawing one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkos.core import policy
from parkos.core.errors import DomainError, NotFound
from parkos.core.forms import add_domain_error, page_action
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.rewards.forms_wallet import RevokeForm, TransferForm
from parkos.rewards.models import Coupon
from parkos.rewards.selectors import wallet as selectors
from parkos.rewards.services import wallet as services
from parkos.rewards.terms import terms_lines, valid_until_text

PER_PAGE = 20


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def typed_code(code: str) -> str:
    """The code in groups of four, as a cashier reads and types it."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def _masked(user: Any) -> str:
    """Enough of the receiver's login to recognise them, not to learn it: 138****5678, z***@example.com."""
    if user.mobile:
        return f"{user.mobile[:3]}****{user.mobile[-4:]}"
    local, _at, domain = (user.email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    """My coupons in the current park, one tab at a time (available first, soonest to expire first)."""
    park = _park(request)
    tab = request.GET.get("status") or selectors.AVAILABLE
    if tab not in selectors.TABS:
        tab = selectors.AVAILABLE
    now = timezone.now()
    page = Paginator(selectors.coupon_list(viewer=request.user, status=tab, park=park, now=now),
                     PER_PAGE).get_page(request.GET.get("page"))
    names = selectors.merchant_names([park.pk])
    rows = [{"coupon": c, "value": Money.format(c.value_fen), "state": selectors.coupon_state(c, now),
             "lines": terms_lines(c.terms, names), "until": valid_until_text(c.valid_until)}
            for c in page.object_list]
    counts = selectors.wallet_counts(viewer=request.user, park=park, now=now)
    tabs = [(selectors.AVAILABLE, _("Available")), (selectors.USED, _("Used")), (selectors.EXPIRED, _("Expired"))]
    return render(request, "rewards/wallet/list.html", {
        "park": park, "tab": tab, "tabs": [(value, label, counts[value]) for value, label in tabs],
        "rows": rows, "page": page, "querystring": f"status={tab}"})


def _detail(request: HttpRequest, coupon: Coupon, *, transfer_form: TransferForm | None = None,
            revoke_form: RevokeForm | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    state = selectors.coupon_state(coupon, now)
    owner = policy.can(request.user, "rewards.wallet.own", coupon)
    context: dict[str, Any] = {
        "coupon": coupon, "state": state, "owner": owner, "value": Money.format(coupon.value_fen),
        "name": coupon.terms.get("name") or "", "description": coupon.terms.get("description") or "",
        "typed_code": typed_code(coupon.code), "until": valid_until_text(coupon.valid_until),
        "lines": terms_lines(coupon.terms, selectors.merchant_names([coupon.park_id]), valid_until=coupon.valid_until),
        "merchants": selectors.accepting_merchants(coupon),
    }
    if owner and state == selectors.AVAILABLE:
        current = selectors.coupon_code_for(viewer=request.user, coupon=coupon)
        context.update({
            "qr": current, "qr_url": reverse("api:rewards_wallet_qr", args=[coupon.code]),
            "labels": {"offline": _("No network: the code cannot be renewed. It works for about a minute."),
                       "ended": _("This coupon can no longer be used."),
                       "unsupported": _("This browser cannot show the QR code: give the cashier the code below.")},
        })
        if coupon.terms.get("transferable"):
            context["transfer_form"] = transfer_form or TransferForm()
    if coupon.status == Coupon.Status.AVAILABLE and policy.can(request.user, "rewards.manage", coupon):
        context["revoke_form"] = revoke_form or RevokeForm()
    response = render(request, "rewards/wallet/detail.html", context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
def coupon_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, selectors.coupon_get(viewer=request.user, code=code))


@login_required
@require_POST
def coupon_transfer(request: HttpRequest, code: str) -> HttpResponse:
    """Two steps: the member types the receiver's mobile number or e-mail address and sees who that is;
    only the second post (``confirm``) gives the coupon."""
    coupon = selectors.coupon_get(viewer=request.user, code=code)
    form = TransferForm(request.POST)
    if not form.is_valid():
        return _detail(request, coupon, transfer_form=form, status=400)
    try:
        to_user = services.recipient_find(value=form.cleaned_data["to"])
        if request.POST.get("confirm") != "1":
            services.coupon_transfer_check(actor=request.user, coupon=coupon, to_user=to_user)
            return render(request, "rewards/wallet/transfer_confirm.html", {
                "coupon": coupon, "name": coupon.terms.get("name") or "", "value": Money.format(coupon.value_fen),
                "to": form.cleaned_data["to"], "to_name": to_user.display_name, "to_masked": _masked(to_user)})
    except DomainError as error:  # the confirm step's check: shown on the form, nothing written yet
        add_domain_error(form, error)
        return _detail(request, coupon, transfer_form=form, status=400)
    with page_action(request, form=form, success=_("The coupon is given. It has left your wallet.")) as done:
        services.coupon_transfer(actor=request.user, coupon=coupon, to_user=to_user)
    if done:
        return redirect("rewards:wallet")
    return _detail(request, coupon, transfer_form=form, status=400)


@login_required
@require_POST
def coupon_revoke(request: HttpRequest, code: str) -> HttpResponse:
    coupon = selectors.coupon_get(viewer=request.user, code=code)
    form = RevokeForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("The coupon is withdrawn; its owner is told why.")) as done:
            services.coupon_revoke(actor=request.user, coupon=coupon, reason=form.cleaned_data["reason"])
        if done:
            return redirect("rewards:coupon_detail", coupon.code)
    if not policy.can(request.user, "rewards.manage", coupon):
        raise NotFound(_("There is no such coupon in your wallet."))
    return _detail(request, coupon, revoke_form=form, status=400)


urlpatterns: list[URLPattern] = [
    path("wallet/", wallet, name="wallet"),
    path("wallet/<str:code>/", coupon_detail, name="coupon_detail"),
    path("wallet/<str:code>/transfer/", coupon_transfer, name="coupon_transfer"),
    path("wallet/<str:code>/revoke/", coupon_revoke, name="coupon_revoke"),
]
