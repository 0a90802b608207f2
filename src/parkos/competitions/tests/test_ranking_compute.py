"""The ranking: per-judge z-scores on a hand-computed example, a harsh and a generous judge counting the
same, divergence re-review triggered and not, the roadshow's dropped extremes, the stated tie rules,
promotion by count and by threshold, permissions and refusals, a fixed number of queries."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkos.accounts.tests.factories import UserFactory, operator
from parkos.competitions.models import (
    Assignment,
    AssignmentStatus,
    Entry,
    RoundKind,
    RoundStatus,
    TieRule,
)
from parkos.competitions.services.ranking import promotion_set, ranking_compute
from parkos.competitions.tests.factories_ranking import entry, judges, ranking_round, score, submitted_at
from parkos.core.errors import Conflict, ErrorCode, Forbidden, NotAuthenticated

pytestmark = pytest.mark.django_db


def _fresh(e: Entry) -> Any:
    e.refresh_from_db()
    return e


# --- normalisation --------------------------------------------------------------------------------------

def test_normalisation_on_a_hand_computed_example() -> None:
    rnd = ranking_round()
    a, b = judges(rnd, 2)
    x, y, z = (entry(rnd) for _ in range(3))
    for e, ta, tb in ((x, 60, 85), (y, 70, 90), (z, 80, 95)):
        score(rnd, a, e.application, ta)
        score(rnd, b, e.application, tb)

    report = ranking_compute(actor=operator(), round=rnd)

    assert report.entries == 3 and report.rereviews == [] and report.short == []
    # Judge A: mean 70, population std √((100 + 0 + 100) / 3) = 8.16497 → z = −10/8.16497 = −1.22474, 0, +1.22474.
    # Judge B: mean 90, population std √((25 + 0 + 25) / 3) = 4.08248 → z = −5/4.08248 = −1.22474, 0, +1.22474.
    z_a = -10 / math.sqrt(200 / 3)
    z_b = -5 / math.sqrt(50 / 3)
    assert z_a == pytest.approx(-1.2247449, abs=1e-6) and z_b == pytest.approx(-1.2247449, abs=1e-6)
    x, y, z = _fresh(x), _fresh(y), _fresh(z)
    assert x.z_mean == pytest.approx((z_a + z_b) / 2) and x.z_mean == pytest.approx(-1.2247449, abs=1e-6)
    assert y.z_mean == pytest.approx(0.0, abs=1e-12)
    assert z.z_mean == pytest.approx(1.2247449, abs=1e-6)
    assert x.final_score == x.z_mean  # a normalised round ranks by the z mean
    assert x.raw_mean == Decimal("72.50") and y.raw_mean == Decimal("80.00") and z.raw_mean == Decimal("87.50")
    assert x.spread == pytest.approx(12.5) and z.spread == pytest.approx(7.5)  # population std of 60, 85
    assert (x.scores_count, y.scores_count, z.scores_count) == (2, 2, 2)
    assert [z.rank, y.rank, x.rank] == [1, 2, 3]


def test_a_harsh_and_a_generous_judge_count_the_same() -> None:
    rnd = ranking_round()
    harsh, generous = judges(rnd, 2)
    p, r = entry(rnd), entry(rnd)  # the harsh judge's best and worst
    q, s = entry(rnd), entry(rnd)  # the generous judge's best and worst
    score(rnd, harsh, p.application, 50)
    score(rnd, harsh, r.application, 40)
    score(rnd, generous, q.application, 95)
    score(rnd, generous, s.application, 85)

    ranking_compute(actor=None, round=rnd)
    p, q, r, s = (_fresh(e) for e in (p, q, r, s))
    assert p.final_score == pytest.approx(1.0) and q.final_score == pytest.approx(1.0)
    assert r.final_score == pytest.approx(-1.0) and s.final_score == pytest.approx(-1.0)
    # The harsh judge's best beats the generous judge's worst although its raw total is 35 points lower.
    assert p.rank < s.rank and r.rank > q.rank

    # Without normalisation the generous judge's applications take the first two places.
    Entry.objects.filter(round=rnd).update(rank=None)
    rnd.normalise = False
    rnd.save(update_fields=["normalise"])
    ranking_compute(actor=None, round=rnd)
    p, q, r, s = (_fresh(e) for e in (p, q, r, s))
    assert [q.rank, s.rank, p.rank, r.rank] == [1, 2, 3, 4]
    assert q.final_score == pytest.approx(95.0)


def test_a_judge_with_one_score_or_no_spread_gives_zero() -> None:
    rnd = ranking_round()
    lone, flat, normal = judges(rnd, 3)
    e1, e2 = entry(rnd), entry(rnd)
    score(rnd, lone, e1.application, 90)
    score(rnd, flat, e1.application, 70)
    score(rnd, flat, e2.application, 70)
    score(rnd, normal, e2.application, 60)
    score(rnd, normal, e1.application, 80)
    ranking_compute(actor=None, round=rnd)
    e1, e2 = _fresh(e1), _fresh(e2)
    # e1: lone 0, flat 0, normal +1 → 1/3; e2: flat 0, normal −1 → −1/2
    assert e1.z_mean == pytest.approx(1 / 3) and e2.z_mean == pytest.approx(-0.5)


# --- divergence re-review -------------------------------------------------------------------------------

def test_rereview_triggered_when_judges_differ_beyond_the_threshold() -> None:
    rnd = ranking_round(divergence_threshold=Decimal("10"))
    j1, j2, j3 = judges(rnd, 3)
    split, close = entry(rnd), entry(rnd)
    score(rnd, j1, split.application, 50)
    score(rnd, j2, split.application, 90)  # spread 20 > 10
    score(rnd, j1, close.application, 70)
    score(rnd, j2, close.application, 74)  # spread 2

    report = ranking_compute(actor=operator(), round=rnd)

    assert report.rereviews == [split.application_id] and report.short == []
    extra = Assignment.objects.get(round=rnd, application=split.application, extra=True)
    assert extra.judge_id == j3.pk and extra.status == AssignmentStatus.ASSIGNED
    assert _fresh(split).needs_rereview is True and _fresh(split).spread == pytest.approx(20.0)
    assert _fresh(close).needs_rereview is False
    assert not Assignment.objects.filter(round=rnd, application=close.application, extra=True).exists()

    # Computing again asks for nobody else while the extra judge has not scored.
    again = ranking_compute(actor=None, round=rnd)
    assert again.rereviews == [] and Assignment.objects.filter(round=rnd, extra=True).count() == 1
    assert _fresh(split).needs_rereview is True

    # Once the extra judge has submitted, the entry is settled and that score counts.
    score(rnd, j3, split.application, 60)
    ranking_compute(actor=None, round=rnd)
    split = _fresh(split)
    assert split.needs_rereview is False and split.scores_count == 3
    assert Assignment.objects.filter(round=rnd, extra=True).count() == 1


def test_rereview_not_triggered_below_the_threshold_or_without_one() -> None:
    rnd = ranking_round(divergence_threshold=Decimal("15"))
    j1, j2, _j3 = judges(rnd, 3)
    e = entry(rnd)
    score(rnd, j1, e.application, 60)
    score(rnd, j2, e.application, 89)  # spread 14.5 ≤ 15
    assert ranking_compute(actor=None, round=rnd).rereviews == []
    assert not Assignment.objects.filter(extra=True).exists() and _fresh(e).needs_rereview is False

    plain = ranking_round()  # no threshold: never a re-review
    k1, k2, _k3 = judges(plain, 3)
    f = entry(plain)
    score(plain, k1, f.application, 10)
    score(plain, k2, f.application, 95)
    assert ranking_compute(actor=None, round=plain).rereviews == []
    assert _fresh(f).needs_rereview is False


def test_rereview_waits_for_the_regular_judges_and_reports_no_judge_left() -> None:
    rnd = ranking_round(divergence_threshold=Decimal("5"))
    j1, j2 = judges(rnd, 2)
    e = entry(rnd)
    score(rnd, j1, e.application, 50)
    score(rnd, j2, e.application, 90)
    report = ranking_compute(actor=None, round=rnd)
    # Both judges of the edition already scored it: nobody is left for a re-review.
    assert report.short == [e.application_id] and report.rereviews == []
    assert _fresh(e).needs_rereview is True

    waiting = ranking_round(divergence_threshold=Decimal("5"))
    k1, k2, k3, _k4 = judges(waiting, 4)
    f = entry(waiting)
    score(waiting, k1, f.application, 50)
    score(waiting, k2, f.application, 90)
    Assignment.objects.create(round=waiting, application=f.application, judge=k3)  # a regular judge still to score
    assert ranking_compute(actor=None, round=waiting).rereviews == []
    assert _fresh(f).needs_rereview is False


# --- the roadshow ---------------------------------------------------------------------------------------

def test_roadshow_drops_the_highest_and_the_lowest() -> None:
    rnd = ranking_round(kind=RoundKind.ROADSHOW, normalise=False, drop_extremes=True)
    panel = judges(rnd, 5)
    a, b, c = entry(rnd), entry(rnd), entry(rnd)
    for j, t in zip(panel, (60, 80, 82, 84, 99), strict=True):
        score(rnd, j, a.application, t)
    for j, t in zip(panel, (72, 81, 81, 81, 70), strict=True):
        score(rnd, j, b.application, t)
    for j, t in zip(panel[:2], (90, 70), strict=True):  # fewer than three: nothing dropped
        score(rnd, j, c.application, t)
    ranking_compute(actor=None, round=rnd)
    a, b, c = _fresh(a), _fresh(b), _fresh(c)
    assert a.final_score == pytest.approx(82.0)  # (80 + 82 + 84) / 3
    assert a.raw_mean == Decimal("81.00")  # the plain mean of all five
    assert b.final_score == pytest.approx(78.0)  # (72 + 81 + 81) / 3
    assert c.final_score == pytest.approx(80.0)
    assert [a.rank, c.rank, b.rank] == [1, 2, 3]


# --- ties -----------------------------------------------------------------------------------------------

def test_ties_first_criterion_then_raw_mean_then_earlier() -> None:
    rnd = ranking_round(tie_rule=TieRule.FIRST_CRITERION)
    j1, j2 = judges(rnd, 2)
    low_first, high_first = entry(rnd), entry(rnd)  # equal totals; the later one is better on criterion 1
    submitted_at(low_first.application, 60)
    submitted_at(high_first.application, 10)
    for j in (j1, j2):
        score(rnd, j, low_first.application, 70, first=6)
        score(rnd, j, high_first.application, 70, first=8)
    ranking_compute(actor=None, round=rnd)
    low_first, high_first = _fresh(low_first), _fresh(high_first)
    assert low_first.final_score == high_first.final_score
    assert (high_first.rank, low_first.rank) == (1, 2)


def test_ties_by_raw_mean() -> None:
    rnd = ranking_round(tie_rule=TieRule.RAW_MEAN)
    j1, j2 = judges(rnd, 2)
    lower, higher = entry(rnd), entry(rnd)
    submitted_at(lower.application, 60)  # submitted earlier, yet the raw mean decides first
    submitted_at(higher.application, 5)
    # z: j1 gives lower −1 / higher +1, j2 gives lower +1 / higher −1 → both z means 0.
    score(rnd, j1, lower.application, 60, first=10)
    score(rnd, j1, higher.application, 80, first=1)
    score(rnd, j2, lower.application, 70, first=10)
    score(rnd, j2, higher.application, 50, first=1)  # raw means: 65.00 and 65.00
    ranking_compute(actor=None, round=rnd)
    lower, higher = _fresh(lower), _fresh(higher)
    assert lower.final_score == pytest.approx(higher.final_score)
    assert lower.raw_mean == higher.raw_mean == Decimal("65.00")
    # fully equal on score and raw mean: the earlier submission first
    assert (lower.rank, higher.rank) == (1, 2)

    rnd2 = ranking_round(tie_rule=TieRule.RAW_MEAN)
    k1, k2 = judges(rnd2, 2)
    m, n = entry(rnd2), entry(rnd2)
    submitted_at(m.application, 60)
    submitted_at(n.application, 5)
    score(rnd2, k1, m.application, 60)
    score(rnd2, k1, n.application, 80)
    score(rnd2, k2, m.application, 70)
    score(rnd2, k2, n.application, 40)  # z means 0 and 0; raw m 65.00, n 60.00
    ranking_compute(actor=None, round=rnd2)
    m, n = _fresh(m), _fresh(n)
    assert m.final_score == pytest.approx(n.final_score)
    assert m.raw_mean > n.raw_mean and (m.rank, n.rank) == (1, 2)


def test_ties_by_earlier_submission_then_id() -> None:
    rnd = ranking_round(tie_rule=TieRule.EARLIER, normalise=False)
    (j,) = judges(rnd, 1)
    first_made, second_made, third_made = entry(rnd), entry(rnd), entry(rnd)
    submitted_at(first_made.application, 5)
    submitted_at(second_made.application, 50)
    submitted_at(third_made.application, 50)
    for e in (first_made, second_made, third_made):
        score(rnd, j, e.application, 75, first=9)
    ranking_compute(actor=None, round=rnd)
    ranks = [_fresh(e).rank for e in (first_made, second_made, third_made)]
    # second and third were submitted at the same instant: the lower application id goes first
    assert ranks == [3, 1, 2]


# --- promotion proposal ---------------------------------------------------------------------------------

def _five(rnd: Any) -> list[Entry]:
    (j,) = judges(rnd, 1)
    rows = [entry(rnd) for _ in range(5)]
    for e, t in zip(rows, (90, 80, 76, 60, 50), strict=True):
        score(rnd, j, e.application, t)
    return rows


def test_promote_the_top_count() -> None:
    rnd = ranking_round(promote_count=2)
    rows = _five(rnd)
    ranking_compute(actor=None, round=rnd)
    assert [_fresh(e).proposed for e in rows] == [True, True, False, False, False]


def test_promote_from_a_threshold_on_the_raw_mean_of_a_normalised_round() -> None:
    rnd = ranking_round(promote_count=1, promote_threshold=Decimal("75"))
    rows = _five(rnd)
    ranking_compute(actor=None, round=rnd)
    assert [_fresh(e).proposed for e in rows] == [True, True, True, False, False]


def test_an_organisers_decision_survives_a_new_computation() -> None:
    boss = operator()
    rnd = ranking_round(promote_count=1)
    rows = _five(rnd)
    ranking_compute(actor=boss, round=rnd)
    promotion_set(actor=boss, entry=rows[3], passed=True, note="路演表现突出，破格晋级")
    promotion_set(actor=boss, entry=rows[0], passed=False, note="材料不符合要求")
    ranking_compute(actor=boss, round=rnd)
    assert [_fresh(e).proposed for e in rows] == [False, False, False, True, False]
    assert _fresh(rows[3]).decided_by == boss and _fresh(rows[3]).note == "路演表现突出，破格晋级"


# --- refusals and permissions ---------------------------------------------------------------------------

def test_only_the_parks_operators_compute() -> None:
    rnd = ranking_round()
    j1, = judges(rnd, 1)
    e = entry(rnd)
    score(rnd, j1, e.application, 80)
    for who in (UserFactory(), j1.user, e.application.applicant):
        with pytest.raises(Forbidden):
            ranking_compute(actor=who, round=rnd)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        ranking_compute(actor=AnonymousUser(), round=rnd)
    assert _fresh(e).rank is None


def test_compute_refused_on_screening_draft_and_reviewed_rounds() -> None:
    boss = operator()
    for kwargs, code in (({"kind": RoundKind.SCREENING}, ErrorCode.ILLEGAL_TRANSITION),
                         ({"status": RoundStatus.DRAFT}, ErrorCode.ROUND_NOT_OPEN),
                         ({"status": RoundStatus.REVIEWED}, ErrorCode.CLOSED)):
        rnd = ranking_round(**kwargs)
        with pytest.raises(Conflict) as caught:
            ranking_compute(actor=boss, round=rnd)
        assert caught.value.code == code


def test_compute_costs_a_fixed_number_of_queries() -> None:
    def run(n: int) -> int:
        rnd = ranking_round(promote_count=3)
        panel = judges(rnd, 3)
        for i in range(n):
            e = entry(rnd)
            for k, j in enumerate(panel):
                score(rnd, j, e.application, 50 + (i * 7 + k * 3) % 40, first=(i + k) % 10)
        with CaptureQueriesContext(connection) as ctx:
            assert ranking_compute(actor=None, round=rnd).entries == n
        return len(ctx.captured_queries)

    assert run(4) == run(40)
