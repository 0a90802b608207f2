"""Scene pages and API: lists with fixed query counts, permissions over HTTP, XSS shown as text,
attachments served only to those who may see the scene, idempotent acceptance through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Invalid
from parkos.scenes import services
from parkos.scenes.models import Deal, Response, Scene
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory, make_deal

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_board_lists_filters_and_paginates_in_fixed_queries(client: Client,
                                                            django_assert_max_num_queries: Any) -> None:
    for n in range(25):
        SceneFactory(kind="pilot" if n % 2 else "contractor", budget_fen=(n + 1) * 100_000)
    SceneFactory(status=Scene.Status.DRAFT, published_at=None)
    SceneFactory(audience=Scene.Audience.INVITED)
    with django_assert_max_num_queries(6):
        response = client.get("/scenes/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 25 and len(page.object_list) == 20
    assert client.get("/scenes/?kind=pilot").context["page"].paginator.count == 12
    assert client.get("/scenes/?budget_min=10000&budget_max=20000").context["page"].paginator.count == 11
    assert client.get("/scenes/?budget_min=abc").status_code == 200
    assert len(client.get("/scenes/?page=2").context["page"].object_list) == 5
    api = client.get("/api/v1/scenes?kind=contractor").json()
    assert api["count"] == 13


def test_deal_list_and_dashboards_have_fixed_query_counts(django_assert_max_num_queries: Any) -> None:
    member = UserFactory()
    for _ in range(6):
        make_deal(provider=member)
        make_deal(publisher=member)
    client = as_user(member)
    with django_assert_max_num_queries(8):
        response = client.get("/scenes/deals/")
    assert response.status_code == 200 and response.context["page"].paginator.count == 12
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/deals").json()["count"] == 12
    with django_assert_max_num_queries(14):
        assert client.get("/scenes/mine/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/scenes/proposals/").status_code == 200
    assert client.get("/scenes/deals/?role=provider").context["page"].paginator.count == 6


def test_markup_is_refused_and_user_text_is_rendered_as_text() -> None:
    publisher, responder = UserFactory(), UserFactory()
    with pytest.raises(Invalid):
        services.scene_create(actor=publisher, data={"title": "安全", "description": XSS})
    assert as_user(publisher).post("/scenes/new/", {"title": XSS, "description": "x", "kind": "other",
                                                    "audience": "anyone", "publish": "1"}).status_code == 400
    text = "A & B \"quoted\" 'single' javascript:alert(1)"
    scene = services.scene_create(actor=publisher, publish=True, data={"title": "安全", "description": text})
    with pytest.raises(Invalid):
        services.response_submit(actor=responder, scene=scene, data={"plan": XSS})
    response = services.response_submit(actor=responder, scene=scene, data={"plan": text})
    with pytest.raises(Invalid):
        services.message_post(actor=responder, response=response, body=XSS)
    services.message_post(actor=responder, response=response, body=text)
    for client, url in ((Client(), f"/scenes/{scene.pk}/"), (as_user(publisher), f"/scenes/responses/{response.pk}/")):
        html = client.get(url).content.decode()
        assert "A &amp; B &quot;quoted&quot; &#x27;single&#x27;" in html
        assert 'href="javascript' not in html


def test_thread_and_response_pages_are_private() -> None:
    response = ResponseFactory()
    services.message_post(actor=response.responder, response=response, body="只给发布者看")
    url = f"/scenes/responses/{response.pk}/"
    assert as_user(response.responder).get(url).status_code == 200
    assert as_user(response.scene.publisher).get(url).status_code == 200
    outsider = as_user(UserFactory())
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"body": "hi"}).status_code == 404
    assert outsider.get(f"/api/v1/scene-responses/{response.pk}/messages").status_code == 404
    assert Client().get(url).status_code == 302  # to log in


def test_attachments_served_only_to_who_may_see_the_scene() -> None:
    scene = SceneFactory(audience=Scene.Audience.INVITED)
    friend = UserFactory()
    scene.invited.add(friend)
    upload = SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")
    publisher = as_user(scene.publisher)
    assert publisher.post(f"/scenes/{scene.pk}/files/", {"file": upload}).status_code == 302
    attachment = scene.attachments.get()
    url = f"/scenes/files/{attachment.pk}/"
    got = as_user(friend).get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 brief"  # type: ignore[attr-defined]
    assert got["Content-Disposition"].startswith("attachment") and got["X-Content-Type-Options"] == "nosniff"
    assert as_user(UserFactory()).get(url).status_code == 404
    assert Client().get(url).status_code == 404
    # an outsider cannot upload
    bad = SimpleUploadedFile("x.pdf", b"%PDF-1.4", content_type="application/pdf")
    as_user(UserFactory()).post(f"/scenes/{scene.pk}/files/", {"file": bad})
    assert scene.attachments.count() == 1
    attachment.file.delete(save=False)


def test_deal_pages_for_parties_only_and_actions_over_http() -> None:
    deal = make_deal(milestones=(5000,))
    m = deal.milestones.get()
    assert as_user(UserFactory()).get(f"/scenes/deals/{deal.pk}/").status_code == 404
    provider = as_user(deal.provider)
    assert provider.get(f"/scenes/deals/{deal.pk}/").status_code == 200
    provider.post(f"/scenes/deals/{deal.pk}/milestones/{m.pk}/deliver/", {"key": "a"})
    provider.post(f"/scenes/deals/{deal.pk}/milestones/{m.pk}/deliver/", {"key": "a"})  # a double click
    assert deal.events.filter(action="deliver").count() == 1
    # The provider cannot accept their own delivery.
    provider.post(f"/scenes/deals/{deal.pk}/milestones/{m.pk}/accept/", {})
    assert deal.milestones.get().status == "delivered"
    with translation.override("en"):
        page = provider.post(f"/scenes/deals/{deal.pk}/dispute/", {"reason": ""})
    assert page.status_code == 400 and Deal.objects.get(pk=deal.pk).status == Deal.Status.ACTIVE


def test_api_acceptance_is_idempotent_and_validates() -> None:
    response = ResponseFactory()
    client = as_user(response.scene.publisher)
    url = f"/api/v1/scene-responses/{response.pk}/accept"
    bad = client.post(url, json.dumps({"amount_fen": 1000, "milestones": [{"title": "a", "amount_fen": 999}]}),
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "milestone_sum"
    body = json.dumps({"amount_fen": 1000, "milestones": [{"title": "a", "amount_fen": 400},
                                                          {"title": "b", "amount_fen": 600}]})
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    second = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and Deal.objects.count() == 1
    assert [m["amount_fen"] for m in first.json()["milestones"]] == [400, 600]
    assert as_user(response.responder).post(url, body, content_type="application/json").status_code in (201, 403)
    assert Deal.objects.count() == 1


def test_api_permissions_and_bad_input() -> None:
    member = UserFactory()
    client = as_user(member)
    assert Client().post("/api/v1/scenes", "{}", content_type="application/json").status_code == 401
    bad = client.post("/api/v1/scenes", json.dumps({"title": "x", "description": "y", "budget_fen": -1}),
                      content_type="application/json")
    assert bad.status_code == 400
    made = client.post("/api/v1/scenes", json.dumps({"title": "寻找两周 Python 外包开发", "description": "y",
                                                     "budget_fen": 2_000_000, "publish": True}),
                       content_type="application/json")
    assert made.status_code == 201
    scene_id = made.json()["id"]
    assert as_user(UserFactory()).patch(f"/api/v1/scenes/{scene_id}", json.dumps({"title": "hack"}),
                                        content_type="application/json").status_code == 403
    other = as_user(UserFactory())
    assert other.post(f"/api/v1/scenes/{scene_id}/responses", json.dumps({"plan": "我可以", "price_fen": 1_900_000}),
                      content_type="application/json").status_code == 201
    assert other.get(f"/api/v1/scenes/{scene_id}/responses").status_code == 403
    assert client.get(f"/api/v1/scenes/{scene_id}/responses").json()["count"] == 1
    assert Response.objects.count() == 1
    assert client.get(f"/api/v1/members/{member.pk}/scene-reputation").json()["reviews"] == 0
