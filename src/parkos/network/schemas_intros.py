"""API schemas of introductions and of the investor's private pipeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id


class IntroductionIn(Schema):
    enterprise: Id = Field(description="the enterprise to meet (as an investor) or my enterprise (as its admin)")
    investor: Id | None = Field(None, description="the investor's id to meet; omitted: I ask as the investor")
    message: str = Field(description="why meet, up to 2,000 characters")
    idempotency_key: str = Field(description="the same key again returns the first introduction", max_length=64)


class PassOnIn(Schema):
    note: str = Field("", description="the butler's note to the other side (optional)")


class CloseIn(Schema):
    reason: str = Field(description="why the park does not pass it on, for the requester")


class PartyOut(Schema):
    id: int
    name: str


class IntroContactOut(Schema):
    name: str
    email: str
    mobile: str
    side: str = Field(description="enterprise or investor")


class IntroductionOut(Schema):
    id: int
    direction: str = Field(description="enterprise (the enterprise asks) or investor (the investor asks)")
    status: str = Field(description="requested, offered, accepted, declined, withdrawn or closed")
    status_label: str
    enterprise: PartyOut
    investor: PartyOut
    message: str
    butler_note: str
    order_number: str | None = Field(description="the catalog service order the butler brokers it as")
    created_at: datetime
    offered_at: datetime | None
    decided_at: datetime | None

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_enterprise(obj: Any) -> dict[str, Any]:
        return {"id": obj.enterprise_id, "name": obj.enterprise.name}

    @staticmethod
    def resolve_investor(obj: Any) -> dict[str, Any]:
        return {"id": obj.investor_id, "name": obj.investor.user.display_name}

    @staticmethod
    def resolve_order_number(obj: Any) -> str | None:
        return obj.order.number if obj.order_id else None


class IntroductionDetailOut(IntroductionOut):
    contacts: list[IntroContactOut] = Field(description="the other side's contacts, once accepted, for the two sides")


class PipelineIn(Schema):
    enterprise: Id
    stage: str = Field("interested", description="interested, met, due_diligence, invested or passed")
    note: str = Field("", description="private note, up to 4,000 characters")


class PipelinePatch(Schema):
    stage: str | None = Field(None, description="the new stage; nothing moves out of invested")
    note: str | None = None


class PipelineOut(Schema):
    id: int
    enterprise: PartyOut
    stage: str
    stage_label: str
    note: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_enterprise(obj: Any) -> dict[str, Any]:
        return {"id": obj.enterprise_id, "name": obj.enterprise.name}

    @staticmethod
    def resolve_stage_label(obj: Any) -> str:
        return str(obj.get_stage_display())
