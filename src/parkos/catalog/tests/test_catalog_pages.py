"""Catalog pages and API: the category tree, filters, search through the search domain, pagination,
empty states, the service page's "request this service" (or why not), and the "service" search
source (active services only, with tags, category names and provider)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import PricingKind
from parkos.catalog.tests.factories import CategoryFactory, ProviderFactory, ServiceFactory
from parkos.enterprises.tests.factories import (
    BuildingFactory,
    IndustryFactory,
    add_staff,
    enterprise_with_admin,
)
from parkos.search.services import reindex

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def catalog(db: None) -> dict[str, Any]:
    legal = CategoryFactory(code="legal", name_zh="法律服务", name_en="Legal")
    ip = CategoryFactory(code="ip", name_zh="知识产权", name_en="Intellectual property")
    trademark = CategoryFactory(code="ip-trademark", name_zh="商标", name_en="Trademarks", parent=ip)
    lawyers = ProviderFactory(name="金杜律师事务所")
    agency = ProviderFactory(name="华夏知识产权代理")
    services = {
        "contract": ServiceFactory(category=legal, provider=lawyers, name_zh="合同审查", tags=["合同", "法务"],
                                   pricing=PricingKind.FIXED, price=Decimal("800")),
        "tm": ServiceFactory(category=trademark, provider=agency, name_zh="商标注册申请", tags=["商标"],
                             pricing=PricingKind.QUOTE, price=None,
                             eligibility={"tenant_only": True}),
        "patent": ServiceFactory(category=ip, provider=agency, name_zh="发明专利申请", tags=["专利"],
                                 pricing=PricingKind.FREE, price=None, eligibility={"stages": ["series_b"]}),
        "gone": ServiceFactory(category=legal, provider=lawyers, name_zh="已下架的合同服务", is_active=False),
    }
    for n in range(22):
        ServiceFactory(category=legal, provider=lawyers, name_zh=f"法律咨询{n}")
    return {"legal": legal, "ip": ip, "trademark": trademark, "lawyers": lawyers, "agency": agency, **services}


def _codes(response: Any) -> set[str]:
    """Every matching service (all pages)."""
    return {s.code for s in response.context["page"].paginator.object_list}


def test_index_lists_active_services_with_tree_and_pagination(client: Client, catalog: dict[str, Any]) -> None:
    response = client.get("/services/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 25 and len(page.object_list) == 20
    assert catalog["gone"].code not in _codes(response)
    assert len(client.get("/services/?page=2").context["page"].object_list) == 5
    tree = {n.category.code: n for n in response.context["tree"]}
    assert tree["ip"].total == 2 and [c.category.code for c in tree["ip"].children] == ["ip-trademark"]
    assert tree["legal"].count == 23


def test_filters(client: Client, catalog: dict[str, Any]) -> None:
    assert _codes(client.get("/services/?category=ip")) == {catalog["tm"].code, catalog["patent"].code}
    assert _codes(client.get("/services/?category=ip-trademark")) == {catalog["tm"].code}
    assert _codes(client.get(f"/services/?provider={catalog['agency'].pk}")) == {catalog["tm"].code,
                                                                                 catalog["patent"].code}
    assert _codes(client.get("/services/?pricing=free")) == {catalog["patent"].code}
    assert _codes(client.get("/services/?pricing=bogus")) == set()
    assert _codes(client.get("/services/?provider=abc")) == set()
    empty = client.get("/services/?category=nothing-here")
    assert b'data-testid="catalog-empty"' in empty.content


def test_eligible_for_my_enterprise(catalog: dict[str, Any]) -> None:
    enterprise, admin = enterprise_with_admin(building=BuildingFactory(), stage="seed")
    codes = _codes(as_user(admin).get("/services/?eligible=1&category=ip"))
    assert codes == {catalog["tm"].code}  # in the park, but not at series B
    enterprise.stage = "series_b"
    enterprise.building = None
    enterprise.save()
    assert _codes(as_user(admin).get("/services/?eligible=1&category=ip")) == {catalog["patent"].code}


def test_search_goes_through_the_search_domain(client: Client, catalog: dict[str, Any]) -> None:
    reindex()
    assert catalog["tm"].code in _codes(client.get("/services/?q=商标"))
    # Category names, tags and the provider are indexed too.
    assert _codes(client.get("/services/?q=知识产权")) >= {catalog["patent"].code}
    assert catalog["contract"].code in _codes(client.get("/services/?q=金杜律师事务所"))
    # Inactive services are not in the index.
    assert catalog["gone"].code not in _codes(client.get("/services/?q=下架"))
    # Search combines with the filters.
    assert _codes(client.get("/services/?q=合同&pricing=quote")) == set()
    response = client.get("/services/?q=zzqqxxyy")
    assert response.context["page"].paginator.count == 0 and b'data-testid="catalog-empty"' in response.content
    api = client.get("/api/v1/services?q=商标").json()
    assert [s["code"] for s in api["items"]] == [catalog["tm"].code]


def test_search_source_only_indexes_active_services(catalog: dict[str, Any]) -> None:
    from parkos.search.models import SearchDocument

    reindex()
    indexed = set(SearchDocument.objects.filter(kind="service").values_list("object_id", flat=True))
    assert catalog["tm"].pk in indexed and catalog["gone"].pk not in indexed
    doc = SearchDocument.objects.get(kind="service", object_id=catalog["tm"].pk)
    assert "商标" in doc.tags and "知识产权" in doc.tags and doc.url == f"/services/{catalog['tm'].pk}/"


def test_index_query_count_does_not_grow(client: Client, catalog: dict[str, Any]) -> None:
    client.get("/services/")  # the list of parks is read once, then cached (core/parks.py)
    with CaptureQueriesContext(connection) as few:
        client.get("/services/?category=ip")
    with CaptureQueriesContext(connection) as many:
        client.get("/services/?category=legal")
    assert len(few.captured_queries) == len(many.captured_queries)


def test_service_detail_request_button_or_reason(client: Client, catalog: dict[str, Any]) -> None:
    industry = IndustryFactory(code="software")
    enterprise, admin = enterprise_with_admin(building=BuildingFactory(), industry=industry)
    staff = add_staff(enterprise)
    tm = f"/services/{catalog['tm'].pk}/"
    for user in (admin, staff):
        page = as_user(user).get(tm)
        assert page.context["state"].allowed and b'data-action="request-service"' in page.content
    with translation.override("en"):
        # Not eligible: the button is replaced by the reason.
        english = as_user(admin)
        english.cookies["django_language"] = "en"
        page = english.get(f"/services/{catalog['patent'].pk}/")
        assert not page.context["state"].allowed and b'data-action="request-service"' not in page.content
        assert "Series B" in str(page.context["state"].reason)
        anonymous = client.get(tm)
        assert anonymous.context["state"].login_needed
        member = as_user(UserFactory()).get(tm)
        assert not member.context["state"].allowed and b'data-testid="request-refused"' in member.content
    assert client.get(f"/services/{catalog['gone'].pk}/").status_code == 404
    assert client.get("/services/999999/").status_code == 404


def test_catalog_api(client: Client, catalog: dict[str, Any]) -> None:
    categories = client.get("/api/v1/service-categories").json()
    by_code = {c["code"]: c for c in categories}
    assert by_code["ip-trademark"]["parent_id"] == catalog["ip"].pk and by_code["legal"]["service_count"] == 23
    listing = client.get("/api/v1/services?category=ip").json()
    assert listing["count"] == 2
    detail = client.get(f"/api/v1/services/{catalog['tm'].pk}").json()
    assert detail["pricing"] == "quote" and detail["request"]["allowed"] is False
    assert detail["materials"] and detail["eligibility"] == {"tenant_only": True}
    assert client.get(f"/api/v1/services/{catalog['gone'].pk}").status_code == 404
    enterprise, admin = enterprise_with_admin(building=BuildingFactory())
    mine = as_user(admin).get(f"/api/v1/services/{catalog['tm'].pk}").json()
    assert mine["request"] == {"allowed": True, "reason": "", "enterprise_id": enterprise.pk}
    assert as_user(admin).get("/api/v1/services?eligible=true&category=ip").json()["count"] == 1
    assert len(client.get("/api/v1/service-providers").json()) == 2


def test_operators_manage_the_catalog_in_the_admin(catalog: dict[str, Any]) -> None:
    from parkos.accounts.tests.factories import operator
    from parkos.catalog.tests.factories import ServiceOrderFactory

    client = as_user(operator())
    tm = catalog["tm"]
    ServiceOrderFactory(service=tm)
    for url in ("/admin/catalog/service/", f"/admin/catalog/service/{tm.pk}/change/", "/admin/catalog/category/",
                "/admin/catalog/provider/", "/admin/catalog/serviceorder/", "/admin/catalog/replytemplate/"):
        assert client.get(url).status_code == 200, url
    data = {"code": tm.code, "category": tm.category_id, "provider": tm.provider_id, "name_zh": tm.name_zh,
            "name_en": "", "description_zh": "", "description_en": "", "pricing": "quote", "price": "",
            "sla_days": 5, "materials": "[]", "eligibility": '{"stages": ["bogus"]}',
            "fields": '[{"name": "a b", "type": "text"}]', "tags": "[]", "is_active": "on"}
    response = client.post(f"/admin/catalog/service/{tm.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "eligibility" in errors and "fields" in errors
    tm.refresh_from_db()
    assert tm.eligibility == {"tenant_only": True}
    data.update(eligibility='{"stages": ["seed"]}', fields='[{"name": "contact", "type": "text", "required": true}]')
    assert client.post(f"/admin/catalog/service/{tm.pk}/change/", data).status_code == 302
    tm.refresh_from_db()
    assert tm.eligibility == {"stages": ["seed"]} and tm.fields[0]["label"] == "contact"
