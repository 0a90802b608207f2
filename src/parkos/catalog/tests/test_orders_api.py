"""The orders API: idempotent creation, the error body, transitions, comments, files, and what an
outsider (another enterprise) can see: nothing, by API, search or file URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.catalog.tests.factories import SAMPLE_FIELDS, order_parties
from parkos.core.errors import ErrorCode

pytestmark = pytest.mark.django_db
S = OrderStatus
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
ANSWERS = {"contact": "王芳", "kind": "新办"}


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def parties(db: None) -> dict[str, Any]:
    return order_parties(fields=SAMPLE_FIELDS)


def _post(client: Client, url: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, body, content_type="application/json", headers=headers)


def test_create_is_idempotent_by_header(parties: dict[str, Any]) -> None:
    client = as_user(parties["staff"])
    body = {"service_id": parties["service"].pk, "answers": ANSWERS, "note": "谢谢"}
    first = _post(client, "/api/v1/orders", body, **{"Idempotency-Key": "api-key-000001"})
    assert first.status_code == 201, first.content
    again = _post(client, "/api/v1/orders", body, **{"Idempotency-Key": "api-key-000001"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    data = first.json()
    assert data["status"] == "submitted" and data["actions"] == ["cancel"]
    assert data["tracker"]["steps"][0]["current"] is True and data["due_on"]
    # The key may come in the body too.
    third = _post(client, "/api/v1/orders", {**body, "idempotency_key": "api-key-000002"})
    assert third.status_code == 201
    assert ServiceOrder.objects.filter(requested_by=parties["staff"]).count() == 2


def test_errors_have_code_message_details(parties: dict[str, Any]) -> None:
    client = as_user(parties["staff"])
    bad = _post(client, "/api/v1/orders", {"service_id": parties["service"].pk, "answers": {"kind": "注销"}},
                **{"Idempotency-Key": "api-key-000003"})
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid" and body["message"]
    assert set(body["details"]) == {"answers.contact", "answers.kind"}
    no_key = _post(client, "/api/v1/orders", {"service_id": parties["service"].pk, "answers": ANSWERS})
    assert no_key.status_code == 400 and no_key.json()["code"] == ErrorCode.INVALID
    outsider = _post(as_user(parties["member"]), "/api/v1/orders",
                     {"service_id": parties["service"].pk, "answers": ANSWERS}, **{"Idempotency-Key": "k" * 20})
    assert outsider.status_code == 409 and outsider.json()["code"] == ErrorCode.NOT_STAFF
    assert not ServiceOrder.objects.filter(requested_by=parties["staff"]).exists()
    assert Client().get("/api/v1/orders").status_code == 401


def test_transitions_and_comments_through_the_api(parties: dict[str, Any]) -> None:
    order = parties["order"]
    butler = as_user(parties["butler"])
    url = f"/api/v1/orders/{order.pk}/transitions"
    moved = _post(butler, url, {"action": "assign", "provider_id": parties["provider"].pk})
    assert moved.status_code == 200 and moved.json()["status"] == "accepted"
    assert moved.json()["provider"]["id"] == parties["provider"].pk
    illegal = _post(butler, url, {"action": "confirm"})
    assert illegal.status_code == 403 and illegal.json()["code"] == "forbidden"
    wrong_state = _post(as_user(parties["admin"]), url, {"action": "confirm"})
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "illegal_transition"
    no_reason = _post(butler, url, {"action": "reject"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["details"]
    provider = as_user(parties["provider_member"])
    assert _post(provider, url, {"action": "start"}).json()["status"] == "in_progress"
    comment = _post(provider, f"/api/v1/orders/{order.pk}/comments", {"body": "已开始办理"})
    assert comment.status_code == 201 and comment.json()["internal"] is False
    internal = _post(provider, f"/api/v1/orders/{order.pk}/comments", {"body": "x", "internal": True})
    assert internal.status_code == 403
    detail = as_user(parties["admin"]).get(f"/api/v1/orders/{order.pk}").json()
    assert [e["action"] for e in detail["timeline"]] == ["assign", "start"]
    assert [c["body"] for c in detail["conversation"]] == ["已开始办理"]


def test_files_through_the_api(parties: dict[str, Any]) -> None:
    order = parties["order"]
    client = as_user(parties["admin"])
    response = client.post(f"/api/v1/orders/{order.pk}/attachments",
                           {"files": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", PDF)]})
    assert response.status_code == 201, response.content
    urls = [f["url"] for f in response.json()]
    assert len(urls) == 2 and client.get(urls[0]).status_code == 200
    bad = client.post(f"/api/v1/orders/{order.pk}/attachments", {"files": [SimpleUploadedFile("a.pdf", b"nope")]})
    assert bad.status_code == 400 and bad.json()["code"] == ErrorCode.FILE_TYPE
    assert as_user(parties["outsider"]).get(urls[0]).status_code == 404


def test_outsiders_see_nothing_of_another_enterprises_orders(parties: dict[str, Any]) -> None:
    order = parties["order"]
    for name in ("outsider", "other_butler", "other_provider_member", "member"):
        client = as_user(parties[name])
        assert client.get(f"/api/v1/orders/{order.pk}").status_code == 404, name
        assert client.get("/api/v1/orders").json()["count"] == 0, name
        assert _post(client, f"/api/v1/orders/{order.pk}/transitions", {"action": "accept"}).status_code == 404
        assert _post(client, f"/api/v1/orders/{order.pk}/comments", {"body": "hi"}).status_code == 404
        assert client.get("/api/v1/orders?scope=operator").status_code == 403
    # Orders are not in the search index at all: their number finds nothing, for anyone.
    from parkos.search.services import reindex

    reindex()
    for name in ("outsider", "admin", "operator"):
        hits = as_user(parties[name]).get(f"/api/v1/search?q={order.number}").json()["hits"]
        assert hits == [], name
    order.refresh_from_db()
    assert order.status == S.SUBMITTED


def test_reply_templates_api(parties: dict[str, Any]) -> None:
    client = as_user(parties["butler"])
    created = _post(client, "/api/v1/reply-templates", {"title": "受理", "body": "{enterprise} 您好"})
    assert created.status_code == 201 and created.json()["shared"] is False
    assert [t["title"] for t in client.get("/api/v1/reply-templates").json()] == ["受理"]
    assert _post(client, "/api/v1/reply-templates", {"title": "共享", "body": "x", "shared": True}).status_code == 403
    assert as_user(parties["other_butler"]).delete(f"/api/v1/reply-templates/{created.json()['id']}").status_code == 404
    assert client.delete(f"/api/v1/reply-templates/{created.json()['id']}").status_code == 204
    assert as_user(parties["admin"]).get("/api/v1/reply-templates").status_code == 403
