"""Schemas of the capital API: funds, investors, financing records (amounts as decimal text exactly as
typed, never floats; ``null`` where a confidential amount is not the caller's to see), the park's figures
(yuan totals in integer fen) and exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id

STAGES_DOC = "values of the enterprise stages: seed, angel, series_a, series_b, series_c, pre_ipo, listed"


class FundIndustryOut(Schema):
    code: str
    name: str


def _industries(obj: Any) -> list[dict[str, str]]:
    return [{"code": i.code, "name": str(i.name)} for i in obj.industries.all()]


class FundOut(Schema):
    id: int
    name: str
    name_zh: str
    name_en: str
    kind: str
    stages: list[str]
    industries: list[FundIndustryOut]
    regions: list[str]
    ticket_min_wan: int | None = Field(description="ten thousand yuan")
    ticket_max_wan: int | None
    country: str = Field(description="ISO 3166-1 alpha-3, empty when none")
    description: str
    website: str
    is_active: bool

    @staticmethod
    def resolve_industries(obj: Any) -> list[dict[str, str]]:
        return _industries(obj)

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return obj.country.code if obj.country_id else ""


class FundIn(Schema):
    name_zh: str = Field(max_length=300)
    name_en: str = Field("", max_length=300)
    kind: str = Field("vc", description="vc, pe, angel, cvc, government or bank")
    stages: list[str] = Field(default_factory=list, max_length=10, description=STAGES_DOC)
    industries: list[str] = Field(default_factory=list, max_length=40, description="industry codes")
    regions: list[str] = Field(default_factory=list, max_length=40)
    ticket_min_wan: int | None = Field(None, ge=0, le=10**9)
    ticket_max_wan: int | None = Field(None, ge=0, le=10**9)
    country: str = Field("", max_length=3, description="ISO 3166-1 alpha-3")
    description: str = Field("", max_length=4000)
    website: str = Field("", max_length=400)


class FundPatch(Schema):
    name_zh: str | None = Field(None, max_length=300)
    name_en: str | None = Field(None, max_length=300)
    kind: str | None = None
    stages: list[str] | None = Field(None, max_length=10)
    industries: list[str] | None = Field(None, max_length=40)
    regions: list[str] | None = Field(None, max_length=40)
    ticket_min_wan: int | None = Field(None, ge=0, le=10**9)
    ticket_max_wan: int | None = Field(None, ge=0, le=10**9)
    country: str | None = Field(None, max_length=3)
    description: str | None = Field(None, max_length=4000)
    website: str | None = Field(None, max_length=400)
    is_active: bool | None = Field(None, description="false deactivates the fund, true brings it back")


class InvestorLineOut(Schema):
    name: str
    fund_id: int | None
    investor_id: int | None
    is_lead: bool


class FinancingOut(Schema):
    """A round as the caller may see it: ``amount``, ``amount_cny_fen`` and ``note`` are null / empty and
    ``amount_text`` says "Undisclosed" when it is confidential and not the caller's to see."""

    id: int
    enterprise_id: int
    enterprise_name: str
    round: str
    round_label: str
    currency: str
    announced_on: dt.date
    disclosure: str = Field(description="disclosed or confidential")
    amount_visible: bool
    amount: Decimal | None = Field(description="in the currency, as typed")
    amount_text: str
    amount_cny_fen: int | None = Field(description="converted at rate_to_cny when recorded")
    rate_to_cny: Decimal
    note: str
    source: str
    competition_year: int | None
    competition_track: str
    investors: list[InvestorLineOut]
    may_edit: bool


class FundDetailOut(FundOut):
    portfolio: list[FinancingOut]


class InvestorOut(Schema):
    id: int
    name: str
    title: str
    fund_id: int | None
    fund_name: str
    thesis: str
    stages: list[str]
    industries: list[FundIndustryOut]
    regions: list[str]
    ticket_min_wan: int | None
    ticket_max_wan: int | None
    accepts_introductions: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.user.display_name)

    @staticmethod
    def resolve_fund_name(obj: Any) -> str:
        return str(obj.fund.name) if obj.fund_id else ""

    @staticmethod
    def resolve_industries(obj: Any) -> list[dict[str, str]]:
        return _industries(obj)


