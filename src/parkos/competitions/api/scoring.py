"""API: scoring under /api/v1/competitions/. A judge reads their seats, a round's queue and the score sheet
of an assignment of theirs (another judge's answers 404), saves a draft and submits (then locked: 409
``score_locked``; a round not scoring: 409 ``round_not_open``); the organisers list a round's scores with
their changes, change a submitted score with a reason and reopen one for its judge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from parkos.competitions.schemas_scoring import (
    CompQueueOut,
    CompScoreChangeIn,
    CompScoreOut,
    CompScoreReopenIn,
    CompScoreRowOut,
    CompScoreSaveIn,
    CompScoreSheetOut,
    CompSeatOut,
)
from parkos.competitions.selectors import scoring as selectors
from parkos.competitions.services import scoring as services
from parkos.core.errors import NotAuthenticated
from parkos.core.pagination import PageNumberPagination

router = Router(tags=["competitions: scoring"])


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _sheet(request: HttpRequest, assignment_id: int) -> Any:
    assignment = selectors.judge_assignment_get(viewer=_me(request), assignment_id=assignment_id)
    return selectors.score_for_judge(viewer=request.user, assignment=assignment)


@router.get("/judging/seats", response=list[CompSeatOut])
def seats(request: HttpRequest) -> Any:
    """My seats as a judge, with the rounds now scoring and my progress in each."""
    return selectors.judge_seats(viewer=_me(request))


@router.get("/judging/rounds/{int:round_id}/queue", response=CompQueueOut)
def queue(request: HttpRequest, round_id: int) -> Any:
    """My applications of a round: to score, drafts, submitted (names anonymised per round)."""
    rnd, _judge = selectors.round_for_judge(viewer=_me(request), round_id=round_id)
    return selectors.judge_queue(viewer=request.user, round=rnd)


@router.get("/judging/assignments/{int:assignment_id}/score", response=CompScoreSheetOut)
def score_sheet(request: HttpRequest, assignment_id: int) -> Any:
    """The score sheet of one of my assignments: the application, the criteria and my score so far."""
    return _sheet(request, assignment_id)


@router.post("/judging/assignments/{int:assignment_id}/score", response=CompScoreOut)
def score_save(request: HttpRequest, assignment_id: int, payload: CompScoreSaveIn) -> Any:
    """Save my draft (some criteria) or submit (every criterion; locked afterwards)."""
    assignment = selectors.judge_assignment_get(viewer=_me(request), assignment_id=assignment_id)
    return services.score_save(actor=request.user, assignment=assignment, values=payload.values,
                               comment=payload.comment, feedback=payload.feedback, submit=payload.submit)


@router.get("/rounds/{int:round_id}/scores", response=list[CompScoreRowOut])
@paginate(PageNumberPagination, page_size=50)
def score_list(request: HttpRequest, round_id: int, status: str = "", judge: int | None = None,
               q: str = "") -> Any:
    """Every score of a round with its changes (the round's organisers)."""
    rnd = selectors.round_for_organiser(viewer=_me(request), round_id=round_id)
    return selectors.score_list(viewer=request.user, round=rnd, status=status or None, judge=judge, q=q[:50])


@router.post("/scores/{int:score_id}/change", response=CompScoreRowOut)
def score_change(request: HttpRequest, score_id: int, payload: CompScoreChangeIn) -> Any:
    """Change a submitted score with a reason (audited with the values before and after)."""
    score = selectors.score_get(viewer=_me(request), score_id=score_id)
    services.score_change(actor=request.user, score=score, values=payload.values, reason=payload.reason)
    return _row(request, score)


@router.post("/scores/{int:score_id}/reopen", response=CompScoreRowOut)
def score_reopen(request: HttpRequest, score_id: int, payload: CompScoreReopenIn) -> Any:
    """Give a submitted score back to its judge as a draft, while the round is scoring (audited)."""
    score = selectors.score_get(viewer=_me(request), score_id=score_id)
    services.score_reopen(actor=request.user, score=score, reason=payload.reason)
    return _row(request, score)


def _row(request: HttpRequest, score: Any) -> Any:
    return selectors.score_list(viewer=request.user, round=score.round).get(pk=score.pk)
