"""A team's application to an edition: its answers to the form, its attachments, where it stands in each
round (``Entry``), and its appeals.

An application is its applicant's; when it is made for an enterprise of the park, that enterprise's admins
share it (relation ENTERPRISE_ADMIN) and its staff may read it (ENTERPRISE_STAFF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name, validate_plain_text


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    edition = models.ForeignKey("competitions.Edition", on_delete=models.PROTECT, related_name="applications",
                                verbose_name=_("edition"))
    track = models.ForeignKey("competitions.Track", on_delete=models.PROTECT, related_name="applications",
                              verbose_name=_("track"))
    # Denormalised from the edition: lists and the policy scope by park without a join.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="competition_applications", verbose_name=_("applicant"))
    # The park enterprise applying, or none for a team not yet registered.
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("enterprise"))
    # "DS2026-0042", given on first submission.
    number = models.CharField(_("number"), max_length=20, blank=True)
    project_name = models.CharField(_("project"), max_length=80, validators=[validate_plain_name])
    team_name = models.CharField(_("team or company"), max_length=100, validators=[validate_plain_name])
    team_size = models.PositiveSmallIntegerField(_("team size"), default=1)
    founded_on = models.DateField(_("company founded on"), null=True, blank=True)
    summary = models.TextField(_("one-paragraph summary"), max_length=500, blank=True, validators=[validate_plain_text])
    # Answers to the edition's form fields, by key (files are Attachments).
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The furthest round reached, and whether the team is still in the competition.
    current_round = models.ForeignKey("competitions.Round", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("current round"))
    eliminated = models.BooleanField(_("out of the competition"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One application per applicant and edition (a retried "start" returns the same draft).
            models.UniqueConstraint(fields=["edition", "applicant"], name="competitions_application_once"),
            models.UniqueConstraint(fields=["edition", "enterprise"], condition=Q(enterprise__isnull=False),
                                    name="competitions_application_enterprise_once"),
            models.UniqueConstraint(fields=["edition", "number"], condition=~Q(number=""),
                                    name="competitions_application_number"),
        ]
        indexes = [models.Index(fields=["edition", "status", "track"], name="competitions_app_edition"),
                   models.Index(fields=["park", "status"], name="competitions_app_park")]

    def __str__(self) -> str:
        return self.number or self.project_name

    def relations_for(self, user: Any) -> set[str]:
        from parkos.core import policy

        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations: set[str] = set()
        if self.applicant_id == user.pk:
            relations.add(policy.SELF)
        if self.enterprise is not None:
            relations |= self.enterprise.relations_for(user) & {policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF}
        from parkos.competitions.models.judging import Assignment, AssignmentStatus

        if Assignment.objects.filter(application_id=self.pk, judge__user_id=user.pk,
                                     status__in=(AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)).exists():
            relations.add(ASSIGNED_JUDGE)
        return relations


# A judge's relation to an application assigned to them (not recused, not removed): they may read it
# (anonymised when the round says so) and score it.
ASSIGNED_JUDGE = "assigned_judge"


class Attachment(models.Model):
    """A file answering a file field of the form (the business plan PDF). Served only through a view that
    asks the policy (its team, the edition's organisers, a judge assigned to it and not conflicted)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments",
                                    verbose_name=_("application"))
    field_key = models.SlugField(_("form field"), max_length=40)
    file = models.FileField(_("file"), upload_to="competitions/%Y/%m/")
    name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application", "field_key", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "field_key"],
                                               name="competitions_attachment_field")]

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("Being reviewed")
    PASSED = "passed", _("Goes on")
    NOT_PASSED = "not_passed", _("Does not go on")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Entry(models.Model):
    """An application in a round: its computed scores, its rank, the organiser's promotion decision and the
    feedback the team sees once the round's results are published."""

    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="entries",
                              verbose_name=_("round"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="entries",
                                    verbose_name=_("application"))
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING)
    # Computed by the ranking: mean of raw totals (0..100), mean of the judges' z-scores, the score that
    # ranks (z mean in normalised rounds; the trimmed mean at the roadshow), and its spread.
    raw_mean = models.DecimalField(_("raw mean"), max_digits=6, decimal_places=2, null=True, blank=True)
    z_mean = models.FloatField(_("normalised score"), null=True, blank=True)
    final_score = models.FloatField(_("score"), null=True, blank=True)
    spread = models.FloatField(_("spread between judges"), null=True, blank=True)
    scores_count = models.PositiveSmallIntegerField(_("scores"), default=0)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    # The ranking asked for one more judge (divergence); set back when that judge has scored.
    needs_rereview = models.BooleanField(_("sent to re-review"), default=False)
    # Proposed by the ranking, confirmed or changed by the organiser before publishing.
    proposed = models.BooleanField(_("proposed to go on"), default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Screening: the staff's reason; scored rounds: the organiser's note to the team.
    note = models.TextField(_("note to the team"), max_length=1000, blank=True, validators=[validate_plain_text])

    class Meta:
        verbose_name = _("round entry")
        verbose_name_plural = _("round entries")
        ordering = ["round", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "application"], name="competitions_entry_once")]
        indexes = [models.Index(fields=["round", "status"], name="competitions_entry_status")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.application_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Appeal(models.Model):
    """A team's appeal against a round's published result, within the edition's appeal window."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="appeal", verbose_name=_("entry"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    text = models.TextField(_("appeal"), max_length=2000, validators=[validate_plain_text])
    status = models.CharField(_("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    answer = models.TextField(_("answer"), max_length=2000, blank=True, validators=[validate_plain_text])
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.status}"
