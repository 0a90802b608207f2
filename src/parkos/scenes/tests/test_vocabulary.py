"""One vocabulary: ErrorCode for every refusal, core's clean_text (refused, never cut), core's uploads
for attachments, core's transition shape for every state machine, page_action on the pages."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid
from parkos.core.transitions import Machine
from parkos.scenes import machine, services
from parkos.scenes.models import Deal, DealEvent, Milestone, Response, Scene
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory, make_deal

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _code(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def test_refusals_carry_error_codes() -> None:
    scene = SceneFactory()
    member = UserFactory()
    services.response_submit(actor=member, scene=scene, data={"plan": "方案"})
    assert _code(lambda: services.response_submit(actor=member, scene=scene, data={"plan": "再来"})) \
        == ErrorCode.ALREADY_DONE
    assert _code(lambda: services.response_submit(actor=scene.publisher, scene=scene, data={"plan": "x"})) \
        == ErrorCode.OWN_CONTENT
    assert _code(lambda: services.scene_transition(actor=scene.publisher, scene=scene, action="publish")) \
        == ErrorCode.ILLEGAL_TRANSITION
    assert _code(lambda: services.scene_transition(actor=scene.publisher, scene=scene, action="explode")) \
        == ErrorCode.UNKNOWN_ACTION
    services.scene_transition(actor=scene.publisher, scene=scene, action="cancel")
    assert _code(lambda: services.scene_update(actor=scene.publisher, scene=scene, data={"title": "x"})) \
        == ErrorCode.CLOSED
    closed = SceneFactory(status=Scene.Status.CLOSED)
    assert _code(lambda: services.response_submit(actor=UserFactory(), scene=closed, data={"plan": "x"})) \
        == ErrorCode.NOT_OPEN
    deal = make_deal(milestones=(100,))
    m = deal.milestones.get()
    assert _code(lambda: services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk,
                                                action="deliver")) == ErrorCode.NOT_YOUR_TURN
    services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="mark_paid", key="k")
    assert _code(lambda: services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk,
                                                action="deliver", key="k")) == ErrorCode.IDEMPOTENCY_CONFLICT
    assert _code(lambda: services.review_submit(actor=deal.publisher, deal=deal, rating=5)) == ErrorCode.DEAL_OPEN
    services.deal_act(actor=deal.provider, deal=deal, action="request_cancel")
    assert _code(lambda: services.deal_act(actor=deal.provider, deal=deal, action="agree_cancel")) \
        == ErrorCode.NOT_YOUR_TURN
    services.deal_act(actor=deal.publisher, deal=deal, action="agree_cancel")
    deal.refresh_from_db()
    services.review_submit(actor=deal.publisher, deal=deal, rating=5)
    assert _code(lambda: services.review_submit(actor=deal.publisher, deal=deal, rating=4)) == ErrorCode.ALREADY_DONE


@pytest.mark.parametrize(("field", "data"), [
    ("title", {"title": "长" * 101, "description": "x"}),
    ("description", {"title": "ok", "description": "长" * 5001}),
    ("reward_text", {"title": "ok", "description": "x", "reward_text": "长" * 201}),
])
def test_too_long_scene_text_is_refused_not_cut(field: str, data: dict[str, str]) -> None:
    with pytest.raises(Invalid) as caught:
        services.scene_create(actor=UserFactory(), data=data)
    assert caught.value.code == ErrorCode.TOO_LONG and field in caught.value.details
    assert not Scene.objects.exists()


def test_too_long_texts_of_responses_threads_deals_are_refused() -> None:
    scene = SceneFactory()
    with pytest.raises(Invalid) as caught:
        services.response_submit(actor=UserFactory(), scene=scene, data={"plan": "x", "timeline": "周" * 201})
    assert caught.value.code == ErrorCode.TOO_LONG
    response = ResponseFactory(scene=scene)
    with pytest.raises(Invalid) as caught:
        services.message_post(actor=response.responder, response=response, body="字" * 2001)
    assert caught.value.code == ErrorCode.TOO_LONG
    deal = make_deal(milestones=(100,))
    with pytest.raises(Invalid) as caught:
        services.deal_act(actor=deal.provider, deal=deal, action="dispute", reason="因" * 2001)
    assert caught.value.code == ErrorCode.TOO_LONG
    assert Deal.objects.get(pk=deal.pk).status == Deal.Status.ACTIVE


def test_a_long_milestone_note_on_the_page_is_refused_not_cut() -> None:
    deal = make_deal(milestones=(100,))
    m = deal.milestones.get()
    page = as_user(deal.provider).post(f"/scenes/deals/{deal.pk}/milestones/{m.pk}/deliver/",
                                       {"note": "注" * 2001}, follow=True)
    assert ["2000" in str(message) for message in page.context["messages"]] == [True]  # "at most 2000 characters"
    assert Milestone.objects.get(pk=m.pk).status == Milestone.Status.PENDING
    assert not DealEvent.objects.filter(action="deliver").exists()


def test_a_too_long_idempotency_key_is_refused_not_cut() -> None:
    deal = make_deal(milestones=(100,))
    m = deal.milestones.get()
    client = as_user(deal.provider)
    url = f"/api/v1/deals/{deal.pk}/milestones/{m.pk}/deliver"
    got = client.post(url, "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k" * 81)
    assert got.status_code == 400 and got.json()["code"] == ErrorCode.TOO_LONG
    assert Milestone.objects.get(pk=m.pk).status == Milestone.Status.PENDING
    ok = client.post(url, "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k" * 80)
    assert ok.status_code == 200 and DealEvent.objects.get(action="deliver").client_key == "k" * 80


def _docx(with_document: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_attachments_go_through_core_uploads() -> None:
    scene = SceneFactory()
    ok = services.attachment_add(actor=scene.publisher, scene=scene,
                                 upload=SimpleUploadedFile("方案.docx", _docx(True)))
    assert ok.content_type.endswith("wordprocessingml.document")
    with pytest.raises(Invalid) as caught:  # a zip renamed .docx
        services.attachment_add(actor=scene.publisher, scene=scene, upload=SimpleUploadedFile("x.docx", _docx(False)))
    assert caught.value.code == ErrorCode.FILE_TYPE
    with override_settings(UPLOAD_MAX_BYTES=10), pytest.raises(Invalid) as caught:
        services.attachment_add(actor=scene.publisher, scene=scene,
                                upload=SimpleUploadedFile("big.pdf", b"%PDF-1.4 more than ten bytes"))
    assert caught.value.code == ErrorCode.TOO_LARGE
    with pytest.raises(Invalid) as caught:
        services.attachment_add(actor=scene.publisher, scene=scene,
                                upload=SimpleUploadedFile("名" * 130 + ".pdf", b"%PDF-1.4 x"))
    assert caught.value.code == ErrorCode.TOO_LONG
    assert scene.attachments.count() == 1
    for _ in range(9):
        services.attachment_add(actor=scene.publisher, scene=scene, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    with pytest.raises(Conflict) as caught:
        services.attachment_add(actor=scene.publisher, scene=scene, upload=SimpleUploadedFile("b.pdf", b"%PDF-1.4 x"))
    assert caught.value.code == ErrorCode.TOO_MANY
    for attachment in scene.attachments.all():
        attachment.file.delete(save=False)


def test_every_state_machine_has_core_shape_and_pages_list_their_actions() -> None:
    for m in (machine.SCENE, machine.RESPONSE, machine.DEAL, machine.MILESTONE, machine.PAYMENT):
        assert isinstance(m, Machine)
    draft = SceneFactory(status=Scene.Status.DRAFT, published_at=None)
    page = as_user(draft.publisher).get(f"/scenes/{draft.pk}/")
    assert page.context["scene_actions"] == ["publish", "cancel"]
    response = ResponseFactory()
    assert as_user(response.scene.publisher).get(f"/scenes/responses/{response.pk}/").context["actions"] == \
        ["shortlist", "decline"]
    assert as_user(response.responder).get(f"/scenes/responses/{response.pk}/").context["actions"] == ["withdraw"]


def test_refusal_on_a_page_is_a_message_and_changes_nothing() -> None:
    response = ResponseFactory()
    page = as_user(response.responder).post(f"/scenes/responses/{response.pk}/shortlist/", follow=True)
    assert len(page.context["messages"]) == 1
    assert Response.objects.get(pk=response.pk).status == Response.Status.SUBMITTED
    with pytest.raises(Forbidden):
        services.response_transition(actor=response.responder, response=response, action="shortlist")


def test_api_refusals_are_translated_envelopes() -> None:
    deal = make_deal(milestones=(100,))
    got = as_user(deal.publisher).post(f"/api/v1/deals/{deal.pk}/actions/resolve",
                                       json.dumps({"reason": "x", "resolution": "complete"}),
                                       content_type="application/json")
    assert got.status_code == 409 and got.json()["code"] == ErrorCode.ILLEGAL_TRANSITION
