"""Schemas of the operators' coupon templates and issuing-by-hand API. Money is integer fen."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema

from parkos.core.schemas import Id

Fen = Annotated[int, Field(ge=0, le=10**12)]
Whole = Annotated[int, Field(ge=0, le=2**31 - 1)]


class TemplateIn(Schema):
    name: str = Field(max_length=200)
    description: str = Field("", max_length=1000)
    kind: str = Field(description="amount_off | percent_off | free_item")
    value_fen: Fen = Field(description="the amount off, the cap of a percent off, or the free item's price (fen)")
    percent_off: Annotated[int, Field(ge=0, le=100)] | None = None
    item_name: str = Field("", max_length=200)
    min_spend_fen: Fen = 0
    merchant_categories: list[str] = Field(default_factory=list, max_length=20,
                                           description="canteen | cafe | store | restaurant | gym | other")
    merchants: list[Id] = Field(default_factory=list, max_length=200, description="merchant ids of the park")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: Annotated[int, Field(ge=0, le=32767)] | None = Field(None, description="days from issue, instead of dates")
    per_person_limit: Annotated[int, Field(ge=0, le=32767)] = Field(0, description="0: no limit")
    budget_count: Whole
    budget_fen: Fen
    stackable: bool = False
    transferable: bool = False
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class TemplatePatch(Schema):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=1000)
    kind: str | None = None
    value_fen: Fen | None = None
    percent_off: Annotated[int, Field(ge=0, le=100)] | None = None
    item_name: str | None = Field(None, max_length=200)
    min_spend_fen: Fen | None = None
    merchant_categories: list[str] | None = Field(None, max_length=20)
    merchants: list[Id] | None = Field(None, max_length=200)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: Annotated[int, Field(ge=0, le=32767)] | None = None
    per_person_limit: Annotated[int, Field(ge=0, le=32767)] | None = None
    budget_count: Whole | None = None
    budget_fen: Fen | None = None
    stackable: bool | None = None
    transferable: bool | None = None


class TemplateStatusIn(Schema):
    status: str = Field(description="active | paused | closed")


class TemplateOut(Schema):
    id: int
    park_id: int
    name: str
    description: str
    kind: str
    value_fen: int
    percent_off: int | None
    item_name: str
    min_spend_fen: int
    merchant_categories: list[str]
    merchants: list[int]
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    per_person_limit: int
    budget_count: int
    budget_fen: int
    issued_count: int
    issued_fen: int
    stackable: bool
    transferable: bool
    status: str
    created_at: datetime

    @staticmethod
    def resolve_merchants(obj: Any) -> list[int]:
        return sorted(m.pk for m in obj.merchants.all())


class TemplateDetailOut(TemplateOut):
    coupons: dict[str, int] = Field(description="the template's coupons by status")

    @staticmethod
    def resolve_coupons(obj: Any) -> dict[str, int]:
        return dict(getattr(obj, "coupon_counts", {}))


class WhoIn(Schema):
    """Exactly one of them."""

    user_ids: list[Id] = Field(default_factory=list, max_length=2000)
    mobiles: list[Annotated[str, Field(max_length=254)]] = Field(default_factory=list, max_length=500,
                               description="mobile numbers or e-mail addresses of members")
    enterprise: Id | None = None
    group: Id | None = None


class CouponGrantIn(WhoIn):
    key: str = Field(min_length=8, max_length=64,
                     description="idempotency key: the same key again issues nothing and answers the first batch")


class GrantPreviewOut(Schema):
    recipients: int
    would_issue: int
    over_limit: int
    over_budget: int
    not_members: int
    not_found: list[str] = Field(description="mobiles or e-mails that match no member")
    cost_fen: int
    budget_left_count: int
    budget_left_fen: int
    within_budget: bool


class RowErrorOut(Schema):
    row: int = Field(description="the file's row number (0: a person named by id)")
    mobile: str
    message: str


class BatchOut(Schema):
    id: int
    template_id: int
    source: str
    target: str
    requested: int
    issued: int
    issued_fen: int
    skipped: int
    created_at: datetime
    created_by_id: int | None


class CouponGrantOut(Schema):
    batch: BatchOut
    replayed: bool
    issued: int
    already: int
    over_limit: int
    over_budget: int
    not_found: list[str]


class ImportOut(Schema):
    rows: int
    errors: list[RowErrorOut]
    batch: BatchOut | None = Field(description="empty for a check only")
    replayed: bool
    preview: GrantPreviewOut | None = Field(description="for a check only: what an import would do")
