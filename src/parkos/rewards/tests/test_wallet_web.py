"""The wallet's API and pages: the list by tab with its query count, a coupon with its merchants, the
current QR code (never cached), giving a coupon (find, confirm, give) and withdrawing one, each with the
owner, another member and operators."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.core.parks import park_default
from parkos.core.policy import OPERATOR
from parkos.rewards import codes
from parkos.rewards.models import Coupon
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue

pytestmark = pytest.mark.django_db
API = "/api/v1/rewards"


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_api_list_by_tab_paginated_with_a_constant_query_count(django_assert_max_num_queries: Any) -> None:
    member = UserFactory()
    cafe = MerchantFactory(name="园区咖啡", category="cafe")
    template = TemplateFactory(name="加班券")
    template.merchants.add(cafe)
    client = _client(member)
    issue(template, member, reason="r0")
    client.get(f"{API}/wallet/coupons")  # warm the session and the caches
    with django_assert_max_num_queries(12) as few:
        body = client.get(f"{API}/wallet/coupons?status=available").json()
    assert body["count"] == 1
    for n in range(1, 25):
        issue(template, member, reason=f"r{n}")
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        body = client.get(f"{API}/wallet/coupons?status=available").json()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert body["count"] == 25 and len(body["items"]) == 25
    item = body["items"][0]
    assert item["name"] == "加班券" and item["value"] == "¥20" and item["status"] == "available"
    assert "Only at: 园区咖啡" in item["terms"]
    assert client.get(f"{API}/wallet/coupons?status=used").json()["count"] == 0
    assert client.get(f"{API}/wallet/counts").json() == {"available": 25, "used": 0, "expired": 0}
    bad = client.get(f"{API}/wallet/coupons?status=gone")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice"
    assert _client(UserFactory()).get(f"{API}/wallet/coupons").json()["count"] == 0
    assert Client().get(f"{API}/wallet/coupons").status_code == 401


def test_api_detail_and_current_code_for_the_owner_only() -> None:
    member = UserFactory()
    cafe = MerchantFactory(name="园区咖啡", category="cafe")
    MerchantFactory(name="园区健身房", category="gym")
    template = TemplateFactory()
    template.merchants.add(cafe)
    (coupon,) = issue(template, member)
    detail = _client(member).get(f"{API}/wallet/coupons/{coupon.code}").json()
    assert [m["name"] for m in detail["merchants"]] == ["园区咖啡"]
    answer = _client(member).get(f"{API}/wallet/coupons/{coupon.code}/qr")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    codes.coupon_code_check(codes.coupon_code_parse(answer.json()["code"]), owner_id=member.pk)
    operator = UserFactory(roles=[(OPERATOR, park_default())])
    assert _client(operator).get(f"{API}/wallet/coupons/{coupon.code}").status_code == 200
    assert _client(operator).get(f"{API}/wallet/coupons/{coupon.code}/qr").status_code == 403
    assert _client(UserFactory()).get(f"{API}/wallet/coupons/{coupon.code}").status_code == 404
    assert _client(UserFactory()).get(f"{API}/wallet/coupons/{coupon.code}/qr").status_code == 404


def test_api_transfer_and_revoke() -> None:
    alice, bob = UserFactory(), UserFactory(mobile="13800001111", display_name="李雷")
    (coupon,) = issue(TemplateFactory(transferable=True), alice)
    refused = _client(alice).post(f"{API}/wallet/coupons/{coupon.code}/transfer", json.dumps({"to": "13899990000"}),
                                  content_type="application/json")
    assert refused.status_code == 400 and "to" in refused.json()["details"]
    given = _client(alice).post(f"{API}/wallet/coupons/{coupon.code}/transfer", json.dumps({"to": "13800001111"}),
                                content_type="application/json")
    assert given.status_code == 200 and given.json()["to"] == "李雷"
    coupon.refresh_from_db()
    assert coupon.owner_id == bob.pk
    assert _client(alice).get(f"{API}/wallet/coupons/{coupon.code}").status_code == 404

    payload = json.dumps({"reason": "误发"})
    url = f"{API}/coupons/{coupon.code}/revoke"
    assert _client(bob).post(url, payload, content_type="application/json").status_code == 403
    assert _client(UserFactory()).post(url, payload, content_type="application/json").status_code == 404
    done = _client(UserFactory(roles=[(OPERATOR, park_default())])).post(url, payload, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "revoked"


def test_openapi_lists_the_wallet() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert f"{API}/wallet/coupons" in paths and f"{API}/wallet/coupons/{{code}}/qr" in paths


# --- pages --------------------------------------------------------------------------------------------------

def test_wallet_page_tabs_and_empty_states() -> None:
    member = UserFactory()
    client = _client(member)
    empty = client.get("/rewards/wallet/")
    assert empty.status_code == 200 and b'data-testid="wallet-empty"' in empty.content
    (coupon,) = issue(TemplateFactory(name="加班券"), member)
    page = client.get("/rewards/wallet/").content.decode()
    assert "加班券" in page and f"/rewards/wallet/{coupon.code}/" in page
    assert client.get("/rewards/wallet/?status=used").content.count(b'data-testid="coupon"') == 0
    assert client.get("/rewards/wallet/?status=nonsense").status_code == 200
    assert Client().get("/rewards/wallet/").status_code == 302


def test_coupon_page_for_owner_operator_and_others() -> None:
    member = UserFactory()
    (coupon,) = issue(TemplateFactory(transferable=True), member)
    page = _client(member).get(f"/rewards/wallet/{coupon.code}/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'data-testid="coupon-qr-card"' in html and "access/vendor/qrcode-generator.js" in html
    assert " ".join(coupon.code[i:i + 4] for i in (0, 4, 8)) in html
    assert 'data-testid="transfer-form"' in html and 'data-testid="revoke-form"' not in html
    operator_page = _client(UserFactory(roles=[(OPERATOR, park_default())])).get(f"/rewards/wallet/{coupon.code}/")
    assert b"coupon-qr-card" not in operator_page.content and b'data-testid="revoke-form"' in operator_page.content
    assert _client(UserFactory()).get(f"/rewards/wallet/{coupon.code}/").status_code == 404


def test_giving_through_the_pages_asks_to_confirm_first() -> None:
    alice, bob = UserFactory(), UserFactory(email="bob@example.cn", display_name="韩梅梅")
    (coupon,) = issue(TemplateFactory(transferable=True), alice)
    client = _client(alice)
    url = f"/rewards/wallet/{coupon.code}/transfer/"
    assert client.post(url, {"to": "nobody@example.cn"}).status_code == 400
    confirm = client.post(url, {"to": "bob@example.cn"})
    assert confirm.status_code == 200 and "韩梅梅" in confirm.content.decode() and "b***@example.cn" in confirm.content.decode()
    assert Coupon.objects.get(pk=coupon.pk).owner_id == alice.pk  # nothing given yet
    done = client.post(url, {"to": "bob@example.cn", "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == "/rewards/wallet/"
    assert Coupon.objects.get(pk=coupon.pk).owner_id == bob.pk
    assert _client(UserFactory()).post(url, {"to": "bob@example.cn", "confirm": "1"}).status_code == 404


def test_withdrawing_through_the_page() -> None:
    member = UserFactory()
    (coupon,) = issue(TemplateFactory(), member)
    operator = _client(UserFactory(roles=[(OPERATOR, park_default())]))
    url = f"/rewards/wallet/{coupon.code}/revoke/"
    assert operator.post(url, {"reason": ""}).status_code == 400
    assert _client(member).post(url, {"reason": "x"}).status_code in (403, 404)
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE
    assert operator.post(url, {"reason": "误发"}).status_code == 302
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.REVOKED