class InvestorMeOut(InvestorOut):
    is_listed: bool


class InvestorIn(Schema):
    """The whole profile (PUT): absent fields are emptied to their defaults."""

    fund: Id | None = None
    title: str = Field("", max_length=200)
    thesis: str = Field("", max_length=4000)
    stages: list[str] = Field(default_factory=list, max_length=10, description=STAGES_DOC)
    industries: list[str] = Field(default_factory=list, max_length=40, description="industry codes")
    regions: list[str] = Field(default_factory=list, max_length=40)
    ticket_min_wan: int | None = Field(None, ge=0, le=10**9)
    ticket_max_wan: int | None = Field(None, ge=0, le=10**9)
    is_listed: bool = True
    accepts_introductions: bool = True


class InvestorLineIn(Schema):
    fund: Id | None = Field(None, description="a fund of the network")
    investor: Id | None = Field(None, description="an investor member's profile id")
    name: str = Field("", max_length=300, description="an investor from outside the network")
    is_lead: bool = False


class FinancingIn(Schema):
    round: str = Field(description="angel, seed, pre_a, a, a_plus, b, c, d, pre_ipo, ipo or strategic")
    amount: str = Field(max_length=40, description="decimal text as written, in the currency's units: 5000000.00")
    currency: str = Field("CNY", description="CNY, USD, EUR, HKD, GBP, JPY or SGD")
    announced_on: dt.date
    investors: list[InvestorLineIn] = Field(default_factory=list, max_length=60)
    disclosure: str = Field("disclosed", description="disclosed or confidential")
    note: str = Field("", max_length=2000)


class FinancingPatch(Schema):
    round: str | None = None
    amount: str | None = Field(None, max_length=40)
    currency: str | None = None
    announced_on: dt.date | None = None
    investors: list[InvestorLineIn] | None = Field(None, max_length=60)
    disclosure: str | None = None
    note: str | None = Field(None, max_length=2000)


class FiguresCellOut(Schema):
    key: str = Field(description="the year, industry id, round, 'edition · track' or 'other' (merged cells)")
    label: str
    rounds: int
    enterprises: int
    confidential: int = Field(description="rounds with an undisclosed amount, counted in fen")
    fen: int | None = Field(description="the yuan total in fen; null when it would reveal an undisclosed amount")
    text: str
    reading: str


class CurrencyTotalOut(Schema):
    currency: str
    rounds: int
    confidential: int
    amount: Decimal | None = Field(description="sum in the currency; null when it would reveal an undisclosed amount")
    text: str


class FinancingFiguresOut(Schema):
    park_id: int
    year: int | None
    years: list[int]
    total: FiguresCellOut
    currencies: list[CurrencyTotalOut]
    by_year: list[FiguresCellOut]
    by_industry: list[FiguresCellOut]
    by_round: list[FiguresCellOut]
    by_competition: list[FiguresCellOut] = Field(description="empty until a record names a competition edition")

    @staticmethod
    def resolve_park_id(obj: Any) -> int:
        return int(obj.park.pk)


class RateOut(Schema):
    id: int
    currency: str
    valid_on: dt.date
    rate_to_cny: Decimal = Field(description="yuan per unit")
    source: str


class RateIn(Schema):
    currency: str
    valid_on: dt.date
    rate_to_cny: str = Field(max_length=40, description="decimal text, at most six places: 7.1234")
    source: str = Field("", max_length=200)


__all__ = [
    "CurrencyTotalOut",
    "FiguresCellOut",
    "FinancingFiguresOut",
    "FinancingIn",
    "FinancingOut",
    "FinancingPatch",
    "FundDetailOut",
    "FundIn",
    "FundOut",
    "FundPatch",
    "InvestorIn",
    "InvestorLineIn",
    "InvestorMeOut",
    "InvestorOut",
    "RateIn",
    "RateOut",
]
