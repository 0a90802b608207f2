"""Judging: judges hold the judge role, conflicts (declared and detected) are never assigned, the automatic
assignment balances load and prefers track experts and is idempotent, manual assignment refuses conflicts,
recusal finds a replacement and is never undone, recusals export, starting a round and who may do what."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.cache import cache

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import (
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    ConflictDeclaration,
    ConflictSource,
    Entry,
    EntryStatus,
    Judge,
    RoundKind,
    RoundStatus,
)
from parkos.competitions.services.judging import (
    assignment_add,
    assignment_auto,
    assignment_extra,
    assignment_recuse,
    assignment_remove,
    conflict_declare,
    conflict_pairs,
    judge_add,
    judge_remove,
    judge_update,
    recusals_export,
    round_start,
)
from parkos.competitions.tests.factories import (
    ApplicationFactory,
    EditionFactory,
    EntryFactory,
    JudgeFactory,
    TrackFactory,
    scored_round,
)
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid
from parkos.core.models import Park
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff
from parkos.network.models import FinancingInvestor, FinancingRecord, Investor
from parkos.network.models import Round as FinancingRound
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db


def operator_of(park: Any) -> Any:
    return UserFactory(roles=[(Role.OPERATOR, park)])


def scoring_round(edition: Any, *, jpa: int = 3, **kwargs: Any) -> Any:
    return scored_round(edition, judges_per_application=jpa, status=RoundStatus.SCORING, **kwargs)


def entries(rnd: Any, n: int, track: Any = None, **kwargs: Any) -> list[Any]:
    track = track or TrackFactory(edition=rnd.edition)
    apps = [ApplicationFactory(edition=rnd.edition, track=track, **kwargs) for _ in range(n)]
    for app in apps:
        EntryFactory(round=rnd, application=app)
    return apps


def invested(investor_user: Any, enterprise: Any) -> None:
    investor = Investor.objects.create(user=investor_user)
    record = FinancingRecord.objects.create(enterprise=enterprise, park=enterprise.park, round=FinancingRound.ANGEL,
                                            amount_minor=500_000_00, rate_to_cny=1, amount_cny_fen=500_000_00,
                                            announced_on=dt.date(2025, 3, 1))
    FinancingInvestor.objects.create(record=record, investor=investor)


def active_pairs(rnd: Any) -> set[tuple[int, int]]:
    return set(Assignment.objects.filter(round=rnd, status__in=(AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED))
               .values_list("judge_id", "application_id"))


# --- conflicts ------------------------------------------------------------------------------------------

def test_conflicted_applications_are_never_assigned() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=3)
    track = TrackFactory(edition=edition)
    judges = [JudgeFactory(edition=edition) for _ in range(6)]
    staff_e, invest_e, declared_e = EnterpriseFactory(), EnterpriseFactory(), EnterpriseFactory()
    add_staff(staff_e, judges[0].user)
    invested(judges[2].user, invest_e)
    a_staff = ApplicationFactory(edition=edition, track=track, enterprise=staff_e)
    a_self = ApplicationFactory(edition=edition, track=track, applicant=judges[1].user)
    a_invest = ApplicationFactory(edition=edition, track=track, enterprise=invest_e)
    a_decl_e = ApplicationFactory(edition=edition, track=track, enterprise=declared_e)
    a_decl_a = ApplicationFactory(edition=edition, track=track)
    clean = ApplicationFactory(edition=edition, track=track)
    for app in (a_staff, a_self, a_invest, a_decl_e, a_decl_a, clean):
        EntryFactory(round=rnd, application=app)
    ConflictDeclaration.objects.create(judge=judges[3], enterprise=declared_e, reason="前同事")
    ConflictDeclaration.objects.create(judge=judges[4], application=a_decl_a, reason="亲属")
    # Staff of another enterprise, an investor in another one: no conflict.
    add_staff(EnterpriseFactory(), judges[5].user)

    expected = {(judges[0].pk, a_staff.pk), (judges[1].pk, a_self.pk), (judges[2].pk, a_invest.pk),
                (judges[3].pk, a_decl_e.pk), (judges[4].pk, a_decl_a.pk)}
    assert conflict_pairs(rnd) == expected

    report = assignment_auto(actor=None, round=rnd)
    pairs = active_pairs(rnd)
    assert not pairs & expected
    assert report.created == 18 and report.short == []
    assert report.conflicts_avoided == 5
    assert Counter(a for _j, a in pairs) == {a.pk: 3 for a in (a_staff, a_self, a_invest, a_decl_e, a_decl_a, clean)}


def test_conflict_pairs_counts_only_active_staff() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=1)
    judge = JudgeFactory(edition=edition)
    enterprise = EnterpriseFactory()
    pending = add_staff(enterprise, judge.user, status="pending")
    app = ApplicationFactory(edition=edition, enterprise=enterprise)
    EntryFactory(round=rnd, application=app)
    assert conflict_pairs(rnd) == set()
    pending.memberships.update(status="active")
    assert conflict_pairs(rnd) == {(judge.pk, app.pk)}


def test_manual_assignment_of_a_conflict_is_refused() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scoring_round(edition, jpa=1)
    judge = JudgeFactory(edition=edition)
    enterprise = EnterpriseFactory()
    add_staff(enterprise, judge.user)
    [app] = entries(rnd, 1, enterprise=enterprise)
    with pytest.raises(Conflict) as err:
        assignment_add(actor=op, round=rnd, application=app, judge=judge)
    assert err.value.code == ErrorCode.CONFLICT_OF_INTEREST
    assert "员工" in str(err.value.message)  # "the judge is staff of the applying enterprise"
    assert not Assignment.objects.exists()
    # A clean judge is accepted once; twice is a duplicate.
    other = JudgeFactory(edition=edition)
    assignment_add(actor=op, round=rnd, application=app, judge=other)
    with pytest.raises(Conflict) as err:
        assignment_add(actor=op, round=rnd, application=app, judge=other)
    assert err.value.code == ErrorCode.DUPLICATE
    assert Assignment.objects.count() == 1


def test_declaring_a_conflict_removes_and_replaces_the_assignment() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=1)
    judges = [JudgeFactory(edition=edition) for _ in range(2)]
    enterprise = EnterpriseFactory()
    [app] = entries(rnd, 1, enterprise=enterprise)
    assignment_auto(actor=None, round=rnd)
    [first] = Assignment.objects.filter(round=rnd)
    holder = first.judge
    declaration = conflict_declare(actor=holder.user, judge=holder, enterprise=enterprise, reason="曾任顾问")
    assert declaration.source == ConflictSource.DECLARED
    first.refresh_from_db()
    assert first.status == AssignmentStatus.REMOVED
    other = next(j for j in judges if j.pk != holder.pk)
    assert active_pairs(rnd) == {(other.pk, app.pk)}
    # Declared twice: one declaration.
    again = conflict_declare(actor=holder.user, judge=holder, enterprise=enterprise, reason="曾任顾问")
    assert again.pk == declaration.pk and ConflictDeclaration.objects.count() == 1


def test_who_may_declare_a_conflict() -> None:
    edition = EditionFactory()
    judge, colleague = JudgeFactory(edition=edition), JudgeFactory(edition=edition)
    app = ApplicationFactory(edition=edition)
    with pytest.raises(Forbidden):
        conflict_declare(actor=colleague.user, judge=judge, application=app, reason="亲属")
    with pytest.raises(Forbidden):
        conflict_declare(actor=UserFactory(), judge=judge, application=app, reason="亲属")
    with pytest.raises(Invalid):
        conflict_declare(actor=judge.user, judge=judge, application=app, reason="  ")
    with pytest.raises(Invalid):
        conflict_declare(actor=judge.user, judge=judge, reason="亲属")
    assert not ConflictDeclaration.objects.exists()
    recorded = conflict_declare(actor=operator_of(edition.park), judge=judge, application=app, reason="亲属")
    assert recorded.source == ConflictSource.ORGANISER


# --- automatic assignment -------------------------------------------------------------------------------

def test_load_is_balanced_when_experts_are_equal() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=3)
    judges = [JudgeFactory(edition=edition) for _ in range(7)]
    entries(rnd, 20)
    report = assignment_auto(actor=None, round=rnd)
    assert report.created == 60 and report.short == []
    loads = Counter(Assignment.objects.filter(round=rnd).values_list("judge_id", flat=True))
    assert set(loads) == {j.pk for j in judges}
    assert max(loads.values()) - min(loads.values()) <= 1
    per_entry = Counter(Assignment.objects.filter(round=rnd).values_list("application_id", flat=True))
    assert set(per_entry.values()) == {3}


def test_track_experts_are_preferred() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=2)
    ai, energy = TrackFactory(edition=edition), TrackFactory(edition=edition)
    experts = [JudgeFactory(edition=edition) for _ in range(2)]
    for judge in experts:
        judge.tracks.set([ai])
    others = [JudgeFactory(edition=edition) for _ in range(4)]
    ai_apps = entries(rnd, 3, track=ai)
    energy_apps = entries(rnd, 3, track=energy)
    assignment_auto(actor=None, round=rnd)
    for app in ai_apps:
        assert set(Assignment.objects.filter(application=app).values_list("judge_id", flat=True)) == {
            j.pk for j in experts}
    for app in energy_apps:
        assert set(Assignment.objects.filter(application=app).values_list("judge_id", flat=True)) <= {
            j.pk for j in others}


def test_auto_assignment_is_idempotent_and_fills_only_what_is_missing() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scoring_round(edition, jpa=2)
    judges = [JudgeFactory(edition=edition) for _ in range(4)]
    apps = entries(rnd, 5)
    first = assignment_auto(actor=op, round=rnd)
    assert first.created == 10
    again = assignment_auto(actor=op, round=rnd)
    assert again.created == 0 and again.short == []
    assert Assignment.objects.filter(round=rnd).count() == 10
    # One judge taken off one application: the next run gives it someone else, never that judge again.
    removed = Assignment.objects.filter(round=rnd, application=apps[0]).first()
    assert removed is not None
    assignment_remove(actor=op, assignment=removed)
    third = assignment_auto(actor=op, round=rnd)
    assert third.created == 1
    assert (removed.judge_id, apps[0].pk) not in active_pairs(rnd)
    assert len(judges) == 4


def test_max_load_is_respected_and_short_entries_reported() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=2)
    for _ in range(3):
        JudgeFactory(edition=edition, max_load=1)
    apps = entries(rnd, 2)
    report = assignment_auto(actor=None, round=rnd)
    assert report.created == 3
    assert report.short == [apps[1].pk]
    loads = Counter(Assignment.objects.filter(round=rnd).values_list("judge_id", flat=True))
    assert max(loads.values()) == 1


def test_round_judges_named_by_round_and_roadshow_panel() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=1, kind=RoundKind.ROADSHOW)
    panel = [JudgeFactory(edition=edition) for _ in range(3)]
    for judge in panel:
        judge.rounds.set([rnd])
    outsider = JudgeFactory(edition=edition)  # not on the panel
    enterprise = EnterpriseFactory()
    add_staff(enterprise, panel[0].user)
    apps = entries(rnd, 2)
    conflicted = entries(rnd, 1, enterprise=enterprise)[0]
    report = assignment_auto(actor=None, round=rnd)
    assert report.created == 3 * 3 - 1 and report.conflicts_avoided == 1
    pairs = active_pairs(rnd)
    assert (panel[0].pk, conflicted.pk) not in pairs
    assert all(j != outsider.pk for j, _a in pairs)
    assert {(j.pk, a.pk) for j in panel for a in apps} <= pairs
    assert assignment_auto(actor=None, round=rnd).created == 0


def test_judges_are_notified_once_per_run(django_capture_on_commit_callbacks: Any) -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=2)
    judges = [JudgeFactory(edition=edition) for _ in range(2)]
    entries(rnd, 4)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_auto(actor=None, round=rnd)
    for judge in judges:
        assert Notification.objects.filter(recipient=judge.user, kind="competition").count() == 1


# --- recusal --------------------------------------------------------------------------------------------

def test_recusal_finds_a_replacement_and_is_never_undone() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scoring_round(edition, jpa=2)
    judges = [JudgeFactory(edition=edition) for _ in range(3)]
    [app] = entries(rnd, 1)
    assignment_auto(actor=None, round=rnd)
    mine = Assignment.objects.filter(round=rnd).order_by("judge_id").first()
    assert mine is not None
    judge = mine.judge
    with pytest.raises(Forbidden):  # only the judge recuses
        assignment_recuse(actor=op, assignment=mine, reason="与团队成员相识")
    with pytest.raises(Invalid):
        assignment_recuse(actor=judge.user, assignment=mine, reason="")
    recused = assignment_recuse(actor=judge.user, assignment=mine, reason="与团队成员相识")
    assert recused.status == AssignmentStatus.RECUSED and recused.recused_at is not None
    pairs = active_pairs(rnd)
    assert len(pairs) == 2 and (judge.pk, app.pk) not in pairs
    assert {j for j, _a in pairs} == {j.pk for j in judges if j.pk != judge.pk}
    # Never given back: neither automatically nor by hand, nor as an extra judge.
    assert assignment_auto(actor=None, round=rnd).created == 0
    assert assignment_extra(round=rnd, application=app) is None
    with pytest.raises(Conflict):
        assignment_add(actor=op, round=rnd, application=app, judge=judge)
    assert (judge.pk, app.pk) not in active_pairs(rnd)


def test_submitted_assignments_cannot_be_removed_or_recused() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scoring_round(edition, jpa=1)
    judge = JudgeFactory(edition=edition)
    [app] = entries(rnd, 1)
    assignment = assignment_add(actor=op, round=rnd, application=app, judge=judge)
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED)
    with pytest.raises(Conflict) as err:
        assignment_remove(actor=op, assignment=assignment)
    assert err.value.code == ErrorCode.SCORE_LOCKED
    with pytest.raises(Conflict):
        assignment_recuse(actor=judge.user, assignment=assignment, reason="相识")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED


def test_recusals_export_rows() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scoring_round(edition, jpa=1)
    judge = JudgeFactory(edition=edition, user=UserFactory(roles=[Role.JUDGE], display_name="王评委"))
    JudgeFactory(edition=edition)
    [app] = entries(rnd, 1, number="DS2100-0007")
    assignment = assignment_add(actor=op, round=rnd, application=app, judge=judge)
    assignment_recuse(actor=judge.user, assignment=assignment, reason="曾共事")
    other_app = ApplicationFactory(edition=edition, number="DS2100-0008")
    conflict_declare(actor=judge.user, judge=judge, application=other_app, reason="亲属关系")
    header, rows = recusals_export(viewer=op, edition=edition)
    assert len(header) == 7
    assert [(r[1], r[2], r[5]) for r in rows] == [("王评委", "DS2100-0007", "曾共事"),
                                                   ("王评委", "DS2100-0008", "亲属关系")]
    with pytest.raises(Forbidden):
        recusals_export(viewer=judge.user, edition=edition)


# --- permissions ----------------------------------------------------------------------------------------

def test_a_judge_and_another_parks_operator_cannot_manage_assignments() -> None:
    edition = EditionFactory()
    rnd = scoring_round(edition, jpa=1)
    judge = JudgeFactory(edition=edition)
    [app] = entries(rnd, 1)
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B", address="亦庄路 1 号", position=5)
    cache.clear()
    stranger = operator_of(park_b)
    for actor in (judge.user, stranger, UserFactory()):
        with pytest.raises(Forbidden):
            assignment_auto(actor=actor, round=rnd)
        with pytest.raises(Forbidden):
            assignment_add(actor=actor, round=rnd, application=app, judge=judge)
        with pytest.raises(Forbidden):
            round_start(actor=actor, round=rnd)
        with pytest.raises(Forbidden):
            judge_add(actor=actor, edition=edition, user=UserFactory(roles=[Role.JUDGE]))
    assert not Assignment.objects.exists()
    assert Judge.objects.count() == 1


# --- judges ---------------------------------------------------------------------------------------------

def test_judge_add_requires_the_role_and_is_idempotent() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    track = TrackFactory(edition=edition)
    with pytest.raises(Invalid):
        judge_add(actor=op, edition=edition, user=UserFactory())
    user = UserFactory(roles=[Role.JUDGE])
    judge = judge_add(actor=op, edition=edition, user=user, tracks=[track.pk], title="教授", max_load=30)
    assert list(judge.tracks.all()) == [track] and judge.max_load == 30
    assert judge_add(actor=op, edition=edition, user=user).pk == judge.pk
    assert Judge.objects.count() == 1
    other_track = TrackFactory()  # another edition's
    with pytest.raises(Invalid):
        judge_update(actor=op, judge=judge, tracks=[other_track.pk])
    with pytest.raises(Invalid):
        judge_update(actor=op, judge=judge, max_load=0)
    updated = judge_update(actor=op, judge=judge, title="研究员", max_load=None)
    assert updated.title == "研究员" and updated.max_load is None
    judge_remove(actor=op, judge=judge)
    assert not Judge.objects.exists()


def test_removing_a_judge_with_assignments_deactivates_and_replaces() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scoring_round(edition, jpa=1)
    leaving, staying = JudgeFactory(edition=edition), JudgeFactory(edition=edition)
    [app] = entries(rnd, 1)
    assignment_add(actor=op, round=rnd, application=app, judge=leaving)
    judge_remove(actor=op, judge=leaving)
    leaving.refresh_from_db()
    assert not leaving.is_active
    assert active_pairs(rnd) == {(staying.pk, app.pk)}


# --- starting a round -----------------------------------------------------------------------------------

def test_round_start_creates_entries_of_submitted_applications() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scored_round(edition, judges_per_application=2, position=1)
    submitted = [ApplicationFactory(edition=edition) for _ in range(3)]
    ApplicationFactory(edition=edition, status=ApplicationStatus.DRAFT, number="")
    ApplicationFactory(edition=edition, status=ApplicationStatus.WITHDRAWN)
    JudgeFactory(edition=edition)
    with pytest.raises(Conflict) as err:  # two judges needed, one seated
        round_start(actor=op, round=rnd)
    assert err.value.code == ErrorCode.NO_JUDGES
    assert not Entry.objects.exists()
    JudgeFactory(edition=edition)
    started = round_start(actor=op, round=rnd)
    assert started.status == RoundStatus.SCORING and started.opens_at is not None
    assert set(Entry.objects.filter(round=rnd).values_list("application_id", flat=True)) == {a.pk for a in submitted}
    assert round_start(actor=op, round=rnd).status == RoundStatus.SCORING  # again: unchanged
    assert Entry.objects.count() == 3


def test_round_start_needs_weights_summing_to_100() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scored_round(edition, weights=(60, 30), judges_per_application=1, position=1)
    ApplicationFactory(edition=edition)
    JudgeFactory(edition=edition)
    with pytest.raises(Conflict):
        round_start(actor=op, round=rnd)
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.DRAFT and not Entry.objects.exists()


def test_later_round_needs_the_previous_published_and_takes_who_passed() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    screening = scored_round(edition, weights=(), kind=RoundKind.SCREENING, position=1)
    online = scored_round(edition, judges_per_application=1, position=2)
    JudgeFactory(edition=edition)
    apps = [ApplicationFactory(edition=edition) for _ in range(3)]
    round_start(actor=op, round=screening)  # screening: no criteria, no judges needed
    assert Entry.objects.filter(round=screening).count() == 3
    Entry.objects.filter(round=screening, application=apps[0]).update(status=EntryStatus.PASSED)
    Entry.objects.filter(round=screening, application__in=apps[1:]).update(status=EntryStatus.NOT_PASSED)
    with pytest.raises(Conflict) as err:
        round_start(actor=op, round=online)
    assert err.value.code == ErrorCode.ILLEGAL_TRANSITION
    assert not Entry.objects.filter(round=online).exists()
    screening.status = RoundStatus.PUBLISHED
    screening.save()
    round_start(actor=op, round=online)
    assert list(Entry.objects.filter(round=online).values_list("application_id", flat=True)) == [apps[0].pk]


def test_assignment_needs_a_round_being_scored() -> None:
    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scored_round(edition, judges_per_application=1)
    JudgeFactory(edition=edition)
    with pytest.raises(Conflict) as err:
        assignment_auto(actor=op, round=rnd)
    assert err.value.code == ErrorCode.ROUND_NOT_OPEN


def test_auto_assignment_queries_do_not_grow_with_the_round() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 15):
        edition = EditionFactory()
        rnd = scoring_round(edition, jpa=2)
        for _ in range(4):
            JudgeFactory(edition=edition)
        entries(rnd, size)
        with CaptureQueriesContext(connection) as ctx:
            assignment_auto(actor=None, round=rnd)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_assignment_pages_query_count_is_bounded(django_assert_max_num_queries: Any) -> None:
    from parkos.competitions.selectors.judging import round_entries, round_loads

    edition = EditionFactory()
    op = operator_of(edition.park)
    rnd = scoring_round(edition, jpa=2)
    for _ in range(4):
        JudgeFactory(edition=edition)
    entries(rnd, 12)
    assignment_auto(actor=None, round=rnd)
    with django_assert_max_num_queries(8):
        rows = list(round_entries(viewer=op, round=rnd)[:30])
        assert all(len(e.application.active_assignments) == 2 for e in rows)
        assert len(round_loads(viewer=op, round=rnd)) == 4
