"""Posts, comments, reactions, follows and edit history of the park's community."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.community.models.groups import PORTFOLIO_PARK_ID, Group

__all__ = [
    "MAX_IMAGES",
    "POST_AUTHOR",
    "Comment",
    "CommentRevision",
    "ContentStatus",
    "Follow",
    "Post",
    "PostImage",
    "PostRevision",
    "Reaction",
    "Topic",
]

MAX_IMAGES = 9
# The relation "wrote it" (or, for an enterprise's post, "may speak for the enterprise").
POST_AUTHOR = "post_author"


class ContentStatus(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Waiting for review")
    HIDDEN = "hidden", _("Hidden by a moderator")
    DELETED = "deleted", _("Deleted by the author")


class Topic(models.TextChoices):
    LIFE = "life", _("Park life")
    WORK = "work", _("Work and tech")
    EVENTS = "events", _("Events")
    HIRING = "hiring", _("Hiring")
    PRODUCT = "product", _("Product news")
    QUESTION = "question", _("Questions")
    MARKET = "market", _("Second-hand and swaps")
    OTHER = "other", _("Other")


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts",
                               verbose_name=_("author"))
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="posts", verbose_name=_("posted as enterprise"))
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="posts",
                              verbose_name=_("group"))
    # The park's feed it belongs to, or (empty) the whole portfolio's; a group's post has its group's park.
    # Kept on this large table so a distributor could shard by it (issue 14).
    park = models.ForeignKey("core.Park", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("park"), help_text=_("Empty: every park of the portfolio."))
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices, default=Topic.LIFE)
    body = models.TextField(_("text"), max_length=5000)
    # Rendered once from ``body`` (Markdown subset, sanitised) when it is written; pages show this.
    body_html = models.TextField(_("rendered text"), blank=True, editable=False)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ContentStatus.choices,
                              default=ContentStatus.VISIBLE)
    status_reason = models.CharField(_("reason for the status"), max_length=300, blank=True)
    # Denormalised so the park feed is one index scan: False for posts of private groups (kept in
    # step by group_update when a group's visibility changes).
    in_park_feed = models.BooleanField(_("in the park feed"), default=True)
    pinned = models.BooleanField(_("pinned in its group"), default=False)
    reaction_count = models.PositiveIntegerField(_("reactions"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    # ln(1 + reactions + 2·comments) + created_hours / HOT_TAU_HOURS: the "hot" order. An older post
    # needs e times the engagement per HOT_TAU_HOURS of age, so the order decays with time without
    # rewriting rows every hour (see services.posts.hot_score).
    hot_score = models.FloatField(_("hot score"), default=0.0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Partial indexes: the park feed is a walk down one of them (SQLite cannot use a boolean
            # column as an index prefix when Django writes the filter as a bare column).
            models.Index(fields=["-created_at", "-id"], name="post_feed_latest",
                         condition=Q(status="visible", in_park_feed=True)),
            models.Index(fields=["-hot_score", "-id"], name="post_feed_hot",
                         condition=Q(status="visible", in_park_feed=True)),
            # A park's feed: its own posts and the portfolio's (park NULL), each one walk down these.
            models.Index(fields=["park", "-created_at", "-id"], name="post_feed_park_latest",
                         condition=Q(status="visible", in_park_feed=True)),
            models.Index(fields=["park", "-hot_score", "-id"], name="post_feed_park_hot",
                         condition=Q(status="visible", in_park_feed=True)),
            models.Index(fields=["group", "status", "-created_at", "-id"], name="post_feed_group"),
            models.Index(fields=["author", "status", "-created_at"], name="post_feed_author"),
            models.Index(fields=["enterprise", "status", "-created_at"], name="post_feed_enterprise"),
        ]

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def is_visible(self) -> bool:
        return self.status == ContentStatus.VISIBLE

    @property
    def policy_park_id(self) -> int:
        """A portfolio-wide post answers to portfolio operators only."""
        return self.park_id if self.park_id is not None else PORTFOLIO_PARK_ID

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        if self.author_id == user.pk:
            return {POST_AUTHOR}
        if self.enterprise_id:
            from parkos.core import policy

            if self.enterprise is not None and self.enterprise.relations_for(user) & {policy.ENTERPRISE_ADMIN}:
                return {POST_AUTHOR}
        return set()


def _image_path(instance: PostImage, filename: str) -> str:
    return f"community/{instance.post_id or 0}/{filename}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images", verbose_name=_("post"))
    image = models.ImageField(_("image"), upload_to=_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("post image")
        verbose_name_plural = _("post images")
        ordering = ["post", "position", "id"]

    def __str__(self) -> str:
        return self.image.name


class PostRevision(models.Model):
    """The text a post had before an edit: the history shown under an edited post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("post"))
    body = models.TextField(_("text"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("edited by"))
    created_at = models.DateTimeField(_("replaced at"), auto_now_add=True)

    class Meta:
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")
        ordering = ["post", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments", verbose_name=_("post"))
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
                               verbose_name=_("reply to"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments",
                               verbose_name=_("author"))
    body = models.TextField(_("text"), max_length=2000)
    body_html = models.TextField(_("rendered text"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ContentStatus.choices,
                              default=ContentStatus.VISIBLE)
    status_reason = models.CharField(_("reason for the status"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["post", "created_at", "id"]
        indexes = [models.Index(fields=["post", "status", "created_at"], name="comment_post"),
                   models.Index(fields=["author", "-created_at"], name="comment_author")]

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def policy_park_id(self) -> int:
        """A comment lives where its post does."""
        return self.post.policy_park_id

    def relations_for(self, user: Any) -> set[str]:
        if user is not None and getattr(user, "is_authenticated", False) and self.author_id == user.pk:
            return {POST_AUTHOR}
        return set()


class CommentRevision(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions",
                                verbose_name=_("comment"))
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("replaced at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment revision")
        verbose_name_plural = _("comment revisions")
        ordering = ["comment", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.comment_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", _("Like")
        THANKS = "thanks", _("Thanks")
        HAHA = "haha", _("Haha")
        WOW = "wow", _("Wow")
        SUPPORT = "support", _("Support")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("post"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions",
                             verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [models.UniqueConstraint(fields=["post", "user", "kind"], name="reaction_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.post_id}"


class Follow(models.Model):
    """A member follows another member or an enterprise; the following feed reads these."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows",
                                 verbose_name=_("follower"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="followers", verbose_name=_("member followed"))
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="followers", verbose_name=_("enterprise followed"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "user"], condition=Q(user__isnull=False),
                                    name="follow_user_once"),
            models.UniqueConstraint(fields=["follower", "enterprise"], condition=Q(enterprise__isnull=False),
                                    name="follow_enterprise_once"),
            models.CheckConstraint(condition=Q(user__isnull=False, enterprise__isnull=True)
                                   | Q(user__isnull=True, enterprise__isnull=False), name="follow_one_target"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.user_id or self.enterprise_id}"
