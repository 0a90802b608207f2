"""Suggestion endpoints: the public board, one suggestion, submit, support/withdraw, and the
operators' replies, transitions and progress. Each calls one selector or service."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.community.parks import AUTHORS_PARK
from parkos.community.schemas_civic import (
    ProgressIn,
    ProgressOut,
    ReplyIn,
    ReplyOut,
    SuggestionDetailOut,
    SuggestionIn,
    SuggestionOut,
    SupportOut,
    TransitionIn,
)
from parkos.community.selectors import suggestions as selectors
from parkos.community.services import suggestions as services
from parkos.core.parks import park_param

router = Router(tags=["community"])


@router.get("/suggestions", auth=None, response=list[SuggestionOut])
@paginate(PageNumberPagination, page_size=20)
def suggestion_list(request: HttpRequest, state: str = "", category: str = "", sort: str = "support",
                    overdue: bool = False, park: str | None = None) -> Any:
    """Every park's board, or one park's (``park``: code or id)."""
    return selectors.suggestion_list(viewer=request.user, state=state, category=category, sort=sort, overdue=overdue,
                                     park=park_param(park))


def _detail(request: HttpRequest, s: Any) -> dict[str, Any]:
    timeline = selectors.suggestion_timeline(viewer=request.user, suggestion=s)
    data = {f: getattr(s, f) for f in ("id", "park_id", "title", "category", "state", "support_count", "progress", "created_at",
                                       "reply_due", "first_reply_at", "body")}
    data.update(author=s.author.display_name, overdue=s.is_overdue, supported=s.pk in selectors.supported_ids(viewer=request.user, suggestion_ids=[s.pk]),
                replies=timeline.replies, progress_steps=timeline.progress,
                allowed_transitions=services.allowed_transitions(s.state))
    return data


@router.get("/suggestions/{suggestion_id}", auth=None, response=SuggestionDetailOut)
def suggestion_get(request: HttpRequest, suggestion_id: int) -> Any:
    return _detail(request, selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id))


@router.post("/suggestions", response={201: SuggestionDetailOut})
def suggestion_create(request: HttpRequest, payload: SuggestionIn) -> Status[Any]:
    s = services.suggestion_create(actor=request.user, title=payload.title, body=payload.body,
                                   category=payload.category, park=payload.park or AUTHORS_PARK)
    return Status(201, _detail(request, s))


@router.post("/suggestions/{suggestion_id}/support", response=SupportOut)
def suggestion_support(request: HttpRequest, suggestion_id: int) -> Any:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    changed = services.suggestion_support(actor=request.user, suggestion=s)
    return {"supported": True, "changed": changed, "support_count": s.support_count}


@router.delete("/suggestions/{suggestion_id}/support", response=SupportOut)
def suggestion_withdraw(request: HttpRequest, suggestion_id: int) -> Any:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    changed = services.suggestion_withdraw(actor=request.user, suggestion=s)
    return {"supported": False, "changed": changed, "support_count": s.support_count}


@router.post("/suggestions/{suggestion_id}/transitions", response={201: ReplyOut})
def suggestion_transition(request: HttpRequest, suggestion_id: int, payload: TransitionIn) -> Status[Any]:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    return Status(201, services.suggestion_transition(actor=request.user, suggestion=s, to_state=payload.to_state,
                                                      reply=payload.reply))


@router.post("/suggestions/{suggestion_id}/replies", response={201: ReplyOut})
def suggestion_reply(request: HttpRequest, suggestion_id: int, payload: ReplyIn) -> Status[Any]:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    return Status(201, services.suggestion_reply(actor=request.user, suggestion=s, reply=payload.reply))


@router.post("/suggestions/{suggestion_id}/progress", response={201: ProgressOut})
def suggestion_progress(request: HttpRequest, suggestion_id: int, payload: ProgressIn) -> Status[Any]:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    return Status(201, services.suggestion_progress_add(actor=request.user, suggestion=s, percent=payload.percent,
                                                        note=payload.note, happened_on=payload.happened_on))
