"""Schemas of temperature screening (consent, figures, alerts, audit log) and of feedback on tenants'
gates and apps. No schema here lists members' temperatures: the one that carries a value is a single
alert, read through the audited selector."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, SmallInt


class ConsentIn(Schema):
    given: bool = Field(description="true: consent to temperature screening; false: withdraw (deletes my readings)")


class ConsentOut(Schema):
    given: bool
    consented_at: dt.datetime | None


class DayFiguresOut(Schema):
    day: dt.date
    screened: int = Field(description="members with at least one reading that day")
    readings: int
    alerts: int


class FiguresOut(Schema):
    park_id: int
    days: list[DayFiguresOut]
    members: int
    consenting: int
    consent_share: float = Field(description="consenting / members, 0–1")
    open_alerts: int


class AlertOut(Schema):
    id: int
    member_id: int
    member_name: str
    gate_id: int
    gate_name: str
    app_name: str
    measured_at: dt.datetime
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_member_id(obj: Any) -> int:
        return int(obj.user_id)

    @staticmethod
    def resolve_member_name(obj: Any) -> str:
        return str(obj.user.display_name)

    @staticmethod
    def resolve_gate_id(obj: Any) -> int:
        return int(obj.passage.gate_id)

    @staticmethod
    def resolve_gate_name(obj: Any) -> str:
        return str(obj.passage.gate)

    @staticmethod
    def resolve_app_name(obj: Any) -> str:
        return str(obj.app.name)


class AlertDetailOut(AlertOut):
    value: Decimal = Field(description="°C, one decimal")


class AlertPageOut(Schema):
    items: list[AlertOut]
    count: int
    page: int
    pages: int


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    app_name: str
    subject_id: int | None
    subject_name: str
    what: str
    object_id: int | None

    @staticmethod
    def resolve_actor_name(obj: Any) -> str:
        return str(obj.actor.display_name) if obj.actor_id else ""

    @staticmethod
    def resolve_app_name(obj: Any) -> str:
        return str(obj.app.name) if obj.app_id else ""

    @staticmethod
    def resolve_subject_name(obj: Any) -> str:
        return str(obj.subject.display_name) if obj.subject_id else ""


class FeedbackIn(Schema):
    gate_id: Id | None = None
    app_id: Id | None = None
    rating: SmallInt
    text: str = ""


class FeedbackOut(Schema):
    id: int
    gate_id: int | None
    app_id: int | None
    subject_name: str
    enterprise_id: int
    rating: int
    text: str
    created_at: dt.datetime

    @staticmethod
    def resolve_subject_name(obj: Any) -> str:
        return str(obj.gate.name if obj.gate_id else obj.app.name)


class FeedbackSubjectOut(Schema):
    gate_id: int | None
    app_id: int | None
    name: str
    count: int
    average: float


class FeedbackSummaryOut(Schema):
    count: int
    average: float
    items: list[FeedbackSubjectOut]
