"""Moderation: the sensitive-word list, reports, cases in the operators' queue, members' standing
(trust level, warnings, suspension) and the audit log of every moderator action."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.community.models.groups import PORTFOLIO_PARK_ID

__all__ = [
    "MemberStanding",
    "ModerationAction",
    "ModerationCase",
    "ModerationSettings",
    "Report",
    "ReportReason",
    "Sanction",
    "SensitiveWord",
    "TargetKind",
    "WordAction",
]


class WordAction(models.TextChoices):
    BLOCK = "block", _("Block: refuse the text")
    HOLD = "hold", _("Hold: publish after review")


class SensitiveWord(models.Model):
    """One word of the operator-edited list. Matching is done on a normalised form of both the word
    and the text (see services.moderation.normalise_for_match), so one entry covers its Traditional,
    full-width, upper-case and spaced-out variants."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    action = models.CharField(_("action"), max_length=8, choices=WordAction.choices, default=WordAction.HOLD)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class ModerationSettings(models.Model):
    """The one row of moderation settings operators edit (pk is always 1)."""

    report_hold_threshold = models.DecimalField(
        _("weighted reports that hold content"), max_digits=5, decimal_places=2, default=3,
        help_text=_("When the weights of open reports on a post or comment add up to this, it is held "
                    "pending review."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="moderationsettings_singleton"),
                       models.CheckConstraint(condition=Q(report_hold_threshold__gt=0),
                                              name="moderationsettings_threshold_positive")]

    def __str__(self) -> str:
        return str(_("Moderation settings"))

    @classmethod
    def load(cls) -> ModerationSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class TargetKind(models.TextChoices):
    POST = "post", _("Post")
    COMMENT = "comment", _("Comment")
    SUGGESTION = "suggestion", _("Suggestion")
    MEMBER = "member", _("A member's conduct")  # reported where nothing is written down: on the map


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Abuse or harassment")
    ILLEGAL = "illegal", _("Illegal content")
    PRIVACY = "privacy", _("Reveals someone's private information")
    FALSE = "false", _("False or misleading")
    OTHER = "other", _("Something else")


