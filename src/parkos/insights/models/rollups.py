"""Daily rollups: one number per park, day, metric and key (a building, an hour of the day, a service
…), kept by a scheduled job and by the batch. Dashboards read only these, never the raw tables. Averages
are stored as a sum and a count, so any period's average is exact; distinct counts over a week or a month
(active members) are stored as their own metric on the period's first day."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DailyFigure(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"))
    day = models.DateField(_("day"))
    metric = models.CharField(_("metric"), max_length=40)
    key = models.CharField(_("key"), max_length=40, blank=True, default="")
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [models.UniqueConstraint(fields=["park", "metric", "day", "key"], name="insights_figure_unique")]

    def __str__(self) -> str:
        return f"{self.park_id}/{self.day}/{self.metric}/{self.key}={self.value}"


class RollupRun(models.Model):
    """When a park's rollups were last brought up to date, and up to which day (the job recomputes from
    the day before ``through`` on, so late gate events and late ratings are counted)."""

    park = models.OneToOneField("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"))
    through = models.DateField(_("up to"), null=True, blank=True)
    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("rollup run")
        verbose_name_plural = _("rollup runs")

    def __str__(self) -> str:
        return f"{self.park_id}: {self.through}"
