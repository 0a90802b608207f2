"""Pages: the till. A merchant's staff scan the member's coupon code (camera, handheld scanner or typed),
enter the bill, see the quote and confirm; below, today's redemptions (count, totals) with a reverse
button while the park allows it, refreshed every few seconds so a member's own payment (they scanned
the merchant's printed code) shows up. The page also holds that printed code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkos.core.errors import NotFound
from parkos.core.forms import page_action
from parkos.core.ledger import Money
from parkos.rewards.forms_till import ReverseForm, TillForm, new_key
from parkos.rewards.models import Merchant, Redemption
from parkos.rewards.schemas_till import masked
from parkos.rewards.selectors import redemptions as selectors
from parkos.rewards.services import redemption as services

DAY_ROWS = 100  # the till shows the day's latest; the API pages through all of them


def _qr_svg(payload: str) -> str:
    import segno

    svg: str = segno.make(payload, error="m").svg_inline(scale=5, border=2, omitsize=True, dark="#111")
    return svg


def _today_context(request: HttpRequest, merchant: Merchant) -> dict[str, Any]:
    conf = services.settings_of(merchant.park_id)
    now = timezone.now()
    rows = list(selectors.redemption_list_day(viewer=request.user, merchant=merchant)[:DAY_ROWS])
    for row in rows:  # what the row shows, worked out here (money in yuan, the member's name masked)
        row.reversible = services.can_reverse(row, now=now, conf=conf)  # type: ignore[attr-defined]
        row.member_masked = masked(row.member.display_name)  # type: ignore[attr-defined]
        row.coupon_names = "、".join(str(line.coupon.terms.get("name", "")) for line in row.lines.all())  # type: ignore[attr-defined]
        row.bill_text = Money.format(row.bill_fen)  # type: ignore[attr-defined]
        row.discount_text = Money.format(row.discount_fen)  # type: ignore[attr-defined]
        row.paid_text = Money.format(services.member_paid_fen(row))  # type: ignore[attr-defined]
    totals = selectors.redemption_day_totals(viewer=request.user, merchant=merchant)
    return {"merchant": merchant, "rows": rows, "conf": conf, "totals": totals,
            "totals_discount": Money.format(totals.discount_fen)}


def quote_context(quote: Any) -> dict[str, Any]:
    """A quote as the page shows it (the till's and the member's)."""
    if not quote.ok:
        return {"ok": False, "code": str(quote.error.code), "message": str(quote.error.message)}
    return {"ok": True, "member": masked(quote.member.display_name),
            "lines": [{"name": str(line.coupon.terms.get("name", "")), "discount": Money.format(line.discount_fen)}
                      for line in quote.lines],
            "money_off": Money.format(quote.money_off_fen), "pay": Money.format(quote.pay_fen),
            "discount": Money.format(quote.discount_fen)}


def _page(request: HttpRequest, merchant: Merchant, form: TillForm, *, quote: Any = None,
          status: int = 200) -> HttpResponse:
    pay_url = request.build_absolute_uri(reverse("rewards:pay", args=[merchant.pay_token]))  # what H prints too
    context = {**_today_context(request, merchant), "form": form, "pay_url": pay_url,
               "quote": quote_context(quote) if quote is not None else None,
               "pay_qr": _qr_svg(pay_url), "park": request.park,  # type: ignore[attr-defined]
               "quote_api": reverse("api:rewards_till_quote", args=[merchant.pk]),
               "messages_js": {"discount": _("Discount"), "pays": _("The member pays"),
                               "noCamera": _("This browser cannot scan with the camera: type the code or use a scanner."),
                               "cameraError": _("The camera could not be opened."),
                               "offline": _("No connection: the quote could not be checked.")}}
    return render(request, "rewards/till/till.html", context, status=status)


@login_required
def till(request: HttpRequest, merchant_pk: int) -> HttpResponse:
    """GET: an empty checkout. POST ``action=quote``: the same form with what it would take off;
    ``action=confirm``: redeem (the form's key makes a double click redeem once) and start afresh."""
    merchant = selectors.till_merchant_get(viewer=request.user, merchant_id=merchant_pk)
    if request.method != "POST":
        return _page(request, merchant, TillForm(initial={"key": new_key(f"till{merchant.pk}")}))
    form = TillForm(request.POST)
    if not form.is_valid():
        return _page(request, merchant, form, status=400)
    if request.POST.get("action") != "confirm":
        quote = services.redemption_quote(actor=request.user, merchant=merchant, bill_fen=form.bill_fen(),
                                          scanned=form.scanned())
        return _page(request, merchant, form, quote=quote, status=200 if quote.ok else 400)
    with page_action(request, form=form) as done:
        redemption = services.redemption_create(
            actor=request.user, merchant=merchant, bill_fen=form.bill_fen(), key=form.cleaned_data["key"],
            channel=Redemption.Channel.MERCHANT_SCAN, scanned=form.scanned())
    if not done:
        return _page(request, merchant, form, status=400)
    flash.success(request, _("Redeemed: %(discount)s off, the member pays %(pay)s.") % {
        "discount": Money.format(redemption.discount_fen), "pay": Money.format(services.member_paid_fen(redemption))})
    return redirect("rewards:till", merchant.pk)


@login_required
@require_GET
def till_today(request: HttpRequest, merchant_pk: int) -> HttpResponse:
    """Today's list alone, for the till's refresh every few seconds."""
    merchant = selectors.till_merchant_get(viewer=request.user, merchant_id=merchant_pk)
    response = render(request, "rewards/till/_today.html", _today_context(request, merchant))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def till_reverse(request: HttpRequest, merchant_pk: int, redemption_pk: int) -> HttpResponse:
    merchant = selectors.till_merchant_get(viewer=request.user, merchant_id=merchant_pk)
    redemption = selectors.redemption_get(viewer=request.user, redemption_id=redemption_pk)
    form = ReverseForm(request.POST)
    if redemption.merchant_id != merchant.pk:
        raise NotFound(_("No such redemption."))
    with page_action(request, success=_("The redemption is reversed; the coupon is back with the member.")):
        # The service says what is wrong with the reason (empty, too long), in its words.
        services.redemption_reverse(actor=request.user, redemption=redemption, reason=form.data.get("reason", ""))
    return redirect("rewards:till", merchant.pk)


urlpatterns: list[URLPattern] = [
    path("till/<int:merchant_pk>/", till, name="till"),
    path("till/<int:merchant_pk>/today/", till_today, name="till_today"),
    path("till/<int:merchant_pk>/redemptions/<int:redemption_pk>/reverse/", till_reverse, name="till_reverse"),
]
