"""Reads of suggestions: the public board (filters, sort, figures), one suggestion with its
timeline, and the operators' queue of replies due. Hidden suggestions are out of every public read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from parkos.community.models import (
    Suggestion,
    SuggestionCategory,
    SuggestionProgress,
    SuggestionReply,
    SuggestionSettings,
    SuggestionState,
    SuggestionSupport,
)
from parkos.core import policy
from parkos.core.errors import NotFound

SORTS = {"support": ("-support_count", "-id"), "new": ("-created_at", "-id")}


def suggestion_list(*, viewer: Any, state: str = "", category: str = "", sort: str = "support",
                    overdue: bool = False, q: str = "", park: Any = None) -> QuerySet[Suggestion]:
    """The public board: every suggestion not hidden (declined ones too: accountability); with ``park``,
    that park's board (the pages pass the current park), without, every park's."""
    policy.require(viewer, "community.suggestion.view")
    qs = Suggestion.objects.filter(is_hidden=False).select_related("author", "park")
    if park is not None:
        qs = qs.filter(park=park)
    if state in SuggestionState.values:
        qs = qs.filter(state=state)
    if category in SuggestionCategory.values:
        qs = qs.filter(category=category)
    if overdue:
        qs = qs.filter(first_reply_at__isnull=True, reply_due__lt=timezone.localdate())
    if q:
        qs = qs.filter(Q(title__icontains=q[:50]) | Q(body__icontains=q[:50]))
    return qs.order_by(*SORTS.get(sort, SORTS["support"]))


def suggestion_get(*, viewer: Any, suggestion_id: int) -> Suggestion:
    policy.require(viewer, "community.suggestion.view")
    s = Suggestion.objects.select_related("author").filter(pk=suggestion_id).first()
    if s is None or (s.is_hidden and not policy.can(viewer, "community.suggestion.hidden.view", s)):
        raise NotFound()
    return s


def supported_ids(*, viewer: Any, suggestion_ids: list[int]) -> set[int]:
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not suggestion_ids:
        return set()
    return set(SuggestionSupport.objects.filter(user=viewer, suggestion_id__in=suggestion_ids)
               .values_list("suggestion_id", flat=True))


@dataclass
class Timeline:
    replies: list[SuggestionReply] = field(default_factory=list)
    progress: list[SuggestionProgress] = field(default_factory=list)


def suggestion_timeline(*, viewer: Any, suggestion: Suggestion) -> Timeline:
    return Timeline(
        replies=list(SuggestionReply.objects.filter(suggestion=suggestion).select_related("author")),
        progress=list(SuggestionProgress.objects.filter(suggestion=suggestion)),
    )


@dataclass
class BoardStats:
    total: int
    by_state: dict[str, int]
    median_first_reply: timedelta | None
    overdue: int
    replied_within_deadline: int
    threshold: int
    reply_workdays: int

    @property
    def states(self) -> list[tuple[str, Any, int]]:
        return [(value, label, self.by_state.get(value, 0)) for value, label in SuggestionState.choices]

    @property
    def median_days(self) -> float | None:
        if self.median_first_reply is None:
            return None
        return round(self.median_first_reply.total_seconds() / 86400, 1)


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def suggestion_board_stats(*, viewer: Any, park: Any = None) -> BoardStats:
    """The board's figures in three queries: counts by state, time to first official reply, overdue —
    of one park's board (``park``), or of every park's."""
    visible = Suggestion.objects.filter(is_hidden=False)
    if park is not None:
        visible = visible.filter(park=park)
    rows = visible.values("state").annotate(n=Count("id")).order_by()
    by_state = {r["state"]: r["n"] for r in rows}
    waits = sorted(first - created for created, first in
                   visible.filter(first_reply_at__isnull=False).values_list("created_at", "first_reply_at")
                   if first is not None)
    today = timezone.localdate()
    clock = visible.filter(reply_due__isnull=False).aggregate(
        overdue=Count("id", filter=Q(first_reply_at__isnull=True, reply_due__lt=today)),
        on_time=Count("id", filter=Q(first_reply_at__isnull=False, first_reply_at__date__lte=F("reply_due"))),
    )
    conf = SuggestionSettings.load()
    return BoardStats(total=sum(by_state.values()), by_state=by_state,
                      median_first_reply=_median(waits),
                      overdue=clock["overdue"], replied_within_deadline=clock["on_time"],
                      threshold=conf.support_threshold, reply_workdays=conf.reply_workdays)


def _answerable(viewer: Any, park: Any) -> dict[str, Any]:
    """The parks whose suggestions ``viewer`` answers (``park``: one of them only)."""
    policy.require(viewer, "community.suggestion.answer")
    where = policy.scope_filter(viewer, policy.OPERATOR)
    if where is None:
        where = {"park_id__in": []}
    if park is not None:
        where = {**where, "park": park}
    return where


def suggestion_reply_queue(*, viewer: Any, park: Any = None) -> QuerySet[Suggestion]:
    """Operators: suggestions of their parks past the threshold still waiting for an official reply,
    most urgent first."""
    return (Suggestion.objects.filter(is_hidden=False, first_reply_at__isnull=True, reply_due__isnull=False,
                                      **_answerable(viewer, park))
            .select_related("author", "park").order_by("reply_due", "-support_count", "id"))


def suggestion_new_queue(*, viewer: Any, park: Any = None) -> QuerySet[Suggestion]:
    """Operators: received suggestions of their parks nobody has answered yet (below the threshold too)."""
    return (Suggestion.objects.filter(is_hidden=False, state=SuggestionState.RECEIVED, first_reply_at__isnull=True,
                                      **_answerable(viewer, park))
            .select_related("author", "park").order_by("-support_count", "created_at"))
