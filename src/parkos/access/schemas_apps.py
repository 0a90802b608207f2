"""Schemas of gate apps: operators register and manage apps and read their delivery log; an app reads
passages and visitor arrivals at its gates and attaches readings with its own token. Token and webhook
secret appear only in the answers of registration and rotation (shown once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id


class AppIn(Schema):
    park: str | None = Field(default=None, description="the park's code or id; none: the current park")
    name: str = Field(json_schema_extra={"maxLength": 60})
    description: str = Field(default="", json_schema_extra={"maxLength": 300})
    owner_enterprise_id: Id | None = Field(default=None, description="the tenant that made the app")
    webhook_url: str = Field(description="http(s) address that receives the signed webhooks",
                             json_schema_extra={"maxLength": 300})
    scopes: list[str] = Field(default_factory=list, max_length=10,
                              description="passages.read, readings.write, visitors.read")
    gate_ids: list[Id] = Field(default_factory=list, max_length=500, description="gates of the same park")


class AppPatch(Schema):
    name: str | None = Field(default=None, json_schema_extra={"maxLength": 60})
    description: str | None = Field(default=None, json_schema_extra={"maxLength": 300})
    owner_enterprise_id: Id | None = None
    webhook_url: str | None = Field(default=None, json_schema_extra={"maxLength": 300})
    scopes: list[str] | None = Field(default=None, max_length=10)
    gate_ids: list[Id] | None = Field(default=None, max_length=500)
    is_active: bool | None = Field(default=None, description="true reactivates a switched-off app")


class AppOut(Schema):
    id: int
    park_id: int
    name: str
    description: str
    owner_enterprise_id: int | None
    owner_enterprise_name: str
    webhook_url: str
    token_prefix: str = Field(description="the first characters of the token, to tell tokens apart")
    scopes: list[str]
    gate_ids: list[int]
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_owner_enterprise_name(obj: Any) -> str:
        return str(obj.owner_enterprise.name) if obj.owner_enterprise_id else ""

    @staticmethod
    def resolve_gate_ids(obj: Any) -> list[int]:
        return sorted(g.pk for g in obj.gates.all())


class AppCreatedOut(Schema):
    app: AppOut
    token: str = Field(description="Authorization: Bearer <token> for the app's own calls; shown only now")
    webhook_secret: str = Field(description="verifies X-ParkOS-Signature; shown only now")


class AppTokenOut(Schema):
    app: AppOut
    token: str = Field(description="the new token (the old one no longer works); shown only now")


class AppSecretOut(Schema):
    app: AppOut
    webhook_secret: str = Field(description="the new webhook secret; shown only now")


class DeliveryOut(Schema):
    id: int
    app_id: int
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str
    replay_of_id: int | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: dict[str, Any]


# --- the app's own calls ----------------------------------------------------------------------------------

class AppSelfOut(Schema):
    id: int
    park_id: int
    name: str
    scopes: list[str]
    gate_ids: list[int]

    @staticmethod
    def resolve_gate_ids(obj: Any) -> list[int]:
        return sorted(g.pk for g in obj.gates.all())


class AppPassageOut(Schema):
    passage_id: int
    gate_id: int
    direction: str
    occurred_at: dt.datetime
    subject: str = Field(description="member, visitor or unknown")
    member_ref: str | None = Field(default=None, description="opaque, stable for this app; members only")
    screening_consent: bool | None = Field(default=None, description="the member consented to temperature "
                                           "screening; members only")


class AppVisitorOut(Schema):
    visitor_id: int
    passage_id: int
    gate_id: int
    occurred_at: dt.datetime
    name: str
    host_enterprise: str
    valid_until: dt.datetime
    walk_in: bool


class AppReadingIn(Schema):
    passage_id: Id
    value: Decimal = Field(description="body temperature in °C (30–45, one decimal)", ge=-1000, le=1000)
    measured_at: dt.datetime


class AppReadingOut(Schema):
    id: int
    passage_id: int
    value: Decimal
    is_alert: bool
    measured_at: dt.datetime

