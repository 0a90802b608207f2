"""Issue 15 words: short msgids that mean different things get their own Chinese; the scenes' buttons say
what they do, their flashes what happened, their statuses stay statuses; what members type is kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, pgettext

from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises import services as enterprise_services
from parkos.enterprises.tests.factories import BuildingFactory, enterprise_with_admin
from parkos.scenes import machine, selectors, services
from parkos.scenes.models import Deal, Milestone, Scene
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory, make_deal


def test_date_range_end_reads_zhi_not_sent_to() -> None:
    with translation.override("zh-hans"):
        assert gettext("To") == "至"
        assert pgettext("end of a date range", "To") == "至"


def test_open_appointment_slot_reads_bookable_and_price_stays_free() -> None:
    with translation.override("zh-hans"):
        assert pgettext("appointment slot state", "Free") == "可预约"
        assert gettext("Free") == "免费"
        html = Template('{% load i18n %}{% translate "Free" context "appointment slot state" %}').render(Context())
        assert html == "可预约"


def test_proposal_timeline_reads_progress_and_orders_keep_theirs() -> None:
    with translation.override("zh-hans"):
        assert pgettext("proposal progress", "Timeline") == "进展"
        assert gettext("Timeline") == "办理进度"


# --- scenes and deals: buttons say what they do, flashes say what happened, statuses stay statuses ---

FULL_WIDTH_TITLE = "寻找试点客户：机器人巡检，两周内（北京）"


def _zh(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _flashes(response: Any) -> list[str]:
    """The messages a post flashed, as the page it redirected to shows them (and so uses them up)."""
    assert response.redirect_chain, "the action redirects"
    return [str(m) for m in response.context["messages"]]


def _buttons(html: str) -> dict[str, str]:
    """data-action -> the words on that button or link."""
    return {a: re.sub(r"<[^>]+>", "", text).strip()
            for a, text in re.findall(r'data-action="([a-z_]+)"[^>]*>(.*?)</(?:button|a)>', html)}


@pytest.mark.django_db
def test_an_open_scene_reads_open_for_responses_and_other_opens_stay_to_handle() -> None:
    with translation.override("zh-hans"):
        assert Scene.Status.OPEN.label == "征集中"
        assert gettext("Open") == "待处理"  # an open ticket or alert elsewhere
        assert Deal.Status.ACTIVE.label == "交易进行中" and Deal.Status.COMPLETED.label == "已完成"
        assert Milestone.Status.ACCEPTED.label == "已验收" and Milestone.Status.DELIVERED.label == "已交付"
    scene = SceneFactory()
    page = _zh(UserFactory()).get(f"/scenes/{scene.pk}/")
    assert '<span class="badge" id="scene-status">征集中</span>' in page.content.decode()


@pytest.mark.django_db
def test_buttons_say_what_they_do_and_statuses_stay_statuses() -> None:
    for action, label in machine.BUTTON_LABELS.items():  # no button reads as a status
        with translation.override("zh-hans"):
            assert not str(label).startswith("已"), (action, str(label))
    response = ResponseFactory()
    html = _zh(response.scene.publisher).get(f"/scenes/responses/{response.pk}/").content.decode()
    assert _buttons(html)["accept"] == "采纳此方案"
    deal = make_deal(milestones=(100,))
    provider_html = _zh(deal.provider).get(f"/scenes/deals/{deal.pk}/").content.decode()
    assert _buttons(provider_html)["deliver"] == "确认交付"
    m = deal.milestones.get()
    services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="deliver")
    payer_html = _zh(deal.publisher).get(f"/scenes/deals/{deal.pk}/").content.decode()
    assert _buttons(payer_html).items() >= {"accept": "验收通过", "return": "退回修改", "mark_paid": "标记为已付款"}.items()
    assert "<span class=\"badge\">已交付</span>" in payer_html  # the milestone's status stays a status
    draft = SceneFactory(status=Scene.Status.DRAFT, published_at=None)
    assert _buttons(_zh(draft.publisher).get(f"/scenes/{draft.pk}/").content.decode())["publish"] == "发布"


@pytest.mark.django_db
def test_every_action_flashes_what_happened() -> None:
    scene = SceneFactory(status=Scene.Status.DRAFT, published_at=None)
    publisher = _zh(scene.publisher)
    got = publisher.post(f"/scenes/{scene.pk}/publish/", follow=True)
    assert _flashes(got) == ["场景已发布，开始征集方案。"]
    response = ResponseFactory(scene=scene)
    assert _flashes(publisher.post(f"/scenes/responses/{response.pk}/shortlist/", follow=True)) == ["方案已加入候选。"]
    got = publisher.post(f"/scenes/responses/{response.pk}/accept/", {
        "amount": "100", "m1_title": "交付", "m1_amount": "100", "key": "k1"}, follow=True)
    deal = Deal.objects.get(response=response)
    assert got.status_code == 200 and _flashes(got) == [f"方案已采纳，已生成交易 #{deal.pk}。双方可在此跟进。"]
    m = deal.milestones.get()
    provider = _zh(response.responder)
    url = f"/scenes/deals/{deal.pk}/milestones/{m.pk}"
    assert _flashes(provider.post(f"{url}/deliver/", follow=True)) == ["已确认交付，等待发布方验收。"]
    assert _flashes(publisher.post(f"{url}/accept/", follow=True)) == ["已验收通过。付款后请标记为已付款。"]
    assert _flashes(publisher.post(f"{url}/mark_paid/", follow=True)) == ["已标记付款，等待对方确认收款。"]
    assert _flashes(provider.post(f"{url}/confirm_paid/", follow=True)) == ["已确认收款。所有里程碑均已完成，交易已完成。"]
    assert _flashes(publisher.post(f"/scenes/{scene.pk}/close/", follow=True)) == ["已停止征集，仍可采纳已收到的方案。"]
    other = make_deal(milestones=(100,))
    got = _zh(other.provider).post(f"/scenes/deals/{other.pk}/request_cancel/", {"key": "c1"}, follow=True)
    assert _flashes(got) == ["已申请取消，等待对方同意。"]
    for page in (publisher, provider):  # no page says a bare "Done." any more
        assert "已完成。" not in page.get(f"/scenes/deals/{deal.pk}/").content.decode()


@pytest.mark.django_db
def test_the_scene_shows_its_deals_state_and_links_who_may_open_it() -> None:
    deal = make_deal(milestones=(100,))
    scene_url = f"/scenes/{deal.scene_id}/"
    party = _zh(deal.publisher).get(scene_url).content.decode()
    assert "已成交" in party and "交易进行中" in party and f'href="/scenes/deals/{deal.pk}/"' in party
    assert f"查看交易 #{deal.pk}" in party
    outsider = _zh(UserFactory()).get(scene_url).content.decode()
    assert "已成交" in outsider and f"/scenes/deals/{deal.pk}/" not in outsider  # the state, not the link
    m = deal.milestones.get()
    for actor, action in ((deal.provider, "deliver"), (deal.publisher, "accept"), (deal.publisher, "mark_paid"),
                          (deal.provider, "confirm_paid")):
        services.milestone_act(actor=actor, deal=deal, milestone_id=m.pk, action=action)
    done = _zh(deal.provider).get(scene_url).content.decode()
    assert 'data-deal-status="completed"' in done and "已完成" in done
    assert [(d.deal.pk, d.may_open) for d in selectors.scene_deal_list(viewer=deal.provider, scene=deal.scene)] \
        == [(deal.pk, True)]


# --- what members type is kept as typed ---

@pytest.mark.django_db
def test_full_width_punctuation_in_a_scene_title_is_stored_and_shown_as_typed() -> None:
    member = UserFactory()
    page = _zh(member).post("/scenes/new/", {"kind": "pilot", "title": FULL_WIDTH_TITLE,
                                            "description": "说明：第一期（试点），两周。", "audience": "anyone",
                                            "publish": "1"})
    scene = Scene.objects.get(publisher=member)
    assert page.status_code == 302
    assert scene.title == FULL_WIDTH_TITLE and scene.description == "说明：第一期（试点），两周。"
    assert FULL_WIDTH_TITLE in _zh(member).get(f"/scenes/{scene.pk}/").content.decode()
    api = _zh(member).get(f"/api/v1/scenes/{scene.pk}").json()
    assert api["title"] == FULL_WIDTH_TITLE
    response = services.response_submit(actor=UserFactory(), scene=scene,
                                        data={"plan": "方案：（一）调研", "timeline": "两周（含验收）"})
    assert response.timeline == "两周（含验收）"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["试点客户", "（北京）", "(北京)", "巡检, 两周"])
def test_the_board_finds_text_kept_as_typed_by_full_or_half_width_queries(query: str) -> None:
    scene = SceneFactory(title=FULL_WIDTH_TITLE)
    SceneFactory(title="无关的场景")
    found = selectors.scene_board(viewer=UserFactory(), q=query)
    assert list(found.values_list("pk", flat=True)) == [scene.pk]


@pytest.mark.django_db
def test_full_width_letters_are_found_by_half_width_queries() -> None:
    scene = SceneFactory(title="寻找ＡＩ质检伙伴")
    assert list(selectors.scene_board(viewer=None, q="ai").values_list("pk", flat=True)) == [scene.pk]


@pytest.mark.django_db
def test_a_floor_typed_5f_stays_5f() -> None:
    enterprise, admin = enterprise_with_admin(building=BuildingFactory())
    enterprise_services.enterprise_update(actor=admin, enterprise=enterprise, data={"floor": "5F"})
    enterprise.refresh_from_db()
    assert enterprise.floor == "5F" and enterprise.location.endswith(" 5F") and "5FF" not in enterprise.location
    page = _zh(admin).get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "5F" in page and "5FF" not in page
    enterprise_services.enterprise_update(actor=admin, enterprise=enterprise, data={"floor": "5"})
    enterprise.refresh_from_db()
    assert enterprise.floor == "5" and enterprise.location.endswith(" 5F")  # a bare number reads as a floor