class ModerationCase(models.Model):
    """One reported item in the operators' queue: the reports on it add up here until an operator
    decides. A decided case stays as history; a new report after that opens a new case."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        HIDDEN = "hidden", _("Hidden")
        DISMISSED = "dismissed", _("Dismissed")

    kind = models.CharField(_("kind"), max_length=12, choices=TargetKind.choices)
    post = models.ForeignKey("community.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("post"))
    comment = models.ForeignKey("community.Comment", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("comment"))
    suggestion = models.ForeignKey("community.Suggestion", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("suggestion"))
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("author of the content"))
    # The queue it waits in: its content's park (a member's case: the member's first park); empty: the
    # portfolio operators' queue.
    park = models.ForeignKey("core.Park", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("park"), help_text=_("Empty: the portfolio operators' queue."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    score = models.DecimalField(_("weighted reports"), max_digits=7, decimal_places=2, default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    auto_held = models.BooleanField(_("held automatically"), default=False)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("moderation case")
        verbose_name_plural = _("moderation cases")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["state", "-score", "-opened_at"], name="modcase_queue"),
                   models.Index(fields=["park", "state", "-score"], name="modcase_park_queue")]
        constraints = [
            # One open case per item: a second reporter adds to it rather than opening another.
            models.UniqueConstraint(fields=["post"], condition=Q(state="open", post__isnull=False),
                                    name="modcase_one_open_post"),
            models.UniqueConstraint(fields=["comment"], condition=Q(state="open", comment__isnull=False),
                                    name="modcase_one_open_comment"),
            models.UniqueConstraint(fields=["suggestion"], condition=Q(state="open", suggestion__isnull=False),
                                    name="modcase_one_open_suggestion"),
            models.UniqueConstraint(fields=["subject"], condition=Q(state="open", kind="member"),
                                    name="modcase_one_open_member"),
            models.CheckConstraint(
                condition=(Q(kind="post", post__isnull=False, comment__isnull=True, suggestion__isnull=True)
                           | Q(kind="comment", comment__isnull=False, post__isnull=True, suggestion__isnull=True)
                           | Q(kind="suggestion", suggestion__isnull=False, post__isnull=True,
                               comment__isnull=True)
                           | Q(kind="member", post__isnull=True, comment__isnull=True, suggestion__isnull=True)),
                name="modcase_one_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.target_id}"

    @property
    def policy_park_id(self) -> int:
        """A case without a park is the portfolio operators' (policy.PORTFOLIO's id)."""
        return self.park_id if self.park_id is not None else PORTFOLIO_PARK_ID

    @property
    def target_id(self) -> int | None:
        if self.kind == TargetKind.MEMBER:
            return self.subject_id
        return self.post_id or self.comment_id or self.suggestion_id

    @property
    def target(self) -> Any:
        if self.kind == TargetKind.MEMBER:
            return self.subject
        return self.post or self.comment or self.suggestion


class Report(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(ModerationCase, on_delete=models.CASCADE, related_name="reports",
                             verbose_name=_("case"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("reporter"))
    reason = models.CharField(_("reason"), max_length=12, choices=ReportReason.choices)
    detail = models.CharField(_("details"), max_length=500, blank=True)
    # Where it happened, for conduct reported from elsewhere in the park (the immersive map and its area).
    context = models.CharField(pgettext_lazy("moderation", "where"), max_length=200, blank=True)
    context_url = models.CharField(_("link to where"), max_length=300, blank=True)
    # What this report counted for when it was made (see services.moderation.report_weight).
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=1)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "reporter"], name="report_once_per_case")]

    def __str__(self) -> str:
        return f"{self.reporter} → {self.case}"


class MemberStanding(models.Model):
    """A member's standing in the community: trust level (recomputed from history, see
    services.moderation.trust_compute), report record and the current suspension."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standing",
                                primary_key=True, verbose_name=_("member"))
    trust_level = models.PositiveSmallIntegerField(_("trust level"), default=0)
    trust_computed_at = models.DateTimeField(_("trust computed at"), null=True, blank=True)
    reports_upheld = models.PositiveIntegerField(_("reports upheld"), default=0)
    reports_rejected = models.PositiveIntegerField(_("reports rejected"), default=0)
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    suspension_reason = models.CharField(_("reason for the suspension"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("member standing")
        verbose_name_plural = _("member standings")
        constraints = [models.CheckConstraint(condition=Q(trust_level__lte=3), name="standing_trust_0_3")]

    def __str__(self) -> str:
        return f"{self.user} · TL{self.trust_level}"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class Sanction(models.Model):
    """A warning or suspension given to a member, with the reason they see."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        SUSPENSION = "suspension", _("Suspension")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions",
                             verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("given by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "-created_at"], name="sanction_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user}"


class ModerationAction(models.Model):
    """The audit log: every moderator decision (and the system's automatic holds), never edited."""

    class Verb(models.TextChoices):
        AUTO_HOLD = "auto_hold", _("Held after weighted reports")
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        DISMISS = "dismiss", _("Reports dismissed")
        UPHOLD = "uphold", _("Reports upheld")
        WARN = "warn", _("Member warned")
        SUSPEND = "suspend", _("Member suspended")
        UNSUSPEND = "unsuspend", _("Suspension lifted")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("moderator"))
    verb = models.CharField(_("action"), max_length=12, choices=Verb.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=TargetKind.choices, blank=True)
    target_id = models.PositiveBigIntegerField(_("item id"), null=True, blank=True)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("member concerned"))
    case = models.ForeignKey(ModerationCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions",
                             verbose_name=_("case"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} · {self.created_at:%Y-%m-%d %H:%M}"
