"""API schemas of judging: judges, conflicts, assignments, the automatic assignment's report, recusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id


class CompJudgeAddIn(Schema):
    user: Id | None = Field(None, description="the account id; or give `login`")
    login: str = Field("", description="the e-mail address or mobile number of an account holding the judge role")
    tracks: list[Id] = Field(default_factory=list)
    rounds: list[Id] = Field(default_factory=list)
    title: str = ""
    max_load: int | None = None


class CompJudgeUpdateIn(Schema):
    title: str | None = None
    tracks: list[Id] | None = None
    rounds: list[Id] | None = None
    max_load: int | None = None
    is_active: bool | None = None


class CompJudgeOut(Schema):
    id: int
    edition: int = Field(alias="edition_id")
    user: int = Field(alias="user_id")
    name: str
    title: str
    tracks: list[int]
    rounds: list[int]
    max_load: int | None
    is_active: bool
    load: int | None = None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.user.display_name)

    @staticmethod
    def resolve_tracks(obj: Any) -> list[int]:
        return [t.pk for t in obj.tracks.all()]

    @staticmethod
    def resolve_rounds(obj: Any) -> list[int]:
        return [r.pk for r in obj.rounds.all()]

    @staticmethod
    def resolve_load(obj: Any) -> int | None:
        return getattr(obj, "load", None)


class CompConflictIn(Schema):
    reason: str = Field(description="the relationship, up to 200 characters")
    enterprise: Id | None = None
    application: Id | None = Field(None, description="an application id")
    number: str = Field("", description="or an application number (DS2026-0042)")


class CompConflictOut(Schema):
    id: int
    judge: int = Field(alias="judge_id")
    enterprise: int | None = Field(alias="enterprise_id")
    application: int | None = Field(alias="application_id")
    reason: str
    source: str
    created_at: dt.datetime


class CompAssignmentIn(Schema):
    application: Id
    judge: Id


class CompAssignmentOut(Schema):
    id: int
    round: int = Field(alias="round_id")
    application: int = Field(alias="application_id")
    judge: int = Field(alias="judge_id")
    status: str
    extra: bool
    recusal_reason: str
    recused_at: dt.datetime | None
    created_at: dt.datetime


class CompAssignmentReportOut(Schema):
    created: int
    conflicts_avoided: int
    short: list[int] = Field(description="ids of the applications still short of judges")


class CompRecuseIn(Schema):
    reason: str


class CompRoundStartedOut(Schema):
    id: int
    status: str
    entries: int


class CompLoadOut(Schema):
    judge: int
    name: str
    assigned: int
    submitted: int
    recused: int
    max_load: int | None


class CompRecusalsOut(Schema):
    header: list[str]
    rows: list[list[Any]]
