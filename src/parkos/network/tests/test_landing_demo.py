"""The landing demo: a programme and six applications at their stages (orders, desks, the landed start-up's
butler), the referring organisation's contact told; a second run adds nothing. Without partner countries it
makes the programme only."""

from __future__ import annotations

import io

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory, make_user
from parkos.bookings.models import Allocation
from parkos.bookings.tests.factories_desks import FloorPlanFactory, desks_on
from parkos.catalog.tests.factories import ServiceFactory
from parkos.core.parks import park_default
from parkos.demo.seed import demo_email
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory, IndustryFactory
from parkos.network.demo_landing import APPLICATIONS, PROGRAMME, demo_landing
from parkos.network.models import City, Contact, Country, Landing, LandingStage, Organisation, Programme

pytestmark = pytest.mark.django_db


def _setup() -> tuple[object, object, object]:
    park = park_default()
    operator = make_user(Role.OPERATOR)
    butler = make_user(Role.BUTLER)
    for code, name in (("DEU", "德国"), ("FIN", "芬兰"), ("FRA", "法国"), ("ISR", "以色列"), ("SWE", "瑞典")):
        country = Country.objects.create(code=code, name_zh=name, continent="europe", is_partner=True, lat=1, lon=1)
        City.objects.create(country=country, name_zh=f"{name}首都", lat=1, lon=1)
    org = Organisation.objects.create(name_zh="中德创新合作中心", kind="international",
                                      country=Country.objects.get(code="DEU"))
    contact = UserFactory()
    Contact.objects.create(organisation=org, name="王蕾", user=contact)
    for local, *_rest in APPLICATIONS:
        UserFactory(email=demo_email(local))
    IndustryFactory(code="robotics", name_zh="机器人", name_en="Robotics")
    EnterpriseFactory(name="园区孵化器有限公司", park=park, building=BuildingFactory(code="B2", park=park))
    EnterpriseFactory(name="思灵机器人科技（北京）有限公司", park=park, butler=butler)
    EnterpriseFactory(name="北京瑞能电池有限公司", park=park, butler=butler)
    ServiceFactory(name_zh="R 字/Z 字签证邀请")
    ServiceFactory(name_zh="公司设立登记代办")
    desks_on(FloorPlanFactory(park=park), 6)
    return park, operator, contact


def test_demo_landing_once(django_capture_on_commit_callbacks) -> None:
    park, operator, contact = _setup()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        first = demo_landing(park=park, operator=operator, stdout=out)
    assert first == {"programmes": 1, "applications": 6}, out.getvalue()
    programme = Programme.objects.get(name_zh=PROGRAMME)
    assert programme.host_enterprise.name == "园区孵化器有限公司"
    assert programme.visa_service and programme.registration_service
    stages = dict(Landing.objects.values_list("idempotency_key", "stage"))
    assert stages == {key: stage for _l, key, _c, _cc, _t, _p, stage, _k in APPLICATIONS}
    landed = Landing.objects.get(stage=LandingStage.LANDED)
    assert landed.enterprise.name.startswith("思灵") and landed.butler_id is not None
    assert Allocation.objects.count() == 2
    assert Landing.objects.get(stage=LandingStage.VISA).visa_order_id is not None
    from parkos.notifications.models import Notification

    assert Notification.objects.filter(recipient=contact, kind="landing").exists()
    assert demo_landing(park=park, operator=operator) == {"programmes": 0, "applications": 0}
    assert Landing.objects.count() == 6 and Allocation.objects.count() == 2


def test_demo_landing_without_partner_countries() -> None:
    park = park_default()
    operator = make_user(Role.OPERATOR)
    out = io.StringIO()
    assert demo_landing(park=park, operator=operator, stdout=out) == {"programmes": 1, "applications": 0}
    assert Landing.objects.count() == 0


def test_demo_landing_with_the_real_catalog_forms_and_reference_data(django_capture_on_commit_callbacks) -> None:
    """The catalog's own visa and incorporation services (their required request forms) and the bundled
    partner countries: the demo's orders are accepted by the catalog as they are."""
    from parkos.catalog.catalog_data import services
    from parkos.catalog.tests.factories import CategoryFactory, ProviderFactory
    from parkos.network.services.reference import reference_load

    park, operator, _contact = _setup()
    Country.objects.update(is_partner=False)
    reference_load()
    from parkos.catalog.models import Service

    Service.objects.all().delete()
    wanted = {"R 字/Z 字签证邀请", "公司设立登记代办"}
    for spec in services():
        found = next((w for w in wanted if spec.name_zh.startswith(w)), None)
        if found:
            wanted.discard(found)
            Service.objects.create(
                code=spec.code, category=CategoryFactory(code=spec.category), provider=ProviderFactory(),
                name_zh=spec.name_zh, name_en=spec.name_en, description_zh=spec.description_zh,
                pricing=spec.pricing, price=spec.price, sla_days=spec.sla_days, fields=spec.fields,
                eligibility=spec.eligibility, tags=spec.tags, materials=spec.materials)
    assert not wanted
    with django_capture_on_commit_callbacks(execute=True):
        added = demo_landing(park=park, operator=operator, stdout=io.StringIO())
    assert added["applications"] == 6
    visa = Landing.objects.get(stage=LandingStage.VISA).visa_order
    assert visa.service.name_zh.startswith("R 字/Z 字签证邀请") and visa.answers.get("person_name")
    registration = Landing.objects.get(stage=LandingStage.WORKSTATION).registration_order
    assert registration.service.name_zh.startswith("公司设立登记代办") and registration.answers.get("company_name")
