"""Schemas of the issuing rules API: a rule, its preview for a period, its runs, and "run now"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, SmallInt


class RuleParams(Schema):
    min_days: SmallInt | None = Field(None, description="overtime: late on at least this many working days (1–7)")
    event_ids: list[Id] | None = Field(None, description="event_attended: only these events of the park (≤ 50); "
                                                         "empty: any event of the park")


class RuleIn(Schema):
    name: str = Field(max_length=200)
    kind: str = Field(description="overtime | event_attended | deal_completed | first_order")
    template: Id = Field(description="the coupon template issued (of the same park)")
    params: RuleParams | None = None
    period: str = Field("weekly", description="weekly (Monday–Sunday) | daily")
    run_hour: SmallInt = Field(9, description="the hour it runs, Beijing time (0–23)")
    run_weekday: SmallInt = Field(0, description="weekly: the day it runs, 0 Monday … 6 Sunday")
    active: bool = Field(False, description="runs on its schedule when active")
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class RulePatch(Schema):
    name: str | None = Field(None, max_length=200)
    kind: str | None = None
    template: Id | None = None
    params: RuleParams | None = None
    period: str | None = None
    run_hour: SmallInt | None = None
    run_weekday: SmallInt | None = None
    active: bool | None = None


class RuleOut(Schema):
    id: int
    park_id: int
    name: str
    kind: str
    template_id: int
    template_name: str
    params: dict[str, Any]
    period: str
    run_hour: int
    run_weekday: int
    active: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_template_name(obj: Any) -> str:
        return str(obj.template.name)


class RulePreviewOut(Schema):
    period_key: str = Field(description="2026-W48 (weekly) or 2026-12-03 (daily)")
    period_start: date
    period_end: date
    eligible: int = Field(description="members who meet the rule in the period")
    would_issue: int = Field(description="coupons a run would issue now")
    already: int = Field(description="members who already have this period's coupon")
    over_limit: int = Field(description="members at the coupon's limit per member")
    over_budget: int = Field(description="members the budget leaves out")
    cost_fen: int = Field(description="what the coupons issued would cost at most, in fen")
    within_budget: bool
    template_active: bool = Field(description="the coupon is active (a run is refused otherwise)")


class RunIn(Schema):
    period_key: str | None = Field(None, max_length=16, description="a past period; default: the one that just ended")


class RunQueuedOut(Schema):
    rule_id: int
    period_key: str
    queued: bool = Field(description="the run was handed to the background worker; see GET …/runs")


class RunOut(Schema):
    id: int
    rule_id: int
    period_key: str
    period_start: date
    period_end: date
    status: str = Field(description="running | done | budget (stopped at the budget) | failed")
    eligible: int
    issued: int
    issued_fen: int
    already: int = Field(description="already had this period's coupon (or the coupon's limit per member)")
    over_budget: int
    scheduled: bool
    started_by_id: int | None
    started_at: datetime
    finished_at: datetime | None
    error: str
