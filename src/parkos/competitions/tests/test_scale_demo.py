"""The competition's demo: the finished edition with published rounds, ranks and awards delivered as service
orders; the judging edition where judge@demo.parkos has a queue of six (two submitted); the open edition
with 思灵机器人's draft by admin@demo.parkos; a second seed adds nothing."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from parkos.competitions.demo import years
from parkos.competitions.models import (
    Application,
    Assignment,
    AssignmentStatus,
    Award,
    Delivery,
    Edition,
    EditionStatus,
    Entry,
    RoundKind,
    RoundStatus,
)
from parkos.competitions.services.judging import conflict_pairs
from parkos.demo.seed import demo_email, seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_the_demo_tells_the_competition_story(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(domains=["catalog"])
        started = time.perf_counter()
        seed_demo(domains=["competitions"])
        seconds = time.perf_counter() - started
    assert seconds < 30  # < 10 s on the demo machine; generous here (a shared CI box)
    finished, judging, open_ = years()
    editions = {e.year: e for e in Edition.objects.all()}
    assert editions[finished].status == EditionStatus.FINISHED
    assert editions[judging].status == EditionStatus.JUDGING
    assert editions[open_].status == EditionStatus.OPEN and editions[open_].deadline_at > timezone.now()
    assert editions[judging].deadline_at < timezone.now()

    # Finished: every round published and ranked, the final's top six awarded, benefits delivered as orders.
    rounds = list(editions[finished].rounds.order_by("position"))
    assert [r.kind for r in rounds] == [RoundKind.SCREENING, RoundKind.ONLINE, RoundKind.ROADSHOW]
    assert all(r.status == RoundStatus.PUBLISHED for r in rounds)
    assert Entry.objects.filter(round=rounds[2], rank=1).exists()
    awards = Award.objects.filter(edition=editions[finished])
    assert {a.tier.name_zh for a in awards} == {"一等奖", "二等奖", "三等奖"}
    # Every benefit of every award has its delivery (an order of the catalog, or the reason it could not start).
    assert Delivery.objects.filter(award__edition=editions[finished]).count() == sum(
        a.tier.benefits.count() for a in awards) > 0
    # The park delivers them: every winner registered in the park has its orders under way (only a team with no
    # enterprise waits — and desks, when the bookings' demo has laid none out, as in this test), and the finalists'
    # financing after the competition counts for the edition.
    deliveries = Delivery.objects.filter(award__edition=editions[finished])
    assert deliveries.filter(order__isnull=False).exists()
    assert not (deliveries.filter(award__application__enterprise__isnull=False, order__isnull=True)
                .exclude(benefit__kind="workstations").exists())
    from parkos.network.models import FinancingRecord

    assert FinancingRecord.objects.filter(competition_year=finished).count() >= 3
    for rnd in rounds[1:]:
        assigned = set(Assignment.objects.filter(round=rnd).values_list("judge_id", "application_id"))
        assert not assigned & conflict_pairs(rnd)

    # Judging: the screening published, the online review scoring; the demo judge's queue of six, two done.
    screening, online = editions[judging].rounds.order_by("position")
    assert screening.status == RoundStatus.PUBLISHED and online.status == RoundStatus.SCORING
    mine = Assignment.objects.filter(round=online, judge__user__email=demo_email("judge"))
    assert mine.count() == 6
    assert mine.filter(status=AssignmentStatus.SUBMITTED).count() == 2

    # Open: 思灵机器人's draft by its admin.
    draft = Application.objects.get(edition=editions[open_], applicant__email=demo_email("admin"))
    assert draft.status == "draft" and draft.enterprise is not None and "思灵" in draft.enterprise.name
    assert editions[open_].fields.filter(kind="file", required=True, file_types=["pdf"]).exists()

    # A second seed adds nothing.
    counts = (Edition.objects.count(), Application.objects.count(), Assignment.objects.count())
    seed_demo(domains=["competitions"])
    assert (Edition.objects.count(), Application.objects.count(), Assignment.objects.count()) == counts
