"""Reads of posts and conversation: the feeds (cursor-paginated), a post, its comments and history.

Every read goes through ``posts_readable`` so that a private group's posts reach its active members
only, whatever the page or endpoint. A page of any feed costs a fixed number of queries: the posts
(with author, enterprise and group joined), their images, the viewer's reactions and the
reaction counts by kind."""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from parkos.community.models import (
    Comment,
    ContentStatus,
    Follow,
    Group,
    GroupMembership,
    Post,
    PostImage,
    PostRevision,
    Reaction,
)
from parkos.core.errors import Invalid, NotAuthenticated, NotFound
from parkos.core.generations import person_fact

PAGE_SIZE = 20
MAX_PAGE = 50


@dataclass
class FeedPage:
    items: list[Post]
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def posts_of(group_id: int) -> str:
    """The data set of one group's posts (core/generations.py; community/home.py follows their saves):
    a write by ``update()`` that changes what a post shows bumps it itself."""
    return f"group-posts:{group_id}"


def groups_of(user_id: int) -> str:
    """The data set of one member's group memberships (core/generations.py; community/home.py follows them)."""
    return f"groups-of:{user_id}"


def member_group_ids(viewer: Any) -> list[int]:
    if not getattr(viewer, "is_authenticated", False):
        return []
    cached = getattr(viewer, "_community_group_ids", None)
    if cached is None:
        # Kept per person until their group memberships change (community/home.py follows them).
        cached = person_fact(viewer, "group-ids", lambda: list(GroupMembership.objects.filter(
            user=viewer, status=GroupMembership.Status.ACTIVE).values_list("group_id", flat=True)),
            also=[groups_of(viewer.pk)])
        viewer._community_group_ids = cached
    return list(cached)


def posts_readable(*, viewer: Any) -> QuerySet[Post]:
    """Visible posts the viewer may read (logged-in members only): outside private groups, or in a
    private group the viewer is an active member of."""
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    return Post.objects.filter(Q(in_park_feed=True) | Q(group_id__in=member_group_ids(viewer)),
                               status=ContentStatus.VISIBLE)


