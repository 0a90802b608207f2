"""Introductions through the park: both directions, one service order per introduction (a retry is the
same), the butler passing on or closing, an answer without a reason and what the requester sees, one
open introduction per pair, permissions (owner, colleague, outsider), bad input that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.network.models import Direction, Introduction, IntroductionStatus, PipelineEntry, PipelineStage
from parkos.network.selectors.introductions import introduction_contacts, introduction_get, introduction_list
from parkos.network.services.introductions import (
    introduction_answer,
    introduction_ask,
    introduction_close,
    introduction_pass_on,
    introduction_withdraw,
)
from parkos.network.tests.test_intros_fixtures import world
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: None) -> dict[str, Any]:
    return world()


def _order(intro: Introduction) -> ServiceOrder:
    assert intro.order is not None
    return intro.order


def _ask(w: dict[str, Any], key: str = "k1", **kwargs: Any) -> tuple[Introduction, bool]:
    args = {"actor": w["admin"], "enterprise": w["enterprise"], "investor": w["investor"],
            "message": "我们在做协作机器人，想认识您。", "idempotency_key": key, **kwargs}
    return introduction_ask(**args)


def test_an_enterprise_asks_the_butler_passes_on_the_investor_accepts(w: dict[str, Any],
                                                                      django_capture_on_commit_callbacks: Any) -> None:
    intro, created = _ask(w)
    assert created and intro.direction == Direction.ENTERPRISE_ASKS and intro.status == IntroductionStatus.REQUESTED
    order = intro.order
    assert order is not None and order.service_id == w["service"].pk and order.butler_id == w["butler"].pk
    assert order.idempotency_key == f"network.intro:{intro.pk}" and order.answers["round"] == "天使轮"
    again, created_again = _ask(w)
    assert not created_again and again.pk == intro.pk
    assert ServiceOrder.objects.filter(idempotency_key=f"network.intro:{intro.pk}").count() == 1
    # Before the butler passes it on, the investor cannot answer.
    with pytest.raises(Conflict) as early:
        introduction_answer(actor=w["investor"].user, intro=intro, accept=True)
    assert early.value.code == ErrorCode.NOT_YOUR_TURN
    with django_capture_on_commit_callbacks(execute=True):
        introduction_pass_on(actor=w["butler"], intro=intro, note="这家公司与您的方向非常契合。")
    intro.refresh_from_db()
    order.refresh_from_db()
    assert intro.status == IntroductionStatus.OFFERED and order.status == OrderStatus.IN_PROGRESS
    assert Notification.objects.filter(recipient=w["investor"].user, url=f"/network/introductions/{intro.pk}/").exists()
    # Contacts only after acceptance.
    assert introduction_contacts(viewer=w["admin"], intro=intro) == []
    with django_capture_on_commit_callbacks(execute=True):
        introduction_answer(actor=w["investor"].user, intro=intro, accept=True)
    intro.refresh_from_db()
    assert intro.status == IntroductionStatus.ACCEPTED and intro.decided_at is not None
    mine = introduction_contacts(viewer=w["admin"], intro=intro)
    assert [c.email for c in mine] == [w["investor"].user.email]
    theirs = introduction_contacts(viewer=w["investor"].user, intro=intro)
    assert w["admin"].email in [c.email for c in theirs]
    assert introduction_contacts(viewer=w["butler"], intro=intro) == []
    entry = PipelineEntry.objects.get(investor=w["investor"], enterprise=w["enterprise"])
    assert entry.stage == PipelineStage.INTERESTED
    assert Notification.objects.filter(recipient=w["admin"], url=f"/network/introductions/{intro.pk}/").exists()


def test_an_investor_asks_and_the_enterprise_declines_without_a_reason(w: dict[str, Any]) -> None:
    investor = w["investor"].user
    intro, created = introduction_ask(actor=investor, enterprise=w["enterprise"], investor=w["investor"],
                                      message="想了解贵司的融资计划。", idempotency_key="inv-1")
    assert created and intro.direction == Direction.INVESTOR_ASKS and _order(intro).requested_by_id == investor.pk
    introduction_pass_on(actor=w["operator"], intro=intro)
    # The investor is not the asked side here; a colleague (not admin) is not either.
    for someone in (investor, w["colleague"], w["outsider"]):
        with pytest.raises((Forbidden, NotAuthenticated)):
            introduction_answer(actor=someone, intro=intro, accept=False)
    introduction_answer(actor=w["admin"], intro=intro, accept=False)
    seen = introduction_get(viewer=investor, intro_id=intro.pk)
    assert seen.status == IntroductionStatus.DECLINED and seen.get_status_display() == "未采纳" and seen.butler_note == ""
    assert not PipelineEntry.objects.filter(investor=w["investor"]).exists()
    assert introduction_contacts(viewer=investor, intro=seen) == []
    # A decision is final.
    with pytest.raises(Conflict):
        introduction_answer(actor=w["admin"], intro=intro, accept=True)


def test_one_open_introduction_per_pair_and_a_new_one_after_it_closed(w: dict[str, Any]) -> None:
    intro, _ = _ask(w)
    with pytest.raises(Conflict) as twice:
        introduction_ask(actor=w["investor"].user, enterprise=w["enterprise"], investor=w["investor"],
                         message="你好", idempotency_key="x")
    assert twice.value.code == ErrorCode.DUPLICATE
    assert Introduction.objects.count() == 1 and ServiceOrder.objects.count() == 1
    introduction_close(actor=w["butler"], intro=intro, reason="该投资人近期不接受引荐。")
    intro.refresh_from_db()
    _order(intro).refresh_from_db()
    assert intro.status == IntroductionStatus.CLOSED and _order(intro).status == OrderStatus.REJECTED
    second, created = _ask(w, key="k2")
    assert created and second.pk != intro.pk


def test_withdraw_while_open_by_the_requester_only(w: dict[str, Any]) -> None:
    intro, _ = _ask(w)
    for someone in (w["colleague"], w["investor"].user, w["butler"]):
        with pytest.raises(Forbidden):
            introduction_withdraw(actor=someone, intro=intro)
    introduction_withdraw(actor=w["admin"], intro=intro)
    intro.refresh_from_db()
    _order(intro).refresh_from_db()
    assert intro.status == IntroductionStatus.WITHDRAWN and _order(intro).status == OrderStatus.CANCELLED
    with pytest.raises(Conflict):
        introduction_withdraw(actor=w["admin"], intro=intro)
    with pytest.raises(Conflict):
        introduction_pass_on(actor=w["butler"], intro=intro)


def test_who_may_ask_and_broker(w: dict[str, Any]) -> None:
    # A colleague (staff, not admin), another enterprise's admin and an outsider cannot ask for the enterprise.
    for someone in (w["colleague"], w["other_admin"], w["outsider"]):
        with pytest.raises(Forbidden):
            _ask(w, actor=someone)
    # Someone without the investor role cannot ask as an investor, even with a profile.
    from parkos.network.models import Investor

    plain = Investor.objects.create(user=w["outsider"])
    with pytest.raises(Forbidden):
        introduction_ask(actor=w["outsider"], enterprise=w["enterprise"], investor=plain, message="hi",
                         idempotency_key="p")
    intro, _ = _ask(w)
    for someone in (w["other_butler"], w["admin"], w["colleague"], w["investor"].user, w["outsider"]):
        with pytest.raises(Forbidden):
            introduction_pass_on(actor=someone, intro=intro)
        with pytest.raises(Forbidden):
            introduction_close(actor=someone, intro=intro, reason="不行")
    for someone in (w["other_butler"], w["colleague"], w["outsider"], w["investor2"].user):
        with pytest.raises(NotFound):
            introduction_get(viewer=someone, intro_id=intro.pk)
    assert introduction_get(viewer=w["butler"], intro_id=intro.pk).pk == intro.pk
    assert introduction_get(viewer=w["operator"], intro_id=intro.pk).pk == intro.pk
    assert Introduction.objects.get(pk=intro.pk).status == IntroductionStatus.REQUESTED


def test_an_investor_who_takes_no_introductions_and_bad_input_change_nothing(w: dict[str, Any]) -> None:
    w["investor"].accepts_introductions = False
    w["investor"].save()
    with pytest.raises(Conflict) as closed:
        _ask(w)
    assert closed.value.code == ErrorCode.NOT_OPEN
    for bad in ({"message": ""}, {"message": "x" * 2001}, {"message": "a\x00b"}, {"idempotency_key": ""},
                {"idempotency_key": "k" * 65}):
        with pytest.raises(Invalid):
            _ask(w, investor=w["investor2"], **bad)
    w["service"].is_active = False
    w["service"].save()
    with pytest.raises(Conflict) as missing:
        _ask(w, investor=w["investor2"])
    assert missing.value.code == ErrorCode.INACTIVE
    assert Introduction.objects.count() == 0 and ServiceOrder.objects.count() == 0


def test_closing_needs_a_reason_and_lists_by_scope(w: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    intro, _ = _ask(w)
    with pytest.raises(Invalid):
        introduction_close(actor=w["butler"], intro=intro, reason="  ")
    assert Introduction.objects.get(pk=intro.pk).status == IntroductionStatus.REQUESTED
    introduction_ask(actor=w["investor2"].user, enterprise=w["enterprise"], investor=w["investor2"],
                     message="你好", idempotency_key="i2")
    assert {i.pk for i in introduction_list(viewer=w["admin"], scope="mine")} == {intro.pk}
    assert introduction_list(viewer=w["admin"]).count() == 2
    assert introduction_list(viewer=w["butler"], scope="portfolio").count() == 2
    assert introduction_list(viewer=w["investor"].user).count() == 1
    assert introduction_list(viewer=w["outsider"]).count() == 0
    assert introduction_list(viewer=w["operator"]).count() == 2
    with django_assert_max_num_queries(4):
        rows = list(introduction_list(viewer=w["butler"]))
        names = [(r.enterprise.name, r.investor.user.display_name, _order(r).number) for r in rows]
    assert len(names) == 2
