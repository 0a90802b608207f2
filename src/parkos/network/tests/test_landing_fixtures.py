"""Fixtures of the landing tests (no tests here: the name keeps it with them): a partner country and city,
a referring organisation with a contact who has an account (and another organisation with its own contact), the main park's programme (host enterprise,
visa and registration services, desks on a floor plan), an applicant, a butler, operators of this park and
of another one, and the start-up's enterprise once registered."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory, make_user
from parkos.catalog.tests.factories import SAMPLE_FIELDS, ServiceFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import EnterpriseFactory, IndustryFactory
from parkos.network.models import City, Contact, Country, Landing, Organisation, OrganisationKind, Programme
from parkos.network.services.landing import landing_apply


@dataclass
class World:
    park: Any
    other_park: Any
    country: Any
    city: Any
    other_country: Any
    org: Any
    other_org: Any
    contact: Any
    other_contact: Any
    applicant: Any
    member: Any
    operator: Any
    other_operator: Any
    butler: Any
    host: Any
    startup: Any
    industry: Any
    programme: Any
    desks: list[Any]


def make_world(*, desks: int = 4) -> World:
    from parkos.bookings.tests.factories_desks import FloorPlanFactory, desks_on

    park = park_default()
    other = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    country = Country.objects.create(code="DEU", name_zh="德国", name_en="Germany", continent="europe",
                                     is_partner=True, lat=52.5, lon=13.4)
    city = City.objects.create(country=country, name_zh="柏林", name_en="Berlin", lat=52.5, lon=13.4)
    plain = Country.objects.create(code="XYZ", name_zh="某国", name_en="Somewhere", continent="asia",
                                   is_partner=False, lat=0, lon=0)
    org = Organisation.objects.create(name_zh="中德创新中心", name_en="Sino-German Innovation Centre",
                                      kind=OrganisationKind.INTERNATIONAL, country=country, city=city)
    other_org = Organisation.objects.create(name_zh="中法孵化器", kind=OrganisationKind.INCUBATOR, country=country)
    contact_user, other_contact_user = UserFactory(), UserFactory()
    Contact.objects.create(organisation=org, name="汉斯", user=contact_user, is_primary=True)
    Contact.objects.create(organisation=org, name="无账号联系人")
    Contact.objects.create(organisation=other_org, name="皮埃尔", user=other_contact_user)
    host = EnterpriseFactory(name="园区国际孵化器有限公司", park=park)
    visa = ServiceFactory(name_zh="R 字/Z 字签证邀请", fields=SAMPLE_FIELDS)
    registration = ServiceFactory(name_zh="公司设立登记代办")
    programme = Programme.objects.create(park=park, name_zh="国际创业落地计划", host_enterprise=host,
                                         visa_service=visa, registration_service=registration, desks=2,
                                         desk_months=6)
    plan = FloorPlanFactory(park=park)
    return World(park=park, other_park=other, country=country, city=city, other_country=plain, org=org,
                 other_org=other_org, contact=contact_user, other_contact=other_contact_user,
                 applicant=UserFactory(display_name="Anna"), member=UserFactory(),
                 operator=make_user(Role.OPERATOR), other_operator=UserFactory(roles=[(Role.OPERATOR, other)]),
                 butler=make_user(Role.BUTLER), host=host, startup=EnterpriseFactory(name="柏林量子科技（北京）有限公司",
                                                                                   park=park),
                 industry=IndustryFactory(), programme=programme, desks=desks_on(plan, desks))


@pytest.fixture(name="world")
def world_fixture() -> World:
    return make_world()


def apply(w: World, *, actor: Any = None, key: str | None = None, **overrides: Any) -> Landing:
    data: dict[str, Any] = {"company_name": "Quantum Berlin GmbH", "country": w.country.pk, "city": w.city.pk,
                            "referred_by": w.org.pk, "industry": w.industry.pk, "team_size": 5,
                            "plan": "在园区设立研发中心，两年内团队扩展到 20 人。", "website": "https://quantum.example.de"}
    data.update(overrides)
    landing, _created = landing_apply(actor=actor or w.applicant, programme=data.pop("programme", w.programme),
                                      idempotency_key=key or secrets.token_hex(8), **data)
    return landing
