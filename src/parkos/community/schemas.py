"""Ninja schemas of the posts and groups part (civic keeps its own in schemas_civic.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from parkos.core.schemas import Id


class ImageOut(Schema):
    url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return str(obj.image.url)


class PostOut(Schema):
    id: int
    author_id: int
    author_name: str
    enterprise_id: int | None
    enterprise_name: str | None
    group_id: int | None
    park_id: int | None  # None: a post for every park of the portfolio
    topic: str
    body: str
    body_html: str
    tags: list[str]
    status: str
    pinned: bool
    reaction_count: int
    comment_count: int
    my_reactions: list[str]
    images: list[ImageOut]
    created_at: datetime
    edited_at: datetime | None

    @staticmethod
    def resolve_author_name(obj: Any) -> str:
        return str(obj.author.display_name)

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str | None:
        return obj.enterprise.name if obj.enterprise_id else None

    @staticmethod
    def resolve_my_reactions(obj: Any) -> list[str]:
        return sorted(getattr(obj, "my_reactions", set()))

    @staticmethod
    def resolve_images(obj: Any) -> list[Any]:
        return list(obj.images.all())


class FeedOut(Schema):
    items: list[PostOut]
    next_cursor: str | None


class PostIn(Schema):
    body: str
    topic: str = "life"
    tags: list[str] = []
    group_id: Id | None = None
    as_enterprise: bool = False
    # The park's feed (code or id; default the author's park) or "all" for the whole portfolio's; a
    # group's post is in its group's park.
    park: str | None = None


class PostPatch(Schema):
    body: str
    topic: str | None = None
    tags: list[str] | None = None


class StatusIn(Schema):
    pinned: bool


class ReactionIn(Schema):
    kind: str


class ReactionOut(Schema):
    kind: str
    on: bool


class CommentOut(Schema):
    id: int
    post_id: int
    parent_id: int | None
    author_id: int
    author_name: str
    body: str
    body_html: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_author_name(obj: Any) -> str:
        return str(obj.author.display_name)


class CommentThreadOut(CommentOut):
    replies: list[CommentOut]

    @staticmethod
    def resolve_replies(obj: Any) -> list[Any]:
        return list(obj.replies.all())


class CommentIn(Schema):
    body: str
    parent_id: Id | None = None


class RevisionOut(Schema):
    body: str
    topic: str
    tags: list[str]
    created_at: datetime


class FollowIn(Schema):
    user_id: Id | None = None
    enterprise_id: Id | None = None


class FollowOut(Schema):
    following: bool


class GroupOut(Schema):
    id: int
    name: str
    description: str
    visibility: str
    park_id: int | None  # None: a group of every park
    member_count: int
    post_count: int
    created_at: datetime


class GroupIn(Schema):
    name: str
    description: str = ""
    visibility: str = "public"
    park: str | None = None  # a park-only group (code or id, one of yours); empty: for every park


class GroupPatch(Schema):
    name: str | None = None
    description: str | None = None
    visibility: str | None = None


class GroupMembershipOut(Schema):
    group_id: int
    user_id: int
    user_name: str
    role: str
    status: str

    @staticmethod
    def resolve_user_name(obj: Any) -> str:
        return str(obj.user.display_name)


class AdminIn(Schema):
    admin: bool


# The published schema names each class by its own name (one name, one schema across the whole
# API: config/tests/test_openapi.py); the short names stay importable for the routers.
MembershipOut = GroupMembershipOut
