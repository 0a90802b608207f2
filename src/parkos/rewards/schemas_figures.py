"""Schemas of the operators' rewards figures (per template, rule, merchant and hour; the overtime
coupon's reach) and of flags. Money is integer fen."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class RewardTemplateFiguresOut(Schema):
    template_id: int
    name: str
    park_id: int
    status: str
    value_fen: int
    budget_count: int
    budget_fen: int
    committed_fen: int = Field(description="value issued since the template exists (what its budget gave out)")
    budget_used_pct: int
    issued: int = Field(description="coupons issued in the period")
    issued_fen: int
    redeemed: int = Field(description="coupons redeemed in the period (redemptions that stand)")
    discount_fen: int = Field(description="what those redemptions cost the park (owed to merchants)")
    expired: int = Field(description="coupons that expired in the period")
    revoked: int = Field(description="coupons revoked in the period")
    available: int = Field(description="coupons available in wallets now")


class RewardRuleFiguresOut(Schema):
    rule_id: int
    name: str
    kind: str
    template_name: str
    active: bool
    eligible: int = Field(description="members found eligible by the period's runs")
    issued: int = Field(description="coupons the rule issued in the period")
    used: int = Field(description="of which used")
    expired: int = Field(description="of which expired or revoked")
    available: int = Field(description="of which still available")


class RewardMerchantFiguresOut(Schema):
    merchant_id: int
    name: str
    category: str
    redemptions: int
    bill_fen: int
    discount_fen: int
    reversed: int


class RewardOvertimeReachOut(Schema):
    rules: int = Field(description="overtime rules of the park(s)")
    late_workers: int = Field(description="members in the park after the late hour on at least one day of the period")
    got: int = Field(description="members who got an overtime coupon issued in the period")
    used: int = Field(description="of whom used one")
    coupons: int
    coupons_used: int


class RewardTotalsOut(Schema):
    issued: int
    issued_fen: int
    redeemed: int
    discount_fen: int
    expired: int
    available: int
    redemptions: int


class RewardFiguresOut(Schema):
    park_id: int | None = Field(description="null: every park of the portfolio")
    start: dt.date
    end: dt.date
    totals: RewardTotalsOut
    templates: list[RewardTemplateFiguresOut]
    rules: list[RewardRuleFiguresOut]
    merchants: list[RewardMerchantFiguresOut]
    by_hour: list[int] = Field(description="24 values: redemptions in each hour of the day, Beijing time")
    overtime: RewardOvertimeReachOut


class RewardFlagOut(Schema):
    id: int
    park_id: int
    merchant_id: int
    merchant_name: str = Field(alias="merchant.name")
    kind: str
    window_start: dt.datetime
    count: int
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by_id: int | None
    note: str


class RewardFlagResolveIn(Schema):
    note: str = Field(description="what the operator found (required, at most 200 characters)")
