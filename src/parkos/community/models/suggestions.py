"""Suggestions to the park (建言献策): the suggestion, its supports, the official replies that move it
through its public states, the progress of accepted ones, and the operators' settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "SUGGESTION_AUTHOR",
    "Suggestion",
    "SuggestionCategory",
    "SuggestionProgress",
    "SuggestionReply",
    "SuggestionSettings",
    "SuggestionState",
    "SuggestionSupport",
]

SUGGESTION_AUTHOR = "suggestion_author"


class SuggestionCategory(models.TextChoices):
    FACILITIES = "facilities", _("Facilities")
    SERVICES = "services", _("Services")
    EVENTS = "events", _("Events")
    SAFETY = "safety", _("Safety")
    CANTEEN = "canteen", _("Canteen")
    TRAFFIC = "traffic", _("Traffic and parking")
    OTHER = "other", _("Other")


class SuggestionState(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Suggestion(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions",
                               verbose_name=_("author"))
    # The park it is addressed to: that park's operators answer it and its board shows it.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("details"), max_length=3000)
    category = models.CharField(_("category"), max_length=12, choices=SuggestionCategory.choices,
                                default=SuggestionCategory.OTHER)
    state = models.CharField(_("state"), max_length=12, choices=SuggestionState.choices,
                             default=SuggestionState.RECEIVED)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0,
                                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    # The reply clock: set once, when supports first reach the operators' threshold.
    threshold_reached_at = models.DateTimeField(_("threshold reached at"), null=True, blank=True)
    reply_due = models.DateField(_("official reply due"), null=True, blank=True)
    first_reply_at = models.DateTimeField(_("first official reply at"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    # Hidden by a moderator (e.g. abuse): out of the board and search, reason shown to the author.
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["is_hidden", "state", "-created_at"], name="sugg_board_new"),
            models.Index(fields=["is_hidden", "-support_count", "-id"], name="sugg_board_support"),
            models.Index(fields=["first_reply_at", "reply_due"], name="sugg_reply_clock"),
            # A park's board (each park's operators answer their own).
            models.Index(fields=["park", "is_hidden", "-support_count", "-id"], name="sugg_park_support"),
            models.Index(fields=["park", "is_hidden", "-created_at", "-id"], name="sugg_park_new"),
        ]
        constraints = [models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100),
                                              name="suggestion_progress_0_100")]

    def __str__(self) -> str:
        return self.title

    def relations_for(self, user: Any) -> set[str]:
        if user is not None and getattr(user, "is_authenticated", False) and user.pk == self.author_id:
            return {SUGGESTION_AUTHOR}
        return set()

    @property
    def is_overdue(self) -> bool:
        return (self.reply_due is not None and self.first_reply_at is None
                and timezone.localdate() > self.reply_due)

    @property
    def is_closed(self) -> bool:
        return self.state in (SuggestionState.DECLINED, SuggestionState.DONE)


class SuggestionSupport(models.Model):
    """One member's support of one suggestion (the unique constraint is what makes it one)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="supports",
                                   verbose_name=_("suggestion"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestion_supports",
                             verbose_name=_("member"))
    created_at = models.DateTimeField(_("supported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["suggestion", "user"], name="suggestion_support_once")]
        indexes = [models.Index(fields=["user", "suggestion"], name="sugg_support_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.suggestion}"


class SuggestionReply(models.Model):
    """An official reply from the park: it may move the suggestion to another state (``to_state``
    differs from ``from_state``) or only answer. Public; never edited."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="replies",
                                   verbose_name=_("suggestion"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("answered by"))
    from_state = models.CharField(_("from state"), max_length=12, choices=SuggestionState.choices)
    to_state = models.CharField(_("to state"), max_length=12, choices=SuggestionState.choices)
    body = models.TextField(_("official reply"), max_length=3000)
    created_at = models.DateTimeField(_("replied at"), default=timezone.now)

    class Meta:
        verbose_name = _("official reply")
        verbose_name_plural = _("official replies")
        ordering = ["suggestion", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.suggestion} · {self.get_to_state_display()}"

    @property
    def changes_state(self) -> bool:
        return self.from_state != self.to_state


class SuggestionProgress(models.Model):
    """A dated step of an accepted suggestion's delivery (Decidim's accountability timeline)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="progress_steps",
                                   verbose_name=_("suggestion"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"),
                                               validators=[MinValueValidator(0), MaxValueValidator(100)])
    note = models.CharField(_("what was done"), max_length=500)
    happened_on = models.DateField(_("date"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress step")
        verbose_name_plural = _("progress steps")
        ordering = ["suggestion", "happened_on", "id"]

    def __str__(self) -> str:
        return f"{self.suggestion} · {self.percent}%"


class SuggestionSettings(models.Model):
    """The one row of suggestion settings operators edit (pk is always 1)."""

    support_threshold = models.PositiveIntegerField(
        _("support threshold"), default=30, validators=[MinValueValidator(1)],
        help_text=_("A suggestion with this many supports must get an official reply."))
    reply_workdays = models.PositiveSmallIntegerField(
        _("reply deadline (working days)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Working days the park has to reply once the threshold is reached."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("suggestion settings")
        verbose_name_plural = _("suggestion settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="suggestionsettings_singleton"),
                       models.CheckConstraint(condition=Q(support_threshold__gte=1),
                                              name="suggestionsettings_threshold_min")]

    def __str__(self) -> str:
        return str(_("Suggestion settings"))

    @classmethod
    def load(cls) -> SuggestionSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
