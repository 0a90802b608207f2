"""API schemas of scoring: the judge's seats and queue, the score sheet, saving and submitting a score,
the organisers' list of a round's scores with their changes, a change and a reopening."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class CompSeatRoundOut(Schema):
    round: int
    round_name: str
    kind: str
    anonymous: bool
    done: int
    total: int
    drafts: int

    @staticmethod
    def resolve_round(obj: Any) -> int:
        return int(obj.round.pk)

    @staticmethod
    def resolve_round_name(obj: Any) -> str:
        return str(obj.round.name)

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.round.kind)

    @staticmethod
    def resolve_anonymous(obj: Any) -> bool:
        return bool(obj.round.anonymous)


class CompSeatOut(Schema):
    judge: int
    edition: int
    edition_name: str
    rounds: list[CompSeatRoundOut] = Field(description="the edition's rounds now scoring that the judge is in")

    @staticmethod
    def resolve_judge(obj: Any) -> int:
        return int(obj.judge.pk)

    @staticmethod
    def resolve_edition(obj: Any) -> int:
        return int(obj.judge.edition_id)

    @staticmethod
    def resolve_edition_name(obj: Any) -> str:
        return str(obj.judge.edition.name)


class CompQueueRowOut(Schema):
    assignment: int
    name: str = Field(description="the project as the judge may see it (a code in anonymous rounds)")
    number: str | None = Field(description="the application's number; null in anonymous rounds")
    state: str = Field(description="to_score, draft or submitted")
    total: Decimal | None

    @staticmethod
    def resolve_assignment(obj: Any) -> int:
        return int(obj.assignment.pk)


class CompQueueOut(Schema):
    round: int
    round_name: str
    round_status: str
    anonymous: bool
    done: int
    total: int
    next: int | None = Field(description="the assignment to score next, if any")
    rows: list[CompQueueRowOut]

    @staticmethod
    def resolve_round(obj: Any) -> int:
        return int(obj.round.pk)

    @staticmethod
    def resolve_round_name(obj: Any) -> str:
        return str(obj.round.name)

    @staticmethod
    def resolve_round_status(obj: Any) -> str:
        return str(obj.round.status)

    @staticmethod
    def resolve_anonymous(obj: Any) -> bool:
        return bool(obj.round.anonymous)

    @staticmethod
    def resolve_next(obj: Any) -> int | None:
        return int(obj.next.assignment.pk) if obj.next is not None else None


class CompSheetCriterionOut(Schema):
    id: int
    name: str
    description: str
    weight: int
    max_score: int


class CompJudgeAnswerOut(Schema):
    key: str
    label: str
    value: Any


class CompJudgeAttachmentOut(Schema):
    label: str
    name: str
    size: int
    content_type: str
    url: str


class CompJudgeApplicationOut(Schema):
    """The application as its judge reads it: team, enterprise and number are null in anonymous rounds."""

    name: str
    project_name: str
    summary: str
    track: str
    team_size: int
    anonymous: bool
    number: str | None
    team_name: str | None
    enterprise: str | None
    answers: list[CompJudgeAnswerOut]
    attachments: list[CompJudgeAttachmentOut]


class CompScoreOut(Schema):
    id: int
    assignment: int
    values: dict[str, float] = Field(description="criterion id → value")
    total: Decimal | None = Field(description="0..100, 2 decimals; null until every criterion is scored")
    comment: str
    feedback: str
    status: str = Field(description="draft or submitted (locked)")
    submitted_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_assignment(obj: Any) -> int:
        return int(obj.assignment_id)


class CompScoreSheetOut(Schema):
    assignment: int
    round: int
    round_status: str
    editable: bool = Field(description="the judge may still save or submit")
    next: int | None = Field(description="the next assignment waiting in the judge's queue")
    application: CompJudgeApplicationOut
    criteria: list[CompSheetCriterionOut]
    score: CompScoreOut | None

    @staticmethod
    def resolve_assignment(obj: Any) -> int:
        return int(obj.assignment.pk)

    @staticmethod
    def resolve_round(obj: Any) -> int:
        return int(obj.round.pk)

    @staticmethod
    def resolve_round_status(obj: Any) -> str:
        return str(obj.round.status)

    @staticmethod
    def resolve_next(obj: Any) -> int | None:
        return obj.next_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_criteria(obj: Any) -> list[dict[str, Any]]:
        return [{"id": c.pk, "name": str(c.name), "description": c.description, "weight": c.weight,
                 "max_score": c.max_score} for c in obj.criteria]


class CompScoreSaveIn(Schema):
    values: dict[str, Any] = Field(default_factory=dict, description="criterion id → 0..max in steps of 0.5; merged "
                                                                      "into the draft, null or \"\" removes one")
    comment: str = Field("", description="for the organisers, up to 2,000 characters")
    feedback: str = Field("", description="for the team (shown without the judge's name), up to 2,000 characters")
    submit: bool = Field(False, description="submit: needs every criterion; the score is then locked")


class CompScoreChangeIn(Schema):
    values: dict[str, Any] = Field(description="criterion id → new value (others stay)")
    reason: str = Field(description="required, up to 300 characters; kept in the audit")


class CompScoreReopenIn(Schema):
    reason: str = Field(description="required, up to 300 characters; kept in the audit")


class CompScoreChangeOut(Schema):
    id: int
    actor: int
    actor_name: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    at: dt.datetime

    @staticmethod
    def resolve_actor(obj: Any) -> int:
        return int(obj.actor_id)

    @staticmethod
    def resolve_actor_name(obj: Any) -> str:
        return str(obj.actor.display_name)


class CompScoreRowOut(CompScoreOut):
    judge: int
    judge_name: str
    application: int
    application_number: str
    project_name: str
    changes: list[CompScoreChangeOut]

    @staticmethod
    def resolve_judge(obj: Any) -> int:
        return int(obj.judge_id)

    @staticmethod
    def resolve_judge_name(obj: Any) -> str:
        return str(obj.judge.user.display_name)

    @staticmethod
    def resolve_application(obj: Any) -> int:
        return int(obj.application_id)

    @staticmethod
    def resolve_application_number(obj: Any) -> str:
        return str(obj.application.number)

    @staticmethod
    def resolve_project_name(obj: Any) -> str:
        return str(obj.application.project_name)

    @staticmethod
    def resolve_changes(obj: Any) -> list[Any]:
        return list(obj.changes.all())
