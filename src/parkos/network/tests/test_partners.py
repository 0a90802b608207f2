"""The partner directory: filters and pagination, who may see and change what (a member, a visitor, an
operator of one park only, a portfolio operator), bad input, contacts, and the pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import make_user
from parkos.core.errors import ErrorCode, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.network.models import City, Contact, Country, Organisation, OrganisationKind
from parkos.network.selectors import partners as selectors
from parkos.network.services import partners as services
from parkos.network.services.reference import reference_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast() -> dict[str, Any]:
    reference_load()
    main = park_default()
    other = Park.objects.create(code="np2", name="乙园", name_en="Park B", position=9)
    return {
        "member": make_user(),
        "colleague": make_user(),
        "operator": make_user(Role.OPERATOR),  # portfolio-wide
        "park_operator": make_user((Role.OPERATOR, main)),  # type: ignore[arg-type]  # one park only
        "other": other,
    }


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- reads ----------------------------------------------------------------------------------------

def test_filters_by_kind_country_continent_cooperation_and_text(cast: dict[str, Any]) -> None:
    member = cast["member"]
    every = selectors.organisation_list(viewer=member)
    assert every.count() == Organisation.objects.filter(is_active=True).count() >= 28
    intl = selectors.organisation_list(viewer=member, kind=OrganisationKind.INTERNATIONAL)
    assert intl.count() == 13
    german = list(selectors.organisation_list(viewer=member, country="deu"))
    assert german and all(o.country.code == "DEU" for o in german)
    europe = selectors.organisation_list(viewer=member, continent="europe")
    assert all(o.country.continent == "europe" for o in europe) and europe.count() >= 5
    landing = selectors.organisation_list(viewer=member, cooperation="soft_landing")
    assert landing.count() > 0 and all("soft_landing" in o.cooperation for o in landing)
    found = list(selectors.organisation_list(viewer=member, q="以色列"))
    assert {o.name_zh for o in found} >= {"中以科技创新合作平台", "以色列驻华使馆经济贸易处"}
    # An unknown choice finds nothing rather than everything.
    bad: dict[str, str]
    for bad in ({"kind": "spy"}, {"continent": "atlantis"}, {"cooperation": "bribes"}, {"country": "ZZZ"}):
        assert selectors.organisation_list(viewer=member, **bad).count() == 0  # type: ignore[arg-type]


def test_visitor_sees_nothing_member_sees_contacts(cast: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    org = Organisation.objects.get(name_zh="中德创新合作中心")
    with pytest.raises(NotAuthenticated):
        selectors.organisation_list(viewer=AnonymousUser())
    with pytest.raises(NotAuthenticated):
        selectors.organisation_get(viewer=AnonymousUser(), organisation_id=org.pk)
    assert _client().get(f"/network/partners/{org.pk}/").status_code == 302  # to the log-in page
    response = _client().get(f"/api/v1/network/organisations/{org.pk}")
    assert response.status_code == 401 and "sgicc" not in response.content.decode()
    page = _client(cast["member"]).get(f"/network/partners/{org.pk}/")
    assert page.status_code == 200 and "wang.lei@sgicc.example.org" in page.content.decode()


def test_inactive_organisation_is_the_operators_alone(cast: dict[str, Any]) -> None:
    org = Organisation.objects.get(name_zh="中芬创新中心")
    services.organisation_deactivate(actor=cast["operator"], organisation=org)
    assert not selectors.organisation_list(viewer=cast["member"]).filter(pk=org.pk).exists()
    with pytest.raises(NotFound):
        selectors.organisation_get(viewer=cast["member"], organisation_id=org.pk)
    # Asking for the inactive ones is the operator's: a member's request is ignored.
    assert not selectors.organisation_list(viewer=cast["member"], include_inactive=True).filter(pk=org.pk).exists()
    assert selectors.organisation_list(viewer=cast["operator"], include_inactive=True).filter(pk=org.pk).exists()
    assert selectors.organisation_get(viewer=cast["operator"], organisation_id=org.pk) == org


def test_directory_page_filters_and_paginates(cast: dict[str, Any]) -> None:
    client = _client(cast["member"])
    first = client.get("/network/partners/")
    body = first.content.decode()
    assert first.status_code == 200 and 'rel="next"' in body and "37" in body
    assert first.context["page"].paginator.count == Organisation.objects.filter(is_active=True).count()
    second = client.get("/network/partners/?page=2")
    names_1 = {o.pk for o in first.context["page"].object_list}
    names_2 = {o.pk for o in second.context["page"].object_list}
    assert names_2 and not names_1 & names_2
    filtered = client.get("/network/partners/?kind=international&continent=europe")
    rows = list(filtered.context["page"].object_list)
    assert rows and all(o.kind == "international" and o.country.continent == "europe" for o in rows)
    assert "kind=international" in filtered.context["querystring"]
    empty = client.get("/network/partners/?q=没有这个组织")
    assert 'data-testid="empty"' in empty.content.decode()


def test_api_list_paginates_with_few_queries(cast: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    client = _client(cast["member"])
    client.get("/api/v1/network/organisations")  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/network/organisations?kind=international")
    data = response.json()
    assert response.status_code == 200 and data["count"] == 13 and len(data["items"]) == 13
    assert {"country", "city", "kind_label", "cooperation"} <= set(data["items"][0])
    with django_assert_max_num_queries(8):
        countries = client.get("/api/v1/network/countries?partners_only=true").json()
    assert len(countries) == 37 and all(c["is_partner"] for c in countries)
    with django_assert_max_num_queries(8):
        cities = client.get("/api/v1/network/cities?country=CHN&partners_only=true").json()
    assert cities["count"] == 52
    figures = client.get("/api/v1/network/map/figures").json()
    assert (figures["countries"], figures["international_organisations"], figures["chinese_cities"]) == (37, 13, 52)


def test_detail_shows_the_services_of_its_catalog_provider(cast: dict[str, Any]) -> None:
    from parkos.catalog.tests.factories import ProviderFactory, ServiceFactory

    org = Organisation.objects.get(name_zh="中新科技创新合作平台")
    provider: Any = ProviderFactory(name="中新平台服务部")
    offered: Any = ServiceFactory(provider=provider, name_zh="新加坡公司注册协助")
    ServiceFactory(provider=provider, name_zh="已下架的服务", is_active=False)
    ServiceFactory(name_zh="别家的服务")
    services.organisation_update(actor=cast["operator"], organisation=org, provider=provider.pk)
    client = _client(cast["member"])
    data = client.get(f"/api/v1/network/organisations/{org.pk}").json()
    assert data["contacts"][0]["email"] == "lin.jy@cstip.example.org" and data["contacts"][0]["is_primary"]
    assert [s["id"] for s in data["services"]] == [offered.pk] and data["provider_id"] == provider.pk
    page = client.get(f"/network/partners/{org.pk}/").content.decode()
    assert "新加坡公司注册协助" in page and "已下架的服务" not in page and "别家的服务" not in page
    assert client.get("/api/v1/network/organisations/999999").status_code == 404
    with pytest.raises(Invalid) as error:
        services.organisation_update(actor=cast["operator"], organisation=org, provider=999999)
    assert error.value.code == ErrorCode.INVALID_CHOICE


def test_directory_page_query_count_does_not_grow(cast: dict[str, Any],
                                                  django_assert_max_num_queries: Any) -> None:
    client = _client(cast["member"])
    client.get("/network/partners/")
    with django_assert_max_num_queries(16):
        response = client.get("/network/partners/")
    assert len(response.context["page"].object_list) == 20


# --- writes: permission -------------------------------------------------------------------------------

def test_only_portfolio_operators_change_the_network(cast: dict[str, Any]) -> None:
    org = Organisation.objects.get(name_zh="中芬创新中心")
    deu = Country.objects.get(code="DEU")
    for outsider in (cast["member"], cast["park_operator"]):
        with pytest.raises(Forbidden):
            services.organisation_create(actor=outsider, name_zh="某机构", kind="other", country="DEU")
        with pytest.raises(Forbidden):
            services.organisation_update(actor=outsider, organisation=org, description="改")
        with pytest.raises(Forbidden):
            services.contact_add(actor=outsider, organisation=org, name="某人")
        with pytest.raises(Forbidden):
            services.country_mark_partner(actor=outsider, country=deu, is_partner=False)
    org.refresh_from_db()
    assert org.description != "改" and not Organisation.objects.filter(name_zh="某机构").exists()
    assert Country.objects.get(code="DEU").is_partner
    for outsider in (cast["member"], cast["park_operator"]):
        client = _client(outsider)
        assert client.post("/api/v1/network/organisations", {"name_zh": "某机构", "kind": "other", "country": "DEU"},
                           content_type="application/json").status_code == 403
        assert client.patch(f"/api/v1/network/organisations/{org.pk}", {"description": "改"},
                            content_type="application/json").status_code == 403
        assert client.get("/network/partners/new/").status_code == 403
        assert client.get("/network/partners/places/").status_code == 403
        assert client.post(f"/network/partners/{org.pk}/", {"action": "deactivate"}).status_code == 403
    assert Organisation.objects.get(pk=org.pk).is_active


def test_operator_creates_edits_and_deactivates(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    munich = City.objects.get(name_zh="慕尼黑")
    org = services.organisation_create(actor=op, name_zh="  中德智能制造联盟 ", kind="international",
                                       country="deu", city=munich.pk, cooperation=["referrals", "soft_landing"],
                                       website="https://example.org", partner_since=2024)
    assert org.name_zh == "中德智能制造联盟" and org.cooperation == ["soft_landing", "referrals"]
    changed = services.organisation_update(actor=op, organisation=org, description="新的介绍", partner_since="2023")
    assert changed.description == "新的介绍" and changed.partner_since == 2023
    response = _client(op).post("/api/v1/network/organisations", {
        "name_zh": "中波创新中心", "kind": "international", "country": "POL", "cooperation": ["outbound"]},
        content_type="application/json")
    assert response.status_code == 201 and response.json()["country"] == "POL"
    pk = response.json()["id"]
    patched = _client(op).patch(f"/api/v1/network/organisations/{pk}", {"is_active": False},
                                content_type="application/json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    page = _client(op).post(f"/network/partners/{org.pk}/", {"action": "deactivate"})
    assert page.status_code == 302 and not Organisation.objects.get(pk=org.pk).is_active


@pytest.mark.parametrize(("fields", "field", "code"), [
    ({"name_zh": ""}, "name_zh", ErrorCode.REQUIRED),
    ({"name_zh": "<b>x</b>"}, "name_zh", ErrorCode.MARKUP),
    ({"name_zh": "x" * 101}, "name_zh", ErrorCode.TOO_LONG),
    ({"name_zh": "中德创新合作中心"}, "name_zh", ErrorCode.TAKEN),
    ({"kind": "spy"}, "kind", ErrorCode.INVALID_CHOICE),
    ({"country": "ZZZ"}, "country", ErrorCode.INVALID_CHOICE),
    ({"cooperation": ["bribes"]}, "cooperation", ErrorCode.INVALID_CHOICE),
    ({"website": "javascript:alert(1)"}, "website", ErrorCode.INVALID),
    ({"partner_since": 1700}, "partner_since", ErrorCode.OUT_OF_RANGE),
    ({"city": "9999999"}, "city", ErrorCode.INVALID_CHOICE),
])
def test_bad_input_is_refused_and_nothing_is_made(cast: dict[str, Any], fields: dict[str, Any], field: str,
                                                  code: str) -> None:
    before = Organisation.objects.count()
    data = {"name_zh": "新组织", "kind": "other", "country": "DEU", **fields}
    with pytest.raises(Invalid) as error:
        services.organisation_create(actor=cast["operator"], **data)
    assert error.value.code == code and field in error.value.details
    assert Organisation.objects.count() == before


def test_city_must_be_in_the_country_or_home(cast: dict[str, Any]) -> None:
    tokyo = City.objects.get(name_zh="东京")
    beijing = City.objects.get(name_zh="北京")
    with pytest.raises(Invalid) as error:
        services.organisation_create(actor=cast["operator"], name_zh="错位", kind="other", country="DEU",
                                     city=tokyo.pk)
    assert "city" in error.value.details
    # An embassy's trade office sits in Beijing.
    office = services.organisation_create(actor=cast["operator"], name_zh="某国驻华商务处", kind="trade_office",
                                          country="DEU", city=beijing.pk)
    assert office.city == beijing


def test_api_bad_input_is_a_translated_400(cast: dict[str, Any]) -> None:
    response = _client(cast["operator"]).post("/api/v1/network/organisations", {
        "name_zh": "中德创新合作中心", "kind": "other", "country": "DEU"}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.TAKEN and "name_zh" in body["details"] and body["message"]


def test_form_page_shows_errors_next_to_fields(cast: dict[str, Any]) -> None:
    client = _client(cast["operator"])
    response = client.post("/network/partners/new/", {"name_zh": "中德创新合作中心", "kind": "other",
                                                     "country": "DEU"})
    assert response.status_code == 400 and response.context["form"].errors["name_zh"]
    assert 'class="field has-error' in response.content.decode()
    ok = client.post("/network/partners/new/", {"name_zh": "中捷创新中心", "kind": "international",
                                               "country": "CZE", "cooperation": ["outbound"]})
    assert ok.status_code == 302
    org = Organisation.objects.get(name_zh="中捷创新中心")
    edit = client.post(f"/network/partners/{org.pk}/edit/", {"name_zh": "中捷创新合作中心", "kind": "international",
                                                             "country": "CZE", "is_active": "on"})
    assert edit.status_code == 302 and Organisation.objects.get(pk=org.pk).name_zh == "中捷创新合作中心"


# --- contacts ---------------------------------------------------------------------------------------

def test_contacts_with_an_account_and_one_primary(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    org = Organisation.objects.get(name_zh="中芬创新中心")
    person = cast["colleague"]
    contact = services.contact_add(actor=op, organisation=org, name="赵六", email="Zhao@Example.org",
                                   user=person.email, is_primary=True)
    assert contact.user == person and contact.email == "zhao@example.org"
    assert list(Contact.objects.filter(organisation=org, is_primary=True)) == [contact]
    with pytest.raises(Invalid) as error:
        services.contact_add(actor=op, organisation=org, name="又一个", user=person.email)
    assert error.value.code == ErrorCode.DUPLICATE
    with pytest.raises(Invalid) as error:
        services.contact_add(actor=op, organisation=org, name="无人", user="nobody@nowhere.cn")
    assert error.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(Invalid) as error:
        services.contact_add(actor=op, organisation=org, name="坏邮件", email="not-an-email")
    assert error.value.code == ErrorCode.EMAIL
    unlinked = services.contact_update(actor=op, contact=contact, user="")
    assert unlinked.user is None
    client = _client(op)
    response = client.patch(f"/api/v1/network/contacts/{contact.pk}", {"title": "经理"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["title"] == "经理"
    assert _client(cast["member"]).delete(f"/api/v1/network/contacts/{contact.pk}").status_code == 403
    assert client.delete(f"/api/v1/network/contacts/{contact.pk}").status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    page = client.post(f"/network/partners/{org.pk}/", {"action": "contact_add", "name": "钱七",
                                                        "user": person.email})
    assert page.status_code == 302 and Contact.objects.filter(organisation=org, user=person).exists()
    api = client.post(f"/api/v1/network/organisations/{org.pk}/contacts", {"name": "孙八", "phone": "+358 1"},
                      content_type="application/json")
    assert api.status_code == 201 and api.json()["has_account"] is False


# --- partner countries and cities ----------------------------------------------------------------------

def test_marking_partners_changes_the_figures(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    before = selectors.network_figures(viewer=cast["member"])
    services.country_mark_partner(actor=op, country=Country.objects.get(code="DEU"), is_partner=False)
    beijing = City.objects.get(name_zh="北京")
    services.city_mark_partner(actor=op, city=beijing, is_partner=True, partner_since=2012, cooperation="本地")
    after = selectors.network_figures(viewer=cast["member"])
    assert after["countries"] == before["countries"] - 1 and after["chinese_cities"] == before["chinese_cities"] + 1
    with pytest.raises(Invalid):
        services.country_mark_partner(actor=op, country=Country.objects.get(code="CHN"), is_partner=True)
    with pytest.raises(Invalid):
        services.city_mark_partner(actor=op, city=beijing, is_partner=True, partner_since="abc")
    page = _client(op).post("/network/partners/places/", {"kind": "country", "code": "DEU", "partner": "1",
                                                          "partner_since": "2012"})
    assert page.status_code == 302 and Country.objects.get(code="DEU").partner_since == 2012
    assert _client(op).get("/network/partners/places/").status_code == 200
