"""Scenes from publication to a completed deal, through the services; permissions; bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core import ledger
from parkos.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.enterprises.tests.factories import enterprise_with_admin
from parkos.notifications.models import Notification
from parkos.scenes import selectors, services
from parkos.scenes.models import Deal, DealEvent, Milestone, Response, Review, Scene
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory, make_deal

pytestmark = pytest.mark.django_db


def test_scene_to_completed_deal_with_two_milestones_and_reviews(django_capture_on_commit_callbacks) -> None:
    publisher, provider, other = UserFactory(), UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        scene = services.scene_create(actor=publisher, publish=True, data={
            "kind": "launch", "title": "产品发布会需要场地与200位观众", "description": "十二月中旬，半天。",
            "budget": "30000", "deadline": timezone.localdate() + dt.timedelta(days=10), "audience": "anyone"})
        assert scene.status == Scene.Status.OPEN and scene.budget_fen == 3_000_000
        response = services.response_submit(actor=provider, scene=scene,
                                             data={"price": "28000.50", "plan": "提供 A1 报告厅与观众招募", "timeline": "一周"})
        other_response = services.response_submit(actor=other, scene=scene, data={"plan": "我们也可以"})
        services.response_transition(actor=publisher, response=response, action="shortlist")
        services.message_post(actor=publisher, response=response, body="能提供同传设备吗？")
        services.message_post(actor=provider, response=response, body="可以。")
        deal = services.response_accept(actor=publisher, response=response, amount="28000.50", milestones=[
            {"title": "场地确认", "amount": "8000.50", "due_on": "2026-12-10"},
            {"title": "活动执行", "amount": "20000"}])
    assert deal.amount_fen == 2_800_050 and deal.provider == provider and deal.publisher == publisher
    assert Response.objects.get(pk=response.pk).status == Response.Status.ACCEPTED
    assert Response.objects.get(pk=other_response.pk).status == Response.Status.SUBMITTED
    m1, m2 = deal.milestones.order_by("position")
    for m in (m1, m2):
        services.milestone_act(actor=provider, deal=deal, milestone_id=m.pk, action="deliver")
        services.milestone_act(actor=publisher, deal=deal, milestone_id=m.pk, action="accept")
        services.milestone_act(actor=publisher, deal=deal, milestone_id=m.pk, action="mark_paid")
        assert Deal.objects.get(pk=deal.pk).status == Deal.Status.ACTIVE
        services.milestone_act(actor=provider, deal=deal, milestone_id=m.pk, action="confirm_paid")
    deal.refresh_from_db()
    assert deal.status == Deal.Status.COMPLETED and deal.paid_fen == deal.amount_fen and deal.closed_at
    assert ledger.balance(("scenes.deal", deal.pk), "deal:paid") == 2_800_050
    assert ledger.balance(("scenes.deal", deal.pk), "deal:outstanding") == 0
    actions = list(deal.events.values_list("action", flat=True))
    assert actions == ["accept_response"] + ["deliver", "accept", "mark_paid", "confirm_paid"] * 2 + ["complete"]
    # every change is one ledger operation
    assert ledger.operations_for(deal).count() == len(actions)
    services.review_submit(actor=publisher, deal=deal, rating=5, text="准时专业")
    services.review_submit(actor=provider, deal=deal, rating=4, text="沟通顺畅")
    with pytest.raises(Conflict):
        services.review_submit(actor=provider, deal=deal, rating=1)
    rep = selectors.reputation_get(provider)
    assert (rep.rating, rep.reviews, rep.completed, rep.completion_rate) == (5.0, 1, 1, 1.0)
    assert selectors.reputation_get(publisher).rating == 4.0
    assert ledger.ledger_check().ok
    assert Notification.objects.filter(recipient=provider, kind="scene").exists()
    services.scene_transition(actor=publisher, scene=scene, action="close")
    services.scene_transition(actor=publisher, scene=scene, action="complete")


def test_returned_milestone_is_delivered_again() -> None:
    deal = make_deal(milestones=(100_00,))
    m = deal.milestones.get()
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="deliver")
    services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="return", note="请补充文档")
    assert Milestone.objects.get(pk=m.pk).status == Milestone.Status.RETURNED
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="deliver")
    assert Milestone.objects.get(pk=m.pk).status == Milestone.Status.DELIVERED


def test_payment_rejected_goes_back_to_unpaid() -> None:
    deal = make_deal(milestones=(100_00,))
    m = deal.milestones.get()
    services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="mark_paid")
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="reject_paid")
    assert Milestone.objects.get(pk=m.pk).payment == Milestone.Payment.UNPAID
    assert Deal.objects.get(pk=deal.pk).paid_fen == 0


def test_cancel_by_agreement_before_delivery_writes_off() -> None:
    deal = make_deal()
    services.deal_act(actor=deal.provider, deal=deal, action="request_cancel", reason="排期冲突")
    with pytest.raises(Forbidden):
        services.deal_act(actor=deal.provider, deal=deal, action="agree_cancel")
    services.deal_act(actor=deal.publisher, deal=deal, action="agree_cancel")
    deal.refresh_from_db()
    assert deal.status == Deal.Status.CANCELLED and deal.written_off_fen == deal.amount_fen
    assert ledger.ledger_check().ok
    services.review_submit(actor=deal.publisher, deal=deal, rating=3)


def test_cancel_refused_after_delivery() -> None:
    deal = make_deal()
    m = deal.milestones.first()
    assert m is not None
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="deliver")
    with translation.override("en"), pytest.raises(Conflict, match="before delivery"):
        services.deal_act(actor=deal.publisher, deal=deal, action="request_cancel")


@pytest.mark.parametrize(("resolution", "settled", "status", "written_off", "awarded"), [
    ("complete", None, Deal.Status.COMPLETED, 0, 1_200_000),
    ("cancel", None, Deal.Status.CANCELLED, 1_200_000, 0),
    ("partial", "9000", Deal.Status.COMPLETED, 900_000, 300_000),
])
def test_dispute_resolved_by_operator(resolution: str, settled: str | None, status: str, written_off: int,
                                      awarded: int) -> None:
    deal = make_deal()
    first = deal.milestones.order_by("position").first()
    assert first is not None
    for actor, action in ((deal.provider, "deliver"), (deal.publisher, "accept"), (deal.publisher, "mark_paid"),
                          (deal.provider, "confirm_paid")):
        services.milestone_act(actor=actor, deal=deal, milestone_id=first.pk, action=action)
    with pytest.raises(Invalid):
        services.deal_act(actor=deal.publisher, deal=deal, action="dispute", reason="")
    services.deal_act(actor=deal.publisher, deal=deal, action="dispute", reason="第二阶段未交付")
    operator = UserFactory(roles=[Role.OPERATOR])
    with pytest.raises(Forbidden):
        services.deal_act(actor=deal.provider, deal=deal, action="resolve", resolution="complete", reason="x")
    with pytest.raises(Invalid):
        services.deal_act(actor=operator, deal=deal, action="resolve", resolution=resolution, reason="")
    services.deal_act(actor=operator, deal=deal, action="resolve", resolution=resolution, settled=settled,
                      reason="双方提交材料后裁定")
    deal.refresh_from_db()
    assert (deal.status, deal.written_off_fen, deal.awarded_fen, deal.paid_fen) == (status, written_off, awarded,
                                                                                       600_000)
    assert deal.outstanding_fen == 0
    assert ledger.ledger_check().ok


def test_partial_resolution_out_of_range_is_refused() -> None:
    deal = make_deal()
    services.deal_act(actor=deal.provider, deal=deal, action="dispute", reason="付款争议")
    operator = UserFactory(roles=[Role.OPERATOR])
    with pytest.raises(Invalid):
        services.deal_act(actor=operator, deal=deal, action="resolve", resolution="partial", settled="99999",
                          reason="x")
    assert Deal.objects.get(pk=deal.pk).status == Deal.Status.DISPUTED


def test_client_key_makes_a_retry_a_no_op() -> None:
    deal = make_deal(milestones=(5000,))
    m = deal.milestones.get()
    services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="mark_paid", key="k1")
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="confirm_paid", key="k2")
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="confirm_paid", key="k2")
    assert Deal.objects.get(pk=deal.pk).paid_fen == 5000
    assert DealEvent.objects.filter(deal=deal, action="confirm_paid").count() == 1
    with pytest.raises(Conflict):
        services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="deliver", key="k2")


# --- permissions ---------------------------------------------------------------------------------

def test_outsider_cannot_touch_a_deal_or_read_it() -> None:
    deal = make_deal()
    outsider = UserFactory()
    m = deal.milestones.first()
    assert m is not None
    with pytest.raises(NotFound):
        selectors.deal_get(viewer=outsider, deal_id=deal.pk)
    with pytest.raises(NotFound):
        services.milestone_act(actor=outsider, deal=deal, milestone_id=m.pk, action="deliver")
    with pytest.raises(NotFound):
        services.deal_act(actor=outsider, deal=deal, action="dispute", reason="x")
    with pytest.raises(NotFound):
        services.review_submit(actor=outsider, deal=deal, rating=5)
    assert selectors.deal_get(viewer=UserFactory(roles=[Role.OPERATOR]), deal_id=deal.pk) == deal


def test_wrong_party_for_milestone_actions() -> None:
    deal = make_deal()
    m = deal.milestones.first()
    assert m is not None
    with pytest.raises(Forbidden):
        services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="deliver")
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="deliver")
    with pytest.raises(Forbidden):
        services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="accept")
    with pytest.raises(Forbidden):
        services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="mark_paid")


def test_thread_is_private_to_publisher_and_responder() -> None:
    response = ResponseFactory()
    colleague = UserFactory()
    services.message_post(actor=response.responder, response=response, body="你好")
    for viewer in (colleague, ResponseFactory(scene=response.scene).responder):
        with pytest.raises(NotFound):
            selectors.response_get(viewer=viewer, response_id=response.pk)
        with pytest.raises(NotFound):  # not even "forbidden": they may not know it exists
            services.message_post(actor=viewer, response=response, body="偷看")
    assert selectors.message_list(viewer=response.scene.publisher, response=response).count() == 1


def test_only_the_publisher_accepts_or_shortlists() -> None:
    response = ResponseFactory()
    # the counterparty sees the response: refused; an outsider may not know it exists: not found
    for actor, refusal in ((response.responder, Forbidden), (UserFactory(), NotFound)):
        with pytest.raises(refusal):
            services.response_accept(actor=actor, response=response, amount="100")
        with pytest.raises(refusal):
            services.response_transition(actor=actor, response=response, action="shortlist")
    with pytest.raises(Forbidden):
        services.response_transition(actor=response.scene.publisher, response=response, action="withdraw")
    assert not Deal.objects.exists()


def test_audiences() -> None:
    member = UserFactory()
    _enterprise, staff = enterprise_with_admin()
    only_enterprises = SceneFactory(audience=Scene.Audience.ENTERPRISES)
    with pytest.raises(Forbidden):
        services.response_submit(actor=member, scene=only_enterprises, data={"plan": "x"})
    assert services.response_submit(actor=staff, scene=only_enterprises, data={"plan": "x"}).enterprise is not None
    invited = SceneFactory(audience=Scene.Audience.INVITED)
    with pytest.raises(NotFound):  # an invited-only scene is not there for who is not invited
        services.response_submit(actor=member, scene=invited, data={"plan": "x"})
    services.scene_invite(actor=invited.publisher, scene=invited, users=[member])
    services.response_submit(actor=member, scene=invited, data={"plan": "x"})
    with pytest.raises(Forbidden):
        services.response_submit(actor=invited.publisher, scene=invited, data={"plan": "x"})
    with pytest.raises(Conflict):
        services.response_submit(actor=member, scene=invited, data={"plan": "again"})


def test_invited_and_draft_scenes_are_hidden_from_others() -> None:
    invited = SceneFactory(audience=Scene.Audience.INVITED)
    draft = SceneFactory(status=Scene.Status.DRAFT, published_at=None)
    guest, outsider, friend = None, UserFactory(), UserFactory()
    invited.invited.add(friend)
    for viewer in (guest, outsider):
        for scene in (invited, draft):
            with pytest.raises(NotFound):
                selectors.scene_get(viewer=viewer, scene_id=scene.pk)
        assert invited not in selectors.scene_board(viewer=viewer)
    assert selectors.scene_get(viewer=friend, scene_id=invited.pk) == invited
    assert invited in selectors.scene_board(viewer=friend)
    assert selectors.scene_get(viewer=draft.publisher, scene_id=draft.pk) == draft


def test_publish_for_an_enterprise_needs_staff() -> None:
    enterprise, admin = enterprise_with_admin()
    data = {"title": "为配送机器人寻找首个试点客户", "description": "园区内的配送场景", "kind": "pilot"}
    assert services.scene_create(actor=admin, data=data, enterprise=enterprise).enterprise == enterprise
    with pytest.raises(Forbidden):
        services.scene_create(actor=UserFactory(), data=data, enterprise=enterprise)
    with pytest.raises(NotAuthenticated):
        services.scene_create(actor=None, data=data)  # type: ignore[arg-type]


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "field"), [
    ({"title": "", "description": "x"}, "title"),
    ({"title": "<script>alert(1)</script>", "description": "x"}, "title"),
    ({"title": "ok", "description": "x", "budget": "-5"}, "budget"),
    ({"title": "ok", "description": "x", "budget": "abc"}, "budget"),
    ({"title": "ok", "description": "x", "budget": "1e30"}, "budget"),
    ({"title": "ok", "description": "x", "deadline": "2020-01-01"}, "deadline"),
    ({"title": "ok", "description": "x", "deadline": "not a date"}, "deadline"),
    ({"title": "ok", "description": "x", "kind": "bogus"}, "kind"),
    ({"title": "ok", "description": "x", "audience": "bogus"}, "audience"),
    ({"title": "ok", "description": "x", "industry": "nope"}, "industry"),
    ({"title": "ok", "description": ""}, "description"),
])
def test_bad_scene_input_is_refused(data: dict[str, str], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        services.scene_create(actor=UserFactory(), data=data)
    assert field in caught.value.details
    assert not Scene.objects.exists()


@pytest.mark.parametrize(("amount", "milestones"), [
    ("100", [{"title": "a", "amount": "60"}, {"title": "b", "amount": "30"}]),  # sums to 90
    ("100", [{"title": "", "amount": "100"}]),
    ("100", [{"title": "a", "amount": "-100"}, {"title": "b", "amount": "200"}]),
    ("-1", [{"title": "a", "amount": "-1"}]),
    ("100", [{"title": "a", "amount": "x"}]),
    ("100", [{"title": f"m{i}", "amount": "5"} for i in range(21)]),
])
def test_bad_acceptance_is_refused_and_changes_nothing(amount: str, milestones: list[dict[str, str]]) -> None:
    response = ResponseFactory()
    with pytest.raises(Invalid):
        services.response_accept(actor=response.scene.publisher, response=response, amount=amount,
                                 milestones=milestones)
    assert not Deal.objects.exists() and not ledger.LedgerOperation.objects.exists()
    assert Response.objects.get(pk=response.pk).status == Response.Status.SUBMITTED


def test_reviews_only_after_closing_and_in_range() -> None:
    deal = make_deal(milestones=(100,))
    with pytest.raises(Conflict):
        services.review_submit(actor=deal.publisher, deal=deal, rating=5)
    services.deal_act(actor=deal.publisher, deal=deal, action="request_cancel")
    services.deal_act(actor=deal.provider, deal=deal, action="agree_cancel")
    deal.refresh_from_db()
    for rating in (0, 6, "x", None):
        with pytest.raises(Invalid):
            services.review_submit(actor=deal.publisher, deal=deal, rating=rating)
    assert not Review.objects.exists()


def test_attachments_checked_by_type_and_content() -> None:
    scene = SceneFactory()
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 hello", content_type="application/pdf")
    attachment = services.attachment_add(actor=scene.publisher, scene=scene, upload=pdf)
    assert attachment.name == "方案.pdf" and attachment.content_type == "application/pdf"
    assert not attachment.file.name.endswith("方案.pdf")
    for upload in (SimpleUploadedFile("x.html", b"<script>", content_type="text/html"),
                   SimpleUploadedFile("x.pdf", b"<html><script>", content_type="application/pdf"),
                   SimpleUploadedFile("x.svg", b"<svg/>", content_type="image/svg+xml")):
        with pytest.raises(Invalid):
            services.attachment_add(actor=scene.publisher, scene=scene, upload=upload)
    with pytest.raises(Forbidden):
        services.attachment_add(actor=UserFactory(), scene=scene, upload=pdf)
    attachment.file.delete(save=False)
