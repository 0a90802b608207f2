"""Issuing rules over the park's data (the overtime coupon: in the park after the late hour on at least N
working days of a week) and the record of each run."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name
from parkos.rewards.models.coupons import CouponTemplate


class RuleKind(models.TextChoices):
    OVERTIME = "overtime", _("Worked late on at least N working days of the week")
    EVENT_ATTENDED = "event_attended", _("Attended an event")
    DEAL_COMPLETED = "deal_completed", _("Completed a deal")
    FIRST_ORDER = "first_order", _("First service order of a new member")


class Period(models.TextChoices):
    WEEKLY = "weekly", _("Weekly (Monday to Sunday)")
    DAILY = "daily", _("Daily")


class IssuingRule(models.Model):
    """Issues one coupon of ``template`` per member who meets the rule in a period; the coupon's reason
    ``rule:<id>:<period key>`` makes it once per member, rule and period. ``params``: overtime
    ``{"min_days": 3}`` (the late hour is the park's, from its gate settings); event_attended
    ``{"event_ids": []}`` (empty: any event of the park). The scheduler runs it at ``next_run_at``
    for the period that just ended."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices)
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="rules",
                                 verbose_name=_("coupon"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.WEEKLY)
    run_hour = models.PositiveSmallIntegerField(_("runs at (hour, Beijing time)"), default=9,
                                                validators=[MaxValueValidator(23)])
    run_weekday = models.PositiveSmallIntegerField(
        _("runs on (weekly: 0 Monday … 6 Sunday)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(6)])
    active = models.BooleanField(_("active"), default=False)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("issuing rule")
        verbose_name_plural = _("issuing rules")
        ordering = ["park_id", "name", "id"]
        indexes = [models.Index(fields=["active", "next_run_at"], name="rewards_rule_due")]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One run of a rule over one period: who was eligible, how many were issued, how many already had
    theirs (a second run), how many the budget stopped."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        BUDGET = "budget", _("Stopped at the budget")
        FAILED = "failed", _("Failed")

    rule = models.ForeignKey(IssuingRule, on_delete=models.CASCADE, related_name="runs", verbose_name=_("rule"))
    period_key = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    eligible = models.PositiveIntegerField(_("eligible"), default=0)
    issued = models.PositiveIntegerField(_("issued"), default=0)
    issued_fen = models.PositiveBigIntegerField(_("issued (fen)"), default=0)
    already = models.PositiveIntegerField(_("already had one"), default=0)
    over_budget = models.PositiveIntegerField(_("stopped by the budget"), default=0)
    batch = models.ForeignKey("rewards.IssueBatch", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("batch"))
    scheduled = models.BooleanField(_("run by the schedule"), default=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["rule", "-started_at"], name="rewards_run_rule")]

    def __str__(self) -> str:
        return f"{self.rule} · {self.period_key}"
