"""Ninja schemas of policy matching and the operator report."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema

from parkos.core.schemas import Id, Int


class PolicyOut(Schema):
    id: int
    code: str
    title: str
    issuer: str
    summary: str
    benefit: str
    deadline: date | None
    link: str
    rules: list[dict[str, Any]]
    service_id: int | None


class ConditionOut(Schema):
    field: str
    label: str
    met: bool
    missing: str


class MatchOut(Schema):
    policy: PolicyOut
    status: str
    conditions: list[ConditionOut]


class MatchesOut(Schema):
    enterprise_id: int
    qualifies: list[MatchOut]
    nearly: list[MatchOut]
    not_eligible: list[MatchOut]


class PortfolioRowOut(Schema):
    enterprise_id: int
    enterprise: str
    qualifies: list[int]
    nearly: list[int]


class PolicyPortfolioOut(Schema):
    policies: list[PolicyOut]
    rows: list[PortfolioRowOut]


class FactsIn(Schema):
    revenue_band: str = ""
    patents: Int = 0
    high_tech: bool = False


class FactsOut(Schema):
    enterprise_id: int
    revenue_band: str
    patents: int
    high_tech: bool


class ApplyIn(Schema):
    enterprise_id: Id
    idempotency_key: str = ""
    answers: dict[str, Any] = {}
    note: str = ""


class ApplyOut(Schema):
    order_id: int
    number: str
    status: str
    created: bool


class CategoryFigureOut(Schema):
    category: str
    name: str
    total: int
    open: int
    delivered: int
    overdue: int
    turnaround_n: int
    turnaround_median: float | None
    sla_median: float | None
    within_sla: int


class ProviderFigureOut(Schema):
    provider_id: int
    provider: str
    orders: int
    ratings: int
    average: float | None


class TrendOut(Schema):
    enterprise_id: int
    enterprise: str
    ratings: int
    by_month: dict[str, float]


class ServiceReportOut(Schema):
    date_from: date
    date_to: date
    total: int
    overdue: int
    turnaround_median: float | None
    categories: list[CategoryFigureOut]
    providers: list[ProviderFigureOut]
    trend: list[TrendOut]


# The published schema names each class by its own name (one name, one schema across the whole
# API: config/tests/test_openapi.py); the short names stay importable for the routers.
PortfolioOut = PolicyPortfolioOut
ReportOut = ServiceReportOut
