"""Ninja schemas of the butler's workspace: one In/Out pair per operation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from parkos.catalog.models.workspace import LINK_MAX, PLACE_MAX
from parkos.catalog.selectors.workspace import NEVER
from parkos.core.schemas import Id


class WorkspaceEnterpriseOut(Schema):
    id: int
    name: str
    industry: str
    stage: str
    butler_id: int | None
    staff_count: int
    open_orders: int
    overdue: int
    last_contact: datetime | None
    last_event_at: datetime | None
    last_event_action: str | None
    latest_note: str | None

    @staticmethod
    def resolve_industry(obj: Any) -> str:
        return str(obj.industry.code)

    @staticmethod
    def resolve_last_contact(obj: Any) -> datetime | None:
        return None if obj.last_contact is None or obj.last_contact <= NEVER else obj.last_contact


class NoteIn(Schema):
    body: str


class NoteOut(Schema):
    id: int
    enterprise_id: int
    author_id: int | None
    body: str
    created_at: datetime


class SlotIn(Schema):
    starts_at: datetime
    ends_at: datetime
    mode: str
    place: str = Field(default="", json_schema_extra={"maxLength": PLACE_MAX})
    # The limit is published but checked by the service, which refuses (never cuts) with a clear message.
    link: str = Field(default="", description=f"An http(s) meeting link of at most {LINK_MAX} characters; a longer "
                      "one is refused, never cut.", json_schema_extra={"maxLength": LINK_MAX})


class SlotOut(Schema):
    id: int
    butler_id: int
    starts_at: datetime
    ends_at: datetime
    mode: str
    place: str
    link: str


class BookIn(Schema):
    topic: str


class ReasonIn(Schema):
    reason: str


class RescheduleIn(Schema):
    slot_id: Id


class AppointmentOut(Schema):
    id: int
    slot_id: int
    butler_id: int
    member_id: int
    enterprise_id: int | None
    starts_at: datetime
    ends_at: datetime
    mode: str
    topic: str
    status: str
    cancel_reason: str

    @staticmethod
    def resolve_butler_id(obj: Any) -> int:
        return int(obj.slot.butler_id)

    @staticmethod
    def resolve_starts_at(obj: Any) -> datetime:
        return obj.slot.starts_at  # type: ignore[no-any-return]

    @staticmethod
    def resolve_ends_at(obj: Any) -> datetime:
        return obj.slot.ends_at  # type: ignore[no-any-return]

    @staticmethod
    def resolve_mode(obj: Any) -> str:
        return str(obj.slot.mode)


class PlanItemOut(Schema):
    id: int
    kind: str
    position: int
    service_id: int | None
    service_name: str | None
    reason: str
    score: float
    suggested: bool
    order_ids: list[int]

    @staticmethod
    def resolve_service_name(obj: Any) -> str | None:
        return obj.service.name if obj.service_id else None

    @staticmethod
    def resolve_order_ids(obj: Any) -> list[int]:
        return [o.pk for o in obj.orders.all()]


class PlanOut(Schema):
    id: int
    enterprise_id: int
    butler_id: int | None
    status: str
    message: str
    sent_at: datetime | None
    created_at: datetime
    items: list[PlanItemOut]

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(obj.items.all())


class PlanSummaryOut(Schema):
    id: int
    enterprise_id: int
    status: str
    sent_at: datetime | None
    created_at: datetime
    item_count: int


class PlanPatch(Schema):
    message: str | None = None
    item_ids: list[Id] | None = None


class PlanItemIn(Schema):
    service_id: Id
    reason: str = ""


class PlanItemPatch(Schema):
    reason: str


class PlanRequestIn(Schema):
    idempotency_key: str
    note: str = ""
    answers: dict[str, Any] = {}


class ProposalOut(Schema):
    service_id: int
    service_name: str
    score: float
    reason: str


class OrderRefOut(Schema):
    id: int
    number: str
    status: str
    created: bool
    due_on: date | None
