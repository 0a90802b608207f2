"""Funds (portfolio operators keep them; members browse and filter), investors' profiles (the role is
required; one's own, not another's), exchange rates (operators; the latest on or before a day), the
directory pages and API with their query counts, and the capital demo (a second run adds nothing)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.tests.factories import EnterpriseFactory, enterprise_with_admin
from parkos.network.models import ExchangeRate, FinancingRecord, Fund, Investor
from parkos.network.selectors.capital import fund_get, fund_list, investor_list
from parkos.network.services.funds import fund_create, fund_set_active, fund_update
from parkos.network.services.investors import investor_profile_get_or_create, investor_profile_update
from parkos.network.services.rates import rate_for, rate_record

pytestmark = pytest.mark.django_db


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="cb2", name="乙园", name_en="Park B", position=5)
    parks_changed()
    cache.clear()
    enterprise, admin = enterprise_with_admin(park=a)
    return {"a": a, "b": b, "portfolio": UserFactory(roles=[Role.OPERATOR]),
            "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "member": UserFactory(), "admin": admin,
            "enterprise": enterprise, "investor": UserFactory(roles=[Role.INVESTOR], display_name="投资人甲"),
            "investor2": UserFactory(roles=[Role.INVESTOR], display_name="投资人乙")}


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def _fund(cast: dict[str, Any], **changes: Any) -> Fund:
    fields: dict[str, Any] = {"name_zh": "测试前沿创投", "name_en": "Test Frontier Ventures", "kind": "vc",
                              "stages": ["series_a", "seed"], "industries": ["ai", "robotics"],
                              "regions": "北京，长三角、全国", "ticket_min_wan": 300, "ticket_max_wan": 3000,
                              "description": "第一行\n第二行", "website": "https://example.cn"}
    fields.update(changes)
    return fund_create(actor=fields.pop("actor", cast["portfolio"]), **fields)


# --- funds ----------------------------------------------------------------------------------------------

def test_a_portfolio_operator_keeps_funds_and_members_browse_them(cast: dict[str, Any]) -> None:
    fund = _fund(cast)
    assert fund.stages == ["seed", "series_a"] and fund.regions == ["北京", "长三角", "全国"]
    assert sorted(i.code for i in fund.industries.all()) == ["ai", "robotics"]
    other = _fund(cast, name_zh="医疗健康基金", kind="pe", stages=["series_b"], industries=["medtech"],
                  regions=["上海"], ticket_min_wan=5000, ticket_max_wan=20000, description="", website="")
    member = cast["member"]
    assert list(fund_list(viewer=member)) == [other, fund] or set(fund_list(viewer=member)) == {fund, other}
    assert list(fund_list(viewer=member, kind="pe")) == [other]
    assert list(fund_list(viewer=member, stage="seed")) == [fund]
    assert list(fund_list(viewer=member, industry="ai")) == [fund]
    assert list(fund_list(viewer=member, industry="ai-vision")) == []
    assert list(fund_list(viewer=member, region="长三角")) == [fund]
    assert list(fund_list(viewer=member, ticket_wan=1000)) == [fund]
    assert list(fund_list(viewer=member, ticket_wan=10000)) == [other]
    assert list(fund_list(viewer=member, q="医疗")) == [other]
    updated = fund_update(actor=cast["portfolio"], fund=fund, ticket_max_wan=5000, industries=["software"])
    assert updated.ticket_min_wan == 300 and updated.ticket_max_wan == 5000
    assert [i.code for i in updated.industries.all()] == ["software"]
    fund_set_active(actor=cast["portfolio"], fund=fund, active=False)
    assert list(fund_list(viewer=member)) == [other]
    with pytest.raises(NotFound):
        fund_get(viewer=member, fund_id=fund.pk)
    assert fund_get(viewer=cast["portfolio"], fund_id=fund.pk) == fund
    with pytest.raises(Forbidden):
        fund_list(viewer=member, active=False)


def test_only_portfolio_operators_change_funds(cast: dict[str, Any]) -> None:
    fund = _fund(cast)
    for outsider in (cast["op_a"], cast["member"], cast["admin"], cast["investor"]):
        with pytest.raises(Forbidden):
            _fund(cast, actor=outsider, name_zh="另一个基金")
        with pytest.raises(Forbidden):
            fund_update(actor=outsider, fund=fund, name_zh="改名")
        with pytest.raises(Forbidden):
            fund_set_active(actor=outsider, fund=fund, active=False)
    with pytest.raises(NotAuthenticated):
        fund_list(viewer=None)
    fund.refresh_from_db()
    assert fund.name_zh == "测试前沿创投" and fund.is_active and Fund.objects.count() == 1


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"name_zh": ""}, "name_zh", "required"),
    ({"name_zh": "x" * 101}, "name_zh", "too_long"),
    ({"name_zh": "<script>"}, "name_zh", "markup"),
    ({"kind": "hedge"}, "kind", "invalid_choice"),
    ({"stages": ["series_z"]}, "stages", "invalid_choice"),
    ({"stages": "seed"}, "stages", "invalid"),
    ({"industries": ["nope"]}, "industries", "invalid_choice"),
    ({"regions": ["x" * 21]}, "regions", "too_long"),
    ({"ticket_min_wan": 500, "ticket_max_wan": 100}, "ticket_max_wan", "out_of_range"),
    ({"ticket_min_wan": -1}, "ticket_min_wan", "out_of_range"),
    ({"ticket_min_wan": "many"}, "ticket_min_wan", "invalid"),
    ({"website": "javascript:alert(1)"}, "website", "invalid"),
    ({"country": "XXX"}, "country", "invalid_choice"),
    ({"colour": "red"}, "colour", "invalid"),
])
def test_bad_fund_input_is_refused_and_nothing_written(cast: dict[str, Any], changes: dict[str, Any], field: str,
                                                       code: str) -> None:
    with pytest.raises(Invalid) as caught:
        _fund(cast, **changes)
    assert caught.value.code == code and field in caught.value.details, caught.value.details
    assert not Fund.objects.exists()


def test_a_fund_name_is_taken_once(cast: dict[str, Any]) -> None:
    _fund(cast)
    with translation.override("en"), pytest.raises(Invalid) as caught:
        _fund(cast)
    assert caught.value.code == "taken" and "already" in caught.value.details["name_zh"][0]


# --- investors ------------------------------------------------------------------------------------------

def test_an_investor_keeps_their_own_profile(cast: dict[str, Any]) -> None:
    fund = _fund(cast)
    me = investor_profile_get_or_create(actor=cast["investor"])
    assert investor_profile_get_or_create(actor=cast["investor"]) == me and Investor.objects.count() == 1
    investor_profile_update(actor=cast["investor"], investor=me, fund=fund.pk, title="合伙人",
                            thesis="关注具身智能\n与协作机器人", stages=["seed", "series_a"], industries=["robotics"],
                            regions=["北京"], ticket_min_wan=500, ticket_max_wan=2000, is_listed=True,
                            accepts_introductions=False)
    me.refresh_from_db()
    assert (me.fund, me.title, me.stages, me.regions, me.ticket_max_wan) == (fund, "合伙人", ["seed", "series_a"],
                                                                            ["北京"], 2000)
    assert me.thesis == "关注具身智能\n与协作机器人" and not me.accepts_introductions
    # Another investor, a member without the role and an anonymous caller are refused.
    with pytest.raises(Forbidden):
        investor_profile_update(actor=cast["investor2"], investor=me, thesis="改写")
    with pytest.raises(Forbidden):
        investor_profile_get_or_create(actor=cast["member"])
    with pytest.raises(NotAuthenticated):
        investor_profile_get_or_create(actor=None)
    me.refresh_from_db()
    assert me.thesis.startswith("关注") and not Investor.objects.filter(user=cast["member"]).exists()
    # Bad input: every field named, nothing changed.
    with pytest.raises(Invalid) as caught:
        investor_profile_update(actor=cast["investor"], investor=me, fund=999999, thesis="x" * 2001,
                                stages=["later"], is_listed="yes")
    assert set(caught.value.details) == {"fund", "thesis", "stages", "is_listed"}
    me.refresh_from_db()
    assert me.fund == fund and me.is_listed


def test_the_directory_lists_listed_investors_only(cast: dict[str, Any]) -> None:
    one = investor_profile_get_or_create(actor=cast["investor"])
    investor_profile_update(actor=cast["investor"], investor=one, thesis="机器人", stages=["seed"],
                            industries=["robotics"])
    two = investor_profile_get_or_create(actor=cast["investor2"])
    investor_profile_update(actor=cast["investor2"], investor=two, is_listed=False)
    assert list(investor_list(viewer=cast["admin"])) == [one]
    assert list(investor_list(viewer=cast["admin"], industry="robotics", stage="seed", q="机器人")) == [one]
    assert list(investor_list(viewer=cast["admin"], stage="series_b")) == []
    page = _client(cast["admin"]).get("/network/capital/investors/").content.decode()
    assert "投资人甲" in page and "投资人乙" not in page
    api = _client(cast["admin"]).get("/api/v1/network/investors").json()
    assert [i["name"] for i in api["items"]] == ["投资人甲"]


def test_my_investor_profile_page_and_api(cast: dict[str, Any]) -> None:
    client = _client(cast["investor"])
    assert client.get("/network/capital/investors/me/").status_code == 200
    response = client.post("/network/capital/investors/me/", {
        "title": "投资总监", "thesis": "关注医疗器械", "stages": ["angel"], "industries": ["medtech"],
        "regions": "北京, 上海", "ticket_min_wan": "100", "ticket_max_wan": "900", "is_listed": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    me = Investor.objects.get(user=cast["investor"])
    assert (me.title, me.regions, me.is_listed, me.accepts_introductions) == ("投资总监", ["北京", "上海"], True, False)
    bad = client.post("/network/capital/investors/me/", {"ticket_min_wan": "900", "ticket_max_wan": "100"})
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    got = client.get("/api/v1/network/investors/me").json()
    assert got["title"] == "投资总监" and got["industries"][0]["code"] == "medtech"
    put = client.put("/api/v1/network/investors/me", json.dumps({"thesis": "新的方向", "stages": ["seed"]}),
                     content_type="application/json")
    assert put.status_code == 200 and put.json()["thesis"] == "新的方向" and put.json()["title"] == ""
    assert _client(cast["member"]).get("/api/v1/network/investors/me").status_code == 403
    assert _client(cast["member"]).get("/network/capital/investors/me/").status_code == 403


# --- rates ----------------------------------------------------------------------------------------------

def test_rates_are_recorded_by_operators_and_the_latest_applies(cast: dict[str, Any]) -> None:
    rate_record(actor=cast["portfolio"], currency="USD", valid_on=dt.date(2024, 1, 2), rate_to_cny="7.1",
                source="中国人民银行")
    rate_record(actor=cast["portfolio"], currency="USD", valid_on="2024-03-01", rate_to_cny="7.2")
    assert rate_for("USD", dt.date(2024, 2, 29)).rate_to_cny == Decimal("7.1")
    assert rate_for("USD", dt.date(2024, 3, 1)).rate_to_cny == Decimal("7.2")
    assert rate_for("CNY", dt.date(2000, 1, 1)).rate_to_cny == 1
    with translation.override("en"), pytest.raises(Conflict) as caught:
        rate_for("USD", dt.date(2023, 12, 31))
    assert caught.value.code == "no_rate" and "USD" in str(caught.value.message) and "2023-12-31" in str(
        caught.value.message)
    # Correcting a day's rate replaces it (one per currency and day).
    rate_record(actor=cast["portfolio"], currency="USD", valid_on="2024-03-01", rate_to_cny="7.25")
    assert ExchangeRate.objects.filter(currency="USD").count() == 2
    for outsider in (cast["op_a"], cast["member"]):
        with pytest.raises(Forbidden):
            rate_record(actor=outsider, currency="EUR", valid_on="2024-03-01", rate_to_cny="7.8")
    for bad, field in (({"currency": "CNY"}, "currency"), ({"rate_to_cny": "0"}, "rate_to_cny"),
                       ({"rate_to_cny": "7.1234567"}, "rate_to_cny"), ({"rate_to_cny": "abc"}, "rate_to_cny"),
                       ({"valid_on": "2999-01-01"}, "valid_on"), ({"source": "a\x00"}, "source")):
        with pytest.raises(Invalid) as refused:
            rate_record(actor=cast["portfolio"], **{"currency": "EUR", "valid_on": "2024-03-01",
                                                    "rate_to_cny": "7.8", **bad})
        assert field in refused.value.details
    assert not ExchangeRate.objects.filter(currency="EUR").exists()


def test_the_rates_page_and_api(cast: dict[str, Any]) -> None:
    client = _client(cast["portfolio"])
    response = client.post("/network/capital/rates/", {"currency": "HKD", "valid_on": "2024-01-02",
                                                       "rate_to_cny": "0.9051", "source": "中间价"})
    assert response.status_code == 302
    page = client.get("/network/capital/rates/").content.decode()
    assert "0.9051" in page and "rate-form" in page
    member_page = _client(cast["member"]).get("/network/capital/rates/").content.decode()
    assert "0.9051" in member_page and "rate-form" not in member_page
    assert _client(cast["member"]).post("/network/capital/rates/", {"currency": "HKD"}).status_code == 403
    created = client.post("/api/v1/network/rates", json.dumps({"currency": "USD", "valid_on": "2024-01-02",
                                                                "rate_to_cny": "7.0920"}),
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["rate_to_cny"] in ("7.0920", "7.092000", "7.092")
    refused = _client(cast["op_a"]).post("/api/v1/network/rates", json.dumps({"currency": "USD",
                                                                               "valid_on": "2024-01-03",
                                                                               "rate_to_cny": "7"}),
                                         content_type="application/json")
    assert refused.status_code == 403
    listed = _client(cast["member"]).get("/api/v1/network/rates?currency=USD").json()
    assert [r["currency"] for r in listed["items"]] == ["USD"]


# --- pages and API of funds -----------------------------------------------------------------------------

def test_fund_pages_and_api(cast: dict[str, Any]) -> None:
    op = _client(cast["portfolio"])
    response = op.post("/network/capital/funds/new/", {
        "name_zh": "页面创建基金", "kind": "angel", "stages": ["seed"], "industries": ["software"],
        "regions": "全国", "ticket_min_wan": "50", "ticket_max_wan": "500", "description": "天使",
        "country": "", "website": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    fund = Fund.objects.get(name_zh="页面创建基金")
    bad = op.post(f"/network/capital/funds/{fund.pk}/edit/", {"name_zh": "", "kind": "angel"})
    assert bad.status_code == 400
    assert op.post(f"/network/capital/funds/{fund.pk}/active/", {"active": "0"}).status_code == 302
    fund.refresh_from_db()
    assert not fund.is_active
    assert _client(cast["member"]).get(f"/network/capital/funds/{fund.pk}/").status_code == 404
    assert _client(cast["op_a"]).get("/network/capital/funds/new/").status_code == 403
    assert _client(cast["member"]).post(f"/network/capital/funds/{fund.pk}/active/", {"active": "1"}).status_code \
        == 404
    created = op.post("/api/v1/network/funds", json.dumps({"name_zh": "接口基金", "stages": ["series_b"],
                                                           "industries": ["energy"]}),
                      content_type="application/json")
    assert created.status_code == 201 and created.json()["industries"][0]["code"] == "energy"
    patched = op.patch(f"/api/v1/network/funds/{created.json()['id']}", json.dumps({"is_active": False}),
                       content_type="application/json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    refused = _client(cast["op_a"]).post("/api/v1/network/funds", json.dumps({"name_zh": "不行"}),
                                         content_type="application/json")
    assert refused.status_code == 403
    invalid = op.post("/api/v1/network/funds", json.dumps({"name_zh": "", "kind": "x"}),
                      content_type="application/json")
    assert invalid.status_code == 400 and set(invalid.json()["details"]) == {"name_zh", "kind"}
    assert _client(None).get("/api/v1/network/funds").status_code == 401


def test_the_funds_list_takes_a_fixed_number_of_queries(cast: dict[str, Any]) -> None:
    client = _client(cast["member"])
    _fund(cast)
    for path in ("/api/v1/network/funds", "/network/capital/funds/"):
        client.get(path)
        with CaptureQueriesContext(connection) as few:
            assert client.get(path).status_code == 200
        for n in range(4):
            _fund(cast, name_zh=f"基金{path[-3:]}{n}", industries=["ai", "medtech"])
        with CaptureQueriesContext(connection) as many:
            client.get(path)
        assert len(many) == len(few), path


# --- the demo -------------------------------------------------------------------------------------------

def test_the_capital_demo_runs_once(cast: dict[str, Any]) -> None:
    from parkos.demo.seed import demo_email
    from parkos.network.demo_capital import FUNDS, demo_capital

    investor: Any = UserFactory(email=demo_email("investor"), roles=[Role.INVESTOR])
    for _n in range(10):
        enterprise_with_admin(park=cast["a"])
    EnterpriseFactory(park=cast["b"])
    out = io.StringIO()
    first = demo_capital(park=cast["a"], operator=cast["portfolio"], stdout=out)
    assert first["funds"] == len(FUNDS) == 12 and first["rates"] >= 9 and first["financing"] >= 10
    assert "funds" in out.getvalue()
    records = FinancingRecord.objects.all()
    assert records.filter(disclosure="confidential").exists() and records.filter(currency="USD").exists()
    total_yuan = sum(r.amount_cny_fen for r in records) / 100
    assert 50_000_000 < total_yuan < 2_000_000_000
    profile = Investor.objects.get(user_id=investor.pk)
    assert profile.thesis and profile.stages == ["seed", "angel", "series_a"]
    assert sorted(i.code for i in profile.industries.all()) == ["ai", "robotics"]
    again = demo_capital(park=cast["a"], operator=cast["portfolio"])
    assert again == {"funds": 0, "rates": 0, "financing": 0} and FinancingRecord.objects.count() == records.count()
