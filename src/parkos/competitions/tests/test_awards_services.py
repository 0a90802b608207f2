"""Awards: tiers that must not overlap, benefits checked against the edition's park, granting from the final
round's published ranking (idempotent, winners told), delivery of every benefit as a catalog order (once,
however often it is asked), workstations allocated through bookings, a gift pack granted to the team, one
benefit failing without undoing the others and completed by a later retry, the delivery following its
order, who may see an award, and financing after the competition counted in the park's figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parkos.bookings.models import Allocation
from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.catalog.tests.factories import ServiceFactory
from parkos.competitions.models import Award, AwardTier, Benefit, Delivery, DeliveryStatus, RoundStatus
from parkos.competitions.selectors import awards as selectors
from parkos.competitions.services import awards as services
from parkos.competitions.tests.factories_awards import AwardCast, award_cast, desks_for, granted_pack
from parkos.core.errors import Conflict, Forbidden, Invalid
from parkos.enterprises.tests.factories import EnterpriseFactory, enterprise_with_admin
from parkos.network.models import FinancingRecord
from parkos.notifications.models import Notification
from parkos.rewards.models import GiftPack, PackGrant

pytestmark = pytest.mark.django_db


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> AwardCast:
    return award_cast()


def _tiers(cast: AwardCast) -> tuple[AwardTier, AwardTier]:
    first = services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="一等奖", name_en="First prize",
                                 rank_from=1, rank_to=1)
    second = services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="二等奖", rank_from=2,
                                  rank_to=3)
    return first, second


def _benefit(cast: AwardCast, tier: AwardTier, **kwargs: Any) -> Benefit:
    values: dict[str, Any] = {"kind": "talent", "description": "人才引进协助", "service": cast.service}
    values.update(kwargs)
    return services.benefit_create(actor=cast.organiser, tier=tier, **values)


# --- tiers and benefits ---------------------------------------------------------------------------------

def test_tiers_must_not_overlap(cast: AwardCast) -> None:
    _first, second = _tiers(cast)
    with pytest.raises(Invalid) as caught:
        services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="三等奖", rank_from=3, rank_to=6)
    assert caught.value.code == "overlap"
    with pytest.raises(Invalid) as caught:
        services.tier_update(actor=cast.organiser, tier=second, rank_from=1)
    assert caught.value.code == "overlap"
    with pytest.raises(Invalid):
        services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="倒序", rank_from=9, rank_to=7)
    with pytest.raises(Invalid):
        services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="", rank_from=9, rank_to=9)
    assert AwardTier.objects.filter(edition=cast.edition).count() == 2
    second.refresh_from_db()
    assert (second.rank_from, second.rank_to) == (2, 3)
    # The same ranges in another edition are fine; moving a tier onto free ranks too.
    services.tier_update(actor=cast.organiser, tier=second, rank_from=2, rank_to=5)
    assert AwardTier.objects.get(pk=second.pk).rank_to == 5


def test_tier_operator_of_another_park_refused(cast: AwardCast) -> None:
    with pytest.raises(Forbidden):
        services.tier_create(actor=cast.stranger_operator, edition=cast.edition, name_zh="一等奖", rank_from=1,
                             rank_to=1)
    with pytest.raises(Forbidden):
        services.tier_create(actor=cast.teams[0].applicant, edition=cast.edition, name_zh="一等奖", rank_from=1,
                             rank_to=1)
    assert not AwardTier.objects.exists()


def test_benefit_checks_service_desks_and_pack(cast: AwardCast) -> None:
    first, _second = _tiers(cast)
    elsewhere = ServiceFactory(park=cast.other_park)
    with pytest.raises(Invalid) as caught:
        _benefit(cast, first, service=elsewhere)
    assert "service" in caught.value.details
    with pytest.raises(Invalid) as caught:
        _benefit(cast, first, kind="workstations", description="20 个工位", desks=20)
    assert "months" in caught.value.details
    with pytest.raises(Invalid):
        _benefit(cast, first, kind="workstations", description="20 个工位", desks=0, months=6)
    for_everyone = granted_pack(cast.park, audience=GiftPack.Audience.PARK)
    with pytest.raises(Invalid) as caught:
        _benefit(cast, first, kind="gift_pack", description="礼包", pack_id=for_everyone.pk)
    assert "pack_id" in caught.value.details
    other_pack = granted_pack(cast.other_park)
    with pytest.raises(Invalid):
        _benefit(cast, first, kind="gift_pack", description="礼包", pack_id=other_pack.pk)
    with pytest.raises(Invalid):
        _benefit(cast, first, kind="mystery", description="？")
    assert not Benefit.objects.exists()
    desks = _benefit(cast, first, kind="workstations", description="20 个工位，6 个月", desks=20, months=6)
    assert (desks.desks, desks.months, desks.service_id) == (20, 6, cast.service.pk)
    pack = _benefit(cast, first, kind="gift_pack", description="7 个礼包", pack_id=granted_pack(cast.park).pk)
    assert pack.pack_id is not None and pack.desks is None


def test_tier_with_awards_cannot_be_deleted(cast: AwardCast) -> None:
    first, _second = _tiers(cast)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    with pytest.raises(Conflict):
        services.tier_delete(actor=cast.organiser, tier=first)
    assert AwardTier.objects.filter(pk=first.pk).exists()


# --- granting -------------------------------------------------------------------------------------------

def test_grant_from_published_final_ranking(cast: AwardCast, django_capture_on_commit_callbacks: Any) -> None:
    first, second = _tiers(cast)
    with django_capture_on_commit_callbacks(execute=True):
        awards = services.awards_grant(actor=cast.organiser, edition=cast.edition)
    assert [(a.application_id, a.tier_id, a.rank) for a in awards] == [
        (cast.teams[0].pk, first.pk, 1), (cast.teams[1].pk, second.pk, 2), (cast.teams[2].pk, second.pk, 3)]
    assert not Award.objects.filter(application=cast.unregistered).exists()  # rank 4: no tier
    winner = cast.teams[0].applicant
    note = Notification.objects.get(recipient=winner, kind="competition")
    assert "一等奖" in note.title and note.url.endswith(f"/{awards[0].pk}/")
    # Idempotent: granting again gives nothing more and tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.awards_grant(actor=cast.organiser, edition=cast.edition)
    assert [a.pk for a in again] == [a.pk for a in awards]
    assert Award.objects.count() == 3
    assert Notification.objects.filter(recipient=winner, kind="competition").count() == 1


def test_grant_refused_until_final_round_published(cast: AwardCast) -> None:
    _tiers(cast)
    cast.final.status = RoundStatus.REVIEWED
    cast.final.save()
    with pytest.raises(Conflict):
        services.awards_grant(actor=cast.organiser, edition=cast.edition)
    assert not Award.objects.exists()


def test_grant_refused_to_operator_of_another_park(cast: AwardCast) -> None:
    _tiers(cast)
    with pytest.raises(Forbidden):
        services.awards_grant(actor=cast.stranger_operator, edition=cast.edition)
    assert not Award.objects.exists()


# --- delivering -----------------------------------------------------------------------------------------

def _granted(cast: AwardCast) -> tuple[Award, Award]:
    first, second = _tiers(cast)
    _benefit(cast, first)
    _benefit(cast, first, kind="cash", description="奖金 10 万元", cash_fen=10_000_000)
    _benefit(cast, second)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    return (Award.objects.get(application=cast.teams[0]), Award.objects.get(application=cast.teams[1]))


def test_deliver_makes_one_order_per_benefit_however_often(cast: AwardCast) -> None:
    award, _runner_up = _granted(cast)
    deliveries = services.award_deliver(actor=cast.organiser, award=award)
    assert [d.status for d in deliveries] == [DeliveryStatus.IN_PROGRESS] * 2
    orders = ServiceOrder.objects.filter(enterprise=cast.teams[0].enterprise)
    assert orders.count() == 2
    order = deliveries[0].order
    assert order is not None and order.idempotency_key == f"competitions.award:{award.pk}:{deliveries[0].benefit_id}"
    assert order.note.startswith("东升杯 2026 一等奖：") and order.requested_by == cast.organiser
    assert order.due_on is not None
    # Twice, and through "deliver all" (by another organiser too): still one order per benefit.
    services.award_deliver(actor=cast.organiser, award=award)
    colleague = type(cast.organiser).objects.get(pk=cast.organiser.pk)
    services.awards_deliver(actor=colleague, edition=cast.edition)
    assert orders.count() == 2
    assert ServiceOrder.objects.count() == 2 + 2  # the two second prizes: one benefit each
    assert Delivery.objects.filter(award=award).count() == 2


def test_deliver_refused_to_operator_of_another_park(cast: AwardCast) -> None:
    award, _runner_up = _granted(cast)
    with pytest.raises(Forbidden):
        services.award_deliver(actor=cast.stranger_operator, award=award)
    with pytest.raises(Forbidden):
        services.award_deliver(actor=cast.teams[0].applicant, award=award)
    assert not ServiceOrder.objects.exists() and not Delivery.objects.exists()


def test_workstations_allocated_through_bookings(cast: AwardCast) -> None:
    desks_for(cast.park, 4)
    first, _second = _tiers(cast)
    benefit = _benefit(cast, first, kind="workstations", description="3 个工位，6 个月", desks=3, months=6)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    award = Award.objects.get(application=cast.teams[0])
    [delivery] = services.award_deliver(actor=cast.organiser, award=award)
    assert delivery.status == DeliveryStatus.IN_PROGRESS and delivery.order is not None
    allocation = delivery.allocation
    assert allocation is not None
    assert allocation.enterprise_id == cast.teams[0].enterprise_id
    assert allocation.source_ref == services.delivery_key(award, benefit)
    assert allocation.desks.count() == 3
    services.award_deliver(actor=cast.organiser, award=award)
    assert Allocation.objects.count() == 1


def test_not_enough_desks_fails_that_benefit_only_and_retry_completes(cast: AwardCast) -> None:
    desks_for(cast.park, 2)
    first, _second = _tiers(cast)
    talent = _benefit(cast, first)
    desks = _benefit(cast, first, kind="workstations", description="20 个工位，6 个月", desks=20, months=6)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    award = Award.objects.get(application=cast.teams[0])
    result = {d.benefit_id: d for d in services.award_deliver(actor=cast.organiser, award=award)}
    assert result[talent.pk].status == DeliveryStatus.IN_PROGRESS and result[talent.pk].order is not None
    failed = result[desks.pk]
    assert failed.status == DeliveryStatus.FAILED and failed.order is None and failed.allocation is None
    assert "Only 2 desks are free" in failed.error or "2" in failed.error
    assert ServiceOrder.objects.count() == 1  # the failed benefit's order was rolled back with it
    assert not Allocation.objects.exists()
    # The park adds desks; delivering again completes the failed one, the other stays as it was.
    desks_for(cast.park, 20)
    result = {d.benefit_id: d for d in services.award_deliver(actor=cast.organiser, award=award)}
    assert result[desks.pk].status == DeliveryStatus.IN_PROGRESS and result[desks.pk].error == ""
    assert result[desks.pk].allocation is not None
    assert ServiceOrder.objects.count() == 2


def test_team_without_enterprise_fails_then_retry_after_registering(cast: AwardCast) -> None:
    services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="优胜奖", rank_from=4, rank_to=4)
    tier = AwardTier.objects.get(name_zh="优胜奖")
    _benefit(cast, tier)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    award = Award.objects.get(application=cast.unregistered)
    [delivery] = services.award_deliver(actor=cast.organiser, award=award)
    assert delivery.status == DeliveryStatus.FAILED
    assert "请先在园区注册企业" in delivery.error  # stored in the organiser's language (zh-Hans here)
    assert not ServiceOrder.objects.exists()
    # The team registers its enterprise in the park; the organiser delivers again.
    enterprise = EnterpriseFactory(park=cast.park)
    cast.unregistered.enterprise = enterprise
    cast.unregistered.save()
    [delivery] = services.award_deliver(actor=cast.organiser, award=award)
    assert delivery.status == DeliveryStatus.IN_PROGRESS and delivery.error == ""
    assert ServiceOrder.objects.get().enterprise == enterprise


def test_enterprise_of_another_park_is_not_delivered_to(cast: AwardCast) -> None:
    services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="优胜奖", rank_from=4, rank_to=4)
    _benefit(cast, AwardTier.objects.get(name_zh="优胜奖"))
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    cast.unregistered.enterprise, _admin = enterprise_with_admin(park=cast.other_park)
    cast.unregistered.save()
    [delivery] = services.award_deliver(actor=cast.organiser, award=Award.objects.get(application=cast.unregistered))
    assert delivery.status == DeliveryStatus.FAILED and not ServiceOrder.objects.exists()


def test_gift_pack_granted_to_the_team(cast: AwardCast) -> None:
    first, _second = _tiers(cast)
    pack = granted_pack(cast.park)
    _benefit(cast, first, kind="gift_pack", description="7 个礼包", pack_id=pack.pk)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    award = Award.objects.get(application=cast.teams[0])
    [delivery] = services.award_deliver(actor=cast.organiser, award=award)
    assert delivery.status == DeliveryStatus.IN_PROGRESS
    granted = set(PackGrant.objects.filter(pack=pack).values_list("user_id", flat=True))
    assert granted == {cast.teams[0].applicant_id, cast.staff.pk}
    services.award_deliver(actor=cast.organiser, award=award)
    assert PackGrant.objects.filter(pack=pack).count() == 2


def test_closed_pack_fails_that_benefit(cast: AwardCast) -> None:
    first, _second = _tiers(cast)
    pack = granted_pack(cast.park)
    gift = _benefit(cast, first, kind="gift_pack", description="7 个礼包", pack_id=pack.pk)
    talent = _benefit(cast, first)
    GiftPack.objects.filter(pk=pack.pk).update(status=GiftPack.Status.CLOSED)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    result = {d.benefit_id: d for d in services.award_deliver(actor=cast.organiser,
                                                               award=Award.objects.get(application=cast.teams[0]))}
    assert result[gift.pk].status == DeliveryStatus.FAILED and result[gift.pk].error
    assert result[talent.pk].status == DeliveryStatus.IN_PROGRESS
    assert not PackGrant.objects.exists()


def test_delivery_follows_its_order(cast: AwardCast) -> None:
    award, _runner_up = _granted(cast)
    first, second = services.award_deliver(actor=cast.organiser, award=award)
    assert first.order is not None and second.order is not None
    ServiceOrder.objects.filter(pk=first.order.pk).update(status=OrderStatus.DELIVERED)
    ServiceOrder.objects.filter(pk=second.order.pk).update(status=OrderStatus.ACCEPTED)
    services.delivery_refresh(award=award)
    assert Delivery.objects.get(pk=first.pk).status == DeliveryStatus.DELIVERED
    assert Delivery.objects.get(pk=second.pk).status == DeliveryStatus.IN_PROGRESS
    ServiceOrder.objects.filter(pk=second.order.pk).update(status=OrderStatus.CONFIRMED)
    services.delivery_refresh(award=award)
    assert Delivery.objects.get(pk=second.pk).status == DeliveryStatus.DELIVERED
    ServiceOrder.objects.filter(pk=first.order.pk).update(status=OrderStatus.CANCELLED)
    services.delivery_refresh(award=award)
    cancelled = Delivery.objects.get(pk=first.pk)
    assert cancelled.status == DeliveryStatus.FAILED and first.order.number in cancelled.error


# --- reading --------------------------------------------------------------------------------------------

def test_fulfilment_counts_and_rows(cast: AwardCast, django_assert_max_num_queries: Any) -> None:
    award, _runner_up = _granted(cast)
    services.award_deliver(actor=cast.organiser, award=award)
    order = Delivery.objects.filter(award=award).first().order  # type: ignore[union-attr]
    ServiceOrder.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)
    with django_assert_max_num_queries(8):
        report = selectors.fulfilment(viewer=cast.organiser, edition=cast.edition)
        rows = [(r.award.pk, [(d.status, d.order_number) for d in r.rows]) for r in report.awards]
    assert rows[0][0] == award.pk and rows[0][1][0] == (DeliveryStatus.DELIVERED, order.number)
    assert (report.delivered, report.in_progress, report.failed, report.pending) == (1, 1, 0, 2)
    with pytest.raises(Forbidden):
        selectors.fulfilment(viewer=cast.stranger_operator, edition=cast.edition)
    with pytest.raises(Forbidden):
        selectors.fulfilment(viewer=cast.teams[0].applicant, edition=cast.edition)


def test_award_seen_by_its_team_only(cast: AwardCast) -> None:
    award, _runner_up = _granted(cast)
    services.award_deliver(actor=cast.organiser, award=award)
    for viewer in (cast.teams[0].applicant, cast.staff, cast.organiser):
        found = selectors.award_get(viewer=viewer, award_id=award.pk)
        assert found.pk == award.pk
        view = selectors.award_for(viewer=viewer, application=cast.teams[0])
        assert view is not None and len(view.rows) == 2 and view.rows[0].order_url
    other_team = cast.teams[1].applicant
    with pytest.raises(Forbidden):
        selectors.award_get(viewer=other_team, award_id=award.pk)
    with pytest.raises(Forbidden):
        selectors.award_for(viewer=other_team, application=cast.teams[0])
    with pytest.raises(Forbidden):
        selectors.award_get(viewer=cast.stranger_operator, award_id=award.pk)
    assert selectors.award_for(viewer=cast.unregistered.applicant, application=cast.unregistered) is None


# --- financing after the competition --------------------------------------------------------------------

def test_financing_after_competition_shows_in_figures(cast: AwardCast) -> None:
    team = cast.teams[0]
    record = services.financing_after_competition(actor=team.applicant, application=team, round="a",
                                                  amount="300000000", announced_on=dt.date(2026, 11, 2))
    assert (record.competition_year, record.competition_track) == (2026, team.track.name_zh)
    services.financing_after_competition(actor=cast.organiser, application=cast.teams[1], round="angel",
                                         amount="420000000", announced_on=dt.date(2026, 12, 1))
    # A retry of the same round is the same record.
    services.financing_after_competition(actor=team.applicant, application=team, round="a",
                                         amount="300000000", announced_on=dt.date(2026, 11, 2))
    assert FinancingRecord.objects.count() == 2
    figures = selectors.competition_financing(viewer=cast.organiser, edition=cast.edition)
    assert figures.fen == 72_000_000_000
    assert figures.reading == "7.2亿元"
    labels = {c.label: c.fen for c in figures.edition_cells}
    assert labels == {f"2026 · {team.track.name_zh}": 30_000_000_000,
                      f"2026 · {cast.teams[1].track.name_zh}": 42_000_000_000}


def test_financing_after_competition_refusals(cast: AwardCast) -> None:
    with pytest.raises(Conflict):
        services.financing_after_competition(actor=cast.organiser, application=cast.unregistered, round="a",
                                             amount="1000000", announced_on=dt.date(2026, 11, 2))
    with pytest.raises(Forbidden):  # the network's own permission: not another team's admin
        services.financing_after_competition(actor=cast.teams[1].applicant, application=cast.teams[0], round="a",
                                             amount="1000000", announced_on=dt.date(2026, 11, 2))
    with pytest.raises(Forbidden):
        services.financing_after_competition(actor=cast.stranger_operator, application=cast.teams[0], round="a",
                                             amount="1000000", announced_on=dt.date(2026, 11, 2))
    assert not FinancingRecord.objects.exists()


def test_confidential_single_amount_not_revealed(cast: AwardCast) -> None:
    services.financing_after_competition(actor=cast.organiser, application=cast.teams[0], round="a",
                                         amount="300000000", announced_on=dt.date(2026, 11, 2),
                                         disclosure="confidential")
    services.financing_after_competition(actor=cast.organiser, application=cast.teams[1], round="a",
                                         amount="100000000", announced_on=dt.date(2026, 11, 2))
    figures = selectors.competition_financing(viewer=cast.teams[2].applicant, edition=cast.edition)
    assert figures.fen is None
    assert all(c.fen != 30_000_000_000 for c in figures.cells)
