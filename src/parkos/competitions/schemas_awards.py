"""Schemas of the awards API: tiers and their benefits, awards with each benefit's delivery, the edition's
fulfilment, and the financing participants raised after the competition."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id


class CompAwardBenefitOut(Schema):
    id: int
    kind: str
    kind_label: str
    description: str
    service_id: int
    service_name: str
    cash_fen: int | None
    desks: int | None
    months: int | None
    quantity: int
    pack_id: int | None
    position: int

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_service_name(obj: Any) -> str:
        return str(obj.service.name)


class CompAwardTierOut(Schema):
    id: int
    edition_id: int
    name_zh: str
    name_en: str
    rank_from: int
    rank_to: int
    benefits: list[CompAwardBenefitOut]

    @staticmethod
    def resolve_benefits(obj: Any) -> list[Any]:
        return list(obj.benefits.all())


class CompAwardTierIn(Schema):
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    rank_from: int = Field(ge=1, le=9999)
    rank_to: int = Field(ge=1, le=9999)


class CompAwardTierPatch(Schema):
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    rank_from: int | None = Field(None, ge=1, le=9999)
    rank_to: int | None = Field(None, ge=1, le=9999)


class CompAwardBenefitIn(Schema):
    kind: str = Field(max_length=20, description="cash, investment, workstations, gift_pack, housing, talent, service")
    description: str = Field(max_length=400, description="what the team gets, e.g. 20 个工位，6 个月")
    service: Id = Field(description="the catalog service that delivers it (offered in the edition's park)")
    cash_fen: int | None = Field(None, ge=1, le=10_000_000_000)
    desks: int | None = Field(None, ge=1, le=500, description="workstations only")
    months: int | None = Field(None, ge=1, le=60, description="workstations only")
    quantity: int = Field(1, ge=1, le=999)
    pack_id: Id | None = Field(None, description="gift packs only: a pack of the park granted to chosen members")
    position: int | None = Field(None, ge=0, le=9999)


class CompAwardBenefitPatch(Schema):
    kind: str | None = Field(None, max_length=20)
    description: str | None = Field(None, max_length=400)
    service: Id | None = None
    cash_fen: int | None = Field(None, ge=1, le=10_000_000_000)
    desks: int | None = Field(None, ge=1, le=500)
    months: int | None = Field(None, ge=1, le=60)
    quantity: int | None = Field(None, ge=1, le=999)
    pack_id: Id | None = None
    position: int | None = Field(None, ge=0, le=9999)


class CompAwardDeliveryOut(Schema):
    benefit_id: int
    description: str
    kind: str
    status: str = Field(description="pending, in_progress, delivered or failed (the order's state as it is now)")
    status_label: str
    error: str = Field(description="why it could not be started or did not end well")
    order_id: int | None
    order_number: str
    order_status: str
    order_url: str = Field(description="the catalog's page of the order")
    due_on: dt.date | None = Field(description="the order's SLA due date")
    butler: str = Field(description="the butler following the order")
    allocation_id: int | None = Field(description="workstations: the desk allocation")

    @staticmethod
    def resolve_benefit_id(obj: Any) -> int:
        return int(obj.benefit.pk)

    @staticmethod
    def resolve_description(obj: Any) -> str:
        return str(obj.benefit.description)

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.benefit.kind)

    @staticmethod
    def resolve_order_id(obj: Any) -> int | None:
        return obj.order.pk if obj.order is not None else None

    @staticmethod
    def resolve_order_status(obj: Any) -> str:
        return str(obj.order.status) if obj.order is not None else ""

    @staticmethod
    def resolve_butler(obj: Any) -> str:
        return str(obj.butler.display_name) if obj.butler is not None else ""

    @staticmethod
    def resolve_allocation_id(obj: Any) -> int | None:
        return obj.allocation.pk if obj.allocation is not None else None


class CompAwardOut(Schema):
    id: int
    edition_id: int
    application_id: int
    project_name: str
    team_name: str
    enterprise_id: int | None
    tier_id: int
    tier_name: str
    rank: int
    granted_at: dt.datetime
    deliveries: list[CompAwardDeliveryOut]

    @staticmethod
    def resolve_id(obj: Any) -> int:
        return int(obj.award.pk)

    @staticmethod
    def resolve_edition_id(obj: Any) -> int:
        return int(obj.award.edition_id)

    @staticmethod
    def resolve_application_id(obj: Any) -> int:
        return int(obj.award.application_id)

    @staticmethod
    def resolve_project_name(obj: Any) -> str:
        return str(obj.award.application.project_name)

    @staticmethod
    def resolve_team_name(obj: Any) -> str:
        return str(obj.award.application.team_name)

    @staticmethod
    def resolve_enterprise_id(obj: Any) -> int | None:
        return obj.award.application.enterprise_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_tier_id(obj: Any) -> int:
        return int(obj.award.tier_id)

    @staticmethod
    def resolve_tier_name(obj: Any) -> str:
        return str(obj.award.tier.name)

    @staticmethod
    def resolve_rank(obj: Any) -> int:
        return int(obj.award.rank)

    @staticmethod
    def resolve_granted_at(obj: Any) -> dt.datetime:
        return obj.award.granted_at  # type: ignore[no-any-return]

    @staticmethod
    def resolve_deliveries(obj: Any) -> list[Any]:
        return list(obj.rows)


class CompAwardGrantedOut(Schema):
    id: int
    application_id: int
    tier_id: int
    rank: int


class CompAwardFulfilmentOut(Schema):
    edition_id: int
    delivered: int
    in_progress: int
    failed: int
    pending: int
    awards: list[CompAwardOut]

    @staticmethod
    def resolve_edition_id(obj: Any) -> int:
        return int(obj.edition.pk)


class CompAwardFinancingCellOut(Schema):
    key: str = Field(description='"<year> · <track>", or "other" for the merged row')
    label: str
    rounds: int
    enterprises: int
    confidential: int
    fen: int | None = Field(description="sum in fen; null when it would reveal one undisclosed amount")
    reading: str


class CompAwardFinancingOut(Schema):
    edition_id: int
    fen: int | None = Field(description="every edition's participants together; null when not shown")
    reading: str = Field(description='e.g. "7.2亿元"')
    rounds: int
    edition_cells: list[CompAwardFinancingCellOut]
    cells: list[CompAwardFinancingCellOut]

    @staticmethod
    def resolve_edition_id(obj: Any) -> int:
        return int(obj.edition.pk)


class CompAwardFinancingIn(Schema):
    round: str = Field(max_length=20, description="the network's round codes: angel, seed, pre_a, a, …")
    amount: str = Field(max_length=40, description="as written, e.g. 30000000 or 1250000.50")
    currency: str = Field("CNY", max_length=3)
    announced_on: dt.date
    disclosure: str = Field("disclosed", max_length=20)
    investors: list[dict[str, Any]] | None = Field(None, description='[{"fund": id} | {"investor": id} | '
                                                                     '{"name": "…"}, "is_lead": bool]')
    note: str = Field("", max_length=2000)


class CompAwardFinancingRecordOut(Schema):
    id: int
    enterprise_id: int
    round: str
    currency: str
    announced_on: dt.date
    disclosure: str
    amount_cny_fen: int
    competition_year: int | None
    competition_track: str
