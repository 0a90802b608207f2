"""The generated competition (generator part ``competitions``): ten editions of the main park with their
tracks, form, four rounds and criteria; applications scaled from 12,000 at seed scale; every scored round's
assignments free of conflicts of interest (declared, same enterprise, investor who invested); submitted
scores whose totals follow the values and weights; published ranks and the final's awards; the financing
raised after the competition carrying the edition's year and track; the same seed gives the same rows."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from parkos.accounts.models import Role, UserRole
from parkos.competitions.models import (
    Application,
    Assignment,
    AssignmentStatus,
    Award,
    ConflictDeclaration,
    Criterion,
    Edition,
    Entry,
    EntryStatus,
    Judge,
    Round,
    RoundKind,
    RoundStatus,
    Score,
)
from parkos.competitions.services.judging import conflict_pairs
from parkos.enterprises.selectors import staff_of
from parkos.generator.parts.competitions import APPLICATIONS, RAISED_YUAN, YEARS, score_total
from parkos.generator.registry import SCALES, Context, ordered_parts
from parkos.network.models import FinancingRecord
from parkos.network.selectors.financing import invested_pairs

pytestmark = pytest.mark.django_db


def _generate(scale: str, seed: int = 3) -> Context:
    ctx = Context(seed=seed, scale=scale)
    with transaction.atomic():
        for p in ordered_parts(["competitions"]):
            ctx.for_part(p.name)
            p.build(ctx)
    return ctx


def _conflicts(round_: Round) -> set[tuple[int, int]]:
    """Every (judge, application) of the round in conflict, computed here from the rules (independently
    of the judging part): declared, the judge's own enterprise or the applicant, an investor who invested."""
    judges = list(Judge.objects.filter(edition=round_.edition).values_list("id", "user_id"))
    apps = list(Application.objects.filter(entries__round=round_).values_list("id", "enterprise_id", "applicant_id"))
    invested = invested_pairs(user_ids=[u for _j, u in judges])
    out = set()
    declared = defaultdict(set)
    for judge_id, enterprise_id, application_id in ConflictDeclaration.objects.filter(
            judge__edition=round_.edition).values_list("judge_id", "enterprise_id", "application_id"):
        declared[judge_id].add(("e", enterprise_id) if enterprise_id else ("a", application_id))
    staff: dict[int, set[int]] = defaultdict(set)
    enterprises = {e for _a, e, _u in apps if e}
    for user_id, enterprise_id in staff_of(list(enterprises)).values_list("id", "memberships__enterprise_id"):
        staff[user_id].add(enterprise_id)
    for judge_id, user_id in judges:
        for app_id, enterprise_id, applicant_id in apps:
            if (applicant_id == user_id or ("a", app_id) in declared[judge_id]
                    or (enterprise_id and (("e", enterprise_id) in declared[judge_id]
                                           or (user_id, enterprise_id) in invested
                                           or enterprise_id in staff[user_id]))):
                out.add((judge_id, app_id))
    return out


@pytest.mark.parametrize("scale", ["tiny", "small"])
def test_the_competition_is_consistent_and_never_assigns_a_conflict(scale: str) -> None:
    _generate(scale)
    assert list(Edition.objects.order_by("year").values_list("year", flat=True)) == list(YEARS)
    assert Edition.objects.filter(status="finished").count() == len(YEARS)
    n = Application.objects.count()
    assert n == sum(max(1, round(k * SCALES[scale])) for k in
                    (600, 750, 900, 1000, 1100, 1250, 1350, 1500, 1650, 1900))
    assert abs(n - APPLICATIONS * SCALES[scale]) <= len(YEARS)
    for edition in Edition.objects.all():
        rounds = list(edition.rounds.order_by("position"))
        assert [r.kind for r in rounds] == [RoundKind.SCREENING, RoundKind.ONLINE, RoundKind.ONLINE, RoundKind.ROADSHOW]
        assert edition.tracks.count() >= 4 and edition.fields.filter(kind="file", required=True).exists()
        for r in rounds[1:]:
            assert sum(Criterion.objects.filter(round=r).values_list("weight", flat=True)) == 100
        assert all(r.status == RoundStatus.PUBLISHED for r in rounds)
    # Judges hold the judge role; some are investors.
    judge_users = set(Judge.objects.values_list("user_id", flat=True))
    assert judge_users <= set(UserRole.objects.filter(role=Role.JUDGE).values_list("user_id", flat=True))
    assert UserRole.objects.values("user_id", "role", "park_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    # No assignment is a conflict, and conflicts exist to be avoided.
    seen_conflicts = 0
    for round_ in Round.objects.exclude(kind=RoundKind.SCREENING).select_related("edition"):
        conflicted = _conflicts(round_)
        seen_conflicts += len(conflicted)
        assigned = set(Assignment.objects.filter(round=round_).values_list("judge_id", "application_id"))
        assert not assigned & conflicted, round_
        assert not assigned & conflict_pairs(round_), round_  # and by the judging part's own rules
    assert seen_conflicts > 0
    # Online rounds: the configured number of judges (or all who are free of conflict), extras on divergence.
    for round_ in Round.objects.filter(kind=RoundKind.ONLINE):
        per_app = Assignment.objects.filter(round=round_, extra=False).values("application_id").annotate(n=Count("id"))
        assert {row["n"] for row in per_app} <= set(range(1, round_.judges_per_application + 1))
    # Scores: submitted, totals equal to the weighted values.
    weights = {c.pk: (c.weight, c.max_score) for c in Criterion.objects.all()}
    assert Score.objects.count() == Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).count() > 0
    for score in Score.objects.all()[:500]:
        crits = [(int(k), *weights[int(k)]) for k in score.values]
        assert score.total == score_total([float(v) for v in score.values.values()], crits)
    # Ranks 1..n per scored round, the promoted ones passed.
    for round_ in Round.objects.exclude(kind=RoundKind.SCREENING):
        entries = list(Entry.objects.filter(round=round_).order_by("rank"))
        assert [e.rank for e in entries] == list(range(1, len(entries) + 1))
        assert all((e.status == EntryStatus.PASSED) == e.proposed for e in entries)
        assert sum(e.proposed for e in entries) == min(len(entries), round_.promote_count or 0)
    # Awards go to the final's top ranks.
    assert Award.objects.exists()
    for award in Award.objects.select_related("tier"):
        assert award.tier.rank_from <= award.rank <= award.tier.rank_to
        assert Entry.objects.get(application=award.application, round__kind=RoundKind.ROADSHOW).rank == award.rank
    # Financing after the competition names the edition's year and track.
    raised = FinancingRecord.objects.filter(competition_year__isnull=False)
    assert raised.exists()
    for record in raised[:50]:
        assert Application.objects.filter(enterprise=record.enterprise, edition__year=record.competition_year or 0,
                                          track__name_zh=record.competition_track).exists()
    # The park's figure: 8.6 billion yuan at seed scale (the source park: more than 7.2 billion), scaled.
    total = raised.aggregate(s=Sum("amount_cny_fen"))["s"]
    assert abs(total - RAISED_YUAN * SCALES[scale] * 100) <= raised.count() * 1_000_000
