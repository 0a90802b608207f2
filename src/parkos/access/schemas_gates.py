"""Schemas of the device endpoints and the operators' gates API."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, Int

# --- devices ----------------------------------------------------------------------------------------

class PassageEventIn(Schema):
    # Every field is checked per event by the service, so one malformed event answers ``invalid`` on its
    # own instead of a 422 for the whole batch: the types here are deliberately open.
    event_id: Any = Field(None, description="the device's id of the event (unique per gate, ≤ 64 characters)")
    kind: Any = Field(None, description="card | face | qr")
    credential: Any = Field(None, description="the card number, the vendor's face token, or the scanned QR text")
    direction: Any = Field(None, description="in | out")
    occurred_at: Any = Field(None, description="the device's time of the event, ISO 8601 with its offset")


class PassagesIn(Schema):
    gate: Id
    events: list[PassageEventIn] = Field(..., description="at most 500 events")
    sent_at: datetime | None = Field(None, description="the device's clock when sending (measures its skew)")


class EventResultOut(Schema):
    event_id: str
    result: str = Field(description="accepted | duplicate | unknown | refused | invalid")
    reason: str = Field(description="why refused (a refusal code), else empty")
    field: str = Field(description="the bad field of an invalid event, else empty")
    message: str = Field(description="why invalid, refused or unknown, in the client's language; empty when accepted")
    passage_id: int | None
    clock_skew: int | None = Field(description="seconds the device's clock is off, when past the park's tolerance")


class PassagesOut(Schema):
    results: list[EventResultOut]
    clock_skew: int | None = Field(description="seconds the device's clock is off, when past the park's tolerance")


class GateDecisionIn(Schema):
    gate: Id
    kind: str = Field(description="card | face | qr")
    credential: str = Field(max_length=256)
    direction: str = Field(description="in | out")


class GateDecisionOut(Schema):
    allowed: bool
    reason: str = Field(description="empty when allowed; a refusal code, or unknown")
    message: str = Field(description="what the gate's screen shows, in the client's language")


# --- operators: areas, gates, keys --------------------------------------------------------------------

class AreaIn(Schema):
    name: str
    building: Id | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    open_on_weekends: bool = True
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class AreaPatch(Schema):
    name: str | None = None
    building: Id | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    open_on_weekends: bool | None = None
    is_active: bool | None = None


class AreaOut(Schema):
    id: int
    park_id: int
    name: str
    building_id: int | None
    opens_at: time | None
    closes_at: time | None
    open_on_weekends: bool
    is_active: bool


class GateIn(Schema):
    area: Id
    name: str
    direction: str = Field("both", description="in | out | both")
    vendor_enterprise: Id | None = None


class GatePatch(Schema):
    area: Id | None = None
    name: str | None = None
    direction: str | None = None
    vendor_enterprise: Id | None = None
    is_active: bool | None = None


class GateOut(Schema):
    id: int
    park_id: int
    area_id: int
    name: str
    direction: str
    vendor_enterprise_id: int | None
    is_active: bool
    last_seen_at: datetime | None
    clock_offset: int | None


class KeyOut(Schema):
    id: int
    gate_id: int
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    usable: bool = Field(alias="is_usable")


class NewKeyOut(Schema):
    key: str = Field(description="the device key itself: shown only in this answer")
    device_key: KeyOut


class RotateIn(Schema):
    overlap_hours: Int = Field(24, description="how long the old keys keep working (0–720)")


# --- operators: credentials, settings, the log ----------------------------------------------------------

class CredentialIn(Schema):
    user: Id
    kind: str = Field(description="card | face")
    value: str = Field(max_length=256, description="the card number or face token (stored only as a keyed hash)")
    label: str = ""
    areas: list[Id] = Field([], description="allowed areas; empty: every area of the park")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class CredentialOut(Schema):
    id: int
    park_id: int
    user_id: int
    kind: str
    label: str
    area_ids: list[int]
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_area_ids(obj: Any) -> list[int]:
        return sorted(a.pk for a in obj.areas.all())


class SettingsIn(Schema):
    late_after: time | None = None
    passage_retention_days: Int | None = None
    visitor_retention_days: Int | None = None
    reading_retention_days: Int | None = None
    clock_skew_tolerance: Int | None = None
    missing_exit_minutes: Int | None = None


class SettingsOut(Schema):
    park_id: int
    late_after: time
    passage_retention_days: int
    visitor_retention_days: int
    reading_retention_days: int
    clock_skew_tolerance: int
    missing_exit_minutes: int


class PassageOut(Schema):
    id: int
    gate_id: int
    event_id: str
    direction: str
    occurred_at: datetime
    received_at: datetime
    user_id: int | None
    visitor_id: int | None
    result: str
    reason: str
    clock_skew: int | None
