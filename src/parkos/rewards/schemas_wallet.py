"""API schemas of the wallet: a member's coupons, the tabs' counts, a coupon's current QR code, giving a
coupon away, and an operator withdrawing one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.ledger import Money
from parkos.rewards.selectors.wallet import coupon_state


def _names(context: Any, park_id: int) -> dict[int, str]:
    """Merchant names for the terms: one query per park per request, however many coupons are listed."""
    from parkos.rewards.selectors.wallet import merchant_names

    request = (context or {}).get("request")
    cache: dict[int, dict[int, str]] | None = getattr(request, "_rewards_merchant_names", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._rewards_merchant_names = cache
    if park_id not in cache:
        cache[park_id] = merchant_names([park_id])
    return cache[park_id]


class CouponOut(Schema):
    """A coupon in a wallet. ``code`` names it in URLs and is what a cashier types; what the QR code shows
    changes every 30 seconds (``/rewards/wallet/coupons/{code}/qr``)."""

    code: str
    name: str
    description: str
    park: str = Field(description="the park's code")
    kind: str = Field(description="amount_off, percent_off or free_item")
    value_fen: int = Field(description="the most the coupon takes off a bill (fen)")
    value: str = Field(description="value_fen for people: ¥20")
    percent_off: int | None
    item_name: str
    min_spend_fen: int
    stackable: bool
    transferable: bool
    status: str = Field(description="available, used, expired or revoked (an ended validity reads expired)")
    valid_from: datetime
    valid_until: datetime = Field(description="the coupon is good until just before this moment")
    issued_at: datetime
    used_at: datetime | None
    ended_at: datetime | None
    received_as_gift: bool
    terms: list[str] = Field(description="its rules in plain words, in the client's language")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.terms.get("name") or "")

    @staticmethod
    def resolve_description(obj: Any) -> str:
        return str(obj.terms.get("description") or "")

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return str(obj.park.code)

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.terms.get("kind") or "")

    @staticmethod
    def resolve_value(obj: Any) -> str:
        return Money.format(obj.value_fen)

    @staticmethod
    def resolve_percent_off(obj: Any) -> int | None:
        return obj.terms.get("percent_off")

    @staticmethod
    def resolve_item_name(obj: Any) -> str:
        return str(obj.terms.get("item_name") or "")

    @staticmethod
    def resolve_min_spend_fen(obj: Any) -> int:
        return int(obj.terms.get("min_spend_fen") or 0)

    @staticmethod
    def resolve_stackable(obj: Any) -> bool:
        return bool(obj.terms.get("stackable"))

    @staticmethod
    def resolve_transferable(obj: Any) -> bool:
        return bool(obj.terms.get("transferable"))

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return coupon_state(obj)

    @staticmethod
    def resolve_received_as_gift(obj: Any) -> bool:
        return obj.transferred_from_id is not None

    @staticmethod
    def resolve_terms(obj: Any, context: Any) -> list[str]:
        from parkos.rewards.terms import terms_lines

        return terms_lines(obj.terms, _names(context, obj.park_id), valid_until=obj.valid_until)


class MerchantBriefOut(Schema):
    id: int
    name: str
    category: str
    location: str


class CouponDetailOut(CouponOut):
    merchants: list[MerchantBriefOut] = Field(description="the park's merchants that accept it")


class WalletCountsOut(Schema):
    available: int
    used: int
    expired: int


class CurrentCodeOut(Schema):
    code: str = Field(description="what the QR code holds now (K1.…); a till accepts it for about a minute")
    window_seconds: int
    expires_in: float = Field(description="seconds until the next code")


class CouponTransferIn(Schema):
    to: str = Field(description="the receiving member's mobile number or e-mail address")


class TransferOut(Schema):
    coupon: str = Field(description="the coupon's name")
    to: str = Field(description="the receiver's display name")


class RevokeIn(Schema):
    reason: str = Field(description="why it is withdrawn (1–200 characters); its owner is told")