def _encode(*parts: Any) -> str:
    raw = "|".join(p.isoformat() if isinstance(p, datetime) else repr(p) if isinstance(p, float) else str(p)
                   for p in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, n: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        if len(parts) != n:
            raise ValueError
        return parts
    except (ValueError, UnicodeDecodeError):
        raise Invalid(_("This page link is not valid any more.")) from None


def _page(qs: QuerySet[Post], *, viewer: Any, order: str, cursor: str | None, limit: int) -> FeedPage:
    """Keyset pagination on (created_at, id) or (hot_score, id), newest/hottest first."""
    limit = max(1, min(limit or PAGE_SIZE, MAX_PAGE))
    key = "hot_score" if order == "hot" else "created_at"
    if cursor:
        value, pk = _decode(cursor, 2)
        try:
            v: Any = float(value) if key == "hot_score" else datetime.fromisoformat(value)
            pk_i = int(pk)
        except ValueError:
            raise Invalid(_("This page link is not valid any more.")) from None
        qs = qs.filter(Q(**{f"{key}__lt": v}) | Q(**{key: v, "id__lt": pk_i}))
    rows = list(qs.order_by(f"-{key}", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    decorate(rows, viewer=viewer)
    nxt = _encode(getattr(rows[-1], key), rows[-1].pk) if more and rows else None
    return FeedPage(items=rows, next_cursor=nxt)


def _page_merged(parts: list[QuerySet[Post]], *, viewer: Any, order: str, cursor: str | None,
                 limit: int) -> FeedPage:
    """Keyset pagination over the union of ``parts`` (a park's posts and the portfolio's): each part is
    one walk down its (park, key, id) index, newest/hottest first, and the two pages merge in Python —
    an OR of the two parks would make the database sort all of a large park's posts instead."""
    limit = max(1, min(limit or PAGE_SIZE, MAX_PAGE))
    key = "hot_score" if order == "hot" else "created_at"
    rows: list[Post] = []
    for qs in parts:
        if cursor:
            value, pk = _decode(cursor, 2)
            try:
                v: Any = float(value) if key == "hot_score" else datetime.fromisoformat(value)
                pk_i = int(pk)
            except ValueError:
                raise Invalid(_("This page link is not valid any more.")) from None
            qs = qs.filter(Q(**{f"{key}__lt": v}) | Q(**{key: v, "id__lt": pk_i}))
        rows.extend(qs.select_related("author", "enterprise", "group").order_by(f"-{key}", "-id")[: limit + 1])
    rows.sort(key=lambda p: (getattr(p, key), p.pk), reverse=True)
    more = len(rows) > limit
    rows = rows[:limit]
    prefetch_related_objects(rows, Prefetch("images", queryset=PostImage.objects.order_by("position", "id")))
    decorate(rows, viewer=viewer)
    nxt = _encode(getattr(rows[-1], key), rows[-1].pk) if more and rows else None
    return FeedPage(items=rows, next_cursor=nxt)


def _base(qs: QuerySet[Post]) -> QuerySet[Post]:
    return qs.select_related("author", "enterprise", "group").prefetch_related(
        Prefetch("images", queryset=PostImage.objects.order_by("position", "id")))


def decorate(posts: list[Post], *, viewer: Any) -> None:
    """Attach ``my_reactions`` (kinds the viewer gave) and ``reaction_kinds`` (kind → count) in two queries."""
    ids = [p.pk for p in posts]
    mine: dict[int, set[str]] = defaultdict(set)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if ids:
        if getattr(viewer, "is_authenticated", False):
            for pid, kind in Reaction.objects.filter(post_id__in=ids, user=viewer).values_list("post_id", "kind"):
                mine[pid].add(kind)
        for row in Reaction.objects.filter(post_id__in=ids).values("post_id", "kind").annotate(n=Count("id")):
            counts[row["post_id"]][row["kind"]] = row["n"]
    labels = dict(Reaction.Kind.choices)
    for p in posts:
        p.my_reactions = mine[p.pk]  # type: ignore[attr-defined]
        p.reaction_kinds = [  # type: ignore[attr-defined]
            {"kind": k, "label": labels[k], "count": counts[p.pk].get(k, 0), "mine": k in mine[p.pk]}
            for k in Reaction.Kind.values]


def feed_park(*, viewer: Any, order: str = "latest", cursor: str | None = None, limit: int = PAGE_SIZE,
              topic: str = "", park: Any = None) -> FeedPage:
    """The park feed: visible posts outside private groups, latest or hot. With ``park``: that park's
    posts and the portfolio-wide ones (the pages pass the current park); without: every park's."""
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    qs = Post.objects.filter(status=ContentStatus.VISIBLE, in_park_feed=True)
    if topic:
        qs = qs.filter(topic=topic)
    order = "hot" if order == "hot" else "latest"
    if park is None:
        return _page(_base(qs), viewer=viewer, order=order, cursor=cursor, limit=limit)
    return _page_merged([qs.filter(park=park), qs.filter(park__isnull=True)], viewer=viewer, order=order,
                        cursor=cursor, limit=limit)


def feed_group(*, viewer: Any, group: Group, cursor: str | None = None, limit: int = PAGE_SIZE) -> FeedPage:
    """A group's feed (``group`` comes from groups.group_get, which already checked the viewer may read it)."""
    qs = posts_readable(viewer=viewer).filter(group=group)
    return _page(_base(qs), viewer=viewer, order="latest", cursor=cursor, limit=limit)


def pinned_posts(*, viewer: Any, group: Group) -> list[Post]:
    rows = list(_base(posts_readable(viewer=viewer).filter(group=group, pinned=True)).order_by("-created_at")[:5])
    decorate(rows, viewer=viewer)
    return rows


def feed_following(*, viewer: Any, cursor: str | None = None, limit: int = PAGE_SIZE) -> FeedPage:
    """Posts of the members and enterprises the viewer follows."""
    follows = list(Follow.objects.filter(follower=viewer).values_list("user_id", "enterprise_id")) \
        if getattr(viewer, "is_authenticated", False) else []
    users = [u for u, _e in follows if u]
    ents = [e for _u, e in follows if e]
    qs = posts_readable(viewer=viewer).filter(Q(author_id__in=users, enterprise__isnull=True) | Q(enterprise_id__in=ents))
    return _page(_base(qs), viewer=viewer, order="latest", cursor=cursor, limit=limit)


def feed_member(*, viewer: Any, member: Any, cursor: str | None = None, limit: int = PAGE_SIZE) -> FeedPage:
    """A member's posts. Members see their own held posts too (marked), never those of others."""
    qs = posts_readable(viewer=viewer)
    if getattr(viewer, "pk", None) == member.pk:
        qs = Post.objects.filter(status__in=[ContentStatus.VISIBLE, ContentStatus.HELD], author=member)
    return _page(_base(qs.filter(author=member)), viewer=viewer, order="latest", cursor=cursor, limit=limit)


def feed_enterprise(*, viewer: Any, enterprise: Any, cursor: str | None = None, limit: int = PAGE_SIZE) -> FeedPage:
    qs = posts_readable(viewer=viewer).filter(enterprise=enterprise)
    return _page(_base(qs), viewer=viewer, order="latest", cursor=cursor, limit=limit)


def post_get(*, viewer: Any, post_id: int) -> Post:
    """One post the viewer may read; its author also reaches it while it is held for review."""
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    qs = posts_readable(viewer=viewer) | Post.objects.filter(author=viewer, status=ContentStatus.HELD)
    post = _base(qs).filter(pk=post_id).first()
    if post is None:
        raise NotFound(_("No such post."))
    decorate([post], viewer=viewer)
    return post


def comment_list(*, viewer: Any, post: Post) -> list[Comment]:
    """Top-level comments with their visible replies (``post`` from post_get: already checked)."""
    visible = Q(status=ContentStatus.VISIBLE)
    if getattr(viewer, "is_authenticated", False):
        visible |= Q(status=ContentStatus.HELD, author=viewer)
    replies = Comment.objects.filter(visible).select_related("author").order_by("created_at", "id")
    return list(Comment.objects.filter(visible, post=post, parent__isnull=True).select_related("author")
                .prefetch_related(Prefetch("replies", queryset=replies)).order_by("created_at", "id"))


def comment_get(*, viewer: Any, comment_id: int) -> Comment:
    comment = Comment.objects.select_related("post", "author", "parent").filter(pk=comment_id).first()
    if comment is None:
        raise NotFound(_("No such comment."))
    post_get(viewer=viewer, post_id=comment.post_id)
    if comment.status != ContentStatus.VISIBLE and comment.author_id != viewer.pk:
        raise NotFound(_("No such comment."))
    return comment


def revision_list(*, viewer: Any, post: Post) -> QuerySet[PostRevision]:
    return PostRevision.objects.filter(post=post).select_related("editor")


def is_following(*, viewer: Any, user: Any = None, enterprise: Any = None) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    target = {"user": user} if user is not None else {"enterprise": enterprise}
    return Follow.objects.filter(follower=viewer, **target).exists()
