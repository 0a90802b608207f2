"""Order pages and API: requesting (form, files, double submit), lists with constant query counts,
the order page per viewer, file downloads, and another enterprise's orders staying invisible by
page, API, search and file URL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from parkos.catalog.models import OrderComment, OrderStatus, ServiceOrder
from parkos.catalog.services import orders as services
from parkos.catalog.tests.factories import (
    SAMPLE_FIELDS,
    ReplyTemplateFactory,
    ServiceOrderFactory,
    order_in,
    order_parties,
)

pytestmark = pytest.mark.django_db
S = OrderStatus
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def parties(db: None) -> dict[str, Any]:
    p = order_parties(fields=SAMPLE_FIELDS)
    p["order"].provider = p["provider"]
    p["order"].save()
    return p


def _attach(parties: dict[str, Any]) -> Any:
    return services.attachment_add(actor=parties["admin"], order=parties["order"],
                                   files=[SimpleUploadedFile("合同.pdf", PDF)])[0]


# --- requesting ----------------------------------------------------------------------------------

def test_request_page_creates_one_order_even_when_posted_twice(parties: dict[str, Any]) -> None:
    client = as_user(parties["staff"])
    page = client.get(f"/services/{parties['service'].pk}/request/")
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    assert key and f'value="{key}"' in page.content.decode()
    data = {"idempotency_key": key, "a_contact": "王芳", "a_kind": "变更", "a_headcount": "3", "note": "谢谢",
            "files": SimpleUploadedFile("执照.pdf", PDF)}
    first = client.post(f"/services/{parties['service'].pk}/request/", data)
    data["files"] = SimpleUploadedFile("执照.pdf", PDF)
    second = client.post(f"/services/{parties['service'].pk}/request/", data)
    orders = ServiceOrder.objects.filter(idempotency_key=key)
    assert orders.count() == 1
    order = orders.get()
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert first["Location"] == f"/services/orders/{order.pk}/"
    assert order.attachments.count() == 1 and order.answers["kind"] == "变更"


def test_request_form_shows_errors_next_to_fields(parties: dict[str, Any]) -> None:
    client = as_user(parties["staff"])
    url = f"/services/{parties['service'].pk}/request/"
    with translation.override("en"):
        response = client.post(url, {"idempotency_key": services.new_idempotency_key(), "a_contact": "",
                                     "a_kind": "注销", "HTTP_ACCEPT_LANGUAGE": "en"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "a_contact" in form.errors
    response = client.post(url, {"idempotency_key": services.new_idempotency_key(), "a_contact": "王芳",
                                 "a_kind": "新办", "files": SimpleUploadedFile("x.exe", b"MZ" * 20)})
    assert response.status_code == 400 and response.context["form"].file_errors
    assert not ServiceOrder.objects.filter(requested_by=parties["staff"]).exists()


def test_request_refused_with_a_reason_for_outsiders(parties: dict[str, Any]) -> None:
    for name in ("butler", "member", "provider_member"):
        response = as_user(parties[name]).get(f"/services/{parties['service'].pk}/request/")
        assert response.status_code == 403
        assert response.context["state"].reason
    assert Client().get(f"/services/{parties['service'].pk}/request/").status_code == 302


# --- lists ---------------------------------------------------------------------------------------

def _more_orders(parties: dict[str, Any], n: int) -> None:
    for _ in range(n):
        ServiceOrderFactory(enterprise=parties["enterprise"], service=parties["service"],
                            requested_by=parties["staff"], provider=parties["provider"])


@pytest.mark.parametrize("viewer", ["admin", "butler", "provider_member", "operator"])
def test_order_list_query_count_is_constant(parties: dict[str, Any], viewer: str) -> None:
    client = as_user(parties[viewer])
    client.get("/services/orders/")  # warm the session and the user's role cache
    with CaptureQueriesContext(connection) as few:
        response = client.get("/services/orders/")
    assert response.status_code == 200 and len(response.context["rows"]) == 1
    _more_orders(parties, 15)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/services/orders/")
    assert len(response.context["rows"]) == 16
    assert len(many.captured_queries) == len(few.captured_queries)
    with CaptureQueriesContext(connection) as api_few:
        client.get("/api/v1/orders?page_size=5")
    _more_orders(parties, 5)
    with CaptureQueriesContext(connection) as api_many:
        body = client.get("/api/v1/orders").json()
    assert body["count"] == 21
    assert len(api_many.captured_queries) == len(api_few.captured_queries)


def test_order_lists_per_viewer_and_filters(parties: dict[str, Any]) -> None:
    theirs = ServiceOrderFactory(enterprise=parties["other"], requested_by=parties["outsider"])
    order_in(S.DELIVERED, enterprise=parties["enterprise"], service=parties["service"],
             requested_by=parties["staff"])
    mine = {o.pk for o in ServiceOrder.objects.filter(enterprise=parties["enterprise"])}

    def ids(user: str, query: str = "") -> set[int]:
        return {o.pk for o, _late in as_user(parties[user]).get(f"/services/orders/{query}").context["rows"]}

    assert ids("admin") == ids("staff") == mine
    assert ids("butler") == mine
    assert ids("provider_member") == {parties["order"].pk}
    assert ids("outsider") == {theirs.pk}
    assert ids("other_butler") == ids("other_provider_member") == ids("member") == set()
    assert ids("operator", "?scope=operator") == mine | {theirs.pk}
    assert ids("admin", "?scope=operator") == mine  # not an operator: the tab falls back to their own
    assert ids("admin", "?status=delivered") == mine - {parties["order"].pk}
    assert ids("admin", "?status=open") == {parties["order"].pk}
    assert ids("admin", "?status=bogus") == set()
    response = as_user(parties["member"]).get("/services/orders/")
    assert b'data-testid="orders-empty"' in response.content


def test_overdue_filter(parties: dict[str, Any]) -> None:
    from datetime import date

    late = order_in(S.IN_PROGRESS, enterprise=parties["enterprise"], service=parties["service"],
                    requested_by=parties["staff"], due_on=date(2020, 1, 2))
    rows = as_user(parties["butler"]).get("/services/orders/?overdue=1").context["rows"]
    assert [(o.pk, is_late) for o, is_late in rows] == [(late.pk, True)]
    assert as_user(parties["butler"]).get("/api/v1/orders?overdue=true").json()["items"][0]["overdue"] is True


# --- the order page ------------------------------------------------------------------------------

def test_order_page_shows_actions_for_each_side(parties: dict[str, Any]) -> None:
    url = f"/services/orders/{parties['order'].pk}/"
    actions = {name: {a.action for a in as_user(parties[name]).get(url).context["actions"]}
               for name in ("admin", "butler", "provider_member", "operator")}
    assert actions == {"admin": {"cancel"}, "butler": {"accept", "assign", "reject"}, "provider_member": set(),
                       "operator": {"accept", "assign", "reject"}}


def test_actions_through_the_page(parties: dict[str, Any]) -> None:
    order = parties["order"]
    butler = as_user(parties["butler"])
    response = butler.post(f"/services/orders/{order.pk}/do/assign/", {"provider": parties["provider"].pk})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.ACCEPTED and order.provider == parties["provider"]
    # An illegal action is refused with a message and changes nothing.
    with translation.override("en"):
        response = butler.post(f"/services/orders/{order.pk}/do/confirm/", follow=True)
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    assert list(response.context["messages"])
    # Outsiders get a 404 for someone else's order, by every URL.
    outsider = as_user(parties["outsider"])
    for url in (f"/services/orders/{order.pk}/", ):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/services/orders/{order.pk}/do/start/").status_code == 404
    assert outsider.post(f"/services/orders/{order.pk}/comments/", {"body": "hi"}).status_code == 404
    order.refresh_from_db()
    assert order.status == S.ACCEPTED and not OrderComment.objects.filter(order=order).exists()


def test_internal_notes_never_reach_the_enterprise_or_provider(parties: dict[str, Any],
                                                               django_capture_on_commit_callbacks: Any) -> None:
    order = parties["order"]
    with django_capture_on_commit_callbacks(execute=True):
        as_user(parties["butler"]).post(f"/services/orders/{order.pk}/comments/",
                                        {"body": "内部：客户难缠", "internal": "on"})
        as_user(parties["butler"]).post(f"/services/orders/{order.pk}/comments/", {"body": "已受理"})
        as_user(parties["admin"]).post(f"/services/orders/{order.pk}/comments/", {"body": "你好", "internal": "on"})
    assert OrderComment.objects.filter(internal=True).count() == 1  # the enterprise cannot write one
    for name in ("admin", "staff", "provider_member"):
        client = as_user(parties[name])
        assert "客户难缠" not in client.get(f"/services/orders/{order.pk}/").content.decode(), name
        api = client.get(f"/api/v1/orders/{order.pk}")
        assert api.status_code == 200 and [c["body"] for c in api.json()["conversation"]] == ["已受理"]
        assert "客户难缠" not in json.dumps(api.json(), ensure_ascii=False)
    from parkos.notifications.models import Notification

    for name in ("admin", "staff", "provider_member"):
        texts = Notification.objects.filter(recipient=parties[name]).values_list("title", "body")
        assert texts.exists() or name == "staff"  # staff hear only of orders they requested
        assert all("客户难缠" not in f"{t}{b}" for t, b in texts), name
    for name in ("butler", "operator"):
        assert "客户难缠" in as_user(parties[name]).get(f"/services/orders/{order.pk}/").content.decode()


def test_reply_templates_rendered_on_the_order_page_for_the_butler(parties: dict[str, Any]) -> None:
    ReplyTemplateFactory(owner=parties["butler"], title="受理", body="{enterprise}您好 {evil.__class__}")
    page = as_user(parties["butler"]).get(f"/services/orders/{parties['order'].pk}/")
    assert page.context["templates"][0][1] == f"{parties['enterprise'].name}您好 {{evil.__class__}}"
    assert as_user(parties["admin"]).get(f"/services/orders/{parties['order'].pk}/").context["templates"] == []
    api = as_user(parties["butler"]).get(f"/api/v1/orders/{parties['order'].pk}/reply-templates").json()
    assert api[0]["text"].startswith(parties["enterprise"].name)
    assert as_user(parties["admin"]).get(f"/api/v1/orders/{parties['order'].pk}/reply-templates").status_code == 403


def test_reply_templates_page(parties: dict[str, Any]) -> None:
    client = as_user(parties["butler"])
    assert client.get("/services/orders/templates/").status_code == 200
    response = client.post("/services/orders/templates/", {"title": "补充材料", "body": "请补充 {service} 的材料"})
    assert response.status_code == 302
    assert as_user(parties["admin"]).get("/services/orders/templates/").status_code == 403


# --- files ---------------------------------------------------------------------------------------

def test_files_are_served_only_to_the_orders_parties(parties: dict[str, Any]) -> None:
    attachment = _attach(parties)
    url = f"/services/orders/{parties['order'].pk}/files/{attachment.pk}/"
    for name in ("admin", "staff", "butler", "operator", "provider_member"):
        response = as_user(parties[name]).get(url)
        assert response.status_code == 200, name
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]
    for name in ("outsider", "other_butler", "other_provider_member", "member"):
        assert as_user(parties[name]).get(url).status_code == 404, name
    assert Client().get(url).status_code == 302
    # Not reachable under /media/ either.
    assert Client().get(f"/media/{attachment.file.name}").status_code == 404
    # Another order's id with this file's id: 404 too.
    other = ServiceOrderFactory(enterprise=parties["enterprise"], requested_by=parties["admin"])
    assert as_user(parties["admin"]).get(f"/services/orders/{other.pk}/files/{attachment.pk}/").status_code == 404


def test_upload_on_the_order_page(parties: dict[str, Any]) -> None:
    client = as_user(parties["provider_member"])
    url = f"/services/orders/{parties['order'].pk}/files/"
    assert client.post(url, {"files": SimpleUploadedFile("交付.pdf", PDF)}).status_code == 302
    client.post(url, {"files": SimpleUploadedFile("坏.pdf", b"not a pdf at all")})
    assert list(parties["order"].attachments.values_list("name", flat=True)) == ["交付.pdf"]
    assert as_user(parties["outsider"]).post(url, {"files": SimpleUploadedFile("x.pdf", PDF)}).status_code == 404


def test_user_text_is_escaped_on_the_order_page(parties: dict[str, Any]) -> None:
    services.comment_add(actor=parties["admin"], order=parties["order"], body='<script>alert("x")</script>')
    html = as_user(parties["butler"]).get(f"/services/orders/{parties['order'].pk}/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_service_page_lists_the_enterprises_earlier_orders(parties: dict[str, Any]) -> None:
    page = as_user(parties["staff"]).get(f"/services/{parties['service'].pk}/")
    assert [o.pk for o in page.context["previous"]] == [parties["order"].pk]
    outsider = as_user(parties["outsider"]).get(f"/services/{parties['service'].pk}/")
    assert outsider.context["previous"] == [] and b'data-testid="previous-orders"' not in outsider.content


def test_order_creation_is_rate_limited(parties: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "ORDER_RATE", "2/h")
    client = as_user(parties["staff"])
    statuses = []
    for n in range(3):
        response = client.post("/api/v1/orders", {"service_id": parties["service"].pk,
                                                  "answers": {"contact": "王芳", "kind": "新办"}},
                               content_type="application/json", headers={"Idempotency-Key": f"rate-key-{n:04d}"})
        statuses.append(response.status_code)
    assert statuses == [201, 201, 429]
    assert ServiceOrder.objects.filter(requested_by=parties["staff"]).count() == 2


def test_order_list_filters_by_service_and_date(parties: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    other_service = ServiceOrderFactory(enterprise=parties["enterprise"], requested_by=parties["staff"],
                                        submitted_at=timezone.now() - timedelta(days=40))
    client = as_user(parties["admin"])
    response = client.get("/services/orders/")
    assert {s.pk for s in response.context["services"]} == {parties["service"].pk, other_service.service_id}
    rows = client.get(f"/services/orders/?service={other_service.service_id}").context["rows"]
    assert [o.pk for o, _late in rows] == [other_service.pk]
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    rows = client.get(f"/services/orders/?from={since}").context["rows"]
    assert [o.pk for o, _late in rows] == [parties["order"].pk]
    assert client.get("/services/orders/?from=not-a-date").status_code == 200
    assert client.get("/api/v1/orders?date_from=not-a-date").status_code == 400
