"""/api/v1/community/…: posts, feeds, comments, reactions, follows (same services as the pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from parkos.community.parks import AUTHORS_PARK
from parkos.community.schemas import (
    CommentIn,
    CommentOut,
    CommentThreadOut,
    FeedOut,
    FollowIn,
    FollowOut,
    PostIn,
    PostOut,
    PostPatch,
    ReactionIn,
    ReactionOut,
    RevisionOut,
    StatusIn,
)
from parkos.community.selectors import groups as group_selectors
from parkos.community.selectors import posts as selectors
from parkos.community.services import posts as services
from parkos.core.errors import Forbidden
from parkos.core.parks import park_param

router = Router(tags=["community"])


def _feed(page: selectors.FeedPage) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/community/feed", response=FeedOut)
def feed(request: HttpRequest, order: str = "latest", cursor: str | None = None, limit: int = 20,
         topic: str = "", park: str | None = None) -> Any:
    """The park feed: ``order`` latest or hot; pass ``next_cursor`` back as ``cursor`` for the next page.
    ``park`` (code or id): that park's posts and the portfolio-wide ones; without it, every park's."""
    return _feed(selectors.feed_park(viewer=request.user, order=order, cursor=cursor, limit=limit, topic=topic,
                                     park=park_param(park)))


@router.get("/community/feed/following", response=FeedOut)
def feed_following(request: HttpRequest, cursor: str | None = None, limit: int = 20) -> Any:
    return _feed(selectors.feed_following(viewer=request.user, cursor=cursor, limit=limit))


@router.get("/community/members/{user_id}/posts", response=FeedOut)
def feed_member(request: HttpRequest, user_id: int, cursor: str | None = None, limit: int = 20) -> Any:
    from parkos.accounts.selectors import user_get_active

    member = user_get_active(user_id=user_id)
    return _feed(selectors.feed_member(viewer=request.user, member=member, cursor=cursor, limit=limit))


@router.get("/community/groups/{group_id}/posts", response=FeedOut)
def feed_group(request: HttpRequest, group_id: int, cursor: str | None = None, limit: int = 20) -> Any:
    group = group_selectors.group_get(viewer=request.user, group_id=group_id)
    if not group_selectors.can_read_content(viewer=request.user, group=group):
        raise Forbidden()
    return _feed(selectors.feed_group(viewer=request.user, group=group, cursor=cursor, limit=limit))


def _create(request: HttpRequest, payload: PostIn, images: list[Any]) -> Any:
    group = None
    if payload.group_id:
        group = group_selectors.group_get(viewer=request.user, group_id=payload.group_id)
    enterprise = None
    if payload.as_enterprise:
        from parkos.enterprises.selectors import employer_of

        enterprise = employer_of(request.user)
        if enterprise is None:
            raise Forbidden()
    park: Any = AUTHORS_PARK if not payload.park else None if payload.park == "all" else payload.park
    post = services.post_create(actor=request.user, body=payload.body, topic=payload.topic, tags=payload.tags,
                                group=group, enterprise=enterprise, images=images, park=park)
    return selectors.post_get(viewer=request.user, post_id=post.pk)


@router.post("/community/posts", response={201: PostOut})
def post_create(request: HttpRequest, payload: PostIn) -> Status[Any]:
    return Status(201, _create(request, payload, []))


@router.post("/community/posts/with-images", response={201: PostOut})
def post_create_with_images(request: HttpRequest, payload: Form[PostIn],
                            images: File[list[UploadedFile]] = None) -> Status[Any]:  # type: ignore[assignment]
    """The same as POST /community/posts as multipart form data, with up to 9 ``images``."""
    return Status(201, _create(request, payload, list(images or [])))


@router.get("/community/posts/{post_id}", response=PostOut)
def post_get(request: HttpRequest, post_id: int) -> Any:
    return selectors.post_get(viewer=request.user, post_id=post_id)


@router.patch("/community/posts/{post_id}", response=PostOut)
def post_update(request: HttpRequest, post_id: int, payload: PostPatch) -> Any:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    services.post_update(actor=request.user, post=post, body=payload.body, topic=payload.topic, tags=payload.tags)
    return selectors.post_get(viewer=request.user, post_id=post_id)


@router.delete("/community/posts/{post_id}", response={204: None})
def post_delete(request: HttpRequest, post_id: int) -> Status[None]:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    services.post_delete(actor=request.user, post=post)
    return Status(204, None)


@router.post("/community/posts/{post_id}/pin", response=PostOut)
def post_pin(request: HttpRequest, post_id: int, payload: StatusIn) -> Any:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    services.post_pin(actor=request.user, post=post, pinned=payload.pinned)
    return selectors.post_get(viewer=request.user, post_id=post_id)


@router.get("/community/posts/{post_id}/revisions", response=list[RevisionOut])
def post_revisions(request: HttpRequest, post_id: int) -> Any:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    return selectors.revision_list(viewer=request.user, post=post)


@router.post("/community/posts/{post_id}/reactions", response=ReactionOut)
def react(request: HttpRequest, post_id: int, payload: ReactionIn) -> Any:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    return {"kind": payload.kind, "on": services.reaction_toggle(actor=request.user, post=post, kind=payload.kind)}


@router.get("/community/posts/{post_id}/comments", response=list[CommentThreadOut])
def comments(request: HttpRequest, post_id: int) -> Any:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    return selectors.comment_list(viewer=request.user, post=post)


@router.post("/community/posts/{post_id}/comments", response={201: CommentOut})
def comment_create(request: HttpRequest, post_id: int, payload: CommentIn) -> Status[Any]:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    parent = selectors.comment_get(viewer=request.user, comment_id=payload.parent_id) if payload.parent_id else None
    return Status(201, services.comment_create(actor=request.user, post=post, body=payload.body, parent=parent))


@router.patch("/community/comments/{comment_id}", response=CommentOut)
def comment_update(request: HttpRequest, comment_id: int, payload: CommentIn) -> Any:
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    return services.comment_update(actor=request.user, comment=comment, body=payload.body)


@router.delete("/community/comments/{comment_id}", response={204: None})
def comment_delete(request: HttpRequest, comment_id: int) -> Status[None]:
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    services.comment_delete(actor=request.user, comment=comment)
    return Status(204, None)


@router.post("/community/follows", response=FollowOut)
def follow(request: HttpRequest, payload: FollowIn) -> Any:
    """Toggle following a member (``user_id``) or an enterprise (``enterprise_id``)."""
    from parkos.accounts.selectors import user_get_active
    from parkos.enterprises.selectors import enterprise_get

    user = user_get_active(user_id=payload.user_id) if payload.user_id else None
    ent = enterprise_get(viewer=request.user, enterprise_id=payload.enterprise_id) if payload.enterprise_id else None
    return {"following": services.follow_toggle(actor=request.user, user=user, enterprise=ent)}
