"""Schemas of the partner network's API: organisations and their contacts, countries, cities and the
headline figures. Contacts are in an organisation's detail only (signed-in members)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, SmallInt


class CountryOut(Schema):
    code: str
    name_zh: str
    name_en: str
    continent: str
    is_partner: bool
    partner_since: int | None
    lat: float
    lon: float
    organisation_count: int = Field(0, description="active organisations of the network in the country")
    city_count: int = Field(0, description="its partner cities")


class CityOut(Schema):
    id: int
    country: str = Field(description="the country's ISO code")
    name_zh: str
    name_en: str
    province_code: str = Field(description="for a Chinese city: its province's adcode")
    lat: float
    lon: float
    is_partner: bool
    partner_since: int | None
    cooperation: str
    organisation_count: int = 0

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return str(obj.country.code)


class PlaceOut(Schema):
    code: str
    name: str


class OrganisationListOut(Schema):
    id: int
    name_zh: str
    name_en: str
    kind: str
    kind_label: str
    country: str = Field(description="the country's ISO code")
    city_id: int | None
    city: str = Field(description="the city's name; empty when none")
    cooperation: list[str]
    partner_since: int | None
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return str(obj.country.code)

    @staticmethod
    def resolve_city(obj: Any) -> str:
        return obj.city.name if obj.city_id else ""


class PartnerContactOut(Schema):
    id: int
    name: str
    title: str
    email: str
    phone: str
    is_primary: bool
    has_account: bool

    @staticmethod
    def resolve_has_account(obj: Any) -> bool:
        return obj.user_id is not None


class PartnerServiceOut(Schema):
    id: int
    code: str
    name: str


class OrganisationOut(OrganisationListOut):
    description: str
    website: str
    provider_id: int | None
    contacts: list[PartnerContactOut]
    services: list[PartnerServiceOut] = Field(description="the catalog services it provides")

    @staticmethod
    def resolve_contacts(obj: Any) -> list[Any]:
        return list(obj.contacts.all())

    @staticmethod
    def resolve_services(obj: Any) -> list[Any]:
        return list(getattr(obj, "services", []))


class OrganisationIn(Schema):
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=300)
    kind: str = Field(description="international | city_agency | incubator | university | trade_office | other")
    country: str = Field(max_length=3, description="ISO 3166-1 alpha-3 code")
    city: Id | None = None
    cooperation: list[str] = Field(default_factory=list, max_length=10,
                                   description="soft_landing | outbound | joint_events | referrals")
    description: str = Field("", max_length=4000)
    website: str = Field("", max_length=400)
    provider: Id | None = Field(None, description="the catalog provider through which it serves")
    partner_since: SmallInt | None = None


class OrganisationPatch(Schema):
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=300)
    kind: str | None = None
    country: str | None = Field(None, max_length=3)
    city: Id | None = None
    cooperation: list[str] | None = Field(None, max_length=10)
    description: str | None = Field(None, max_length=4000)
    website: str | None = Field(None, max_length=400)
    provider: Id | None = None
    partner_since: SmallInt | None = None
    is_active: bool | None = None


class ContactIn(Schema):
    name: str = Field(max_length=120)
    title: str = Field("", max_length=120)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=60)
    user: str = Field("", max_length=254, description="link to an account: its e-mail, mobile or id")
    is_primary: bool = False


class ContactPatch(Schema):
    name: str | None = Field(None, max_length=120)
    title: str | None = Field(None, max_length=120)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=60)
    user: str | None = Field(None, max_length=254, description="an account's e-mail, mobile or id; empty: unlink")
    is_primary: bool | None = None


class NetworkFiguresOut(Schema):
    countries: int = Field(description="partner countries (China is home, not counted)")
    international_organisations: int
    chinese_cities: int = Field(description="Chinese partner cities")
    cities_abroad: int
    organisations: int = Field(description="active organisations of every kind")
