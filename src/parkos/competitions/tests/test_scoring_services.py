"""Scoring: the weighted total on a hand example, values checked (range, halves, unknown criteria), drafts
and submission, the lock after submission, only the assigned judge (not another judge, not a recused or
conflicted assignment, not a closed round), organisers' changes audited with before and after, reopening."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory, operator
from parkos.competitions.models import (
    AssignmentStatus,
    ConflictDeclaration,
    RoundStatus,
    Score,
    ScoreChange,
    ScoreStatus,
)
from parkos.competitions.selectors.scoring import judge_queue, judge_seats, score_for_judge, score_list
from parkos.competitions.services.scoring import score_change, score_reopen, score_save, total_of
from parkos.competitions.tests.factories import JudgeFactory
from parkos.competitions.tests.factories_scoring import assign, criteria, scoring_round, values
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def rnd() -> Any:
    return scoring_round(weights=(60, 40))


def _submitted(rnd: Any, *numbers: Any) -> Score:
    a = assign(rnd)
    return score_save(actor=a.judge.user, assignment=a, values=values(rnd, *numbers), submit=True)


# --- the total ------------------------------------------------------------------------------------------

def test_total_on_a_hand_example(rnd: Any) -> None:
    a = assign(rnd)
    score = score_save(actor=a.judge.user, assignment=a, values=values(rnd, 8, 5), comment="技术扎实",
                       feedback="市场分析可再深入", submit=True)
    # 8/10 × 60 + 5/10 × 40 = 48 + 20
    assert score.total == Decimal("68.00")
    score.refresh_from_db()
    assert score.total == Decimal("68.00") and score.status == ScoreStatus.SUBMITTED and score.submitted_at
    assert score.round_id == rnd.pk and score.judge_id == a.judge_id and score.application_id == a.application_id
    assert score.comment == "技术扎实" and score.feedback == "市场分析可再深入"
    a.refresh_from_db()
    assert a.status == AssignmentStatus.SUBMITTED


def test_total_with_halves_and_other_maxima() -> None:
    rnd = scoring_round(weights=(30, 25, 45))
    first, second, third = criteria(rnd)
    third.max_score = 20
    third.save()
    # 7.5/10 × 30 + 9.5/10 × 25 + 13.5/20 × 45 = 22.5 + 23.75 + 30.375 = 76.625 → 76.63 (half up)
    assert total_of({str(first.pk): 7.5, str(second.pk): 9.5, str(third.pk): 13.5}, criteria(rnd)) == Decimal("76.63")
    assert total_of({str(first.pk): 7.5}, criteria(rnd)) is None
    full = total_of({str(first.pk): 10, str(second.pk): 10, str(third.pk): 20}, criteria(rnd))
    assert full == Decimal("100.00")


# --- values ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "code"), [
    (10.5, ErrorCode.OUT_OF_RANGE), (-1, ErrorCode.OUT_OF_RANGE), ("11", ErrorCode.OUT_OF_RANGE),
    (7.3, ErrorCode.INVALID), ("7.25", ErrorCode.INVALID), ("八", ErrorCode.INVALID), ("nan", ErrorCode.INVALID),
    (True, ErrorCode.INVALID), ([7], ErrorCode.INVALID),
])
def test_bad_values_are_refused_and_nothing_is_saved(rnd: Any, given: Any, code: str) -> None:
    a = assign(rnd)
    first = criteria(rnd)[0]
    with pytest.raises(Invalid) as caught:
        score_save(actor=a.judge.user, assignment=a, values={str(first.pk): given})
    assert caught.value.code == code and f"values.{first.pk}" in caught.value.details
    assert not Score.objects.exists()


def test_unknown_criterion_is_refused(rnd: Any) -> None:
    a = assign(rnd)
    other = scoring_round(edition=rnd.edition)
    with pytest.raises(Invalid) as caught:
        score_save(actor=a.judge.user, assignment=a, values={**values(rnd, 8, 5), str(criteria(other)[0].pk): 5})
    assert caught.value.code == ErrorCode.INVALID_CHOICE and "values" in caught.value.details
    with pytest.raises(Invalid):
        score_save(actor=a.judge.user, assignment=a, values={"abc": 5})
    with pytest.raises(Invalid):
        score_save(actor=a.judge.user, assignment=a, values=[8, 5])  # type: ignore[arg-type]
    assert not Score.objects.exists()


def test_halves_are_allowed_and_kept_exact(rnd: Any) -> None:
    a = assign(rnd)
    first, second = criteria(rnd)
    score = score_save(actor=a.judge.user, assignment=a, values={first.pk: "7.5", str(second.pk): 10}, submit=True)
    assert score.values == {str(first.pk): 7.5, str(second.pk): 10}
    assert score.total == Decimal("85.00")  # 45 + 40


def test_a_draft_keeps_partial_values_and_submitting_needs_all(rnd: Any) -> None:
    a = assign(rnd)
    first, second = criteria(rnd)
    draft = score_save(actor=a.judge.user, assignment=a, values={str(first.pk): 6})
    assert draft.status == ScoreStatus.DRAFT and draft.total is None and draft.values == {str(first.pk): 6}
    with pytest.raises(Invalid) as caught:
        score_save(actor=a.judge.user, assignment=a, values={}, submit=True)
    assert caught.value.code == ErrorCode.REQUIRED and list(caught.value.details) == [f"values.{second.pk}"]
    draft.refresh_from_db()
    assert draft.status == ScoreStatus.DRAFT
    # A later draft merges; an empty value removes one.
    again = score_save(actor=a.judge.user, assignment=a, values={str(second.pk): 4})
    assert again.pk == draft.pk and again.values == {str(first.pk): 6, str(second.pk): 4}
    assert again.total == Decimal("52.00")
    cleared = score_save(actor=a.judge.user, assignment=a, values={str(first.pk): ""})
    assert cleared.values == {str(second.pk): 4} and cleared.total is None
    done = score_save(actor=a.judge.user, assignment=a, values={str(first.pk): 9}, submit=True)
    assert done.total == Decimal("70.00") and Score.objects.count() == 1


def test_comment_with_markup_is_refused(rnd: Any) -> None:
    a = assign(rnd)
    with pytest.raises(Invalid) as caught:
        score_save(actor=a.judge.user, assignment=a, values=values(rnd, 8, 5), comment="<script>x</script>")
    assert caught.value.code == ErrorCode.MARKUP and not Score.objects.exists()


# --- the lock and who may score -------------------------------------------------------------------------

def test_a_submitted_score_is_locked(rnd: Any) -> None:
    score = _submitted(rnd, 8, 5)
    a = score.assignment
    for submit in (False, True):
        with pytest.raises(Conflict) as caught:
            score_save(actor=a.judge.user, assignment=a, values=values(rnd, 10, 10), submit=submit)
        assert caught.value.code == ErrorCode.SCORE_LOCKED
    score.refresh_from_db()
    assert score.total == Decimal("68.00") and score.values == values(rnd, 8, 5)


def test_only_the_assigned_judge_scores(rnd: Any) -> None:
    a = assign(rnd)
    colleague = JudgeFactory(edition=rnd.edition)  # another judge of the same edition
    for outsider in (colleague.user, UserFactory(), operator()):
        with pytest.raises(Forbidden):
            score_save(actor=outsider, assignment=a, values=values(rnd, 8, 5))
    assert not Score.objects.exists()


@pytest.mark.parametrize("status", [AssignmentStatus.RECUSED, AssignmentStatus.REMOVED])
def test_a_recused_or_removed_assignment_is_not_scored(rnd: Any, status: str) -> None:
    a = assign(rnd, status=status)
    with pytest.raises(Forbidden) as caught:
        score_save(actor=a.judge.user, assignment=a, values=values(rnd, 8, 5))
    assert caught.value.code == ErrorCode.NOT_ASSIGNED
    with pytest.raises(Forbidden):
        score_for_judge(viewer=a.judge.user, assignment=a)
    assert not Score.objects.exists()


def test_a_conflicted_application_is_refused(rnd: Any) -> None:
    a = assign(rnd)
    ConflictDeclaration.objects.create(judge=a.judge, application=a.application, reason="前同事")
    with pytest.raises(Forbidden) as caught:
        score_save(actor=a.judge.user, assignment=a, values=values(rnd, 8, 5))
    assert caught.value.code == ErrorCode.CONFLICT_OF_INTEREST
    with pytest.raises(Forbidden) as seen:
        score_for_judge(viewer=a.judge.user, assignment=a)
    assert seen.value.code == ErrorCode.CONFLICT_OF_INTEREST
    assert not Score.objects.exists()


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.CLOSED, RoundStatus.PUBLISHED])
def test_round_not_open(rnd: Any, status: str) -> None:
    a = assign(rnd)
    rnd.status = status
    rnd.save()
    a.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        score_save(actor=a.judge.user, assignment=a, values=values(rnd, 8, 5), submit=True)
    assert caught.value.code == ErrorCode.ROUND_NOT_OPEN and not Score.objects.exists()


# --- what a judge reads ---------------------------------------------------------------------------------

def test_a_judge_never_reads_another_judges_score(rnd: Any) -> None:
    mine = assign(rnd)
    theirs = assign(rnd, application=mine.application)
    score_save(actor=theirs.judge.user, assignment=theirs, values=values(rnd, 3, 2), comment="其他评委", submit=True)
    with pytest.raises(NotFound):
        score_for_judge(viewer=mine.judge.user, assignment=theirs)
    sheet = score_for_judge(viewer=mine.judge.user, assignment=mine)
    assert sheet.score is None and sheet.values == {}
    queue = judge_queue(viewer=mine.judge.user, round=rnd)
    assert [r.assignment.pk for r in queue.rows] == [mine.pk] and queue.done == 0
    with pytest.raises(Forbidden):
        score_list(viewer=mine.judge.user, round=rnd)


def test_queue_and_seats_progress(rnd: Any) -> None:
    judge = JudgeFactory(edition=rnd.edition)
    first, second, third = (assign(rnd, judge=judge) for _ in range(3))
    assign(rnd, judge=judge, status=AssignmentStatus.RECUSED)
    score_save(actor=judge.user, assignment=second, values=values(rnd, 8, 5), submit=True)
    score_save(actor=judge.user, assignment=third, values=values(rnd, 8))
    queue = judge_queue(viewer=judge.user, round=rnd)
    assert [(r.assignment.pk, r.state) for r in queue.rows] == [
        (first.pk, "to_score"), (third.pk, "draft"), (second.pk, "submitted")]
    assert (queue.done, queue.total) == (1, 3) and queue.next is not None and queue.next.assignment.pk == first.pk
    seats = judge_seats(viewer=judge.user)
    assert len(seats) == 1 and [(p.round.pk, p.done, p.total, p.drafts) for p in seats[0].rounds] == [
        (rnd.pk, 1, 3, 1)]
    sheet = score_for_judge(viewer=judge.user, assignment=third)
    assert sheet.next_id == first.pk and sheet.editable and sheet.values == values(rnd, 8)
    assert judge_seats(viewer=UserFactory()) == []
    with pytest.raises(NotFound):
        judge_queue(viewer=UserFactory(), round=rnd)


def test_anonymous_round_queue_hides_the_team(rnd: Any) -> None:
    rnd.anonymous = True
    rnd.save()
    a = assign(rnd)
    name = judge_queue(viewer=a.judge.user, round=rnd).rows[0].name
    assert a.application.team_name not in name and a.application.project_name not in name
    assert judge_queue(viewer=a.judge.user, round=rnd).rows[0].number is None


# --- organisers -----------------------------------------------------------------------------------------

def test_operator_change_is_audited_with_before_and_after(rnd: Any) -> None:
    score = _submitted(rnd, 8, 5)
    op = operator()
    first, second = criteria(rnd)
    changed = score_change(actor=op, score=score, values={str(second.pk): 10}, reason="评委确认录入错误")
    assert changed.total == Decimal("88.00") and changed.values == {str(first.pk): 8, str(second.pk): 10}
    change = ScoreChange.objects.get(score=score)
    assert change.actor == op and change.reason == "评委确认录入错误"
    assert change.before == {"values": {str(first.pk): 8, str(second.pk): 5}, "total": "68.00"}
    assert change.after == {"values": {str(first.pk): 8, str(second.pk): 10}, "total": "88.00"}
    score.refresh_from_db()
    assert score.status == ScoreStatus.SUBMITTED and score.total == Decimal("88.00")
    # The same change again records nothing.
    score_change(actor=op, score=score, values={str(second.pk): 10}, reason="重复提交")
    assert ScoreChange.objects.count() == 1
    listed = list(score_list(viewer=op, round=rnd))
    assert listed == [score] and [c.reason for c in listed[0].changes.all()] == ["评委确认录入错误"]


def test_change_needs_a_reason_an_operator_and_a_submitted_score(rnd: Any) -> None:
    score = _submitted(rnd, 8, 5)
    op = operator()
    with pytest.raises(Invalid) as caught:
        score_change(actor=op, score=score, values=values(rnd, 9, 9), reason="  ")
    assert caught.value.code == ErrorCode.REQUIRED and "reason" in caught.value.details
    with pytest.raises(Forbidden):
        score_change(actor=score.judge.user, score=score, values=values(rnd, 9, 9), reason="我想改")
    with pytest.raises(Invalid):
        score_change(actor=op, score=score, values=values(rnd, 11, 9), reason="错误")
    a = assign(rnd)
    draft = score_save(actor=a.judge.user, assignment=a, values=values(rnd, 5))
    with pytest.raises(Conflict) as not_submitted:
        score_change(actor=op, score=draft, values=values(rnd, 9, 9), reason="错误")
    assert not_submitted.value.code == ErrorCode.ILLEGAL_TRANSITION
    rnd.status = RoundStatus.PUBLISHED
    rnd.save()
    with pytest.raises(Conflict):
        score_change(actor=op, score=score, values=values(rnd, 9, 9), reason="公布后")
    assert not ScoreChange.objects.exists()
    score.refresh_from_db()
    assert score.total == Decimal("68.00")


def test_reopen_gives_the_score_back_to_its_judge(rnd: Any) -> None:
    score = _submitted(rnd, 8, 5)
    op = operator()
    with pytest.raises(Forbidden):
        score_reopen(actor=score.judge.user, score=score, reason="x")
    with pytest.raises(Invalid):
        score_reopen(actor=op, score=score, reason="")
    reopened = score_reopen(actor=op, score=score, reason="评委申请修改")
    assert reopened.status == ScoreStatus.DRAFT and reopened.submitted_at is None
    change = ScoreChange.objects.get(score=score)
    assert change.before["status"] == "submitted" and change.after["status"] == "draft"
    a = score.assignment
    a.refresh_from_db()
    assert a.status == AssignmentStatus.ASSIGNED
    fixed = score_save(actor=a.judge.user, assignment=a, values=values(rnd, 8, 6), submit=True)
    assert fixed.pk == score.pk and fixed.total == Decimal("72.00") and fixed.status == ScoreStatus.SUBMITTED
    score_reopen(actor=op, score=fixed, reason="再次修改")
    with pytest.raises(Conflict) as draft_again:
        score_reopen(actor=op, score=fixed, reason="已是草稿")
    assert draft_again.value.code == ErrorCode.ILLEGAL_TRANSITION
    assert ScoreChange.objects.filter(score=score).count() == 2


def test_reopen_only_while_scoring(rnd: Any) -> None:
    score = _submitted(rnd, 8, 5)
    rnd.status = RoundStatus.CLOSED
    rnd.save()
    with pytest.raises(Conflict) as caught:
        score_reopen(actor=operator(), score=score, reason="评委申请修改")
    assert caught.value.code == ErrorCode.ROUND_NOT_OPEN
    score.refresh_from_db()
    assert score.status == ScoreStatus.SUBMITTED and not ScoreChange.objects.exists()


def test_an_operator_of_another_park_changes_nothing(rnd: Any) -> None:
    from parkos.accounts.models import Role
    from parkos.core.models import Park

    other = Park.objects.create(code="score-b", name="乙园", name_en="Park B", position=7)
    elsewhere = UserFactory(roles=[(Role.OPERATOR, other)])
    here = UserFactory(roles=[(Role.OPERATOR, rnd.edition.park)])
    score = _submitted(rnd, 8, 5)
    with pytest.raises(Forbidden):
        score_change(actor=elsewhere, score=score, values=values(rnd, 9, 9), reason="越权")
    with pytest.raises(Forbidden):
        score_reopen(actor=elsewhere, score=score, reason="越权")
    with pytest.raises(Forbidden):
        score_list(viewer=elsewhere, round=rnd)
    assert not ScoreChange.objects.exists()
    assert score_change(actor=here, score=score, values=values(rnd, 9, 9), reason="本园复核").total == Decimal("90.00")
