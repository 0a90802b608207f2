"""Ninja schemas of the suggestion and moderation API (one In/Out pair per operation)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema

from parkos.core.schemas import Id, SmallInt


class SuggestionOut(Schema):
    id: int
    park_id: int
    title: str
    category: str
    state: str
    author: str
    support_count: int
    progress: int
    created_at: datetime
    reply_due: date | None
    first_reply_at: datetime | None
    overdue: bool

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj["author"]) if isinstance(obj, dict) else str(obj.author.display_name)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj["overdue"]) if isinstance(obj, dict) else bool(obj.is_overdue)


class ReplyOut(Schema):
    from_state: str
    to_state: str
    body: str
    created_at: datetime


class ProgressOut(Schema):
    percent: int
    note: str
    happened_on: date


class SuggestionDetailOut(SuggestionOut):
    body: str
    supported: bool = False
    replies: list[ReplyOut] = []
    progress_steps: list[ProgressOut] = []
    allowed_transitions: list[str] = []


class SuggestionIn(Schema):
    title: str
    body: str
    category: str = "other"
    park: str | None = None  # the park it is addressed to (code or id); default the author's park


class SupportOut(Schema):
    supported: bool
    changed: bool
    support_count: int


class SuggestionTransitionIn(Schema):
    to_state: str
    reply: str


class ReplyIn(Schema):
    reply: str


class ProgressIn(Schema):
    percent: SmallInt
    note: str
    happened_on: date | None = None


class ReportIn(Schema):
    kind: str  # post, comment, suggestion or member (a member's conduct; target_id is the member)
    target_id: Id
    reason: str
    detail: str = ""
    context: str = ""  # where it happened (member reports: the map and area)
    context_url: str = ""


class ModerationReportOut(Schema):
    id: int
    case_id: int
    reason: str
    state: str
    created_at: datetime


class CaseOut(Schema):
    id: int
    kind: str
    target_id: int | None
    subject_id: int
    park_id: int | None  # None: the portfolio operators' case
    state: str
    score: float
    report_count: int
    auto_held: bool
    opened_at: datetime


class DecisionIn(Schema):
    reason: str = ""


class DecisionOut(Schema):
    kind: str
    target_id: int
    visible: bool


class SanctionIn(Schema):
    kind: str  # warn | suspend
    reason: str
    until: datetime | None = None


class SanctionOut(Schema):
    id: int
    kind: str
    reason: str
    ends_at: datetime | None


# The published schema names each class by its own name (one name, one schema across the whole
# API: config/tests/test_openapi.py); the short names stay importable for the routers.
TransitionIn = SuggestionTransitionIn
ReportOut = ModerationReportOut
