"""Who in an enterprise sees its deals (the rule is in scenes/__init__.py): the two parties; every active
member of an enterprise on either side, read-only; that enterprise's admins, who also act for their side;
the operators of the deal's park. A member of another enterprise, a member awaiting approval and an
operator of another park are told the deal does not exist, on the page and in the JSON API alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.scenes import machine, selectors, services
from parkos.scenes.models import Deal, Milestone
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


class Sides:
    """A deal between two enterprises: 甲 publishes (pays), 乙 responds (delivers); each has its admin,
    the person on the deal, and a colleague."""

    def __init__(self) -> None:
        self.payer_enterprise, self.payer_admin = enterprise_with_admin()
        self.provider_enterprise, self.provider_admin = enterprise_with_admin()
        self.publisher = add_staff(self.payer_enterprise)
        self.payer_colleague = add_staff(self.payer_enterprise)
        self.responder = add_staff(self.provider_enterprise)
        self.provider_colleague = add_staff(self.provider_enterprise)
        scene = SceneFactory(publisher=self.publisher, enterprise=self.payer_enterprise)
        response = ResponseFactory(scene=scene, responder=self.responder, enterprise=self.provider_enterprise)
        self.deal = services.response_accept(actor=self.publisher, response=response, amount="100")


def _fresh(deal: Deal) -> Deal:
    return Deal.objects.get(pk=deal.pk)


def _sees(user: Any, deal: Deal) -> tuple[int, int]:
    client = as_user(user)
    return (client.get(f"/scenes/deals/{deal.pk}/").status_code,
            client.get(f"/api/v1/deals/{deal.pk}").status_code)


def test_parties_colleagues_and_admins_see_the_deal_on_the_page_and_in_the_api() -> None:
    sides = Sides()
    for viewer in (sides.publisher, sides.responder, sides.payer_colleague, sides.provider_colleague,
                   sides.payer_admin, sides.provider_admin):
        assert _sees(viewer, sides.deal) == (200, 200)
        assert selectors.deal_get(viewer=viewer, deal_id=sides.deal.pk).pk == sides.deal.pk


def test_a_member_of_another_enterprise_or_awaiting_approval_is_told_not_found() -> None:
    sides = Sides()
    other_enterprise, other_admin = enterprise_with_admin()
    stranger = add_staff(other_enterprise)
    applicant = add_staff(sides.payer_enterprise, status=Membership.Status.PENDING)
    for viewer in (stranger, other_admin, applicant, UserFactory()):
        assert _sees(viewer, sides.deal) == (404, 404)
        with pytest.raises(NotFound):
            selectors.deal_get(viewer=viewer, deal_id=sides.deal.pk)
    # leaving the enterprise ends the view
    Membership.objects.filter(user=sides.payer_colleague).delete()
    assert _sees(sides.payer_colleague, sides.deal) == (404, 404)


def test_operators_of_the_deals_park_see_it_and_of_another_park_are_told_not_found() -> None:
    sides = Sides()
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B")
    parks_changed()
    cache.clear()
    here = UserFactory(roles=[(policy.OPERATOR, park_default())])
    elsewhere = UserFactory(roles=[(policy.OPERATOR, park_b)])
    assert _sees(here, sides.deal) == (200, 200)
    assert _sees(elsewhere, sides.deal) == (404, 404)


def test_a_colleague_reads_but_does_not_act() -> None:
    sides = Sides()
    deal = sides.deal
    m = deal.milestones.get()
    page = as_user(sides.provider_colleague).get(f"/scenes/deals/{deal.pk}/")
    html = page.content.decode()
    assert page.context["deal_actions"] == [] and all(actions == [] for _, actions in page.context["milestones"])
    assert 'id="deal-read-only"' in html and "data-action=" not in html
    with pytest.raises(NotFound):  # milestones are the sides' own, as for operators
        services.milestone_act(actor=sides.provider_colleague, deal=deal, milestone_id=m.pk, action="deliver")
    with pytest.raises(Forbidden) as caught:  # the deal is visible to them: refused, not hidden
        services.deal_act(actor=sides.payer_colleague, deal=deal, action="request_cancel")
    assert caught.value.code == ErrorCode.NOT_YOUR_TURN
    api = as_user(sides.provider_colleague).post(f"/api/v1/deals/{deal.pk}/milestones/{m.pk}/deliver", "{}",
                                                 content_type="application/json")
    assert api.status_code == 404
    assert Milestone.objects.get(pk=m.pk).status == Milestone.Status.PENDING
    assert _fresh(deal).status == Deal.Status.ACTIVE


def test_the_enterprises_admins_act_for_their_side() -> None:
    sides = Sides()
    deal = sides.deal
    m = deal.milestones.get()
    assert machine.side_of(deal, sides.provider_admin) == machine.PROVIDER
    assert machine.side_of(deal, sides.payer_admin) == machine.PUBLISHER
    assert "deliver" in as_user(sides.provider_admin).get(f"/scenes/deals/{deal.pk}/").content.decode()
    with pytest.raises(Forbidden):  # the payer's admin does not deliver
        services.milestone_act(actor=sides.payer_admin, deal=_fresh(deal), milestone_id=m.pk, action="deliver")
    services.milestone_act(actor=sides.provider_admin, deal=_fresh(deal), milestone_id=m.pk, action="deliver")
    services.milestone_act(actor=sides.payer_admin, deal=_fresh(deal), milestone_id=m.pk, action="accept")
    got = as_user(sides.payer_admin).post(f"/api/v1/deals/{deal.pk}/milestones/{m.pk}/mark_paid", "{}",
                                          content_type="application/json")
    assert got.status_code == 200 and got.json()["payment"] == Milestone.Payment.MARKED
    services.milestone_act(actor=sides.responder, deal=_fresh(deal), milestone_id=m.pk, action="confirm_paid")
    assert _fresh(deal).status == Deal.Status.COMPLETED
    # reviews stay with the two people who dealt
    with pytest.raises(NotFound):
        services.review_submit(actor=sides.payer_admin, deal=_fresh(deal), rating=5)
    assert as_user(sides.payer_admin).get(f"/scenes/deals/{deal.pk}/").context["can_review"] is False
    services.review_submit(actor=sides.publisher, deal=_fresh(deal), rating=5)


def test_a_cancellation_is_agreed_by_the_other_side_never_by_the_askers_admin() -> None:
    sides = Sides()
    deal = services.deal_act(actor=sides.publisher, deal=sides.deal, action="request_cancel")
    assert "agree_cancel" not in machine.allowed_deal_actions(_fresh(deal), sides.payer_admin)
    with pytest.raises(Forbidden):
        services.deal_act(actor=sides.payer_admin, deal=deal, action="agree_cancel")
    assert "agree_cancel" in machine.allowed_deal_actions(
        selectors.deal_get(viewer=sides.provider_admin, deal_id=deal.pk), sides.provider_admin)
    services.deal_act(actor=sides.provider_admin, deal=deal, action="agree_cancel")
    assert _fresh(deal).status == Deal.Status.CANCELLED


def test_one_enterprise_on_both_sides_only_reads() -> None:
    enterprise, admin = enterprise_with_admin()
    publisher, responder = add_staff(enterprise), add_staff(enterprise)
    scene = SceneFactory(publisher=publisher, enterprise=enterprise)
    response = ResponseFactory(scene=scene, responder=responder, enterprise=enterprise)
    deal = services.response_accept(actor=publisher, response=response, amount="100")
    assert machine.side_of(deal, admin) is None and _sees(admin, deal) == (200, 200)
    assert machine.allowed_deal_actions(deal, admin) == []


def test_the_scene_links_the_deal_for_colleagues_only() -> None:
    sides = Sides()
    url = f"/scenes/{sides.deal.scene_id}/"
    link = f'href="/scenes/deals/{sides.deal.pk}/"'
    assert link in as_user(sides.provider_colleague).get(url).content.decode()
    assert link in as_user(sides.payer_colleague).get(url).content.decode()
    stranger = as_user(add_staff(enterprise_with_admin()[0])).get(url).content.decode()
    assert link not in stranger and "已成交" in stranger


def test_a_deal_page_asks_for_relations_once_per_viewer(django_assert_max_num_queries: Any) -> None:
    sides = Sides()
    client = as_user(sides.payer_colleague)
    client.get(f"/scenes/deals/{sides.deal.pk}/")  # warm caches (session, parks)
    with django_assert_max_num_queries(25):
        assert client.get(f"/scenes/deals/{sides.deal.pk}/").status_code == 200




def test_ending_a_deal_is_folded_last_and_a_refused_one_comes_back_open_with_its_own_error() -> None:
    sides = Sides()
    client = as_user(sides.responder)
    html = client.get(f"/scenes/deals/{sides.deal.pk}/").content.decode()
    assert html.index('data-fold="request_cancel"') > html.index("data-milestone=")
    assert '<details class="deal-action-fold" data-fold="dispute">' in html  # folded
    refused = client.post(f"/scenes/deals/{sides.deal.pk}/dispute/", {"reason": ""})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert '<details class="deal-action-fold" data-fold="dispute" open>' in page
    assert '<details class="deal-action-fold" data-fold="request_cancel">' in page
    cancel_fold = page[page.index('data-fold="request_cancel"'):page.index('data-fold="dispute"')]
    dispute_fold = page[page.index('data-fold="dispute"'):]
    assert 'class="error' not in cancel_fold and 'class="error' in dispute_fold.split("</details>")[0]
    assert _fresh(sides.deal).status == Deal.Status.ACTIVE  # nothing changed


def test_a_colleague_finds_the_enterprises_deals_in_the_deal_list() -> None:
    sides = Sides()
    deal = sides.deal
    assert list(selectors.deal_list(viewer=sides.provider_colleague, role="enterprise")) == [deal]
    assert list(selectors.deal_list(viewer=sides.payer_colleague, role="enterprise")) == [deal]
    assert list(selectors.deal_list(viewer=sides.provider_colleague)) == []  # "mine": not theirs
    outsider = enterprise_with_admin()[1]
    assert list(selectors.deal_list(viewer=outsider, role="enterprise")) == []
    html = as_user(sides.provider_colleague).get("/scenes/deals/", {"role": "enterprise"}).content.decode()
    assert f"/scenes/deals/{deal.pk}/" in html and "我的企业的交易" in html
