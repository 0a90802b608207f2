"""Policy matching end to end: who sees which matches (page and API), facts, applying through a service
order, the butler's portfolio matrix (constant queries), operators' validation in admin and service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import EnterpriseFacts, Policy, ServiceOrder
from parkos.catalog.services.policies import facts_save, policy_apply, policy_save
from parkos.catalog.tests.factories import ServiceFactory
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid
from parkos.enterprises.models import Industry
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_caches() -> None:
    caches["ratelimit"].clear()
    caches["default"].clear()


@pytest.fixture
def park() -> dict[str, Any]:
    robotics = Industry.objects.get(code="robotics-industrial")
    enterprise, admin = enterprise_with_admin(industry=robotics, stage="series_a", headcount="50-199",
                                              founded_on=dt.date(2021, 3, 1))
    staff = add_staff(enterprise)
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise.butler = butler
    enterprise.save()
    other, outsider = enterprise_with_admin()
    EnterpriseFacts.objects.create(enterprise=enterprise, revenue_band="5m-20m", patents=1)
    service = ServiceFactory(pricing="free", price=None, fields=[])
    future = timezone.localdate() + dt.timedelta(days=60)
    hte = Policy.objects.create(code="hte", title="高新技术企业认定", issuer="科委", deadline=future, service=service,
                                rules=[{"field": "industry", "op": "in", "value": ["robotics"]},
                                       {"field": "patents", "op": "gte", "value": 1}])
    giant = Policy.objects.create(code="giant", title="小巨人", issuer="工信部", deadline=future,
                                  rules=[{"field": "patents", "op": "gte", "value": 3}])
    closed = Policy.objects.create(code="closed", title="已截止补贴", issuer="区人社局",
                                   deadline=timezone.localdate() - dt.timedelta(days=1), rules=[])
    return {"enterprise": enterprise, "admin": admin, "staff": staff, "butler": butler, "other": other,
            "outsider": outsider, "operator": UserFactory(roles=[Role.OPERATOR]), "hte": hte, "giant": giant,
            "closed": closed, "service": service}


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_enterprise_sees_its_matches_nearly_and_what_is_missing(park: dict[str, Any]) -> None:
    with translation.override("en"):
        staff = login(park["staff"])
        staff.cookies["django_language"] = "en"  # pages follow the language cookie, not Accept-Language
        response = staff.get(reverse("catalog:policy_matches", args=[park["enterprise"].pk]))
    assert response.status_code == 200
    result = response.context["result"]
    assert [m.policy.code for m in result.qualifies] == ["hte"]
    assert [m.policy.code for m in result.nearly] == ["giant"]
    assert "closed" not in {m.policy.code for m in result.qualifies + result.nearly + result.not_eligible}
    assert b'data-policy="giant" data-status="nearly"' in response.content
    assert result.nearly[0].unmet[0].missing.startswith("Needs at least 3 patents (has 1)")


@pytest.mark.parametrize("who", ["admin", "staff", "butler", "operator"])
def test_its_people_its_butler_and_operators_see_the_matches(park: dict[str, Any], who: str) -> None:
    url = reverse("catalog:policy_matches", args=[park["enterprise"].pk])
    assert login(park[who]).get(url).status_code == 200


def test_an_outsider_sees_neither_page_nor_api(park: dict[str, Any]) -> None:
    client = login(park["outsider"])
    assert client.get(reverse("catalog:policy_matches", args=[park["enterprise"].pk])).status_code == 403
    api = client.get(f"/api/v1/enterprises/{park['enterprise'].pk}/policy-matches")
    assert api.status_code == 403
    own = client.get(f"/api/v1/enterprises/{park['other'].pk}/policy-matches")
    assert own.status_code == 200
    assert Client().get(reverse("catalog:policy_matches", args=[park["enterprise"].pk])).status_code == 302


def test_api_matches_match_the_page(park: dict[str, Any]) -> None:
    data = login(park["admin"]).get(f"/api/v1/enterprises/{park['enterprise'].pk}/policy-matches").json()
    assert [m["policy"]["code"] for m in data["qualifies"]] == ["hte"]
    assert [m["policy"]["code"] for m in data["nearly"]] == ["giant"]
    assert data["nearly"][0]["conditions"][0]["met"] is False


def test_public_list_leaves_out_closed_and_inactive_policies(park: dict[str, Any]) -> None:
    Policy.objects.filter(code="giant").update(is_active=False)
    response = Client().get(reverse("catalog:policy_list"))
    assert [p.code for p in response.context["page"]] == ["hte"]
    assert Client().get(reverse("catalog:policy_detail", args=[park["giant"].pk])).status_code == 404
    api = Client().get("/api/v1/policies").json()
    assert [p["code"] for p in api["items"]] == ["hte"]


def test_facts_change_the_matches_and_only_admin_butler_operator_edit_them(park: dict[str, Any]) -> None:
    url = reverse("catalog:policy_facts", args=[park["enterprise"].pk])
    assert login(park["staff"]).post(url, {"patents": 5, "revenue_band": ""}).status_code == 403
    assert login(park["outsider"]).post(url, {"patents": 5, "revenue_band": ""}).status_code == 403
    assert EnterpriseFacts.objects.get(enterprise=park["enterprise"]).patents == 1
    response = login(park["butler"]).post(url, {"patents": 5, "revenue_band": "20m-100m"})
    assert response.status_code == 302
    page = login(park["admin"]).get(reverse("catalog:policy_matches", args=[park["enterprise"].pk]))
    assert {m.policy.code for m in page.context["result"].qualifies} == {"hte", "giant"}
    bad = login(park["admin"]).post(url, {"patents": -2, "revenue_band": "lots"})
    assert bad.status_code == 400
    assert EnterpriseFacts.objects.get(enterprise=park["enterprise"]).patents == 5
    with pytest.raises(Invalid):
        facts_save(actor=park["admin"], enterprise=park["enterprise"], revenue_band="lots", patents=1)


def test_apply_creates_one_service_order_through_order_create(park: dict[str, Any]) -> None:
    client = login(park["staff"])
    url = reverse("catalog:policy_apply", args=[park["hte"].pk, park["enterprise"].pk])
    form = client.get(url)
    assert form.status_code == 200
    key = form.context["form"].initial["idempotency_key"]
    first = client.post(url, {"idempotency_key": key})
    second = client.post(url, {"idempotency_key": key})  # a double click
    order = ServiceOrder.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("catalog:order_detail", args=[order.pk])
    assert (order.enterprise, order.service, order.requested_by) == (park["enterprise"], park["service"],
                                                                    park["staff"])
    assert "高新技术企业认定" in order.note
    assert order.events.get().action == "submit"


def test_apply_without_a_linked_service_explains_and_creates_nothing(park: dict[str, Any]) -> None:
    response = login(park["admin"]).get(reverse("catalog:policy_apply", args=[park["giant"].pk,
                                                                             park["enterprise"].pk]))
    assert response.status_code == 302
    with pytest.raises(Conflict) as caught:
        policy_apply(actor=park["admin"], enterprise=park["enterprise"], item=park["giant"], idempotency_key="k" * 10)
    assert caught.value.code == ErrorCode.NOT_OPEN
    with pytest.raises(Conflict) as closed:
        policy_apply(actor=park["admin"], enterprise=park["enterprise"], item=park["closed"], idempotency_key="k" * 10)
    assert closed.value.code == ErrorCode.CLOSED
    assert not ServiceOrder.objects.exists()


def test_only_the_enterprise_people_apply_for_it(park: dict[str, Any]) -> None:
    for who in ("outsider", "butler"):
        with pytest.raises(Forbidden):
            policy_apply(actor=park[who], enterprise=park["enterprise"], item=park["hte"], idempotency_key="k" * 10)
    api = login(park["outsider"]).post(f"/api/v1/policies/{park['hte'].pk}/apply",
                                       {"enterprise_id": park["enterprise"].pk, "idempotency_key": "abcdefgh12"},
                                       content_type="application/json")
    assert api.status_code == 403
    ok = login(park["admin"]).post(f"/api/v1/policies/{park['hte'].pk}/apply",
                                   {"enterprise_id": park["enterprise"].pk, "idempotency_key": "abcdefgh12"},
                                   content_type="application/json")
    assert ok.status_code == 201
    again = login(park["admin"]).post(f"/api/v1/policies/{park['hte'].pk}/apply",
                                      {"enterprise_id": park["enterprise"].pk, "idempotency_key": "abcdefgh12"},
                                      content_type="application/json")
    assert again.status_code == 200
    assert ServiceOrder.objects.count() == 1


def _portfolio_queries(client: Client) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("catalog:policy_portfolio"))
    assert response.status_code == 200
    return len(captured), response


def test_butler_matrix_covers_only_the_portfolio_in_constant_queries(park: dict[str, Any]) -> None:
    client = login(park["butler"])
    _portfolio_queries(client)  # the people's cached roles and parks (core/generations.py) are read once first
    small, response = _portfolio_queries(client)
    assert [r.enterprise.pk for r in response.context["matrix"].rows] == [park["enterprise"].pk]
    for i in range(6):
        e = EnterpriseFactory(butler=park["butler"], stage="seed")
        if i % 2:
            EnterpriseFacts.objects.create(enterprise=e, patents=i)
    _portfolio_queries(client)  # new enterprises: the people's parks are read again once
    large, response = _portfolio_queries(client)
    assert len(response.context["matrix"].rows) == 7
    assert large == small
    assert response.context["matrix"].qualifies[park["hte"].pk] == 1
    # Another butler's enterprise is not in this butler's matrix; an enterprise admin has no matrix.
    assert park["other"].pk not in {r.enterprise.pk for r in response.context["matrix"].rows}
    assert login(park["admin"]).get(reverse("catalog:policy_portfolio")).status_code == 403


def test_policy_save_validates_rules_and_writes_nothing_when_invalid(park: dict[str, Any]) -> None:
    item = Policy(code="bad", title="坏规则", issuer="某局", rules=[{"field": "income", "op": "gte", "value": 1}])
    with pytest.raises(Invalid) as caught:
        policy_save(actor=park["operator"], item=item)
    assert "rules" in caught.value.details
    assert not Policy.objects.filter(code="bad").exists()
    with pytest.raises(Forbidden):
        policy_save(actor=park["butler"], item=Policy(code="ok", title="好", issuer="某局", rules=[]))
    item.rules = [{"field": "patents", "op": "gte", "value": 2}]
    policy_save(actor=park["operator"], item=item)
    assert Policy.objects.get(code="bad").rules == [{"field": "patents", "op": "gte", "value": 2}]


def test_admin_refuses_invalid_rules(park: dict[str, Any]) -> None:
    client = login(park["operator"])  # operators are the back office's staff
    client.cookies["django_language"] = "en"
    data = {"code": "adm", "title": "后台政策", "issuer": "某局", "summary": "", "benefit": "", "deadline": "",
            "link": "", "rules": '[{"field": "patents", "op": "between", "value": 1}]', "service": "",
            "is_active": "on"}
    with translation.override("en"):
        response = client.post(reverse("admin:catalog_policy_add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not Policy.objects.filter(code="adm").exists()
    assert "takes the operators" in response.content.decode()
    data["rules"] = '[{"field": "patents", "op": "gte", "value": 1}]'
    assert client.post(reverse("admin:catalog_policy_add"), data).status_code == 302
    assert Policy.objects.filter(code="adm").exists()


def test_policy_search_source_lists_open_policies_only(park: dict[str, Any]) -> None:
    from parkos.search.registry import source

    src = source("policy")
    codes = set(src.queryset().values_list("code", flat=True))
    assert codes == {"hte", "giant"}
    doc = src.build(park["hte"])
    assert doc.title == "高新技术企业认定"
    assert doc.url == reverse("catalog:policy_detail", args=[park["hte"].pk])
