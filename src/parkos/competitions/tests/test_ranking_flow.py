"""From closing to results: pending re-reviews block the promotion review, publishing only after review,
screening by staff, the public results, feedback only to its own team, the appeal window and answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory, operator
from parkos.competitions.models import (
    Appeal,
    AppealStatus,
    Entry,
    EntryStatus,
    RoundKind,
    RoundStatus,
)
from parkos.competitions.selectors.ranking import feedback_for, ranking_table, results_public
from parkos.competitions.services.ranking import (
    appeal_answer,
    appeal_file,
    promotion_review,
    promotion_set,
    ranking_compute,
    round_close,
    round_publish,
    round_reopen,
    screening_decide,
)
from parkos.competitions.tests.factories import RoundFactory
from parkos.competitions.tests.factories_ranking import entry, judges, ranking_round, score
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db


def _fresh(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


def _scored(promote_count: int = 1, **kwargs: Any) -> tuple[Any, list[Entry]]:
    rnd = ranking_round(promote_count=promote_count, **kwargs)
    j1, j2, _spare = judges(rnd, 3)
    rows = [entry(rnd) for _ in range(3)]
    for e, (a, b) in zip(rows, ((90, 88), (70, 72), (50, 52)), strict=True):
        score(rnd, j1, e.application, a, feedback=f"评委一对{e.application.project_name}的意见")
        score(rnd, j2, e.application, b, feedback="商业模式清晰")
    return rnd, rows


def test_publish_only_after_review(django_capture_on_commit_callbacks: Any) -> None:
    boss = operator()
    rnd, (top, mid, low) = _scored()
    ranking_compute(actor=boss, round=rnd)
    round_close(actor=boss, round=rnd)
    with pytest.raises(Conflict) as caught:
        round_publish(actor=boss, round=rnd)
    assert caught.value.code == ErrorCode.NOT_REVIEWED and _fresh(rnd).status == RoundStatus.CLOSED

    assert promotion_review(actor=boss, round=rnd).status == RoundStatus.REVIEWED
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        published = round_publish(actor=boss, round=rnd, now=now)
    assert published.status == RoundStatus.PUBLISHED
    assert published.appeals_close_at == now + dt.timedelta(days=rnd.edition.appeal_days)
    assert [_fresh(e).status for e in (top, mid, low)] == [EntryStatus.PASSED, EntryStatus.NOT_PASSED,
                                                           EntryStatus.NOT_PASSED]
    top_app, low_app = _fresh(top.application), _fresh(low.application)
    assert top_app.current_round_id == rnd.pk and top_app.eliminated is False
    assert low_app.current_round_id == rnd.pk and low_app.eliminated is True
    from parkos.notifications.models import Notification

    assert set(Notification.objects.filter(kind="competition").values_list("recipient_id", flat=True)) == {
        top_app.applicant_id, low_app.applicant_id, mid.application.applicant_id}
    # again: nothing changes, nothing is sent twice
    round_publish(actor=boss, round=rnd)
    assert Notification.objects.filter(kind="competition").count() == 3


def test_review_refused_while_a_rereview_waits() -> None:
    boss = operator()
    rnd = ranking_round(divergence_threshold=Decimal("10"), promote_count=1)
    j1, j2, j3 = judges(rnd, 3)
    e = entry(rnd)
    score(rnd, j1, e.application, 40)
    score(rnd, j2, e.application, 90)
    assert ranking_compute(actor=boss, round=rnd).rereviews == [e.application_id]
    round_close(actor=boss, round=rnd)
    with pytest.raises(Conflict) as caught:
        promotion_review(actor=boss, round=rnd)
    assert caught.value.code == ErrorCode.NOT_REVIEWED and e.application.number in str(caught.value.message)
    assert _fresh(rnd).status == RoundStatus.CLOSED

    # The extra judge scores once the round is reopened; then the review goes through.
    round_reopen(actor=boss, round=rnd)
    score(rnd, j3, e.application, 80)
    round_close(actor=boss, round=rnd)
    assert promotion_review(actor=boss, round=rnd).status == RoundStatus.REVIEWED
    assert _fresh(e).needs_rereview is False and _fresh(e).scores_count == 3


def test_an_organisers_decision_with_a_note_settles_a_waiting_rereview() -> None:
    boss = operator()
    rnd = ranking_round(divergence_threshold=Decimal("10"))
    j1, j2, _j3 = judges(rnd, 3)
    e = entry(rnd)
    score(rnd, j1, e.application, 40)
    score(rnd, j2, e.application, 90)
    ranking_compute(actor=boss, round=rnd)
    with pytest.raises(Invalid):  # no note: refused, nothing changed
        promotion_set(actor=boss, entry=e, passed=True)
    assert _fresh(e).decided_at is None
    promotion_set(actor=boss, entry=e, passed=True, note="两位评委意见分歧，经组委会合议晋级")
    round_close(actor=boss, round=rnd)
    assert promotion_review(actor=boss, round=rnd).status == RoundStatus.REVIEWED
    with pytest.raises(Conflict):  # reviewed: decisions no longer change
        promotion_set(actor=boss, entry=e, passed=False, note="改判")


def test_review_needs_a_closed_round_and_the_organisers() -> None:
    boss = operator()
    rnd, _rows = _scored()
    with pytest.raises(Conflict):
        promotion_review(actor=boss, round=rnd)  # still scoring
    round_close(actor=boss, round=rnd)
    for who in (UserFactory(), _rows[0].application.applicant):
        with pytest.raises(Forbidden):
            promotion_review(actor=who, round=rnd)
        with pytest.raises(Forbidden):
            round_publish(actor=who, round=rnd)
    assert _fresh(rnd).status == RoundStatus.CLOSED


# --- screening ------------------------------------------------------------------------------------------

def test_screening_by_staff() -> None:
    boss = operator()
    rnd: Any = RoundFactory(kind=RoundKind.SCREENING, status=RoundStatus.SCORING)
    good, bad = entry(rnd), entry(rnd)
    with pytest.raises(Invalid) as caught:  # failing needs a reason
        screening_decide(actor=boss, entry=bad, passed=False)
    assert "note" in caught.value.details and _fresh(bad).decided_at is None
    with pytest.raises(Forbidden):
        screening_decide(actor=UserFactory(), entry=good, passed=True)
    screening_decide(actor=boss, entry=good, passed=True)
    round_close(actor=boss, round=rnd)
    with pytest.raises(Conflict) as undecided:
        promotion_review(actor=boss, round=rnd)
    assert undecided.value.code == ErrorCode.NOT_REVIEWED
    screening_decide(actor=boss, entry=bad, passed=False, note="材料不全：缺少商业计划书")
    promotion_review(actor=boss, round=rnd)
    round_publish(actor=boss, round=rnd)
    assert _fresh(good).status == EntryStatus.PASSED and _fresh(bad).status == EntryStatus.NOT_PASSED
    assert _fresh(bad).note == "材料不全：缺少商业计划书"
    with pytest.raises(Conflict):
        ranking_compute(actor=boss, round=rnd)


# --- results, feedback, appeals -------------------------------------------------------------------------

def _published(now: Any = None, **kwargs: Any) -> tuple[Any, list[Entry]]:
    boss = operator()
    rnd, rows = _scored(**kwargs)
    round_close(actor=boss, round=rnd)
    promotion_review(actor=boss, round=rnd)
    round_publish(actor=boss, round=rnd, now=now)
    return rnd, rows


def test_results_public_only_once_published() -> None:
    rnd, (top, mid, _low) = _scored()
    with pytest.raises(NotFound):
        results_public(viewer=UserFactory(), round=rnd)
    rnd, (top, mid, _low) = _published()
    RoundFactory(edition=rnd.edition, position=rnd.position + 1)  # not the final
    results = results_public(viewer=mid.application.applicant, round=_fresh(rnd))
    assert [e.pk for e in results.rows] == [top.pk] and not results.final
    assert [(e.pk, e.status) for e in results.mine] == [(mid.pk, EntryStatus.NOT_PASSED)]


def test_a_team_sees_its_own_feedback_only() -> None:
    rnd, (top, mid, _low) = _scored()
    with pytest.raises(NotFound):
        feedback_for(viewer=UserFactory(), entry=top)
    assert feedback_for(viewer=top.application.applicant, entry=top).shown is False  # not published
    rnd, (top, mid, _low) = _published()
    mine = feedback_for(viewer=top.application.applicant, entry=_fresh(top))
    assert mine.shown and sorted(mine.texts) == sorted([f"评委一对{top.application.project_name}的意见", "商业模式清晰"])
    assert not any(mid.application.project_name in t for t in mine.texts)
    with pytest.raises(NotFound):  # another team's feedback
        feedback_for(viewer=top.application.applicant, entry=_fresh(mid))
    with pytest.raises(NotFound):  # organisers read scores elsewhere, not as the team
        feedback_for(viewer=UserFactory(), entry=_fresh(mid))
    rnd.edition.feedback_to_teams = False
    rnd.edition.save(update_fields=["feedback_to_teams"])
    assert feedback_for(viewer=top.application.applicant, entry=Entry.objects.get(pk=top.pk)).shown is False


def test_appeal_window_open_and_closed() -> None:
    rnd, (top, mid, low) = _published()
    team = mid.application.applicant
    with pytest.raises(Forbidden):
        appeal_file(actor=UserFactory(), entry=_fresh(mid), text="我们要申诉")
    with pytest.raises(Forbidden):
        appeal_file(actor=top.application.applicant, entry=_fresh(mid), text="替别人申诉")
    appeal = appeal_file(actor=team, entry=_fresh(mid), text="评分与材料不符，请复核")
    assert appeal.status == AppealStatus.OPEN
    assert appeal_file(actor=team, entry=_fresh(mid), text="评分与材料不符，请复核").pk == appeal.pk
    with pytest.raises(Conflict) as twice:
        appeal_file(actor=team, entry=_fresh(mid), text="再申诉一次")
    assert twice.value.code == ErrorCode.DUPLICATE
    late = _fresh(rnd).appeals_close_at + dt.timedelta(seconds=1)
    with pytest.raises(Conflict) as closed:
        appeal_file(actor=low.application.applicant, entry=_fresh(low), text="迟到的申诉", now=late)
    assert closed.value.code == ErrorCode.APPEAL_CLOSED and not Appeal.objects.filter(entry=low).exists()


def test_appeal_refused_before_publishing_and_after_the_window() -> None:
    _rnd, (_top, mid, _low) = _scored()
    with pytest.raises(Conflict) as early:
        appeal_file(actor=mid.application.applicant, entry=mid, text="尚未公布")
    assert early.value.code == ErrorCode.APPEAL_CLOSED
    _rnd, (_top, mid, _low) = _published(now=timezone.now() - dt.timedelta(days=30))
    with pytest.raises(Conflict) as past:
        appeal_file(actor=mid.application.applicant, entry=_fresh(mid), text="窗口已过")
    assert past.value.code == ErrorCode.APPEAL_CLOSED


def test_an_upheld_appeal_lets_the_team_go_on() -> None:
    boss = operator()
    _rnd, (_top, mid, low) = _published()
    appeal = appeal_file(actor=mid.application.applicant, entry=_fresh(mid), text="请复核")
    with pytest.raises(Forbidden):
        appeal_answer(actor=mid.application.applicant, appeal=appeal, upheld=True, answer="自己批准")
    with pytest.raises(Invalid):
        appeal_answer(actor=boss, appeal=appeal, upheld=True, answer="")
    assert _fresh(appeal).status == AppealStatus.OPEN
    answered = appeal_answer(actor=boss, appeal=appeal, upheld=True, answer="经复核，予以晋级")
    assert answered.status == AppealStatus.UPHELD and answered.answered_by == boss
    assert _fresh(mid).status == EntryStatus.PASSED and _fresh(mid.application).eliminated is False
    with pytest.raises(Conflict):
        appeal_answer(actor=boss, appeal=appeal, upheld=False, answer="改为驳回")

    other = appeal_file(actor=low.application.applicant, entry=_fresh(low), text="请复核")
    appeal_answer(actor=boss, appeal=other, upheld=False, answer="评分无误，维持原结果")
    assert _fresh(low).status == EntryStatus.NOT_PASSED


def test_ranking_table_for_organisers_only() -> None:
    boss = operator()
    rnd, rows = _scored()
    ranking_compute(actor=boss, round=rnd)
    table = list(ranking_table(viewer=boss, round=rnd))
    assert [e.pk for e in table] == [e.pk for e in rows] and table[0].application.team_name
    with pytest.raises(Forbidden):
        ranking_table(viewer=rows[0].application.applicant, round=rnd)
