"""API schemas of the ranking: the computation's report, an entry's row in the ranking, decisions, the public
results, a team's feedback, appeals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class CompRankingReportOut(Schema):
    entries: int = Field(description="entries ranked (with at least one submitted score)")
    rereviews: list[int] = Field(description="applications sent to an extra judge by this computation")
    short: list[int] = Field(description="applications that need a re-review but found no judge left")


class CompRoundStateOut(Schema):
    id: int
    kind: str
    status: str
    reviewed_at: dt.datetime | None
    published_at: dt.datetime | None
    appeals_close_at: dt.datetime | None


class CompRankingRowOut(Schema):
    id: int
    application: int = Field(alias="application_id")
    number: str
    project_name: str
    team_name: str
    status: str
    rank: int | None
    raw_mean: Decimal | None
    z_mean: float | None
    final_score: float | None
    spread: float | None
    scores_count: int
    needs_rereview: bool
    proposed: bool
    decided: bool
    note: str

    @staticmethod
    def resolve_number(obj: Any) -> str:
        return str(obj.application.number)

    @staticmethod
    def resolve_project_name(obj: Any) -> str:
        return str(obj.application.project_name)

    @staticmethod
    def resolve_team_name(obj: Any) -> str:
        return str(obj.application.team_name)

    @staticmethod
    def resolve_decided(obj: Any) -> bool:
        return obj.decided_at is not None


class CompDecisionIn(Schema):
    passed: bool
    note: str = Field("", description="to the team; required when failing screening or deciding a re-review")


class CompResultRowOut(Schema):
    entry: int
    rank: int | None
    project_name: str
    team_name: str
    track: str


class CompMyEntryOut(Schema):
    entry: int
    application: int
    status: str
    rank: int | None
    note: str


class CompResultsOut(Schema):
    round: int
    final: bool
    appeals_open: bool
    appeals_close_at: dt.datetime | None
    teams: list[CompResultRowOut]
    mine: list[CompMyEntryOut]


class CompFeedbackOut(Schema):
    shown: bool
    texts: list[str]
    reason: str


class CompAppealIn(Schema):
    text: str


class CompAppealAnswerIn(Schema):
    upheld: bool
    answer: str


class CompAppealOut(Schema):
    id: int
    entry: int = Field(alias="entry_id")
    status: str
    text: str
    answer: str
    created_at: dt.datetime
    answered_at: dt.datetime | None
