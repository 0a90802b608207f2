"""The policy is the only gate, and permission comes before existence: a private scene, response or deal
of others is "not found" (never "forbidden") to an outsider, while the counterparty, who knows it
exists, is refused. Each boundary with the owner, the counterparty and an outsider."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, NotFound
from parkos.scenes import machine, services
from parkos.scenes.models import Deal, Response, Scene
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory, make_deal

pytestmark = pytest.mark.django_db
SCENES = Path(__file__).resolve().parent.parent


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")


@pytest.mark.parametrize("write", ["update", "transition", "attach", "invite"])
def test_scene_writes_hide_private_scenes_from_outsiders(write: str) -> None:
    calls = {
        "update": lambda actor, scene: services.scene_update(actor=actor, scene=scene, data={"title": "改了"}),
        "transition": lambda actor, scene: services.scene_transition(actor=actor, scene=scene, action="close"),
        "attach": lambda actor, scene: services.attachment_add(actor=actor, scene=scene, upload=_pdf()),
        "invite": lambda actor, scene: services.scene_invite(actor=actor, scene=scene, users=[]),
    }
    draft = SceneFactory(status=Scene.Status.DRAFT, published_at=None)
    invited_only = SceneFactory(audience=Scene.Audience.INVITED)
    public = SceneFactory()
    guest = UserFactory()
    invited_only.invited.add(guest)
    outsider = UserFactory()
    for scene in (draft, invited_only):
        with pytest.raises(NotFound):
            calls[write](outsider, scene)
    with pytest.raises(Forbidden):  # the invited guest sees the scene: refused, not hidden
        calls[write](guest, invited_only)
    with pytest.raises(Forbidden):  # a public scene exists for everyone: refused
        calls[write](outsider, public)
    assert Scene.objects.get(pk=draft.pk).title == draft.title and not draft.attachments.exists()
    calls[write](public.publisher, public)  # the owner may


def test_response_writes_hide_others_responses() -> None:
    response = ResponseFactory()
    publisher, responder, outsider = response.scene.publisher, response.responder, UserFactory()
    rival = ResponseFactory(scene=response.scene).responder
    for actor in (outsider, rival):
        with pytest.raises(NotFound):
            services.response_transition(actor=actor, response=response, action="withdraw")
        with pytest.raises(NotFound):
            services.response_accept(actor=actor, response=response, amount="100")
        with pytest.raises(NotFound):
            services.message_post(actor=actor, response=response, body="你好")
    with pytest.raises(Forbidden) as caught:  # the counterparty: the publisher may not withdraw it
        services.response_transition(actor=publisher, response=response, action="withdraw")
    assert caught.value.code == ErrorCode.NOT_YOUR_TURN
    with pytest.raises(Forbidden):
        services.response_accept(actor=responder, response=response, amount="100")
    services.response_transition(actor=responder, response=response, action="withdraw")  # the owner may
    assert Response.objects.get(pk=response.pk).status == Response.Status.WITHDRAWN


def test_deal_writes_over_http_outsider_404_counterparty_403() -> None:
    deal = make_deal(milestones=(5000,))
    other = make_deal(milestones=(7000,), publisher=deal.publisher)
    m = deal.milestones.get()
    url = f"/api/v1/deals/{deal.pk}/milestones/{m.pk}/deliver"
    outsider = as_user(UserFactory())
    assert outsider.post(url, "{}", content_type="application/json").status_code == 404
    assert outsider.post(f"/api/v1/deals/{deal.pk}/actions/dispute", json.dumps({"reason": "x"}),
                         content_type="application/json").status_code == 404
    refused = as_user(deal.publisher).post(url, "{}", content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == ErrorCode.NOT_YOUR_TURN
    # a milestone of another deal (even one's own) is not found through this deal
    foreign = other.milestones.get()
    assert as_user(deal.provider).post(f"/api/v1/deals/{deal.pk}/milestones/{foreign.pk}/deliver", "{}",
                                       content_type="application/json").status_code == 404
    done = as_user(deal.provider).post(url, "{}", content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "delivered"


def test_api_response_actions_outsider_404_counterparty_403() -> None:
    response = ResponseFactory()
    url = f"/api/v1/scene-responses/{response.pk}/actions/shortlist"
    assert as_user(UserFactory()).post(url).status_code == 404
    refused = as_user(response.responder).post(url)
    assert refused.status_code == 403 and refused.json()["code"] == ErrorCode.NOT_YOUR_TURN
    assert as_user(response.scene.publisher).post(url).json()["status"] == "shortlisted"


def test_operators_see_and_resolve_through_the_policy() -> None:
    operator = UserFactory(roles=[Role.OPERATOR])
    draft = SceneFactory(status=Scene.Status.DRAFT, published_at=None)
    assert as_user(operator).get(f"/scenes/{draft.pk}/").status_code == 200
    deal = make_deal()
    services.deal_act(actor=deal.provider, deal=deal, action="dispute", reason="未付款")
    page = as_user(operator).get(f"/scenes/deals/{deal.pk}/")
    assert page.status_code == 200 and page.context["resolve_form"] is not None
    assert as_user(deal.publisher).get(f"/scenes/deals/{deal.pk}/").context["resolve_form"] is None
    with pytest.raises(NotFound):  # operators resolve deals; milestones are the parties' own
        services.milestone_act(actor=operator, deal=deal, milestone_id=deal.milestones.first().pk,  # type: ignore[union-attr]
                               action="deliver")


def test_every_scenes_rule_is_asked_and_every_side_is_a_rule() -> None:
    ours = [a for a in policy.RULES if a.startswith(("scene.", "deal."))]
    code = "\n".join(p.read_text() for p in SCENES.rglob("*.py") if "tests" not in p.parts and p.name != "rules.py")
    unasked = [a for a in ours if not re.search(rf"[\"']{re.escape(a)}[\"']", code)]
    assert not unasked, unasked
    for m in (machine.SCENE, machine.RESPONSE, machine.DEAL, machine.MILESTONE, machine.PAYMENT):
        for t in m:
            assert t.by and all(a in policy.RULES for a in t.by), t


def test_no_direct_role_checks_in_scenes() -> None:
    for path in SCENES.rglob("*.py"):
        if "tests" in path.parts or path.name == "rules.py":
            continue
        text = path.read_text()
        for pattern in ("has_role(", "role_codes", "roles_of(", ".is_staff", "is_superuser"):
            assert pattern not in text, f"{path.name}: {pattern}"


def test_huge_industry_id_is_a_400_not_a_500() -> None:
    client = as_user(UserFactory())
    got = client.post("/api/v1/scenes", json.dumps({"title": "寻找试点客户", "description": "y",
                                                    "industry": "9" * 30}), content_type="application/json")
    assert got.status_code == 400 and got.json()["code"] == ErrorCode.INVALID_CHOICE
    assert not Scene.objects.exists() and not Deal.objects.exists()
