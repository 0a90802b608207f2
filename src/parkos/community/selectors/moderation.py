"""Reads of moderation: the operators' queue and audit log, a member's own standing and the
reasons for what was done to their content. Operator reads check the permission inside."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from parkos.community.models import (
    Comment,
    ContentStatus,
    MemberStanding,
    ModerationAction,
    ModerationCase,
    Post,
    Report,
    Sanction,
    SensitiveWord,
    Suggestion,
)
from parkos.core import policy


def _scope(viewer: Any, field: str = "park_id") -> dict[str, Any]:
    """The parks whose queue ``viewer`` works: a park operator their park's items only, a portfolio
    operator every park's and those of no park (portfolio-wide posts, members of no park)."""
    policy.require(viewer, "community.moderate")
    where = policy.scope_filter(viewer, policy.OPERATOR, field)
    if where is None:  # the rule let in someone who holds no operator grant: nothing to show
        return {f"{field}__in": []}
    return where


def case_queue(*, viewer: Any, park: Any = None) -> QuerySet[ModerationCase]:
    """Open cases of the viewer's parks (``park``: one of them only), the heaviest first, with their item,
    its author and the reports in three queries."""
    qs = ModerationCase.objects.filter(state=ModerationCase.State.OPEN, **_scope(viewer))
    if park is not None:
        qs = qs.filter(park=park)
    return (qs.select_related("post", "comment", "suggestion", "subject", "park")
            .prefetch_related(Prefetch("reports", queryset=Report.objects.select_related("reporter")))
            .order_by("-auto_held", "-score", "opened_at", "id"))


def held_posts(*, viewer: Any) -> QuerySet[Post]:
    """Posts held by the word filter (or otherwise) with no open case: they wait for a decision too."""
    scope = _scope(viewer)
    open_posts = ModerationCase.objects.filter(state=ModerationCase.State.OPEN, post__isnull=False).values("post_id")
    return (Post.objects.filter(status=ContentStatus.HELD, **scope).exclude(pk__in=open_posts)
            .select_related("author").order_by("created_at", "id"))


def held_comments(*, viewer: Any) -> QuerySet[Comment]:
    scope = _scope(viewer, "post__park_id")
    open_comments = ModerationCase.objects.filter(state=ModerationCase.State.OPEN,
                                                  comment__isnull=False).values("comment_id")
    return (Comment.objects.filter(status=ContentStatus.HELD, **scope).exclude(pk__in=open_comments)
            .select_related("author").order_by("created_at", "id"))


def action_log(*, viewer: Any, subject: Any = None) -> QuerySet[ModerationAction]:
    policy.require(viewer, "community.moderate")
    qs = ModerationAction.objects.select_related("actor", "subject")
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.order_by("-created_at", "-id")


def word_list(*, viewer: Any) -> QuerySet[SensitiveWord]:
    policy.require(viewer, "community.moderate")
    return SensitiveWord.objects.order_by("word")


@dataclass
class MyStanding:
    standing: MemberStanding
    sanctions: list[Sanction] = field(default_factory=list)
    hidden_posts: list[Post] = field(default_factory=list)
    hidden_comments: list[Comment] = field(default_factory=list)
    hidden_suggestions: list[Suggestion] = field(default_factory=list)


def my_standing(*, viewer: Any) -> MyStanding:
    """What moderators decided about the viewer, with the reasons they gave."""
    from parkos.community.services.moderation import standing_get

    policy.require(viewer, "community.report")
    moderated = (ContentStatus.HIDDEN, ContentStatus.HELD)
    return MyStanding(
        standing=standing_get(viewer),
        sanctions=list(Sanction.objects.filter(user=viewer)[:50]),
        hidden_posts=list(Post.objects.filter(author=viewer, status__in=moderated).order_by("-updated_at")[:50]),
        hidden_comments=list(Comment.objects.filter(author=viewer, status__in=moderated).order_by("-created_at")[:50]),
        hidden_suggestions=list(Suggestion.objects.filter(author=viewer, is_hidden=True)[:50]),
    )
