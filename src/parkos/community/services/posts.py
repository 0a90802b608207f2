"""Writes of posts and conversation: posts, images, comments, reactions, follows, mentions.

Text is Markdown (a small subset) rendered once when written and sanitised with nh3; pages show
the stored HTML. Civic's moderation changes statuses only through ``post_set_status`` and
``comment_set_status`` so that counters and the search index stay right."""

from __future__ import annotations

import io
import math
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt
from markdown_it.token import Token
from PIL import Image, ImageOps, UnidentifiedImageError

from parkos.community.models import (
    MAX_IMAGES,
    Comment,
    CommentRevision,
    ContentStatus,
    Follow,
    Group,
    GroupMembership,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    Topic,
)
from parkos.core import policy
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from parkos.core.text import has_control_chars, parse_tags

POST_MAX = 5000
COMMENT_MAX = 2000
MAX_MENTIONS = 10
HOT_TAU_HOURS = 18.0
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_SIDE = 2048
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

# ---------------------------------------------------------------------------------------------
# Text: Markdown subset → sanitised HTML, with @mentions linked


_md = (
    MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    .disable(["image", "heading", "lheading", "html_block", "html_inline", "reference", "hr"])
)
_ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre"}
_MENTION_RE = re.compile(r"@([0-9A-Za-z_\-·\u3400-\u9fff]{1,30})")


@dataclass
class Mentions:
    users: dict[str, Any] = field(default_factory=dict)  # name → User
    enterprises: dict[str, Any] = field(default_factory=dict)  # name → Enterprise

    def resolve(self, text: str) -> tuple[str, str] | None:
        """Longest known name at the start of ``text`` → (name, url)."""
        for end in range(len(text), 0, -1):
            name = text[:end]
            if name in self.users:
                return name, reverse("accounts:member", args=[self.users[name].pk])
            if name in self.enterprises:
                return name, reverse("enterprises:detail", args=[self.enterprises[name].pk])
        return None


def mentions_find(text: str) -> Mentions:
    """Members and enterprises @-named in ``text``. A member's display name is not unique: a name
    that more than one active member carries links to nobody rather than to the wrong person."""
    from parkos.accounts.models import User
    from parkos.enterprises.models import Enterprise

    found = Mentions()
    heads = [m.group(1) for m in _MENTION_RE.finditer(text)][:MAX_MENTIONS]
    if not heads:
        return found
    candidates = {h[:n] for h in heads for n in range(1, len(h) + 1)}
    by_name: dict[str, list[Any]] = {}
    for u in User.objects.filter(is_active=True, display_name__in=candidates).only("id", "display_name", "language",
                                                                                  "is_active"):
        by_name.setdefault(u.display_name, []).append(u)
    found.users = {name: us[0] for name, us in by_name.items() if len(us) == 1}
    for e in Enterprise.objects.filter(is_active=True, short_name__in=candidates).only("id", "name", "short_name"):
        found.enterprises.setdefault(e.short_name, e)
    for e in Enterprise.objects.filter(is_active=True, name__in=candidates).only("id", "name", "short_name"):
        found.enterprises.setdefault(e.name, e)
    return found


