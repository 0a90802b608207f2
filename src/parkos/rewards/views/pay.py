"""Pages: paying at a merchant. A member scans the merchant's printed code (``/rewards/pay/<pay_token>/``),
sees the shop, ticks their coupons valid there, enters the bill, sees what they will pay and confirms;
the answer is a large "redeemed" panel to show the cashier, whose till lists it within seconds."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from parkos.core.forms import page_action
from parkos.core.ledger import Money
from parkos.rewards.forms_till import PayForm, new_key
from parkos.rewards.models import Coupon, Merchant, Redemption
from parkos.rewards.selectors import redemptions as selectors
from parkos.rewards.services import redemption as services
from parkos.rewards.terms import valid_until_text, value_line
from parkos.rewards.views.till import quote_context


def _label(coupon: Coupon) -> str:
    """The coupon's name, what it takes off and until when (the wallet's words, rewards/terms.py)."""
    return " · ".join([str(coupon.terms.get("name", "")), value_line(coupon.terms),
                       _("until %(date)s") % {"date": valid_until_text(coupon.valid_until)}])


def _choices(coupons: list[Coupon]) -> list[tuple[str, str]]:
    return [(str(c.pk), _label(c)) for c in coupons]


def _page(request: HttpRequest, merchant: Merchant, form: PayForm, coupons: list[Coupon], *, quote: Any = None,
          done: Redemption | None = None, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"merchant": merchant, "form": form, "coupons": coupons, "done": done,
                               "quote": quote_context(quote) if quote is not None else None}
    if done is not None:
        context.update(done_discount=Money.format(done.discount_fen), done_bill=Money.format(done.bill_fen),
                       done_paid=Money.format(services.member_paid_fen(done)),
                       done_coupons="、".join(str(line.coupon.terms.get("name", "")) for line in done.lines.all()))
    return render(request, "rewards/pay/pay.html", context, status=status)


@login_required
def pay(request: HttpRequest, token: str) -> HttpResponse:
    merchant = selectors.merchant_by_pay_token(token=token)
    coupons = selectors.coupons_usable_at(viewer=request.user, merchant=merchant)
    done: Redemption | None = None
    if request.GET.get("done", "").isdigit():
        done = selectors.redemption_get(viewer=request.user, redemption_id=int(request.GET["done"]))
        if done.member_id != request.user.pk or done.merchant_id != merchant.pk:
            done = None
    if request.method != "POST":
        form = PayForm(choices=_choices(coupons), initial={"key": new_key(f"pay{merchant.pk}")})
        return _page(request, merchant, form, coupons, done=done)
    # Any id sent is a choice here: the service decides (a coupon just used by this very checkout, sent
    # again by a double click, must reach it to get the first answer back; another's is refused there).
    usable = _choices(coupons)
    known = {value for value, _label in usable}
    sent = [(v, v) for v in request.POST.getlist("coupons") if v.isdigit() and v not in known]
    form = PayForm(request.POST, choices=usable + sent)
    if not form.is_valid():
        return _page(request, merchant, form, coupons, status=400)
    if request.POST.get("action") != "confirm":
        quote = services.redemption_quote(actor=request.user, merchant=merchant, bill_fen=form.bill_fen(),
                                          coupon_ids=form.coupon_ids())
        return _page(request, merchant, form, coupons, quote=quote, status=200 if quote.ok else 400)
    with page_action(request, form=form) as ok:
        redemption = services.redemption_create(
            actor=request.user, merchant=merchant, bill_fen=form.bill_fen(), key=form.cleaned_data["key"],
            channel=Redemption.Channel.MEMBER_SCAN, coupon_ids=form.coupon_ids())
    if not ok:
        return _page(request, merchant, form, coupons, status=400)
    return redirect(f"{request.path}?done={redemption.pk}")


urlpatterns: list[URLPattern] = [path("pay/<str:token>/", pay, name="pay")]
