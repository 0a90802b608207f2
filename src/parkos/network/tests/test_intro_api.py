"""Introductions over the API and the pages: both directions, a retry returns the same introduction and
order (200), what each side sees, refusals with their codes (and nothing changed), the list's queries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.catalog.models import ServiceOrder
from parkos.network.models import Introduction
from parkos.network.tests.test_intros_fixtures import make_investor, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: None) -> dict[str, Any]:
    return world()


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/network{path}", json.dumps(body or {}), content_type="application/json")


def test_the_enterprise_asks_over_the_api(w: dict[str, Any]) -> None:
    admin = _client(w["admin"])
    body = {"enterprise": w["enterprise"].pk, "investor": w["investor"].pk, "message": "希望交流 A 轮融资。",
            "idempotency_key": "api-1"}
    first = _post(admin, "/introductions", body)
    assert first.status_code == 201, first.content
    again = _post(admin, "/introductions", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["order_number"] == first.json()["order_number"] and ServiceOrder.objects.count() == 1
    intro_id = first.json()["id"]
    dup = _post(_client(w["investor"].user), "/introductions", {**body, "investor": None, "idempotency_key": "x"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate"
    investor = _client(w["investor"].user)
    early = _post(investor, f"/introductions/{intro_id}/accept")
    assert early.status_code == 409 and early.json()["code"] == "not_your_turn"
    assert _post(_client(w["other_butler"]), f"/introductions/{intro_id}/pass-on").status_code == 404
    assert _post(admin, f"/introductions/{intro_id}/pass-on").status_code == 403
    passed = _post(_client(w["butler"]), f"/introductions/{intro_id}/pass-on", {"note": "推荐"})
    assert passed.status_code == 200 and passed.json()["status"] == "offered"
    declined = _post(investor, f"/introductions/{intro_id}/decline")
    assert declined.status_code == 200 and declined.json()["contacts"] == []
    seen = admin.get(f"/api/v1/network/introductions/{intro_id}").json()
    assert seen["status"] == "declined" and seen["contacts"] == [] and set(seen) >= {"status_label", "butler_note"}
    assert _client(w["outsider"]).get(f"/api/v1/network/introductions/{intro_id}").status_code == 404
    assert _client(w["colleague"]).get(f"/api/v1/network/introductions/{intro_id}").status_code == 404


def test_the_investor_asks_and_the_pages_follow(w: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    investor = _client(w["investor"].user)
    made = _post(investor, "/introductions", {"enterprise": w["enterprise"].pk, "message": "想了解贵司。",
                                              "idempotency_key": "inv"})
    assert made.status_code == 201 and made.json()["direction"] == "investor"
    intro_id = made.json()["id"]
    butler = _client(w["butler"])
    page = butler.get(f"/network/introductions/{intro_id}/")
    assert page.status_code == 200 and 'data-testid="broker"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert butler.post(f"/network/introductions/{intro_id}/pass-on/", {"note": "值得一见"}).status_code == 302
    admin = _client(w["admin"])
    text = admin.get(f"/network/introductions/{intro_id}/").content.decode()
    assert 'data-testid="answer"' in text and "值得一见" in text
    assert admin.post(f"/network/introductions/{intro_id}/answer/", {"answer": "accept"}).status_code == 302
    mine = investor.get(f"/network/introductions/{intro_id}/").content.decode()
    assert 'data-testid="contacts"' in mine and w["admin"].email in mine
    assert _client(w["outsider"]).get(f"/network/introductions/{intro_id}/").status_code == 404
    assert investor.get("/network/introductions/").status_code == 200
    theirs = investor.get(f"/network/introductions/ask/?enterprise={w['other'].pk}")
    assert theirs.status_code == 200 and w["other"].name in theirs.content.decode()
    posted = investor.post("/network/introductions/ask/", {"target": w["other"].pk, "message": "想认识贵司",
                                                           "idempotency_key": "page-1"})
    assert posted.status_code == 302 and Introduction.objects.filter(enterprise=w["other"]).count() == 1
    assert _client(w["outsider"]).get("/network/introductions/ask/").status_code == 403
    ask = admin.get(f"/network/introductions/ask/?investor={w['investor2'].pk}")
    assert ask.status_code == 200 and 'data-testid="ask-form"' in ask.content.decode()


def test_bad_input_over_the_api_changes_nothing(w: dict[str, Any]) -> None:
    admin = _client(w["admin"])
    base = {"enterprise": w["enterprise"].pk, "investor": w["investor"].pk, "message": "你好", "idempotency_key": "b"}
    for body, status in (({**base, "message": ""}, 400), ({**base, "investor": 10**6}, 400),
                         ({**base, "enterprise": 0}, 422), ({**base, "idempotency_key": "k" * 65}, 422)):
        response = _post(admin, "/introductions", body)
        assert response.status_code == status, (body, response.content)
        assert response.json()["message"]
    no_investor = _post(_client(w["outsider"]), "/introductions", {**base, "investor": None})
    assert no_investor.status_code == 400 and no_investor.json()["code"] == "required"
    assert Introduction.objects.count() == 0 and ServiceOrder.objects.count() == 0


def test_the_list_is_a_constant_number_of_queries(w: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    admin = _client(w["admin"])
    for i in range(6):
        other = make_investor()
        assert _post(admin, "/introductions", {"enterprise": w["enterprise"].pk, "investor": other.pk,
                                               "message": "你好", "idempotency_key": f"l{i}"}).status_code == 201
    for viewer in (admin, _client(w["butler"]), _client(w["operator"])):
        with django_assert_max_num_queries(10):
            response = viewer.get("/api/v1/network/introductions")
        assert response.json()["count"] == 6
    with django_assert_max_num_queries(14):
        assert admin.get("/network/introductions/").status_code == 200
