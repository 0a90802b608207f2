"""API: the till. A merchant's staff quote and redeem members' scanned coupon codes, read the day's
redemptions and reverse a mistaken one (operators too); a member who scanned a merchant's printed code
quotes and pays with their own coupons (``/rewards/pay/{pay_token}``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status
from ninja.pagination import paginate

from parkos.core.errors import ErrorCode, Invalid
from parkos.core.pagination import PageNumberPagination
from parkos.rewards.models import Redemption
from parkos.rewards.schemas_till import (
    PayIn,
    PayMerchantOut,
    PayQuoteIn,
    QuoteIn,
    QuoteOut,
    RedeemIn,
    RedemptionOut,
    ReverseIn,
    TillDayOut,
    quote_out,
)
from parkos.rewards.selectors import redemptions as selectors
from parkos.rewards.services import redemption as services

router = Router(tags=["rewards"])


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(code=ErrorCode.INVALID, details={"day": ["YYYY-MM-DD"]}) from None


def _key(header: str | None, field: str | None) -> str:
    return (header or field or "").strip()


@router.post("/merchants/{merchant_id}/redemptions/quote", response=QuoteOut, url_name="rewards_till_quote")
def redemption_quote(request: HttpRequest, merchant_id: int, payload: QuoteIn) -> Any:
    """What the scanned codes would take off this bill, or why they would be refused. Changes nothing."""
    merchant = selectors.till_merchant_get(viewer=request.user, merchant_id=merchant_id)
    return quote_out(services.redemption_quote(actor=request.user, merchant=merchant, bill_fen=payload.bill_fen,
                                               scanned=payload.codes))


@router.post("/merchants/{merchant_id}/redemptions", response={201: RedemptionOut})
def redemption_create(request: HttpRequest, merchant_id: int, payload: RedeemIn,
                      idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Status[Any]:
    """Redeem the member's scanned codes, exactly once. A retry with the same key returns the first
    redemption; the same key with another request is refused (409 ``idempotency_conflict``)."""
    merchant = selectors.till_merchant_get(viewer=request.user, merchant_id=merchant_id)
    redemption = services.redemption_create(
        actor=request.user, merchant=merchant, bill_fen=payload.bill_fen, key=_key(idempotency_key, payload.key),
        channel=Redemption.Channel.MERCHANT_SCAN, scanned=payload.codes)
    return Status(201, selectors.redemption_get(viewer=request.user, redemption_id=redemption.pk))


@router.get("/merchants/{merchant_id}/redemptions", response=list[RedemptionOut])
@paginate(PageNumberPagination, page_size=50)
def redemption_list(request: HttpRequest, merchant_id: int, day: str | None = None) -> Any:
    """A day's redemptions at the merchant (today by default, ``day`` YYYY-MM-DD), newest first."""
    merchant = selectors.till_merchant_get(viewer=request.user, merchant_id=merchant_id, action="rewards.merchant.view")
    return selectors.redemption_list_day(viewer=request.user, merchant=merchant, day=_day(day))


@router.get("/merchants/{merchant_id}/redemptions/day", response=TillDayOut)
def redemption_day(request: HttpRequest, merchant_id: int, day: str | None = None) -> Any:
    """A day's count and totals at the merchant (reversed redemptions apart)."""
    merchant = selectors.till_merchant_get(viewer=request.user, merchant_id=merchant_id, action="rewards.merchant.view")
    totals = selectors.redemption_day_totals(viewer=request.user, merchant=merchant, day=_day(day))
    return {"day": totals.day.isoformat(), "count": totals.count, "bill_fen": totals.bill_fen,
            "discount_fen": totals.discount_fen, "reversed": totals.reversed}


@router.get("/redemptions/{redemption_id}", response=RedemptionOut)
def redemption_get(request: HttpRequest, redemption_id: int) -> Any:
    return selectors.redemption_get(viewer=request.user, redemption_id=redemption_id)


@router.post("/redemptions/{redemption_id}/reverse", response=RedemptionOut)
def redemption_reverse(request: HttpRequest, redemption_id: int, payload: ReverseIn) -> Any:
    """Reverse a mistaken redemption (its merchant's staff, the park's operators) within the park's limit,
    never once it is in a settlement: the coupons go back to the member."""
    redemption = selectors.redemption_get(viewer=request.user, redemption_id=redemption_id)
    services.redemption_reverse(actor=request.user, redemption=redemption, reason=payload.reason)
    return selectors.redemption_get(viewer=request.user, redemption_id=redemption_id)


# --- the member's side: the merchant's printed code ------------------------------------------------

@router.get("/pay/{pay_token}", response=PayMerchantOut)
def pay_merchant(request: HttpRequest, pay_token: str) -> Any:
    """The merchant of a printed payment code and my coupons valid there."""
    merchant = selectors.merchant_by_pay_token(token=pay_token)
    return {"merchant_id": merchant.pk, "name": merchant.name, "category": merchant.category,
            "location": merchant.location,
            "coupons": selectors.coupons_usable_at(viewer=request.user, merchant=merchant)}


@router.post("/pay/{pay_token}/quote", response=QuoteOut, url_name="rewards_pay_quote")
def pay_quote(request: HttpRequest, pay_token: str, payload: PayQuoteIn) -> Any:
    merchant = selectors.merchant_by_pay_token(token=pay_token)
    return quote_out(services.redemption_quote(actor=request.user, merchant=merchant, bill_fen=payload.bill_fen,
                                               coupon_ids=payload.coupon_ids))


@router.post("/pay/{pay_token}/redemptions", response={201: RedemptionOut})
def pay_create(request: HttpRequest, pay_token: str, payload: PayIn,
               idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Status[Any]:
    """Use my coupons at the merchant of this printed code (``member_scan``); show the answer to the cashier."""
    merchant = selectors.merchant_by_pay_token(token=pay_token)
    redemption = services.redemption_create(
        actor=request.user, merchant=merchant, bill_fen=payload.bill_fen, key=_key(idempotency_key, payload.key),
        channel=Redemption.Channel.MEMBER_SCAN, coupon_ids=payload.coupon_ids)
    return Status(201, selectors.redemption_get(viewer=request.user, redemption_id=redemption.pk))
