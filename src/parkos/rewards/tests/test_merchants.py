"""Merchants, their staff, the pay code and the park's reward settings: services, API and pages, with every
boundary (the park's operator, an operator of another park: not found, the merchant's own staff, staff of
another merchant, a member, nobody logged in)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parkos.accounts.models import Role, UserRole
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import ErrorCode, Forbidden, Invalid
from parkos.rewards.models import Merchant, MerchantStaff, RewardSettings
from parkos.rewards.selectors import merchants as selectors
from parkos.rewards.services import merchants as services
from parkos.rewards.tests.factories import MerchantFactory
from parkos.rewards.tests.test_merchants_fixtures import cast_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: Any = None, language: str = "") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)
    return client


def _json(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(url, json.dumps(body) if body is not None else None,
                                   content_type="application/json")


# --- services ---------------------------------------------------------------------------------------

def test_an_operator_creates_edits_and_deactivates_a_merchant(cast: dict[str, Any]) -> None:
    op = cast["op_a"]
    merchant = services.merchant_create(actor=op, park=cast["a"], name="  园区 面包房 ", category="store",
                                        location="2号楼一层")
    assert merchant.name == "园区 面包房" and merchant.active and len(merchant.pay_token) == 32
    with pytest.raises(Invalid) as taken:
        services.merchant_create(actor=op, park=cast["a"], name="园区咖啡", category="cafe")
    assert taken.value.code == ErrorCode.TAKEN and "name" in taken.value.details
    with pytest.raises(Invalid) as bad:
        services.merchant_create(actor=op, park=cast["a"], name="花店", category="florist")
    assert bad.value.code == ErrorCode.INVALID_CHOICE
    updated = services.merchant_update(actor=op, merchant=merchant, location="3号楼", category="cafe")
    assert (updated.location, updated.category) == ("3号楼", "cafe")
    with pytest.raises(Invalid):
        services.merchant_update(actor=op, merchant=merchant, pay_token="x")
    assert services.merchant_deactivate(actor=op, merchant=merchant).active is False
    with pytest.raises(Forbidden):
        services.merchant_create(actor=cast["op_b"], park=cast["a"], name="乙的店", category="cafe")
    with pytest.raises(Forbidden):
        services.merchant_update(actor=cast["owner"], merchant=cast["shop"], name="改名")
    assert Merchant.objects.filter(park=cast["a"]).count() == 3


def test_staff_added_by_mobile_get_the_merchant_role_in_that_park_and_lose_it_with_the_last_membership(
        cast: dict[str, Any]) -> None:
    from parkos.accounts.selectors import user_find

    op, shop, other, person = cast["op_a"], cast["shop"], cast["other"], cast["member"]
    found = user_find(value="138 0013 8001")
    assert found == person
    staff = services.staff_add(actor=op, merchant=shop, user=found, role="owner")
    assert staff.role == "owner"
    assert UserRole.objects.filter(user=person, role=Role.MERCHANT, park=cast["a"]).count() == 1
    again = services.staff_add(actor=op, merchant=shop, user=person, role="cashier")  # the role changes, once
    assert again.pk == staff.pk and again.role == "cashier" and MerchantStaff.objects.filter(user=person).count() == 1
    services.staff_add(actor=op, merchant=other, user=person)
    assert UserRole.objects.filter(user=person, role=Role.MERCHANT).count() == 1
    services.staff_remove(actor=op, merchant=shop, user=person)
    assert UserRole.objects.filter(user=person, role=Role.MERCHANT).exists()  # still works at the other shop
    services.staff_remove(actor=op, merchant=other, user=person)
    services.staff_remove(actor=op, merchant=other, user=person)  # idempotent
    assert not UserRole.objects.filter(user=person, role=Role.MERCHANT).exists()
    with pytest.raises(Invalid) as nobody:
        services.staff_add(actor=op, merchant=shop, user=user_find(value="13900000000"))
    assert nobody.value.code == ErrorCode.NOT_FOUND and "user" in nobody.value.details
    with pytest.raises(Invalid):
        services.staff_add(actor=op, merchant=shop, user=person, role="manager")
    with pytest.raises(Forbidden):
        services.staff_add(actor=cast["owner"], merchant=shop, user=person)  # owners do not hire: operators do
    with pytest.raises(Forbidden):
        services.staff_add(actor=cast["op_b"], merchant=shop, user=person)


def test_relations_follow_the_memberships(cast: dict[str, Any]) -> None:
    person, shop = cast["member"], cast["shop"]
    assert shop.relations_for(person) == set()  # cached on the user now
    services.staff_add(actor=cast["op_a"], merchant=shop, user=person)
    assert shop.relations_for(person) == {"merchant_staff"}  # the cache was dropped
    assert [m.pk for m in selectors.merchants_of_staff(person)] == [shop.pk]


def test_resetting_the_pay_code_changes_it(cast: dict[str, Any]) -> None:
    shop = cast["shop"]
    old = shop.pay_token
    assert services.merchant_pay_token_reset(actor=cast["op_a"], merchant=shop).pay_token != old
    with pytest.raises(Forbidden):
        services.merchant_pay_token_reset(actor=cast["owner"], merchant=shop)


def test_settings_are_made_on_first_use_and_checked(cast: dict[str, Any]) -> None:
    assert services.settings_get(cast["a"]).reversal_minutes == 30
    assert services.settings_get(cast["a"].pk).pk == services.settings_get(cast["a"]).pk
    saved = services.settings_update(actor=cast["op_a"], park=cast["a"], reversal_minutes=15, flag_threshold=50)
    assert (saved.reversal_minutes, saved.flag_threshold) == (15, 50)
    with pytest.raises(Invalid) as bad:
        services.settings_update(actor=cast["op_a"], park=cast["a"], reversal_minutes=0)
    assert "reversal_minutes" in bad.value.details
    assert RewardSettings.objects.get(park=cast["a"]).reversal_minutes == 15  # refused: nothing changed
    with pytest.raises(Forbidden):
        services.settings_update(actor=cast["op_b"], park=cast["a"], reversal_minutes=10)


# --- API ------------------------------------------------------------------------------------------

def test_the_merchants_api_for_an_operator(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])
    made = _json(op, "post", "/api/v1/rewards/merchants", {"name": "园区健身房", "category": "gym", "location": "B1"})
    assert made.status_code == 201, made.content
    mid = made.json()["id"]
    assert made.json()["park_id"] == cast["a"].pk and "pay_token" not in made.json()
    assert _json(op, "patch", f"/api/v1/rewards/merchants/{mid}", {"location": "B2"}).json()["location"] == "B2"
    bad = _json(op, "post", "/api/v1/rewards/merchants", {"name": "", "category": "gym"})
    assert bad.status_code == 400 and bad.json()["code"] == ErrorCode.REQUIRED and "name" in bad.json()["details"]
    added = _json(op, "post", f"/api/v1/rewards/merchants/{mid}/staff", {"user": "13800138001", "role": "owner"})
    assert added.status_code == 201 and added.json()["user_id"] == cast["member"].pk
    unknown = _json(op, "post", f"/api/v1/rewards/merchants/{mid}/staff", {"user": "13999999999"})
    assert unknown.status_code == 400 and "user" in unknown.json()["details"]
    assert [s["user_id"] for s in op.get(f"/api/v1/rewards/merchants/{mid}/staff").json()] == [cast["member"].pk]
    code = op.get(f"/api/v1/rewards/merchants/{mid}/pay-code").json()["pay_url"]
    reset = op.post(f"/api/v1/rewards/merchants/{mid}/pay-code/reset").json()["pay_url"]
    assert code != reset and reset.endswith(Merchant.objects.get(pk=mid).pay_token + "/")
    assert op.delete(f"/api/v1/rewards/merchants/{mid}/staff/{cast['member'].pk}").status_code == 204
    assert op.delete(f"/api/v1/rewards/merchants/{mid}/staff/{cast['member'].pk}").status_code == 404
    listed = op.get("/api/v1/rewards/merchants").json()
    assert listed["count"] == 3 and {m["name"] for m in listed["items"]} == {"园区咖啡", "便利店", "园区健身房"}
    assert op.get("/api/v1/rewards/merchants?q=健身").json()["count"] == 1
    assert op.post(f"/api/v1/rewards/merchants/{mid}/deactivate").json()["active"] is False
    assert op.get("/api/v1/rewards/merchants?active=false").json()["count"] == 1
    settings = _json(op, "patch", "/api/v1/rewards/settings", {"reversal_minutes": 20})
    assert settings.status_code == 200 and settings.json()["reversal_minutes"] == 20
    assert _json(op, "patch", "/api/v1/rewards/settings", {"flag_threshold": 0}).status_code == 400


def test_boundaries_on_the_merchants_api(cast: dict[str, Any]) -> None:
    shop = cast["shop"]
    manage = [("get", f"/api/v1/rewards/merchants/{shop.pk}/staff"), ("get", f"/api/v1/rewards/merchants/{shop.pk}/pay-code"),
              ("post", f"/api/v1/rewards/merchants/{shop.pk}/pay-code/reset"),
              ("post", f"/api/v1/rewards/merchants/{shop.pk}/deactivate"),
              ("patch", f"/api/v1/rewards/merchants/{shop.pk}")]

    def statuses(user: Any) -> set[int]:
        client = _client(user)
        return {_json(client, method, url, {} if method == "patch" else None).status_code for method, url in manage}

    assert statuses(cast["op_b"]) == {404}  # another park's merchant: not found
    assert statuses(cast["owner"]) == {403}  # its own owner does not manage it
    assert statuses(cast["other_cashier"]) == {403}
    assert statuses(cast["member"]) == {403}
    assert statuses(None) == {401}
    assert Merchant.objects.get(pk=shop.pk).active and Merchant.objects.get(pk=shop.pk).pay_token == shop.pay_token
    # Reading the merchant itself: its operators and staff; another park's operator: not found.
    assert _client(cast["cashier"]).get(f"/api/v1/rewards/merchants/{shop.pk}").status_code == 200
    assert _client(cast["op_b"]).get(f"/api/v1/rewards/merchants/{shop.pk}").status_code == 404
    assert _client(cast["other_cashier"]).get(f"/api/v1/rewards/merchants/{shop.pk}").status_code == 403
    assert _client(cast["op_b"]).get("/api/v1/rewards/merchants").json()["count"] == 1  # only park B's
    assert _client(cast["member"]).get("/api/v1/rewards/merchants").status_code == 403
    assert [m["id"] for m in _client(cast["cashier"]).get("/api/v1/rewards/merchants/mine").json()] == [shop.pk]
    created = _json(_client(cast["op_b"]), "post", "/api/v1/rewards/merchants?", {"name": "越权店", "category": "cafe",
                                                                               "park": str(cast["a"].pk)})
    assert created.status_code == 403 and not Merchant.objects.filter(name="越权店").exists()


def test_the_merchant_list_costs_the_same_queries_for_3_or_30_merchants(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert op.get("/api/v1/rewards/merchants").status_code == 200
        return len(ctx.captured_queries)

    count()  # the people's cached roles and parks (core/generations.py) are read once first
    few = count()
    for n in range(27):
        shop: Any = MerchantFactory(park=cast["a"], name=f"窗口{n}")
        person: Any = UserFactory()
        MerchantStaff.objects.create(merchant=shop, user=person)
    assert count() == few
    staff_url = f"/api/v1/rewards/merchants/{cast['shop'].pk}/staff"
    with CaptureQueriesContext(connection) as before:
        op.get(staff_url)
    for _n in range(10):
        worker: Any = UserFactory()
        MerchantStaff.objects.create(merchant=cast["shop"], user=worker)
    with CaptureQueriesContext(connection) as after:
        op.get(staff_url)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- pages ----------------------------------------------------------------------------------------

def test_an_operator_runs_the_merchant_pages(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])
    page = op.get("/rewards/merchants/")
    assert page.status_code == 200 and "园区咖啡" in page.content.decode() and "便利店" in page.content.decode()
    assert "乙园食堂" not in page.content.decode()
    made = op.post("/rewards/merchants/new/", {"name": "园区书店", "category": "store", "location": "C座",
                                               "active": "on"})
    merchant = Merchant.objects.get(name="园区书店")
    assert made.status_code == 302 and made["Location"] == f"/rewards/merchants/{merchant.pk}/"
    taken = _client(cast["op_a"], "en").post("/rewards/merchants/new/", {"name": "园区咖啡", "category": "cafe"})
    assert taken.status_code == 400 and "本园区已有同名商户" in taken.content.decode()
    detail = op.get(f"/rewards/merchants/{merchant.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200 and f"/rewards/pay/{merchant.pay_token}/" in html and "data-qr" in html
    added = op.post(f"/rewards/merchants/{merchant.pk}/", {"action": "staff_add", "staff-user": "13800138001",
                                                            "staff-role": "owner"})
    assert added.status_code == 302 and MerchantStaff.objects.get(merchant=merchant).user == cast["member"]
    nobody = op.post(f"/rewards/merchants/{merchant.pk}/", {"action": "staff_add", "staff-user": "13911112222",
                                                             "staff-role": "cashier"})
    assert nobody.status_code == 400 and MerchantStaff.objects.filter(merchant=merchant).count() == 1
    old = merchant.pay_token
    op.post(f"/rewards/merchants/{merchant.pk}/", {"action": "reset_code"})
    merchant.refresh_from_db()
    assert merchant.pay_token != old
    op.post(f"/rewards/merchants/{merchant.pk}/", {"action": "staff_remove", "id": str(cast["member"].pk)})
    assert not MerchantStaff.objects.filter(merchant=merchant).exists()
    edited = op.post(f"/rewards/merchants/{merchant.pk}/edit/", {"name": "园区书店", "category": "store",
                                                                 "location": "D座"})
    merchant.refresh_from_db()
    assert edited.status_code == 302 and merchant.location == "D座" and merchant.active is False
    assert op.get(f"/rewards/merchants/{merchant.pk}/qr/").status_code == 200
    saved = op.post("/rewards/settings/", {"reversal_minutes": 45, "expiry_reminder_days": 2,
                                           "flag_window_minutes": 5, "flag_threshold": 80})
    assert saved.status_code == 302 and services.settings_get(cast["a"]).reversal_minutes == 45


def test_boundaries_on_the_merchant_pages(cast: dict[str, Any]) -> None:
    shop = cast["shop"]
    pages = [f"/rewards/merchants/{shop.pk}/", f"/rewards/merchants/{shop.pk}/edit/", f"/rewards/merchants/{shop.pk}/qr/"]
    assert {_client(cast["op_b"]).get(u).status_code for u in pages} == {404}
    assert {_client(cast["owner"]).get(u).status_code for u in pages} == {403}
    assert {_client(cast["member"]).get(u).status_code for u in pages} == {403}
    assert {_client().get(u).status_code for u in pages} == {302}  # to the log-in page
    assert _client(cast["member"]).get("/rewards/merchants/new/").status_code == 403
    assert _client(cast["member"]).get("/rewards/settings/").status_code == 403
    assert _client(cast["member"]).get("/rewards/merchants/").status_code == 403
    own = _client(cast["cashier"]).get("/rewards/merchants/")  # staff: their own merchants, no park list
    assert own.status_code == 200 and "园区咖啡" in own.content.decode() and "便利店" not in own.content.decode()
    refused = _client(cast["owner"]).post(f"/rewards/merchants/{shop.pk}/", {"action": "reset_code"})
    assert refused.status_code == 403 and Merchant.objects.get(pk=shop.pk).pay_token == shop.pay_token


def test_the_openapi_schema_lists_the_merchants_operations(cast: dict[str, Any]) -> None:
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/rewards/merchants", "/api/v1/rewards/merchants/{merchant_id}/staff",
                 "/api/v1/rewards/merchants/{merchant_id}/settlements", "/api/v1/rewards/settlements/{settlement_id}/paid",
                 "/api/v1/rewards/merchants/{merchant_id}/statement/export", "/api/v1/rewards/settings"):
        assert path in paths, path
