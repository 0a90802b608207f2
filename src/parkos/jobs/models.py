"""The schedule of periodic jobs as operators see and change it, and the record of each run."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """One periodic job. Exactly one scheduler runs it at a time, whatever the number of nodes: a
    scheduler claims it with a conditional UPDATE that sets ``lease_owner``/``lease_until`` only when the
    job is due and nobody holds an unexpired lease (the row is the lock, on SQLite and PostgreSQL alike)."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=60, unique=True)
    target = models.CharField(_("runs"), max_length=200)
    description = models.CharField(_("description"), max_length=200, blank=True)
    every_minutes = models.PositiveIntegerField(_("every (minutes)"), null=True, blank=True,
                                                validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)])
    at = models.TimeField(_("daily at"), null=True, blank=True, help_text=_("In the park's time zone."))
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    lease_owner = models.CharField(_("running on"), max_length=80, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(_("last duration (ms)"), null=True, blank=True)
    last_outcome = models.CharField(_("last outcome"), max_length=8, choices=Outcome.choices, blank=True)
    last_result = models.CharField(_("last result"), max_length=300, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]
        constraints = [models.CheckConstraint(
            condition=Q(every_minutes__isnull=False) | Q(at__isnull=False), name="jobs_job_has_schedule")]

    def __str__(self) -> str:
        return self.name

    @property
    def schedule_text(self) -> str:
        if self.at is not None:
            return str(_("daily at %(time)s")) % {"time": self.at.strftime("%H:%M")}
        return str(_("every %(minutes)s min")) % {"minutes": self.every_minutes}


class JobRun(models.Model):
    job = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="history", verbose_name=_("job"))
    node = models.CharField(_("node"), max_length=80)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=ScheduledJob.Outcome.choices)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobs_run_job")]

    def __str__(self) -> str:
        return f"{self.job} · {self.started_at:%Y-%m-%d %H:%M}"
