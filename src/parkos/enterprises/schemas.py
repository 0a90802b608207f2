from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema

from parkos.core.schemas import Id, Int


class IndustryOut(Schema):
    code: str
    name_zh: str
    name_en: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        return obj.parent.code if obj.parent_id else None


class BuildingOut(Schema):
    code: str
    name: str
    floors: int
    park: str  # the park's code

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return obj.park.code


class EnterpriseOut(Schema):
    id: int
    name: str
    name_en: str
    short_name: str
    industry: str
    industry_name: str
    stage: str
    headcount: str
    founded_on: date | None
    park: str  # the park's code (the building's park)
    park_name: str
    building: str | None
    floor: str
    unit: str
    website: str
    description: str
    tags: list[str]
    needs: str

    @staticmethod
    def resolve_industry(obj: Any) -> str:
        return obj.industry.code

    @staticmethod
    def resolve_industry_name(obj: Any) -> str:
        return obj.industry.name

    @staticmethod
    def resolve_building(obj: Any) -> str | None:
        return obj.building.code if obj.building_id else None

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return obj.park.code

    @staticmethod
    def resolve_park_name(obj: Any) -> str:
        return obj.park.display_name()


class EnterpriseDetailOut(EnterpriseOut):
    credit_code: str
    butler_id: int | None
    butler_name: str | None

    @staticmethod
    def resolve_butler_name(obj: Any) -> str | None:
        return obj.butler.display_name if obj.butler_id else None


class EnterpriseIn(Schema):
    name: str
    credit_code: str
    industry: str
    name_en: str = ""
    short_name: str = ""
    stage: str = "seed"
    headcount: str = "1-9"
    founded_on: date | None = None
    park: str | None = None  # without a building (with one, the building's park)
    building: str | None = None
    floor: str = ""
    unit: str = ""
    website: str = ""
    description: str = ""
    tags: list[str] = []
    needs: str = ""


class EnterprisePatch(Schema):
    name: str | None = None
    credit_code: str | None = None
    industry: str | None = None
    name_en: str | None = None
    short_name: str | None = None
    stage: str | None = None
    headcount: str | None = None
    founded_on: date | None = None
    park: str | None = None
    building: str | None = None
    floor: str | None = None
    unit: str | None = None
    website: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    needs: str | None = None


class StaffOut(Schema):
    user_id: int
    display_name: str
    role: str
    status: str
    title: str
    joined_at: datetime

    @staticmethod
    def resolve_display_name(obj: Any) -> str:
        return obj.user.display_name

    @staticmethod
    def resolve_joined_at(obj: Any) -> datetime:
        return obj.created_at


class InvitationIn(Schema):
    max_uses: Int = 1
    expires_in_hours: Int = 72
    requires_approval: bool = False


class InvitationOut(Schema):
    id: int
    code: str
    token: str
    url: str
    expires_at: datetime
    max_uses: int
    uses: int
    requires_approval: bool
    state: str

    @staticmethod
    def resolve_url(obj: Any) -> str:
        from django.urls import reverse

        return reverse("enterprises:join", args=[obj.token])


class InvitationAcceptIn(Schema):
    token: str = ""
    code: str = ""


class MembershipOut(Schema):
    enterprise_id: int
    enterprise_name: str
    role: str
    status: str

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return obj.enterprise.name


class TransferIn(Schema):
    user_id: Id


class ButlerIn(Schema):
    butler_id: Id | None


class ButlerPortfolioOut(EnterpriseOut):
    staff_count: int
    butler_assigned_at: datetime | None


# The published schema names each class by its own name (one name, one schema across the whole
# API: config/tests/test_openapi.py); the short names stay importable for the routers.
AcceptIn = InvitationAcceptIn
PortfolioOut = ButlerPortfolioOut
