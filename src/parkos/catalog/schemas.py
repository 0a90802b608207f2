"""Ninja In/Out schemas of the catalog and service orders API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    parent_id: int | None
    position: int
    service_count: int = 0


class ProviderOut(Schema):
    id: int
    name: str
    name_en: str
    is_park: bool


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    category: CategoryOut
    provider: ProviderOut
    pricing: str
    price: Decimal | None
    sla_days: int
    tags: list[str]
    # Empty: offered in every park of the portfolio; else only in this park.
    park_id: int | None = None

    @staticmethod
    def resolve_category(obj: Any) -> Any:
        return obj.category


class RequestStateOut(Schema):
    allowed: bool
    reason: str
    enterprise_id: int | None


class ServiceDetailOut(ServiceOut):
    description: str
    description_zh: str
    description_en: str
    materials: list[str]
    fields: list[dict[str, Any]]
    eligibility: dict[str, Any]
    eligibility_text: list[str] = []
    is_active: bool
    request: RequestStateOut | None = None


class OrderCreateIn(Schema):
    service_id: Id
    answers: dict[str, Any] = {}
    note: str = Field("", max_length=2000)
    # Also accepted as the Idempotency-Key header (the header wins when both are sent).
    idempotency_key: str = Field("", max_length=64)


class PersonOut(Schema):
    id: int
    display_name: str


class EnterpriseRefOut(Schema):
    id: int
    name: str


class ServiceRefOut(Schema):
    id: int
    code: str
    name: str
    sla_days: int


class OrderOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    enterprise: EnterpriseRefOut
    park_id: int
    service: ServiceRefOut
    provider: ProviderOut | None
    requested_by: PersonOut
    butler: PersonOut | None
    submitted_at: datetime
    accepted_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    due_on: date | None
    overdue: bool
    rating: int | None
    rating_comment: str

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        from parkos.catalog.services.orders import is_overdue

        return is_overdue(obj)


class OrderEventOut(Schema):
    action: str
    from_status: str
    to_status: str
    reason: str
    actor: PersonOut | None
    created_at: datetime


class OrderCommentOut(Schema):
    id: int
    author: PersonOut
    body: str
    internal: bool
    created_at: datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    created_at: datetime
    url: str


class TrackerStepOut(Schema):
    status: str
    label: str
    done: bool
    current: bool


class TrackerOut(Schema):
    steps: list[TrackerStepOut]
    due_on: date | None
    days_left: int | None
    overdue: bool
    paused: bool
    closed: bool
    reopen_until: date | None = None


class OrderDetailOut(OrderOut):
    answers: dict[str, Any]
    note: str
    sla_days: int
    paused_workdays: int
    tracker: TrackerOut
    timeline: list[OrderEventOut]
    # Internal notes only for park staff (the order's butler, operators).
    conversation: list[OrderCommentOut]
    files: list[AttachmentOut]
    actions: list[str]


class OrderTransitionIn(Schema):
    action: str = Field(..., max_length=20)
    reason: str = Field("", max_length=1000)
    provider_id: Id | None = None
    rating: int | None = Field(None, ge=1, le=5)


class OrderCommentIn(Schema):
    body: str = Field(..., max_length=4000)
    internal: bool = False


class ReplyTemplateIn(Schema):
    title: str = Field(..., max_length=80)
    body: str = Field(..., max_length=4000)
    shared: bool = False


class ReplyTemplateOut(Schema):
    id: int
    title: str
    body: str
    shared: bool

    @staticmethod
    def resolve_shared(obj: Any) -> bool:
        return obj.owner_id is None


class RenderedTemplateOut(Schema):
    id: int
    title: str
    text: str


# The published schema names each class by its own name (one name, one schema across the whole
# API: config/tests/test_openapi.py); the short names stay importable for the routers.
EventOut = OrderEventOut
CommentOut = OrderCommentOut
CommentIn = OrderCommentIn
TransitionIn = OrderTransitionIn
