"""What observability keeps in the database: each scheduler's heartbeat, the request figures a node's
scheduler samples once a minute (the operators' page computes rates from two samples), and which request
enqueued which background task (so the task's log lines carry the request's id)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """One row per scheduler process (its node name: host and pid), stamped at each of its passes."""

    node = models.CharField(_("node"), max_length=80, unique=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("scheduler heartbeat")
        verbose_name_plural = _("scheduler heartbeats")
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return self.node


class MetricsSample(models.Model):
    """A node's cumulative request figures at one moment (ops.metrics.sample); kept for an hour."""

    node = models.CharField(_("node"), max_length=80)
    taken_at = models.DateTimeField(_("taken at"))
    data = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("metrics sample")
        verbose_name_plural = _("metrics samples")
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["taken_at"], name="ops_sample_taken")]

    def __str__(self) -> str:
        return f"{self.node} · {self.taken_at:%H:%M}"


class TaskRequest(models.Model):
    """The request that enqueued a background task: written on enqueue, read (and deleted) when the task
    finishes running in the worker."""

    task_id = models.CharField(max_length=64, unique=True)
    request_id = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.task_id} ← {self.request_id}"
