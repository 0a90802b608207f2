"""Gift packs' services: a claim gives coupons (through coupons_issue), service credits and pickup codes,
once per member, within the window, for the pack's audience, never past any stock or coupon budget
(all or nothing, also when two members race for the last pack); the pickup desk hands over once; a
credit becomes one service order."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import ServiceOrder
from parkos.core import ledger
from parkos.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid, NotAuthenticated
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.notifications.models import Notification
from parkos.rewards.models import Coupon, GiftPack, PackClaim, PackItem, Pickup, ServiceCredit
from parkos.rewards.selectors import packs as selectors
from parkos.rewards.services import packs as services
from parkos.rewards.services.postings import OUTSTANDING, TEMPLATE
from parkos.rewards.tests.factories import TemplateFactory
from parkos.rewards.tests.test_packs_fixtures import cast_fixture, make_pack  # noqa: F401

pytestmark = pytest.mark.django_db


def _state(pack: GiftPack) -> tuple[Any, ...]:
    pack.refresh_from_db()
    return (pack.claimed, list(PackItem.objects.filter(pack=pack).order_by("id").values_list("claimed", flat=True)),
            PackClaim.objects.count(), Coupon.objects.count(), ServiceCredit.objects.count(), Pickup.objects.count())


def test_a_claim_gives_coupons_a_credit_and_a_pickup_code(cast: dict[str, Any],
                                                           django_capture_on_commit_callbacks: Any) -> None:
    template = TemplateFactory(name="园区咖啡券")
    pack = make_pack(cast, coupons=2, template=template)
    with django_capture_on_commit_callbacks(execute=True):
        claim = services.pack_claim(actor=cast["staff"], pack=pack)
    coupons = list(Coupon.objects.filter(owner=cast["staff"]).order_by("reason"))
    item = PackItem.objects.get(pack=pack, kind="coupon")
    assert [c.reason for c in coupons] == [f"pack:{claim.pk}:{item.pk}:0", f"pack:{claim.pk}:{item.pk}:1"]
    assert {c.batch.source for c in coupons} == {"pack"}
    credit = ServiceCredit.objects.get(owner=cast["staff"])
    assert credit.status == "available" and credit.claim == claim
    pickup = Pickup.objects.get(claim=claim)
    assert len(pickup.code) == 8 and set(pickup.code) <= set(services.PICKUP_ALPHABET)
    pack.refresh_from_db()
    assert pack.claimed == 1
    assert list(PackItem.objects.filter(pack=pack).values_list("claimed", flat=True)) == [1, 1, 1]
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][OUTSTANDING] == 4000
    assert Notification.objects.filter(recipient=cast["staff"], kind="reward").exists()


def test_a_member_claims_once(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    services.pack_claim(actor=cast["staff"], pack=pack)
    before = _state(pack)
    with pytest.raises(Conflict) as error:
        services.pack_claim(actor=cast["staff"], pack=pack)
    assert error.value.code == ErrorCode.ALREADY_CLAIMED
    assert _state(pack) == before


@pytest.mark.parametrize(("shift", "status", "code"), [
    (dt.timedelta(hours=2), GiftPack.Status.OPEN, ErrorCode.NOT_OPEN),  # before the window
    (-dt.timedelta(days=8), GiftPack.Status.OPEN, ErrorCode.CLOSED),  # after it
    (dt.timedelta(0), GiftPack.Status.CLOSED, ErrorCode.CLOSED),
    (dt.timedelta(0), GiftPack.Status.DRAFT, ErrorCode.NOT_OPEN),
])
def test_the_window_and_status(cast: dict[str, Any], shift: dt.timedelta, status: str, code: str) -> None:
    pack = make_pack(cast)
    GiftPack.objects.filter(pk=pack.pk).update(status=status)
    pack.refresh_from_db()
    with pytest.raises(Conflict) as error:
        services.pack_claim(actor=cast["staff"], pack=pack, now=timezone.now() - shift)
    assert error.value.code == code
    assert not PackClaim.objects.exists() and not Coupon.objects.exists()


def test_the_audience(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    _enterprise_b, admin_b = enterprise_with_admin(park=cast["b"])
    for outsider in (cast["outsider"], admin_b):
        with pytest.raises(Forbidden) as error:
            services.pack_claim(actor=outsider, pack=pack)
        assert error.value.code == ErrorCode.NOT_ELIGIBLE
    with pytest.raises(NotAuthenticated):
        from django.contrib.auth.models import AnonymousUser

        services.pack_claim(actor=AnonymousUser(), pack=pack)
    assert not PackClaim.objects.exists()
    services.pack_claim(actor=cast["admin"], pack=pack)  # the enterprise's admin is staff too


def test_a_granted_pack_only_for_those_granted(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, audience=GiftPack.Audience.GRANTED, open_it=False, name="竞赛获奖礼包")
    winner = UserFactory(display_name="冠军队长")
    assert services.pack_grant(actor=cast["op_a"], pack=pack, user_ids=[winner.pk], note="创新大赛冠军") == [winner.pk]
    assert services.pack_grant(actor=cast["op_a"], pack=pack, user_ids=[winner.pk]) == []  # twice: harmless
    with pytest.raises(Forbidden):
        services.pack_grant(actor=cast["op_b"], pack=pack, user_ids=[cast["staff"].pk])
    with pytest.raises(Forbidden):
        services.pack_grant(actor=cast["staff"], pack=pack, user_ids=[cast["staff"].pk])
    pack = services.pack_open(actor=cast["op_a"], pack=pack)
    with pytest.raises(Forbidden) as error:
        services.pack_claim(actor=cast["staff"], pack=pack)  # staff of the park, but not granted
    assert error.value.code == ErrorCode.NOT_ELIGIBLE
    services.pack_claim(actor=winner, pack=pack)
    assert [p.pk for p in selectors.packs_claimable(viewer=winner)] == []


def test_granting_a_park_pack_is_refused(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    with pytest.raises(Conflict):
        services.pack_grant(actor=cast["op_a"], pack=pack, user_ids=[cast["staff"].pk])


def test_the_last_pack_goes_to_one_member(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, stock=1)
    services.pack_claim(actor=cast["staff"], pack=pack)
    before = _state(pack)
    with pytest.raises(Conflict) as error:
        services.pack_claim(actor=cast["admin"], pack=pack)
    assert error.value.code == ErrorCode.OUT_OF_STOCK
    assert _state(pack) == before


def test_an_item_out_of_stock_refuses_the_whole_claim(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, stock=5, item_stock=1)
    services.pack_claim(actor=cast["staff"], pack=pack)
    before = _state(pack)
    with pytest.raises(Conflict) as error:
        services.pack_claim(actor=cast["admin"], pack=pack)
    assert error.value.code == ErrorCode.OUT_OF_STOCK and "园区定制保温杯" in str(error.value.message)
    assert _state(pack) == before  # the pack's count, the coupon and the credit: all undone


def test_a_coupon_budget_that_cannot_cover_the_pack_refuses_it(cast: dict[str, Any]) -> None:
    template = TemplateFactory(budget_count=3, budget_fen=6000)  # three ¥20 coupons
    pack = make_pack(cast, coupons=2, template=template)
    services.pack_claim(actor=cast["staff"], pack=pack)
    before = _state(pack)
    with pytest.raises(Conflict) as error:
        services.pack_claim(actor=cast["admin"], pack=pack)  # needs two, one is left
    assert error.value.code == ErrorCode.BUDGET_EXCEEDED
    assert _state(pack) == before
    template.refresh_from_db()
    assert template.issued_count == 2
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][OUTSTANDING] == 4000


def test_an_inactive_coupon_refuses_the_claim(cast: dict[str, Any]) -> None:
    template = TemplateFactory()
    pack = make_pack(cast, template=template)
    template.status = "paused"
    template.save()
    with pytest.raises(Invalid):
        services.pack_claim(actor=cast["staff"], pack=pack)
    assert _state(pack)[0] == 0 and not PackClaim.objects.exists()


def _race(actors: list[Any], pack: GiftPack) -> list[Any]:
    barrier = threading.Barrier(len(actors))
    results: list[Any] = []

    def run(actor: Any) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(services.pack_claim(actor=actor, pack=pack))
        except BaseException as error:  # collected for the test's thread
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_members_racing_for_the_last_pack_one_wins(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, stock=1)
    results = _race([cast["staff"], cast["admin"]], pack)
    claims = [r for r in results if isinstance(r, PackClaim)]
    errors = [r for r in results if not isinstance(r, PackClaim)]
    assert len(claims) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError) and errors[0].code == ErrorCode.OUT_OF_STOCK
    pack.refresh_from_db()
    assert pack.claimed == 1 and PackClaim.objects.count() == 1 and Pickup.objects.count() == 1
    assert Coupon.objects.count() == 1 and ServiceCredit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_member_claiming_twice_at_once_claims_once(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, stock=10)
    results = _race([cast["staff"], cast["staff"]], pack)
    assert sum(isinstance(r, PackClaim) for r in results) == 1
    [error] = [r for r in results if not isinstance(r, PackClaim)]
    assert isinstance(error, DomainError) and error.code == ErrorCode.ALREADY_CLAIMED
    pack.refresh_from_db()
    assert pack.claimed == 1 and Coupon.objects.count() == 1


def test_operators_of_another_park_and_members_cannot_make_packs(cast: dict[str, Any]) -> None:
    now = timezone.now()
    fields = {"name": "礼包", "claim_from": now, "claim_until": now + dt.timedelta(days=1), "stock": 3}
    for actor in (cast["op_b"], cast["staff"], cast["outsider"]):
        with pytest.raises(Forbidden):
            services.pack_create(actor=actor, park=cast["a"], **fields)
    pack = make_pack(cast, open_it=False)
    for actor in (cast["op_b"], cast["staff"]):
        with pytest.raises(Forbidden):
            services.pack_item_add(actor=actor, pack=pack, kind="physical", name="伞", pickup_place="前台")
        with pytest.raises(Forbidden):
            services.pack_open(actor=actor, pack=pack)
        with pytest.raises(Forbidden):
            selectors.pack_get(viewer=actor, pack_id=pack.pk)
    assert list(selectors.pack_list(viewer=cast["op_b"])) == []
    assert [p.pk for p in selectors.pack_list(viewer=cast["op_a"])] == [pack.pk]


def test_bad_input_is_refused_with_nothing_changed(cast: dict[str, Any]) -> None:
    now, op = timezone.now(), cast["op_a"]
    with pytest.raises(Invalid) as error:
        services.pack_create(actor=op, park=cast["a"], name="礼包", claim_from=now, claim_until=now, stock=3)
    assert "claim_until" in error.value.details
    with pytest.raises(Invalid):
        services.pack_create(actor=op, park=cast["a"], name="礼包", claim_from=now,
                             claim_until=now + dt.timedelta(days=1), stock=0)
    with pytest.raises(Invalid):
        services.pack_create(actor=op, park=cast["a"], name="<b>礼包</b>", claim_from=now,
                             claim_until=now + dt.timedelta(days=1), stock=3)
    assert not GiftPack.objects.exists()
    pack = make_pack(cast, open_it=False, coupons=0, service=False)
    other_park = TemplateFactory(park=cast["b"])
    with pytest.raises(Invalid) as error:
        services.pack_item_add(actor=op, pack=pack, kind="coupon", template=other_park)
    assert "template" in error.value.details
    with pytest.raises(Invalid):
        services.pack_item_add(actor=op, pack=pack, kind="physical", name="", pickup_place="前台")
    with pytest.raises(Invalid):
        services.pack_item_add(actor=op, pack=pack, kind="coupon", template=TemplateFactory(), quantity=0)
    assert PackItem.objects.filter(pack=pack).count() == 1
    empty = services.pack_create(actor=op, park=cast["a"], name="空礼包", claim_from=now,
                                 claim_until=now + dt.timedelta(days=1), stock=3)
    with pytest.raises(Invalid):
        services.pack_open(actor=op, pack=empty)


def test_items_change_only_in_draft_and_stock_never_below_claimed(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, stock=3)
    with pytest.raises(Conflict):
        services.pack_item_add(actor=cast["op_a"], pack=pack, kind="physical", name="伞", pickup_place="前台")
    with pytest.raises(Conflict):
        services.pack_update(actor=cast["op_a"], pack=pack, audience="granted")
    services.pack_claim(actor=cast["staff"], pack=pack)
    with pytest.raises(Invalid):
        services.pack_update(actor=cast["op_a"], pack=pack, stock=0)
    assert services.pack_update(actor=cast["op_a"], pack=pack, stock=1).stock == 1
    closed = services.pack_close(actor=cast["op_a"], pack=pack)
    with pytest.raises(Conflict):
        services.pack_update(actor=cast["op_a"], pack=closed, name="新名字")


def test_the_pickup_desk_hands_over_once(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    claim = services.pack_claim(actor=cast["staff"], pack=pack)
    code = Pickup.objects.get(claim=claim).code
    for actor in (cast["op_b"], cast["staff"], cast["outsider"]):
        with pytest.raises(Forbidden):
            services.pickup_hand_over(actor=actor, code=code)
    typed = f" {code[:4].lower()}-{code[4:]} "
    pickup = services.pickup_hand_over(actor=cast["op_a"], code=typed)
    assert pickup.picked_up_at is not None and pickup.handed_over_by == cast["op_a"]
    with pytest.raises(Conflict) as error:
        services.pickup_hand_over(actor=cast["op_a"], code=code)
    assert error.value.code == ErrorCode.ALREADY_DONE
    with pytest.raises(Invalid) as error:
        services.pickup_hand_over(actor=cast["op_a"], code="ABCDEFGH" if code != "ABCDEFGH" else "HGFEDCBA")
    assert error.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(Invalid):
        services.pickup_hand_over(actor=cast["op_a"], code="abc")
    [row] = selectors.pack_figures(viewer=cast["op_a"], pack=pack)[2:]
    assert (row.claimed, row.done, row.left) == (1, 1, 9)


def test_a_credit_becomes_one_service_order(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    services.pack_claim(actor=cast["staff"], pack=pack)
    credit = ServiceCredit.objects.get(owner=cast["staff"])
    with pytest.raises(Forbidden):
        services.credit_use(actor=cast["admin"], credit=credit)  # a colleague's credit is not theirs
    order = services.credit_use(actor=cast["staff"], credit=credit, note="请尽快安排")
    assert order.enterprise == cast["enterprise"] and order.requested_by == cast["staff"]
    assert order.idempotency_key == f"credit:{credit.pk}" and f"#{credit.pk}" in order.note
    assert "请尽快安排" in order.note
    credit.refresh_from_db()
    assert credit.status == "used" and credit.order == order and credit.used_at is not None
    again = services.credit_use(actor=cast["staff"], credit=credit)  # a retry: the same order
    assert again.pk == order.pk and ServiceOrder.objects.count() == 1
    figures = selectors.pack_figures(viewer=cast["op_a"], pack=pack)
    assert figures[1].done == 1


def test_a_credit_needs_an_enterprise(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, audience=GiftPack.Audience.GRANTED, open_it=False)
    services.pack_grant(actor=cast["op_a"], pack=pack, user_ids=[cast["outsider"].pk])
    pack = services.pack_open(actor=cast["op_a"], pack=pack)
    services.pack_claim(actor=cast["outsider"], pack=pack)
    credit = ServiceCredit.objects.get(owner=cast["outsider"])
    with pytest.raises(Invalid) as error:
        services.credit_use(actor=cast["outsider"], credit=credit)
    assert error.value.code == ErrorCode.NOT_STAFF
    credit.refresh_from_db()
    assert credit.status == "available" and not ServiceOrder.objects.exists()


def test_member_lists(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    assert [p.pk for p in selectors.packs_claimable(viewer=cast["staff"])] == [pack.pk]
    assert selectors.packs_claimable(viewer=cast["outsider"]) == []
    other = add_staff(enterprise_with_admin(park=cast["b"])[0])
    assert selectors.packs_claimable(viewer=other) == []
    services.pack_claim(actor=cast["staff"], pack=pack)
    assert selectors.packs_claimable(viewer=cast["staff"]) == []
    [claim] = selectors.claim_list_mine(viewer=cast["staff"])
    assert claim.pack == pack and len(claim.pickups.all()) == 1
    with pytest.raises(DomainError):
        selectors.claim_get(viewer=cast["admin"], claim_id=claim.pk)
    credit = ServiceCredit.objects.get()
    with pytest.raises(Forbidden):
        selectors.credit_get(viewer=cast["admin"], credit_id=credit.pk)
    assert selectors.credit_get(viewer=cast["staff"], credit_id=credit.pk) == credit
