"""Posts: create, edit (the old text kept as a revision), delete, change status, pin.

Moderation changes a post's status only through ``post_set_status``, so that group counters and the
search index stay right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models import MAX_IMAGES, Comment, ContentStatus, Group, Post, PostRevision, Topic
from parkos.community.parks import AUTHORS_PARK, park_choose
from parkos.community.selectors.posts import posts_of
from parkos.community.services.moderation.screen import content_screen
from parkos.community.services.posts.images import image_process, images_attach
from parkos.community.services.posts.mentions import mentions_find, mentions_notify
from parkos.community.services.posts.rendering import render
from parkos.community.services.posts.score import hot_score
from parkos.community.services.posts.visibility import is_group_member
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound, field_error
from parkos.core.generations import generation_bump
from parkos.core.text import clean_text, parse_tags, require_fits

POST_MAX = 5000
REASON_MAX = 300


def body_clean(body: Any, *, limit: int, field_name: str = "body") -> str:
    """A post's or comment's text: refused when empty, too long or holding control characters."""
    return clean_text(body, field=field_name, limit=limit, required_message=_("Write something first."))


def body_html(text: str) -> str:
    """The HTML stored next to a text: rendered with its @mentions linked. Every write of a body stores
    this (the pages, the API, the admin), so text and HTML never disagree."""
    return render(text, mentions_find(text))[0]


def post_body_correct(*, actor: Any, post: Post, body: Any) -> Post:
    """An operator corrects a post's text (the admin): cleaned and rendered like the author's edit, the
    old text kept as a revision. No word filter, rate limit or mention notices: an operator's correction.
    Sets the new text on ``post`` too, so a caller saving other fields of it keeps them. Locks the row."""
    policy.require(actor, "community.moderate")
    if not policy.can(actor, "community.moderate", post):
        raise NotFound(_("No such post."))  # another park's operator: nothing there
    text = body_clean(body, limit=POST_MAX)
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if text != locked.body:
            PostRevision.objects.create(post=locked, body=locked.body, tags=locked.tags, topic=locked.topic,
                                        editor=actor)
            post.edited_at = timezone.now()
        post.body, post.body_html = text, body_html(text)
        Post.objects.filter(pk=post.pk).update(body=post.body, body_html=post.body_html, edited_at=post.edited_at)
        if post.group_id is not None:  # the group's members see it on their home page (signals skip update())
            generation_bump(posts_of(post.group_id))
        _index_post(post)
    return post


def _index_post(post: Post) -> None:
    from parkos.search.services import delete_on_commit, index_on_commit

    (index_on_commit if post.status == ContentStatus.VISIBLE and post.in_park_feed else delete_on_commit)(
        "post", post.pk)


def _index_comments_of(post: Post) -> None:
    from parkos.search.services import delete_on_commit, index_on_commit

    visible = post.status == ContentStatus.VISIBLE and post.in_park_feed
    for cid, status in Comment.objects.filter(post=post).values_list("id", "status"):
        (index_on_commit if visible and status == ContentStatus.VISIBLE else delete_on_commit)("comment", cid)


def post_url(post: Post) -> str:
    return reverse("community:post", args=[post.pk])


def _clean_fields(*, body: Any, topic: Any, tags: Any) -> tuple[str, str, list[str]]:
    text = body_clean(body, limit=POST_MAX)
    topic = str(topic or Topic.LIFE)
    if topic not in Topic.values:
        raise field_error("topic", _("Choose a topic from the list."), code=ErrorCode.INVALID_CHOICE)
    try:
        tag_list = parse_tags(tags, max_tags=5, max_len=20)
    except ValidationError as e:
        raise field_error("tags", e.messages[0], code=str(e.error_list[0].code or ErrorCode.INVALID)) from None
    return text, topic, tag_list


def _enterprise_allowed(actor: Any, enterprise: Any) -> bool:
    from parkos.enterprises.selectors import is_staff

    return is_staff(actor, enterprise)


def post_create(*, actor: Any, body: Any, topic: Any = Topic.LIFE, tags: Any = None, group: Group | None = None,
                enterprise: Any = None, images: Sequence[Any] = (), park: Any = AUTHORS_PARK) -> Post:
    """``park``: the park's feed the post goes to (a Park, its code or id; by default the author's park),
    None for the whole portfolio's. A group's post always takes its group's park."""
    policy.require(actor, "community.post.create")
    text, topic, tag_list = _clean_fields(body=body, topic=topic, tags=tags)
    if len(images) > MAX_IMAGES:
        raise field_error("images", format_lazy(_("At most {n} images."), n=MAX_IMAGES), code=ErrorCode.TOO_MANY)
    if group is not None:
        if not group.is_active:
            raise NotFound(_("No such group."))
        if not is_group_member(actor, group.pk):
            raise Forbidden(_("Join the group before posting in it."))
        park_id = group.park_id
    else:
        chosen = park_choose(actor, park)
        park_id = chosen.pk if chosen is not None else None
    if enterprise is not None and not _enterprise_allowed(actor, enterprise):
        raise Forbidden(_("Only the enterprise's admin and staff may post as the enterprise."))
    files = [image_process(f) for f in images]
    status = content_screen(actor=actor, text=text, what="post")
    mentions = mentions_find(text)
    html, used = render(text, mentions)
    now = timezone.now()
    with transaction.atomic():
        post = Post.objects.create(
            author=actor, enterprise=enterprise, group=group, park_id=park_id, topic=topic, body=text, body_html=html, tags=tag_list,
            status=status, in_park_feed=group is None or not group.is_private,
            hot_score=hot_score(reactions=0, comments=0, created_at=now))
        images_attach(post, files)
        if group is not None and status == ContentStatus.VISIBLE:
            Group.objects.filter(pk=group.pk).update(post_count=F("post_count") + 1)
        _index_post(post)
        if status == ContentStatus.VISIBLE:
            mentions_notify(actor=actor, post=post, mentions=mentions, used=used, url=post_url(post),
                            where=text[:140])  # the bell's excerpt
    return post


