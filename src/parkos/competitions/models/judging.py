"""Judging: an edition's judges with the tracks they know, the conflicts they declare, the applications
assigned to them per round, their scores (locked once submitted; an organiser's change is audited), and
their recusals.

A conflict of interest is declared by the judge (an enterprise or an application, with a reason) or
detected by ParkOS when assigning (the judge is staff of the applying enterprise; the judge is an investor
who invested in it, from the network's financing records). Neither is ever assigned."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name, validate_plain_text


class Judge(models.Model):
    """A judge of one edition: an account holding the judge role, the tracks they know (automatic
    assignment prefers them) and the most applications they take in one round."""

    edition = models.ForeignKey("competitions.Edition", on_delete=models.CASCADE, related_name="judges",
                                verbose_name=_("edition"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="judge_seats",
                             verbose_name=_("account"))
    title = models.CharField(_("title"), max_length=100, blank=True, validators=[validate_plain_name])
    tracks = models.ManyToManyField("competitions.Track", blank=True, related_name="judges",
                                    verbose_name=_("tracks of expertise"))
    # Rounds this judge sits on (online reviews, the roadshow panel).
    rounds = models.ManyToManyField("competitions.Round", blank=True, related_name="judges",
                                    verbose_name=_("rounds"))
    max_load = models.PositiveSmallIntegerField(_("most applications per round"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("judge")
        verbose_name_plural = _("judges")
        ordering = ["edition", "id"]
        constraints = [models.UniqueConstraint(fields=["edition", "user"], name="competitions_judge_once")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.edition_id}"

    @property
    def policy_park_id(self) -> int:
        return self.edition.park_id

    def relations_for(self, user: Any) -> set[str]:
        from parkos.core import policy

        return {policy.SELF} if getattr(user, "pk", None) == self.user_id else set()


class ConflictSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the judge")
    ORGANISER = "organiser", _("Recorded by an organiser")


class ConflictDeclaration(models.Model):
    """A relationship a judge declares (or an organiser records): with an enterprise (every application of
    it) or with one application (a team not yet registered)."""

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("judge"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+", verbose_name=_("enterprise"))
    application = models.ForeignKey("competitions.Application", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="declared_conflicts", verbose_name=_("application"))
    reason = models.CharField(_("relationship"), max_length=200, validators=[validate_plain_name])
    source = models.CharField(_("source"), max_length=10, choices=ConflictSource.choices,
                              default=ConflictSource.DECLARED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        ordering = ["judge", "id"]
        constraints = [models.CheckConstraint(
            condition=Q(enterprise__isnull=False) | Q(application__isnull=False),
            name="competitions_conflict_names_something")]

    def __str__(self) -> str:
        return self.reason


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("To score")
    SUBMITTED = "submitted", _("Scored")
    RECUSED = "recused", _("Recused")
    REMOVED = "removed", _("Removed by an organiser")


class Assignment(models.Model):
    """An application given to a judge in a round. ``extra`` marks the judge added by divergence
    re-review."""

    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="assignments",
                              verbose_name=_("round"))
    application = models.ForeignKey("competitions.Application", on_delete=models.CASCADE,
                                    related_name="assignments", verbose_name=_("application"))
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("judge"))
    status = models.CharField(_("status"), max_length=10, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED)
    extra = models.BooleanField(_("re-review"), default=False)
    # None: the automatic assignment.
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned by"))
    recusal_reason = models.CharField(_("reason for recusal"), max_length=200, blank=True,
                                      validators=[validate_plain_name])
    recused_at = models.DateTimeField(_("recused at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["round", "judge", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "application", "judge"],
                                               name="competitions_assignment_once")]
        indexes = [models.Index(fields=["judge", "round", "status"], name="competitions_assign_queue"),
                   models.Index(fields=["round", "application"], name="competitions_assign_app")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.application_id}/{self.judge_id}"

    @property
    def policy_park_id(self) -> int:
        return self.round.edition.park_id

    def relations_for(self, user: Any) -> set[str]:
        from parkos.core import policy

        return {policy.SELF} if getattr(user, "pk", None) == self.judge.user_id else set()


class ScoreStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Score(models.Model):
    """A judge's score of an assigned application: a value per criterion (by criterion id), the weighted
    total on 0..100, a comment for the organisers and, if the edition allows, feedback the team sees.
    Locked once submitted; only an organiser changes it then, with a ScoreChange."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="score",
                                      verbose_name=_("assignment"))
    # Denormalised for set-based ranking (one index scan per round).
    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("round"))
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, related_name="+", verbose_name=_("judge"))
    application = models.ForeignKey("competitions.Application", on_delete=models.CASCADE, related_name="+",
                                    verbose_name=_("application"))
    values = models.JSONField(_("scores by criterion"), default=dict)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment for the organisers"), max_length=2000, blank=True,
                               validators=[validate_plain_text])
    feedback = models.TextField(_("feedback for the team"), max_length=2000, blank=True,
                                validators=[validate_plain_text])
    status = models.CharField(_("status"), max_length=10, choices=ScoreStatus.choices, default=ScoreStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["round", "application", "judge"]
        indexes = [models.Index(fields=["round", "status"], name="competitions_score_round")]
        constraints = [models.CheckConstraint(condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                                              name="competitions_score_total_range")]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.total}"


class ScoreChange(models.Model):
    """An organiser's change to a submitted score (or reopening it): who, when, before, after, why."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="changes", verbose_name=_("score"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("changed by"))
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    reason = models.CharField(_("reason"), max_length=300, validators=[validate_plain_name])
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.score_id} @ {self.at}"
