"""The "scenes" section of the data export: what a member published, proposed, agreed, wrote and
was told about them; never the other side's messages or another member's responses."""

from __future__ import annotations

import json

import pytest

from parkos.accounts.models import User
from parkos.accounts.services import user_export
from parkos.accounts.tests.factories import UserFactory
from parkos.scenes import services
from parkos.scenes.models import Deal, Scene
from parkos.scenes.personal_data import export
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory, make_deal

pytestmark = pytest.mark.django_db


def _closed_deal_with_thread_and_reviews() -> tuple[User, User, Deal]:
    publisher = UserFactory(display_name="发布者老王")
    provider = UserFactory(display_name="服务商小李")
    deal = make_deal(publisher=publisher, provider=provider, milestones=(150_050,), title="官网改版")
    services.message_post(actor=publisher, response=deal.response, body="下周能开始吗？")
    services.message_post(actor=provider, response=deal.response, body="可以，周一开工")
    services.deal_act(actor=publisher, deal=deal, action="request_cancel")
    services.deal_act(actor=provider, deal=deal, action="agree_cancel")
    deal.refresh_from_db()
    services.review_submit(actor=publisher, deal=deal, rating=5, text="沟通顺畅")
    services.review_submit(actor=provider, deal=deal, rating=3, text="需求变化多")
    return publisher, provider, deal


def test_scenes_section_for_the_publisher(django_assert_num_queries) -> None:
    publisher, provider, deal = _closed_deal_with_thread_and_reviews()
    draft = SceneFactory(publisher=publisher, title="草稿场景", status=Scene.Status.DRAFT, budget_fen=None)
    rival = ResponseFactory(scene=deal.scene, plan="别人的方案：我们更便宜")

    with django_assert_num_queries(6):  # one per kind, however many rows
        export(publisher)
    data = user_export(actor=publisher, user=publisher)
    section = data["scenes"]
    text = json.dumps(data, ensure_ascii=False)

    by_id = {s["id"]: s for s in section["scenes"]}
    assert set(by_id) == {deal.scene_id, draft.pk}
    scene = by_id[deal.scene_id]
    assert (scene["title"], scene["kind"], scene["budget_fen"], scene["budget_yuan"]) == (
        "官网改版", Scene.Kind.CONTRACTOR, 2_000_000, "20000.00")
    assert scene["created_at"] == deal.scene.created_at.isoformat()
    assert by_id[draft.pk]["budget_yuan"] is None and by_id[draft.pk]["status"] == "draft"
    assert section["responses"] == []
    [exported] = section["deals"]
    assert (exported["id"], exported["title"], exported["role"], exported["status"]) == (
        deal.pk, "官网改版", "publisher", "cancelled")
    assert exported["amount_yuan"] == "1500.50" and exported["closed_at"] == deal.closed_at.isoformat()
    assert [m["text"] for m in section["messages"]] == ["下周能开始吗？"]
    assert [(r["rating"], r["text"], r["about"]) for r in section["reviews_written"]] == [(5, "沟通顺畅", "服务商小李")]
    assert [(r["rating"], r["text"], r["author"]) for r in section["reviews_received"]] == [(3, "需求变化多", "服务商小李")]
    # The provider's messages and another responder's proposal stay out; so do other people's e-mails.
    for foreign in ("可以，周一开工", rival.plan, provider.email, rival.responder.email):
        assert foreign not in text


def test_scenes_section_for_the_provider() -> None:
    publisher, provider, deal = _closed_deal_with_thread_and_reviews()

    section = user_export(actor=provider, user=provider)["scenes"]

    assert section["scenes"] == []
    [response] = section["responses"]
    assert (response["id"], response["scene"], response["status"], response["plan"]) == (
        deal.response_id, "官网改版", "accepted", deal.response.plan)
    assert response["created_at"] == deal.response.created_at.isoformat()
    assert [(d["id"], d["role"]) for d in section["deals"]] == [(deal.pk, "provider")]
    assert [m["text"] for m in section["messages"]] == ["可以，周一开工"]
    assert [(r["rating"], r["author"]) for r in section["reviews_received"]] == [(5, "发布者老王")]
    assert [r["rating"] for r in section["reviews_written"]] == [3]
    assert publisher.email not in json.dumps(section, ensure_ascii=False)
