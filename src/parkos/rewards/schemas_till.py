"""API schemas of the till (a merchant's staff redeem members' coupon codes, see the day, reverse) and of
paying at a merchant (a member scans the merchant's printed code and uses their own coupons)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import BigInt, Id


def masked(name: str) -> str:
    """A member's name as a till shows it: the first character, then stars (李明 → 李*)."""
    name = (name or "").strip()
    return (name[:1] + "*" * min(max(len(name) - 1, 1), 3)) if name else ""


class RedeemIn(Schema):
    bill_fen: BigInt = Field(description="the bill in fen (¥35.00 = 3500), 0 or more")
    codes: list[str] = Field(description="the member's scanned coupon codes (K1.…), 1 to 10; several only when "
                                         "every coupon can be combined")
    key: str | None = Field(None, description="an idempotency key (or the Idempotency-Key header): a retry with "
                                              "the same key and request returns the first redemption")


class QuoteIn(Schema):
    bill_fen: BigInt
    codes: list[str]


class PayIn(Schema):
    bill_fen: BigInt = Field(description="the bill in fen, 0 or more")
    coupon_ids: list[Id] = Field(description="ids of the member's own coupons, 1 to 10")
    key: str | None = Field(None, description="an idempotency key (or the Idempotency-Key header)")


class PayQuoteIn(Schema):
    bill_fen: BigInt
    coupon_ids: list[Id]


class ReverseIn(Schema):
    reason: str = Field(description="why the redemption is reversed (required, at most 200 characters)")


class ErrorBrief(Schema):
    code: str
    message: str


class QuoteLineOut(Schema):
    coupon_id: int
    name: str
    kind: str
    discount_fen: int = Field(description="what the park pays the merchant for this coupon")
    money_off_fen: int = Field(description="what it takes off the bill (0 for a free item)")


class QuoteOut(Schema):
    """What the checkout would redeem, or why it would be refused (``ok`` false, ``error``)."""

    ok: bool
    bill_fen: int
    discount_fen: int
    money_off_fen: int
    pay_fen: int = Field(description="what the member pays")
    member: str = Field(description="the member's name, masked")
    lines: list[QuoteLineOut]
    error: ErrorBrief | None


def quote_out(quote: Any) -> dict[str, Any]:
    ok = quote.ok
    return {
        "ok": ok, "bill_fen": quote.bill_fen, "discount_fen": quote.discount_fen if ok else 0,
        "money_off_fen": quote.money_off_fen if ok else 0, "pay_fen": quote.pay_fen if ok else quote.bill_fen,
        "member": masked(quote.member.display_name) if quote.member is not None else "",
        "lines": [{"coupon_id": line.coupon.pk, "name": str(line.coupon.terms.get("name", "")),
                   "kind": str(line.coupon.terms.get("kind", "")), "discount_fen": line.discount_fen,
                   "money_off_fen": line.money_off_fen} for line in quote.lines] if ok else [],
        "error": {"code": str(quote.error.code), "message": str(quote.error.message)} if not ok else None,
    }


class RedeemedCouponOut(Schema):
    coupon_id: int
    name: str
    discount_fen: int
    active: bool


class RedemptionOut(Schema):
    id: int
    merchant_id: int
    merchant: str
    member: str = Field(description="the member's name, masked")
    channel: str = Field(description="merchant_scan | member_scan")
    bill_fen: int
    discount_fen: int = Field(description="what the park owes the merchant")
    pay_fen: int = Field(description="what the member paid")
    status: str = Field(description="done | reversed")
    created_at: datetime
    reversed_at: datetime | None
    reversal_reason: str
    settled: bool
    coupons: list[RedeemedCouponOut]

    @staticmethod
    def resolve_merchant(obj: Any) -> str:
        return str(obj.merchant.name)

    @staticmethod
    def resolve_member(obj: Any) -> str:
        return masked(obj.member.display_name)

    @staticmethod
    def resolve_pay_fen(obj: Any) -> int:
        from parkos.rewards.services.redemption import member_paid_fen

        return member_paid_fen(obj)

    @staticmethod
    def resolve_settled(obj: Any) -> bool:
        return obj.settlement_id is not None

    @staticmethod
    def resolve_coupons(obj: Any) -> list[dict[str, Any]]:
        return [{"coupon_id": line.coupon_id, "name": str(line.coupon.terms.get("name", "")),
                 "discount_fen": line.discount_fen, "active": line.active} for line in obj.lines.all()]


class TillDayOut(Schema):
    day: str
    count: int = Field(description="redemptions that stand (reversed ones excluded)")
    bill_fen: int
    discount_fen: int
    reversed: int


class UsableCouponOut(Schema):
    id: int
    name: str
    kind: str
    value_fen: int
    min_spend_fen: int
    stackable: bool
    valid_until: datetime

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.terms.get("name", ""))

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.terms.get("kind", ""))

    @staticmethod
    def resolve_min_spend_fen(obj: Any) -> int:
        return int(obj.terms.get("min_spend_fen") or 0)

    @staticmethod
    def resolve_stackable(obj: Any) -> bool:
        return bool(obj.terms.get("stackable"))


class PayMerchantOut(Schema):
    """The merchant behind a printed payment code, and the member's coupons valid there."""

    merchant_id: int
    name: str
    category: str
    location: str
    coupons: list[UsableCouponOut]
