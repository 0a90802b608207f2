"""API: the ranking under /api/v1/competitions/. Organisers close a round, compute its ranking (per-judge
z-scores, re-reviews, ties), read it, decide entries (screening and promotion), reopen for re-reviews,
review the promotion (409 ``not_reviewed`` while a re-review waits) and publish (409 ``not_reviewed``
before the review); anyone reads a published round's results; a team reads its feedback and appeals
(409 ``appeal_closed`` outside the window); organisers answer appeals."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.competitions.models import Entry
from parkos.competitions.schemas_ranking import (
    CompAppealAnswerIn,
    CompAppealIn,
    CompAppealOut,
    CompDecisionIn,
    CompFeedbackOut,
    CompRankingReportOut,
    CompRankingRowOut,
    CompResultsOut,
    CompRoundStateOut,
)
from parkos.competitions.selectors import ranking as selectors
from parkos.competitions.services import ranking as services
from parkos.core.errors import NotAuthenticated, NotFound
from parkos.core.pagination import PageNumberPagination

router = Router(tags=["competitions: ranking"])


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _round(request: HttpRequest, round_id: int) -> Any:
    return selectors.round_for_ranking(viewer=_me(request), round_id=round_id)


@router.post("/rounds/{int:round_id}/close", response=CompRoundStateOut)
def round_close(request: HttpRequest, round_id: int) -> Any:
    """Close the scoring (SCORING → CLOSED)."""
    return services.round_close(actor=request.user, round=_round(request, round_id))


@router.post("/rounds/{int:round_id}/reopen", response=CompRoundStateOut)
def round_reopen(request: HttpRequest, round_id: int) -> Any:
    """Reopen a closed round's scoring (for the extra judges of re-reviews)."""
    return services.round_reopen(actor=request.user, round=_round(request, round_id))


@router.post("/rounds/{int:round_id}/ranking", response=CompRankingReportOut)
def ranking_compute(request: HttpRequest, round_id: int) -> Any:
    """Compute the ranking now (and send diverging entries to an extra judge)."""
    return services.ranking_compute(actor=request.user, round=_round(request, round_id))


@router.get("/rounds/{int:round_id}/ranking", response=list[CompRankingRowOut])
@paginate(PageNumberPagination, page_size=50)
def ranking_table(request: HttpRequest, round_id: int, only: str = "", q: str = "") -> Any:
    """The ranking for the organisers (``only``: rereview, proposed, decided)."""
    return selectors.ranking_table(viewer=request.user, round=_round(request, round_id), q=q[:50], only=only)


@router.post("/entries/{int:entry_id}/promotion", response=CompRankingRowOut)
def promotion_set(request: HttpRequest, entry_id: int, payload: CompDecisionIn) -> Any:
    """The organiser decides whether an entry goes on (kept by later computations)."""
    entry = selectors.entry_for_organiser(viewer=_me(request), entry_id=entry_id)
    return services.promotion_set(actor=request.user, entry=entry, passed=payload.passed, note=payload.note)


@router.post("/entries/{int:entry_id}/screening", response=CompRankingRowOut)
def screening_decide(request: HttpRequest, entry_id: int, payload: CompDecisionIn) -> Any:
    """Staff pass or fail an entry of a screening round (failing needs a note)."""
    entry = selectors.entry_for_organiser(viewer=_me(request), entry_id=entry_id)
    return services.screening_decide(actor=request.user, entry=entry, passed=payload.passed, note=payload.note)


@router.post("/rounds/{int:round_id}/review", response=CompRoundStateOut)
def promotion_review(request: HttpRequest, round_id: int) -> Any:
    """Review the promotion (CLOSED → REVIEWED); refused while a re-review waits."""
    return services.promotion_review(actor=request.user, round=_round(request, round_id))


@router.post("/rounds/{int:round_id}/publish", response=CompRoundStateOut)
def round_publish(request: HttpRequest, round_id: int) -> Any:
    """Publish the results (REVIEWED → PUBLISHED) and notify the teams."""
    return services.round_publish(actor=request.user, round=_round(request, round_id))


@router.get("/rounds/{int:round_id}/results", response=CompResultsOut, auth=None)
def results(request: HttpRequest, round_id: int) -> Any:
    """A published round's results (the teams that go on; the final: the finalists by rank) and my entries."""
    rnd = selectors.published_round(viewer=request.user, round_id=round_id)
    shown = selectors.results_public(viewer=request.user, round=rnd)
    return {"round": rnd.pk, "final": shown.final, "appeals_open": shown.appeals_open,
            "appeals_close_at": rnd.appeals_close_at,
            "teams": [{"entry": e.pk, "rank": e.rank if shown.final else None,
                       "project_name": e.application.project_name, "team_name": e.application.team_name,
                       "track": e.application.track.name} for e in shown.rows[:1000]],
            "mine": [{"entry": e.pk, "application": e.application_id, "status": e.status, "rank": e.rank,
                      "note": e.note} for e in shown.mine]}


@router.get("/entries/{int:entry_id}/feedback", response=CompFeedbackOut)
def feedback(request: HttpRequest, entry_id: int) -> Any:
    """The judges' feedback for my team (no names, no scores), once published and if the edition allows."""
    entry = selectors.entry_for_team(viewer=_me(request), entry_id=entry_id)
    return selectors.feedback_for(viewer=request.user, entry=entry)


@router.get("/entries/{int:entry_id}/appeal", response=CompAppealOut)
def appeal_get(request: HttpRequest, entry_id: int) -> Any:
    """My team's appeal of this result and its answer (404 when there is none)."""
    entry = selectors.entry_for_team(viewer=_me(request), entry_id=entry_id)
    found = selectors.appeal_of(entry)
    if found is None:
        raise NotFound()
    return found


@router.post("/entries/{int:entry_id}/appeal", response={201: CompAppealOut})
def appeal_file(request: HttpRequest, entry_id: int, payload: CompAppealIn) -> Status[Any]:
    """Appeal my team's published result within the window (one per result)."""
    entry: Entry = selectors.entry_for_team(viewer=_me(request), entry_id=entry_id)
    return Status(201, services.appeal_file(actor=request.user, entry=entry, text=payload.text))


@router.get("/editions/{int:edition_id}/appeals", response=list[CompAppealOut])
@paginate(PageNumberPagination, page_size=50)
def appeal_list(request: HttpRequest, edition_id: int, status: str = "") -> Any:
    """The edition's appeals for its organisers, open ones first."""
    edition = selectors.edition_for_appeals(viewer=_me(request), edition_id=edition_id)
    return selectors.appeal_list(viewer=request.user, edition=edition, status=status)


@router.post("/appeals/{int:appeal_id}/answer", response=CompAppealOut)
def appeal_answer(request: HttpRequest, appeal_id: int, payload: CompAppealAnswerIn) -> Any:
    """Answer an appeal (upheld: an entry that did not go on now goes on)."""
    found = selectors.appeal_for_organiser(viewer=_me(request), appeal_id=appeal_id)
    return services.appeal_answer(actor=request.user, appeal=found, upheld=payload.upheld, answer=payload.answer)
