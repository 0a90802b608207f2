"""The till's pages and API: the cashier checks and confirms a checkout (a double click redeems once),
sees today's list and reverses; who may open a till (its staff; a colleague of another shop, an
operator, a member and an anonymous visitor may not); the API's envelope, its idempotency key and its
list's query count."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.parks import park_default
from parkos.rewards.codes import coupon_code_current
from parkos.rewards.models import Coupon, Redemption
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of
from parkos.rewards.tests.factories import issue as _issue

pytestmark = pytest.mark.django_db


def issue(template: Any, *users: Any) -> list[Coupon]:
    return _issue(template, *users, reason=f"test:{secrets.token_hex(6)}")


def client_of(user: Any = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def code_of(coupon: Coupon) -> str:
    return coupon_code_current(code=coupon.code, owner_id=coupon.owner_id)


@pytest.fixture
def shop() -> dict[str, Any]:
    merchant = MerchantFactory(name="园区咖啡", category="cafe")
    other = MerchantFactory(name="便利店", category="store")
    return {"merchant": merchant, "cashier": cashier_of(merchant), "other_cashier": cashier_of(other),
            "member": UserFactory(display_name="李明"), "stranger": UserFactory(),
            "operator": UserFactory(roles=[(Role.OPERATOR, park_default())])}


def till_url(shop: dict[str, Any]) -> str:
    return f"/rewards/till/{shop['merchant'].pk}/"


# --- pages ---------------------------------------------------------------------------------------------

def test_cashier_checks_then_confirms_and_a_double_click_redeems_once(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(value_fen=2000, name="加班咖啡券"), shop["member"])
    client = client_of(shop["cashier"])
    page = client.get(till_url(shop))
    assert page.status_code == 200 and b"id_codes" in page.content and b"<script>" not in page.content
    key = page.context["form"].initial["key"]
    data = {"codes": code_of(coupon), "bill": "35", "key": key}
    checked = client.post(till_url(shop), {**data, "action": "quote"})
    assert checked.status_code == 200 and checked.context["quote"]["pay"] == "¥15"
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE
    for _ in range(2):
        done = client.post(till_url(shop), {**data, "action": "confirm"}, follow=True)
        assert done.status_code == 200
    assert Redemption.objects.count() == 1
    assert "¥20" in done.content.decode() and "加班咖啡券" in done.content.decode()
    assert done.context["totals"].count == 1


def test_refusal_is_shown_on_the_form(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(min_spend_fen=5000), shop["member"])
    client = client_of(shop["cashier"])
    response = client.post(till_url(shop), {"codes": code_of(coupon), "bill": "10", "key": "k-1", "action": "confirm"})
    assert response.status_code == 400 and "需消费满 ¥50 才能使用" in response.content.decode()
    response = client.post(till_url(shop), {"codes": "rubbish", "bill": "10", "key": "k-1", "action": "quote"})
    assert response.status_code == 400 and response.context["quote"]["code"] == "coupon_code"
    response = client.post(till_url(shop), {"codes": code_of(coupon), "bill": "-1", "key": "k-1", "action": "quote"})
    assert response.status_code == 400
    assert not Redemption.objects.exists()


def test_only_the_shops_staff_open_its_till(shop: dict[str, Any]) -> None:
    for user in (shop["other_cashier"], shop["operator"], shop["member"]):
        assert client_of(user).get(till_url(shop)).status_code == 404
        assert client_of(user).get(till_url(shop) + "today/").status_code == 404
    assert client_of().get(till_url(shop)).status_code == 302  # to the log-in page


def test_today_fragment_and_reversal_from_the_till(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(), shop["member"])
    client = client_of(shop["cashier"])
    client.post(till_url(shop), {"codes": code_of(coupon), "bill": "30", "key": "k-9", "action": "confirm"})
    redemption = Redemption.objects.get()
    fragment = client.get(till_url(shop) + "today/")
    assert fragment.status_code == 200 and fragment.content.decode().count('data-testid="till-row"') == 1
    assert "李*" in fragment.content.decode() and "李明" not in fragment.content.decode()
    reverse_url = f"{till_url(shop)}redemptions/{redemption.pk}/reverse/"
    assert client_of(shop["other_cashier"]).post(reverse_url, {"reason": "x"}).status_code == 404
    empty = client.post(reverse_url, {"reason": ""}, follow=True)
    assert "请填写撤销原因" in empty.content.decode()
    client.post(reverse_url, {"reason": "扫错了"})
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.REVERSED and redemption.reversal_reason == "扫错了"
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE


# --- API -----------------------------------------------------------------------------------------------

def api(client: Client, path: str, body: dict[str, Any] | None = None, **headers: Any) -> Any:
    url = "/api/v1/rewards" + path
    if body is None:
        return client.get(url)
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_api_quote_redeem_replay_and_reverse(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(kind="percent_off", percent_off=20, value_fen=1000), shop["member"])
    client = client_of(shop["cashier"])
    base = f"/merchants/{shop['merchant'].pk}/redemptions"
    quote = api(client, base + "/quote", {"bill_fen": 3000, "codes": [code_of(coupon)]}).json()
    assert quote["ok"] and quote["pay_fen"] == 2400 and quote["member"] == "李*" and quote["error"] is None
    bad = api(client, base + "/quote", {"bill_fen": 3000, "codes": ["nope"]}).json()
    assert not bad["ok"] and bad["error"]["code"] == "coupon_code"
    body = {"bill_fen": 3000, "codes": [code_of(coupon)]}
    first = api(client, base, body, HTTP_IDEMPOTENCY_KEY="api-key-1")
    assert first.status_code == 201 and first.json()["discount_fen"] == 600 and first.json()["pay_fen"] == 2400
    again = api(client, base, body, HTTP_IDEMPOTENCY_KEY="api-key-1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    conflict = api(client, base, {**body, "bill_fen": 5000}, HTTP_IDEMPOTENCY_KEY="api-key-1")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    used = api(client, base, {**body, "key": "api-key-2"})
    assert used.status_code == 409 and used.json()["code"] == "coupon_used"
    missing = api(client, base, body)
    assert missing.status_code == 400 and missing.json()["code"] == "bad_request"
    rid = first.json()["id"]
    assert api(client_of(shop["stranger"]), f"/redemptions/{rid}/reverse", {"reason": "x"}).status_code == 404
    reversed_ = api(client_of(shop["operator"]), f"/redemptions/{rid}/reverse", {"reason": "顾客取消"})
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
    twice = api(client, f"/redemptions/{rid}/reverse", {"reason": "再次"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_done"


def test_api_permissions(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(), shop["member"])
    base = f"/merchants/{shop['merchant'].pk}/redemptions"
    body = {"bill_fen": 3000, "codes": [code_of(coupon)], "key": "perm-1"}
    for user in (shop["other_cashier"], shop["member"], shop["operator"]):
        assert api(client_of(user), base, body).status_code == 404
    assert api(client_of(), base, body).status_code == 401
    assert api(client_of(shop["other_cashier"]), base).status_code == 404
    assert api(client_of(shop["operator"]), base).status_code == 200  # operators read the day
    assert not Redemption.objects.exists()


def test_api_day_list_is_paginated_and_its_queries_do_not_grow(shop: dict[str, Any]) -> None:
    template = TemplateFactory(stackable=True)
    client = client_of(shop["cashier"])
    base = f"/merchants/{shop['merchant'].pk}/redemptions"

    def redeem(n: int) -> None:
        for _ in range(n):
            member = UserFactory()
            coupons = issue(template, member) + issue(template, member)
            assert api(client, base, {"bill_fen": 5000, "codes": [code_of(c) for c in coupons],
                                      "key": secrets.token_hex(8)}).status_code == 201

    redeem(2)
    with CaptureQueriesContext(connection) as few:
        page = api(client, base).json()
    assert page["count"] == 2 and len(page["items"][0]["coupons"]) == 2
    redeem(5)
    with CaptureQueriesContext(connection) as many:
        page = api(client, base).json()
    assert page["count"] == 7 and len(many) == len(few)
    day = api(client, base + "/day").json()
    assert day["count"] == 7 and day["discount_fen"] == 7 * 4000


def test_openapi_stays_valid() -> None:
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/rewards/merchants/{merchant_id}/redemptions" in paths
    assert "/api/v1/rewards/redemptions/{redemption_id}/reverse" in paths
    assert "/api/v1/rewards/pay/{pay_token}/redemptions" in paths
