"""Comments on posts (one level of replies): write, edit, delete, change status."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models import Comment, CommentRevision, ContentStatus, Post
from parkos.community.services.moderation.screen import content_screen
from parkos.community.services.posts.crud import REASON_MAX, body_clean, body_html
from parkos.community.services.posts.mentions import Mentions, mentions_find, mentions_notify
from parkos.community.services.posts.rendering import render
from parkos.community.services.posts.score import rescore
from parkos.community.services.posts.visibility import can_read, readers
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from parkos.core.text import require_fits

COMMENT_MAX = 2000


def comment_create(*, actor: Any, post: Post, body: Any, parent: Comment | None = None) -> Comment:
    policy.require(actor, "community.comment.create")
    if not can_read(actor, post) or post.status != ContentStatus.VISIBLE:
        raise NotFound(_("No such post."))
    text = body_clean(body, limit=COMMENT_MAX)
    if parent is not None:
        if parent.post_id != post.pk or parent.status != ContentStatus.VISIBLE:
            raise NotFound(_("No such comment."))
        if parent.parent_id is not None:  # one level of replies: a reply to a reply joins its thread
            parent = parent.parent
    status = content_screen(actor=actor, text=text, what="comment")
    mentions = mentions_find(text)
    html, used = render(text, mentions)
    with transaction.atomic():
        comment = Comment.objects.create(post=post, parent=parent, author=actor, body=text, body_html=html,
                                         status=status)
        if status == ContentStatus.VISIBLE:
            _comment_counted(post.pk, +1)
            _comment_side_effects(actor=actor, post=post, comment=comment, mentions=mentions, used=used)
    return comment


def _comment_counted(post_id: int, delta: int) -> None:
    Post.objects.filter(pk=post_id).update(comment_count=F("comment_count") + delta)
    rescore(post_id)


def comment_url(comment: Comment) -> str:
    return f"{reverse('community:post', args=[comment.post_id])}#c{comment.pk}"


def _comment_side_effects(*, actor: Any, post: Post, comment: Comment, mentions: Mentions, used: set[str]) -> None:
    from parkos.notifications.services import notification_send
    from parkos.search.services import index_on_commit

    if post.in_park_feed:
        index_on_commit("comment", comment.pk)
    url = comment_url(comment)
    target = comment.parent.author if comment.parent_id and comment.parent else post.author
    title = (format_lazy(_("{name} replied to your comment"), name=actor.display_name) if comment.parent_id
             else format_lazy(_("{name} commented on your post"), name=actor.display_name))
    mentioned = {mentions.users[n].pk for n in used if n in mentions.users}
    excerpt = comment.body[:140]  # the bell's excerpt; the comment itself is stored whole
    if target.pk not in mentioned:
        recipients = readers([target], post)
        if recipients:
            notification_send(recipients=recipients, kind="reply", title=title, body=excerpt, url=url, actor=actor)
    mentions_notify(actor=actor, post=post, mentions=mentions, used=used, url=url, where=excerpt)


def comment_update(*, actor: Any, comment: Comment, body: Any) -> Comment:
    policy.require(actor, "community.comment.edit", comment)
    if comment.status in (ContentStatus.DELETED, ContentStatus.HIDDEN):
        raise Conflict(_("This comment can no longer be edited."), code=ErrorCode.CLOSED)
    text = body_clean(body, limit=COMMENT_MAX)
    if text == comment.body:
        return comment
    status = content_screen(actor=actor, text=text, what=None)
    html, _used = render(text, mentions_find(text))
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        CommentRevision.objects.create(comment=locked, body=locked.body)
        locked.body, locked.body_html, locked.edited_at = text, html, timezone.now()
        if status == ContentStatus.HELD and locked.status == ContentStatus.VISIBLE:
            locked.status = ContentStatus.HELD
            _comment_counted(locked.post_id, -1)
        locked.save()
        _index_comment(locked)
    return locked


def comment_body_correct(*, actor: Any, comment: Comment, body: Any) -> Comment:
    """An operator corrects a comment's text (the admin), like ``post_body_correct``. Locks the row."""
    policy.require(actor, "community.moderate")
    if not policy.can(actor, "community.moderate", comment):
        raise NotFound(_("No such comment."))  # another park's operator: nothing there
    text = body_clean(body, limit=COMMENT_MAX)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if text != locked.body:
            CommentRevision.objects.create(comment=locked, body=locked.body)
            comment.edited_at = timezone.now()
        comment.body, comment.body_html = text, body_html(text)
        Comment.objects.filter(pk=comment.pk).update(body=comment.body, body_html=comment.body_html,
                                                     edited_at=comment.edited_at)
        _index_comment(comment)
    return comment


def _index_comment(comment: Comment) -> None:
    from parkos.search.services import delete_on_commit, index_on_commit

    post: Any = Post.objects.filter(pk=comment.post_id).values("status", "in_park_feed").first() or {}
    ok = (comment.status == ContentStatus.VISIBLE and post.get("status") == ContentStatus.VISIBLE
          and post.get("in_park_feed"))
    (index_on_commit if ok else delete_on_commit)("comment", comment.pk)


def comment_delete(*, actor: Any, comment: Comment) -> Comment:
    policy.require(actor, "community.comment.delete", comment)
    return comment_set_status(comment=comment, status=ContentStatus.DELETED, actor=actor, reason="")


def comment_set_status(*, comment: Comment, status: str, actor: Any, reason: str = "") -> Comment:
    """The one way a comment's status changes; keeps the post's comment count, hot score and index right."""
    if status not in ContentStatus.values:
        raise Invalid(_("Unknown status."), code=ErrorCode.INVALID_CHOICE)
    if actor is not None and not policy.can(actor, "community.content.status", comment) and not (
            status == ContentStatus.DELETED and policy.can(actor, "community.comment.delete", comment)):
        raise Forbidden()
    reason = require_fits(str(reason or ""), field="reason", limit=REASON_MAX)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        was_visible = locked.status == ContentStatus.VISIBLE
        locked.status, locked.status_reason = status, reason
        locked.save(update_fields=["status", "status_reason"])
        now_visible = status == ContentStatus.VISIBLE
        if was_visible != now_visible:
            _comment_counted(locked.post_id, 1 if now_visible else -1)
        _index_comment(locked)
    comment.status, comment.status_reason = locked.status, locked.status_reason
    return locked
