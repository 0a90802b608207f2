"""Ninja schemas of the scenes API. Amounts travel as integer fen (``*_fen``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import BigInt, SmallInt


class SceneIn(Schema):
    kind: str = "other"
    title: str = Field(max_length=200)
    description: str = Field(max_length=10000)
    budget_fen: BigInt | None = None
    reward_text: str = ""
    deadline: date | None = None
    audience: str = "anyone"
    industry: str | None = None
    as_enterprise: bool = False
    publish: bool = False
    # where a member publishes for themselves (code or id; default: their enterprise's park, else the
    # default park); a scene on behalf of the enterprise is always in the enterprise's park
    park: str | None = None


class ScenePatch(Schema):
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    budget_fen: BigInt | None = None
    reward_text: str | None = None
    deadline: date | None = None
    audience: str | None = None
    industry: str | None = None


class SceneOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    budget_fen: int | None
    reward_text: str
    deadline: date | None
    audience: str
    industry: str | None
    status: str
    park_id: int
    park: str  # the park's code
    publisher_id: int
    publisher_name: str
    enterprise_id: int | None
    published_at: datetime | None

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return str(obj.park.code)  # the board and scene_get select the park with the scene

    @staticmethod
    def resolve_industry(obj: Any) -> str | None:
        return obj.industry.code if obj.industry_id else None

    @staticmethod
    def resolve_publisher_name(obj: Any) -> str:
        return str(obj.publisher.display_name)


class ResponseIn(Schema):
    price_fen: BigInt | None = None
    plan: str = Field(max_length=10000)
    timeline: str = ""
    as_enterprise: bool = False


class ResponseOut(Schema):
    id: int
    scene_id: int
    responder_id: int
    responder_name: str
    enterprise_id: int | None
    price_fen: int | None
    plan: str
    timeline: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_responder_name(obj: Any) -> str:
        return str(obj.responder.display_name)


class MessageIn(Schema):
    body: str = Field(max_length=4000)


class MessageOut(Schema):
    id: int
    author_id: int
    body: str
    created_at: datetime


class MilestoneIn(Schema):
    title: str
    amount_fen: BigInt
    due_on: date | None = None


class ResponseAcceptIn(Schema):
    amount_fen: BigInt
    milestones: list[MilestoneIn] = Field(max_length=50)


class MilestoneOut(Schema):
    id: int
    position: int
    title: str
    amount_fen: int
    due_on: date | None
    status: str
    payment: str


class DealOut(Schema):
    id: int
    scene_id: int
    park_id: int
    response_id: int
    title: str
    publisher_id: int
    provider_id: int
    amount_fen: int
    paid_fen: int
    written_off_fen: int
    awarded_fen: int
    outstanding_fen: int
    status: str
    resolution: str
    created_at: datetime


class DealDetailOut(DealOut):
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_milestones(obj: Any) -> list[Any]:
        return list(obj.milestones.all())


class DealActionIn(Schema):
    reason: str = ""
    resolution: str = ""
    settled_fen: BigInt | None = None


class MilestoneActionIn(Schema):
    note: str = ""


class ReviewIn(Schema):
    rating: SmallInt
    text: str = ""


class ReviewOut(Schema):
    id: int
    deal_id: int
    author_id: int
    subject_id: int
    rating: int
    text: str


class ReputationOut(Schema):
    rating: float | None
    reviews: int
    completed: int
    closed: int
    completion_rate: float | None


# The published schema names each class by its own name (one name, one schema across the whole
# API: config/tests/test_openapi.py); the short names stay importable for the routers.
AcceptIn = ResponseAcceptIn
