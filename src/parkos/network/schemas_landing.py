"""API schemas of landing programmes and applications: a programme, applying, an application in a list and
with its timeline, a move. Internal notes appear only in operators' timelines (``internal`` true)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id


class ProgrammeOut(Schema):
    id: int
    park: str = Field(description="the park's code")
    name: str
    name_zh: str
    name_en: str
    description: str
    host_enterprise: str | None = Field(description="the park's incubator that orders visa and registration")
    visa: bool = Field(description="whether the programme has a visa step")
    registration: bool = Field(description="whether the programme has a registration step")
    desks: int = Field(description="desks offered (0: no workstation step)")
    desk_months: int
    is_open: bool

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return str(obj.park.code)

    @staticmethod
    def resolve_host_enterprise(obj: Any) -> str | None:
        return str(obj.host_enterprise.name) if obj.host_enterprise_id else None

    @staticmethod
    def resolve_visa(obj: Any) -> bool:
        return obj.visa_service_id is not None

    @staticmethod
    def resolve_registration(obj: Any) -> bool:
        return obj.registration_service_id is not None


class LandingIn(Schema):
    programme: Id
    company_name: str = Field(max_length=500)
    country: Id
    city: Id | None = None
    referred_by: Id | None = Field(None, description="the partner organisation that referred the start-up")
    industry: Id
    team_size: int = Field(ge=-(2**31), le=2**31 - 1)
    plan: str = Field(max_length=10_000)
    website: str = Field("", max_length=1000)
    idempotency_key: str = Field("", max_length=200,
                                 description="a retry with the same key returns the first application (or the "
                                             "Idempotency-Key header)")


class LandingOut(Schema):
    id: int
    programme: int
    programme_name: str
    park: int
    company_name: str
    country: str = Field(description="ISO 3166-1 alpha-3 code")
    country_name: str
    city: str | None
    referred_by: str | None = Field(description="the referring organisation's name")
    industry: str = Field(description="the industry's code")
    team_size: int
    website: str
    stage: str = Field(description="submitted, screening, accepted, visa, registration, workstation, butler, "
                                   "landed, rejected or withdrawn")
    stage_label: str
    enterprise: int | None = Field(description="the start-up's own enterprise once linked")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_programme(obj: Any) -> int:
        return int(obj.programme_id)

    @staticmethod
    def resolve_programme_name(obj: Any) -> str:
        return str(obj.programme.name)

    @staticmethod
    def resolve_park(obj: Any) -> int:
        return int(obj.park_id)

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return str(obj.country.code)

    @staticmethod
    def resolve_country_name(obj: Any) -> str:
        return str(obj.country.name)

    @staticmethod
    def resolve_city(obj: Any) -> str | None:
        return str(obj.city.name) if obj.city_id else None

    @staticmethod
    def resolve_referred_by(obj: Any) -> str | None:
        return str(obj.referred_by.name) if obj.referred_by_id else None

    @staticmethod
    def resolve_industry(obj: Any) -> str:
        return str(obj.industry.code)

    @staticmethod
    def resolve_stage_label(obj: Any) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_enterprise(obj: Any) -> int | None:
        return int(obj.enterprise_id) if obj.enterprise_id else None


class LandingEventOut(Schema):
    from_stage: str
    to_stage: str
    internal: bool = Field(description="an operator's internal note (operators only)")
    note: str
    created_at: datetime

    @staticmethod
    def resolve_internal(obj: Any) -> bool:
        return bool(obj.from_stage == obj.to_stage)


class LandingDetailOut(LandingOut):
    plan: str = Field(description="the applicant's and the park's operators' only")
    butler: str | None
    visa_order: str | None = Field(description="the visa order's number (operators only)")
    registration_order: str | None = Field(description="the registration order's number (operators only)")
    moves: list[str] = Field(description="the stages the viewer may move it to now (operators)")
    events: list[LandingEventOut]

    @staticmethod
    def resolve_butler(obj: Any) -> str | None:
        return str(obj.butler.display_name) if obj.butler_id else None

    @staticmethod
    def resolve_visa_order(obj: Any) -> str | None:
        return getattr(obj, "visa_order_number", None)

    @staticmethod
    def resolve_registration_order(obj: Any) -> str | None:
        return getattr(obj, "registration_order_number", None)

    @staticmethod
    def resolve_moves(obj: Any) -> list[str]:
        return list(getattr(obj, "moves", []))

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(getattr(obj, "events_shown", []))


class MoveIn(Schema):
    to_stage: str = Field(max_length=40)
    note: str = Field("", max_length=5000, description="the applicant and the referring organisation see it")
    butler: Id | None = Field(None, description="for the butler step: the butler's account id")


class LandingNoteIn(Schema):
    note: str = Field(max_length=5000)


class EnterpriseLinkIn(Schema):
    enterprise: Id


class WithdrawIn(Schema):
    note: str = Field("", max_length=5000)
