"""Schemas of the merchants API: merchants, their staff, settlements, statements and the park's reward
settings. Amounts are integer fen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Int
from parkos.rewards.services.settlements import mask_name, statement_row


class MerchantIn(Schema):
    name: str = Field(max_length=200)
    category: str = Field(description="canteen | cafe | store | restaurant | gym | other")
    location: str = Field("", max_length=400)
    description: str = Field("", max_length=1000)
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class MerchantPatch(Schema):
    name: str | None = Field(None, max_length=200)
    category: str | None = None
    location: str | None = Field(None, max_length=400)
    description: str | None = Field(None, max_length=1000)
    active: bool | None = None


class MerchantOut(Schema):
    id: int
    park_id: int
    name: str
    category: str
    category_label: str
    location: str
    description: str
    active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_category_label(obj: Any) -> str:
        return str(obj.get_category_display())


class MerchantListOut(MerchantOut):
    staff_count: int = Field(0, description="how many people work its till")


class PayCodeOut(Schema):
    merchant_id: int
    pay_url: str = Field(description="what the merchant's QR code holds: a member scans it to pay with coupons")


class StaffIn(Schema):
    user: str = Field(max_length=254, description="the person's mobile number, e-mail or account id")
    role: str = Field("cashier", description="owner | cashier")


class MerchantStaffOut(Schema):
    user_id: int
    display_name: str
    role: str
    role_label: str
    created_at: dt.datetime

    @staticmethod
    def resolve_display_name(obj: Any) -> str:
        return str(obj.user.display_name)

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(obj.get_role_display())


class SettlementIn(Schema):
    period_start: dt.date = Field(description="first day (Beijing date), included")
    period_end: dt.date = Field(description="last day (Beijing date), included; must be before today")


class SettlementOut(Schema):
    id: int
    merchant_id: int
    period_start: dt.date
    period_end: dt.date
    redemptions: int
    total_fen: int
    status: str = Field(description="closed | paid")
    created_at: dt.datetime
    paid_at: dt.datetime | None


class OwedOut(Schema):
    payable_fen: int = Field(description="redemptions not yet in a statement (the ledger's merchant:payable)")
    unpaid_fen: int = Field(description="closed statements not yet paid")
    total_fen: int


class StatementTotalsOut(Schema):
    redemptions: int
    reversed: int
    bill_fen: int
    discount_fen: int
    settled_fen: int
    unsettled_fen: int


class StatementOut(Schema):
    merchant_id: int
    start: dt.date
    end: dt.date
    totals: StatementTotalsOut
    owed: OwedOut


class StatementRowOut(Schema):
    id: int
    created_at: dt.datetime
    coupons: str
    member: str = Field(description="masked: 王**")
    bill_fen: int
    discount_fen: int
    status: str = Field(description="done | reversed")
    settlement_id: int | None

    @staticmethod
    def resolve_coupons(obj: Any) -> str:
        return statement_row(obj).coupons

    @staticmethod
    def resolve_member(obj: Any) -> str:
        return mask_name(getattr(obj.member, "display_name", ""))


class RewardSettingsIn(Schema):
    reversal_minutes: Int | None = None
    expiry_reminder_days: Int | None = None
    flag_window_minutes: Int | None = None
    flag_threshold: Int | None = None


class RewardSettingsOut(Schema):
    park_id: int
    reversal_minutes: int
    expiry_reminder_days: int
    flag_window_minutes: int
    flag_threshold: int
