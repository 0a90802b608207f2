"""Paying at a merchant: the member scans the shop's printed code, picks their coupons valid there, sees
what they pay and confirms; the answer is the panel to show the cashier. Another member's coupon, an
unknown code and a paused shop are refused; the API does the same."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
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


@pytest.fixture
def shop() -> dict[str, Any]:
    merchant = MerchantFactory(name="园区咖啡", category="cafe")
    return {"merchant": merchant, "cashier": cashier_of(merchant), "member": UserFactory(display_name="李明"),
            "stranger": UserFactory()}


def test_member_pays_with_own_coupon_and_the_till_sees_it(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(value_fen=1500, name="下午茶券"), shop["member"])
    elsewhere = TemplateFactory(merchant_categories=["gym"])
    issue(elsewhere, shop["member"])
    client = client_of(shop["member"])
    url = f"/rewards/pay/{shop['merchant'].pay_token}/"
    page = client.get(url)
    assert page.status_code == 200 and [c.pk for c in page.context["coupons"]] == [coupon.pk]
    key = page.context["form"].initial["key"]
    data = {"coupons": [str(coupon.pk)], "bill": "28.5", "key": key}
    checked = client.post(url, {**data, "action": "quote"})
    assert checked.context["quote"]["pay"] == "¥13.50"
    done = client.post(url, {**data, "action": "confirm"}, follow=True)
    assert done.status_code == 200 and done.context["done"] is not None
    assert 'data-testid="pay-done"' in done.content.decode() and "¥13.50" in done.content.decode()
    again = client.post(url, {**data, "action": "confirm"})
    assert again.status_code == 302 and Redemption.objects.count() == 1
    redemption = Redemption.objects.get()
    assert redemption.channel == "member_scan" and redemption.member == shop["member"]
    till = client_of(shop["cashier"]).get(f"/rewards/till/{shop['merchant'].pk}/today/")
    assert 'data-testid="till-row"' in till.content.decode()
    # Someone else's ?done= shows nothing of it.
    other = client_of(shop["stranger"]).get(f"{url}?done={redemption.pk}")
    assert other.status_code == 404


def test_another_members_coupon_and_bad_codes_are_refused(shop: dict[str, Any]) -> None:
    [theirs] = issue(TemplateFactory(), shop["stranger"])
    client = client_of(shop["member"])
    url = f"/rewards/pay/{shop['merchant'].pay_token}/"
    response = client.post(url, {"coupons": [str(theirs.pk)], "bill": "30", "key": "k", "action": "confirm"})
    assert response.status_code == 400 and not Redemption.objects.exists()
    assert client.get("/rewards/pay/not-a-token/").status_code == 404
    shop["merchant"].active = False
    shop["merchant"].save()
    assert client.get(url).status_code == 404
    assert client_of().get(url).status_code == 302  # log in first


def test_pay_api(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(value_fen=1000), shop["member"])
    [theirs] = issue(TemplateFactory(), shop["stranger"])
    client = client_of(shop["member"])
    base = f"/api/v1/rewards/pay/{shop['merchant'].pay_token}"
    info = client.get(base).json()
    assert info["name"] == "园区咖啡" and [c["id"] for c in info["coupons"]] == [coupon.pk]
    post = lambda path, body, **h: client.post(base + path, json.dumps(body), content_type="application/json", **h)  # noqa: E731
    assert post("/quote", {"bill_fen": 2500, "coupon_ids": [coupon.pk]}).json()["pay_fen"] == 1500
    refused = post("/redemptions", {"bill_fen": 2500, "coupon_ids": [theirs.pk], "key": "m-1"})
    assert refused.status_code == 400 and refused.json()["code"] == "not_your_coupon"
    made = post("/redemptions", {"bill_fen": 2500, "coupon_ids": [coupon.pk]}, HTTP_IDEMPOTENCY_KEY="m-1")
    assert made.status_code == 201 and made.json()["channel"] == "member_scan"
    assert post("/redemptions", {"bill_fen": 2500, "coupon_ids": [coupon.pk]},
                HTTP_IDEMPOTENCY_KEY="m-1").json()["id"] == made.json()["id"]
    assert client_of().get(base).status_code == 401