def _link_mentions(tokens: list[Token], mentions: Mentions) -> set[str]:
    used: set[str] = set()
    for tok in tokens:
        if tok.type != "inline" or not tok.children:
            continue
        out: list[Token] = []
        in_link = 0
        for child in tok.children:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            if child.type != "text" or in_link or "@" not in child.content:
                out.append(child)
                continue
            text, pos = child.content, 0
            for m in _MENTION_RE.finditer(text):
                if m.start() < pos:
                    continue
                hit = mentions.resolve(m.group(1))
                if hit is None:
                    continue
                name, url = hit
                if m.start() > pos:
                    out.append(_text(text[pos:m.start()]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": url, "class": "mention"}
                out.extend([link, _text("@" + name), Token("link_close", "a", -1)])
                used.add(name)
                pos = m.start() + 1 + len(name)
            if pos < len(text):
                out.append(_text(text[pos:]))
        tok.children = out
    return used


def _text(content: str) -> Token:
    t = Token("text", "", 0)
    t.content = content
    return t


def render(text: str, mentions: Mentions | None = None) -> tuple[str, set[str]]:
    """Markdown subset → sanitised HTML (links get rel="nofollow noopener"), and the names linked."""
    env: dict[str, Any] = {}
    tokens = _md.parse(text, env)
    used = _link_mentions(tokens, mentions) if mentions else set()
    html = _md.renderer.render(tokens, _md.options, env)
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title", "class"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer")
    return clean, used


def _clean_body(body: Any, *, limit: int, field_name: str = "body") -> str:
    text = str(body or "").replace("\r\n", "\n").strip()
    if not text:
        raise field_error(field_name, _("Write something first."), code="empty")
    if len(text) > limit:
        raise field_error(field_name, format_lazy(_("At most {n} characters."), n=limit), code="too_long")
    if has_control_chars(text):
        raise field_error(field_name, _("Control characters are not allowed."), code="control_chars")
    return text


def _moderate(*, actor: Any, text: str, what: str | None) -> str:
    """Civic's checks, when present: rate limit (raises RateLimited; not for edits, ``what`` None),
    then the word filter. Returns the status the new text gets: visible, or held for review."""
    try:
        from parkos.community.services import moderation
    except ImportError:  # pragma: no cover - civic's module always exists in the tree
        return ContentStatus.VISIBLE
    rate_check = getattr(moderation, "rate_check", None)
    if rate_check is not None and what is not None:
        rate_check(actor, what)
    text_check = getattr(moderation, "text_check", None)
    if text_check is None:
        return ContentStatus.VISIBLE
    verdict = text_check(text)
    if verdict.action == "block":
        words = "、".join(getattr(verdict, "words", []) or [])
        raise field_error("body", format_lazy(_("This text contains words that are not allowed here: {words}"),
                                              words=words), code="blocked")
    return ContentStatus.HELD if verdict.action == "hold" else ContentStatus.VISIBLE


# ---------------------------------------------------------------------------------------------
# Images


def image_process(upload: Any) -> ContentFile[bytes]:
    """Re-encode an uploaded image to WebP (EXIF and other metadata dropped, orientation applied,
    longest side capped). The type is decided by the content, never by the name or header."""
    size = getattr(upload, "size", None)
    if size is not None and size > IMAGE_MAX_BYTES:
        raise field_error("images", _("An image can be at most 10 MB."), code="image_too_large")
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    if len(data) > IMAGE_MAX_BYTES:
        raise field_error("images", _("An image can be at most 10 MB."), code="image_too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in IMAGE_FORMATS:
                raise field_error("images", _("Upload a JPEG, PNG, WebP or GIF image."), code="image_type")
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise field_error("images", _("This image has too many pixels."), code="image_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as source:
            source.seek(0)
            img: Image.Image = ImageOps.exif_transpose(source) or source
            img.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
            img = img.convert("RGBA" if has_alpha else "RGB")
            out = io.BytesIO()
            img.save(out, "WEBP", quality=82, method=4)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise field_error("images", _("Upload a JPEG, PNG, WebP or GIF image."), code="image_type") from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp")


def _images_attach(post: Post, files: Sequence[ContentFile[bytes]], start: int = 0) -> None:
    for i, content in enumerate(files):
        img = PostImage(post=post, position=start + i)
        img.image.save(content.name or f"{uuid.uuid4().hex}.webp", content, save=False)
        img.save()


# ---------------------------------------------------------------------------------------------
# Helpers


def hot_score(*, reactions: int, comments: int, created_at: datetime) -> float:
    """ln(1 + reactions + 2·comments) + age-independent time term: ordering by this equals ordering
    by (1 + reactions + 2·comments)·e^(−age/τ), a score that decays with time, yet a stored value
    never goes stale, so the hot feed is an index scan."""
    return math.log(1 + reactions + 2 * comments) + created_at.timestamp() / 3600.0 / HOT_TAU_HOURS


def _rescore(post_id: int) -> None:
    p = Post.objects.filter(pk=post_id).values("reaction_count", "comment_count", "created_at").first()
    if p:
        Post.objects.filter(pk=post_id).update(hot_score=hot_score(
            reactions=p["reaction_count"], comments=p["comment_count"], created_at=p["created_at"]))


def is_group_member(user: Any, group_id: int | None) -> bool:
    if group_id is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return GroupMembership.objects.filter(group_id=group_id, user=user, status=GroupMembership.Status.ACTIVE).exists()


def can_read(user: Any, post: Post) -> bool:
    """Who may see a visible post: anyone logged in, except that a private group's posts are for its
    active members only."""
    if not getattr(user, "is_authenticated", False):
        return False
    if post.status != ContentStatus.VISIBLE and post.author_id != user.pk:
        return False
    if post.group_id and not post.in_park_feed:
        return is_group_member(user, post.group_id)
    return True


def _readers(users: Iterable[Any], post: Post) -> list[Any]:
    """Only people who may read the post hear about it (a private group's post never notifies outsiders)."""
    people = [u for u in users if u is not None]
    if post.group_id and not post.in_park_feed:
        members = set(GroupMembership.objects.filter(group_id=post.group_id, status=GroupMembership.Status.ACTIVE,
                                                     user__in=people).values_list("user_id", flat=True))
        people = [u for u in people if u.pk in members]
    return people


def _enterprise_allowed(actor: Any, enterprise: Any) -> bool:
    from parkos.enterprises.selectors import membership_of

    m = membership_of(user=actor)
    return bool(m and m.enterprise_id == enterprise.pk and m.status == "active")


def _notify_mentions(*, actor: Any, post: Post, mentions: Mentions, used: set[str], url: str,
                     where: Any) -> None:
    from parkos.enterprises.models import Membership
    from parkos.notifications.services import notification_send

    users = [mentions.users[n] for n in used if n in mentions.users]
    ent_ids = [mentions.enterprises[n].pk for n in used if n in mentions.enterprises and n not in mentions.users]
    if ent_ids:
        from parkos.accounts.models import User

        users += list(User.objects.filter(is_active=True, memberships__enterprise_id__in=ent_ids,
                                          memberships__role=Membership.Role.ADMIN,
                                          memberships__status=Membership.Status.ACTIVE))
    recipients = _readers({u.pk: u for u in users}.values(), post)
    if recipients:
        notification_send(recipients=recipients, kind="mention",
                          title=format_lazy(_("{name} mentioned you"), name=_speaker(actor, post)),
                          body=where, url=url, actor=actor)


def _speaker(actor: Any, post: Post) -> str:
    return post.enterprise.name if post.enterprise_id and post.enterprise else actor.display_name


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


# ---------------------------------------------------------------------------------------------
# Posts


def _clean_fields(*, body: Any, topic: Any, tags: Any) -> tuple[str, str, list[str]]:
    text = _clean_body(body, limit=POST_MAX)
    topic = str(topic or Topic.LIFE)
    if topic not in Topic.values:
        raise field_error("topic", _("Choose a topic from the list."), code="topic")
    try:
        tag_list = parse_tags(tags, max_tags=5, max_len=20)
    except ValidationError as e:
        raise field_error("tags", e.messages[0], code="tags") from None
    return text, topic, tag_list


def post_create(*, actor: Any, body: Any, topic: Any = Topic.LIFE, tags: Any = None, group: Group | None = None,
                enterprise: Any = None, images: Sequence[Any] = ()) -> Post:
    policy.require(actor, "community.post.create")
    text, topic, tag_list = _clean_fields(body=body, topic=topic, tags=tags)
    if len(images) > MAX_IMAGES:
        raise field_error("images", format_lazy(_("At most {n} images."), n=MAX_IMAGES), code="too_many_images")
    if group is not None:
        if not group.is_active:
            raise NotFound(_("No such group."))
        if not is_group_member(actor, group.pk):
            raise Forbidden(_("Join the group before posting in it."))
    if enterprise is not None and not _enterprise_allowed(actor, enterprise):
        raise Forbidden(_("Only the enterprise's admin and staff may post as the enterprise."))
    files = [image_process(f) for f in images]
    status = _moderate(actor=actor, text=text, what="post")
    mentions = mentions_find(text)
    html, used = render(text, mentions)
    now = timezone.now()
    with transaction.atomic():
        post = Post.objects.create(
            author=actor, enterprise=enterprise, group=group, topic=topic, body=text, body_html=html, tags=tag_list,
            status=status, in_park_feed=group is None or not group.is_private,
            hot_score=hot_score(reactions=0, comments=0, created_at=now))
        _images_attach(post, files)
        if group is not None and status == ContentStatus.VISIBLE:
            Group.objects.filter(pk=group.pk).update(post_count=F("post_count") + 1)
        _index_post(post)
        if status == ContentStatus.VISIBLE:
            _notify_mentions(actor=actor, post=post, mentions=mentions, used=used, url=post_url(post),
                             where=text[:140])
    return post


def post_update(*, actor: Any, post: Post, body: Any, topic: Any = None, tags: Any = None) -> Post:
    """Edit a post; the text it had is kept as a revision shown under it."""
    policy.require(actor, "community.post.edit", post)
    if post.status in (ContentStatus.DELETED, ContentStatus.HIDDEN):
        raise Conflict(_("This post can no longer be edited."))
    text, topic, tag_list = _clean_fields(body=body, topic=topic or post.topic,
                                          tags=post.tags if tags is None else tags)
    if (text, topic, tag_list) == (post.body, post.topic, post.tags):
        return post
    status = _moderate(actor=actor, text=text, what=None)
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
            _notify_mentions(actor=actor, post=locked, mentions=mentions, used=used - old_used,
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
        raise Invalid(_("Unknown status."))
    if actor is not None and not policy.can(actor, "community.content.status") and not (
            status == ContentStatus.DELETED and policy.can(actor, "community.post.delete", post)):
        raise Forbidden()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.status == ContentStatus.DELETED and status != ContentStatus.DELETED and (
                actor is None or not policy.can(actor, "community.content.status")):
            raise Conflict(_("This post was deleted."))
        was_visible = locked.status == ContentStatus.VISIBLE
        locked.status, locked.status_reason = status, str(reason or "")[:200]
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


# ---------------------------------------------------------------------------------------------
# Comments


def comment_create(*, actor: Any, post: Post, body: Any, parent: Comment | None = None) -> Comment:
    policy.require(actor, "community.comment.create")
    if not can_read(actor, post) or post.status != ContentStatus.VISIBLE:
        raise NotFound(_("No such post."))
    text = _clean_body(body, limit=COMMENT_MAX)
    if parent is not None:
        if parent.post_id != post.pk or parent.status != ContentStatus.VISIBLE:
            raise NotFound(_("No such comment."))
        if parent.parent_id is not None:  # one level of replies: a reply to a reply joins its thread
            parent = parent.parent
    status = _moderate(actor=actor, text=text, what="comment")
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
    _rescore(post_id)


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
    if target.pk not in mentioned:
        recipients = _readers([target], post)
        if recipients:
            notification_send(recipients=recipients, kind="reply", title=title, body=comment.body[:140], url=url,
                              actor=actor)
    _notify_mentions(actor=actor, post=post, mentions=mentions, used=used, url=url, where=comment.body[:140])


def comment_update(*, actor: Any, comment: Comment, body: Any) -> Comment:
    policy.require(actor, "community.comment.edit", comment)
    if comment.status in (ContentStatus.DELETED, ContentStatus.HIDDEN):
        raise Conflict(_("This comment can no longer be edited."))
    text = _clean_body(body, limit=COMMENT_MAX)
    if text == comment.body:
        return comment
    status = _moderate(actor=actor, text=text, what=None)
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
        raise Invalid(_("Unknown status."))
    if actor is not None and not policy.can(actor, "community.content.status") and not (
            status == ContentStatus.DELETED and policy.can(actor, "community.comment.delete", comment)):
        raise Forbidden()
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        was_visible = locked.status == ContentStatus.VISIBLE
        locked.status, locked.status_reason = status, str(reason or "")[:200]
        locked.save(update_fields=["status", "status_reason"])
        now_visible = status == ContentStatus.VISIBLE
        if was_visible != now_visible:
            _comment_counted(locked.post_id, 1 if now_visible else -1)
        _index_comment(locked)
    comment.status, comment.status_reason = locked.status, locked.status_reason
    return locked


# ---------------------------------------------------------------------------------------------
# Reactions and follows


def reaction_toggle(*, actor: Any, post: Post, kind: str) -> bool:
    """Add the actor's reaction of this kind, or take it back. Returns True when it is now on.
    The unique constraint makes a double click count once."""
    policy.require(actor, "community.react")
    if kind not in Reaction.Kind.values:
        raise field_error("kind", _("Unknown reaction."), code="kind")
    if not can_read(actor, post) or post.status != ContentStatus.VISIBLE:
        raise NotFound(_("No such post."))
    with transaction.atomic():
        deleted, _rows = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") - 1)
            on = False
        else:
            try:
                with transaction.atomic():
                    Reaction.objects.create(post=post, user=actor, kind=kind)
            except IntegrityError:
                return True
            Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") + 1)
            on = True
        _rescore(post.pk)
    return on


def follow_toggle(*, actor: Any, user: Any = None, enterprise: Any = None) -> bool:
    """Follow a member or an enterprise, or stop. Returns True when now following."""
    policy.require(actor, "community.follow")
    if (user is None) == (enterprise is None):
        raise Invalid(_("Follow one member or one enterprise."))
    if user is not None and user.pk == actor.pk:
        raise Invalid(_("You cannot follow yourself."))
    target = {"user": user} if user is not None else {"enterprise": enterprise}
    with transaction.atomic():
        deleted, _rows = Follow.objects.filter(follower=actor, **target).delete()
        if deleted:
            return False
        try:
            with transaction.atomic():
                Follow.objects.create(follower=actor, **target)
        except IntegrityError:
            pass
    return True