def post_update(*, actor: Any, post: Post, body: Any, topic: Any = None, tags: Any = None) -> Post:
    """Edit a post; the text it had is kept as a revision shown under it. The HTML is rendered anew
    from the new text here, whoever edits (the author's page, the API, an operator in the admin)."""
    policy.require(actor, "community.post.edit", post)
    if post.status in (ContentStatus.DELETED, ContentStatus.HIDDEN):
        raise Conflict(_("This post can no longer be edited."), code=ErrorCode.CLOSED)
    text, topic, tag_list = _clean_fields(body=body, topic=topic or post.topic,
                                          tags=post.tags if tags is None else tags)
    if (text, topic, tag_list) == (post.body, post.topic, post.tags):
        return post
    status = content_screen(actor=actor, text=text, what=None)
    mentions = mentions_find(text)
    html, used = render(text, mentions)
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        old_used = render(locked.body, mentions)[1]
        PostRevision.objects.create(post=locked, body=locked.body, tags=locked.tags, topic=locked.topic, editor=actor)
        was_visible = locked.status == ContentStatus.VISIBLE
        locked.body, locked.body_html, locked.topic, locked.tags = text, html, topic, tag_list
        locked.edited_at = timezone.now()
        if status == ContentStatus.HELD:
            locked.status = ContentStatus.HELD
        locked.save()
        _group_count(locked, was_visible)
        _index_post(locked)
        _index_comments_of(locked)
        if locked.status == ContentStatus.VISIBLE:
            mentions_notify(actor=actor, post=locked, mentions=mentions, used=used - old_used,
                            url=post_url(locked), where=text[:140])
    return locked


def _group_count(post: Post, was_visible: bool) -> None:
    now_visible = post.status == ContentStatus.VISIBLE
    if post.group_id and was_visible != now_visible:
        Group.objects.filter(pk=post.group_id).update(post_count=F("post_count") + (1 if now_visible else -1))


def post_delete(*, actor: Any, post: Post) -> Post:
    """The author (or, for an enterprise's post, its admin) deletes a post; it leaves every feed,
    the search index and the counters."""
    policy.require(actor, "community.post.delete", post)
    return post_set_status(post=post, status=ContentStatus.DELETED, actor=actor, reason="")


def post_set_status(*, post: Post, status: str, actor: Any, reason: str = "") -> Post:
    """The one way a post's status changes (author deletes; moderation holds, hides, restores).
    ``actor`` None is the system (e.g. weighted reports). Keeps group counters and the index right."""
    if status not in ContentStatus.values:
        raise Invalid(_("Unknown status."), code=ErrorCode.INVALID_CHOICE)
    if actor is not None and not policy.can(actor, "community.content.status", post) and not (
            status == ContentStatus.DELETED and policy.can(actor, "community.post.delete", post)):
        raise Forbidden()
    reason = require_fits(str(reason or ""), field="reason", limit=REASON_MAX)
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.status == ContentStatus.DELETED and status != ContentStatus.DELETED and (
                actor is None or not policy.can(actor, "community.content.status", locked)):
            raise Conflict(_("This post was deleted."))
        was_visible = locked.status == ContentStatus.VISIBLE
        locked.status, locked.status_reason = status, reason
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        _group_count(locked, was_visible)
        _index_post(locked)
        _index_comments_of(locked)
    post.status, post.status_reason = locked.status, locked.status_reason
    return locked


def post_pin(*, actor: Any, post: Post, pinned: bool) -> Post:
    if post.group_id is None or post.group is None:
        raise Invalid(_("Only a group's posts can be pinned."))
    policy.require(actor, "community.group.manage", post.group)
    Post.objects.filter(pk=post.pk).update(pinned=pinned)
    post.pinned = pinned
    return post
