"""Writes of the ops domain: the scheduler's heartbeat (and, once a minute, a sample of the node's request
figures), and the task → request link that carries a request id into the job worker."""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.utils import timezone

from parkos.ops import metrics
from parkos.ops.models import Heartbeat, MetricsSample, TaskRequest

SAMPLE_EVERY = 60.0  # seconds between two samples of one node's figures
SAMPLES_KEPT = dt.timedelta(hours=1)
HEARTBEATS_KEPT = dt.timedelta(days=1)  # a scheduler gone for a day is no longer listed
LINKS_KEPT = dt.timedelta(days=7)  # a task never run (its queue dropped) leaves its link this long

# Samples need the node's figures, i.e. multi-process metrics: a scheduler alone has no requests to sample.
SAMPLING = metrics.MULTIPROCESS
_last_sample: dict[str, float] = {}
_sampling = threading.Lock()


def heartbeat_record(*, node: str, now: dt.datetime | None = None) -> None:
    """Called by the scheduler at each pass (jobs.services.scheduler_tick): one UPDATE (an INSERT the first
    time). Once a minute it also samples the node's request figures for the operators' page."""
    now = now or timezone.now()
    if not Heartbeat.objects.filter(node=node).update(beat_at=now):
        Heartbeat.objects.create(node=node, beat_at=now)
    with _sampling:  # the scheduler's pass and its heartbeat thread both beat: one of them samples
        clock = time.monotonic()
        due = SAMPLING and clock - _last_sample.get(node, -SAMPLE_EVERY) >= SAMPLE_EVERY
        if due:
            _last_sample[node] = clock
    if due:
        sample_take(node=node, now=now)


def sample_take(*, node: str, now: dt.datetime | None = None) -> MetricsSample:
    """Store the node's figures now and forget what is past keeping."""
    now = now or timezone.now()
    sample = MetricsSample.objects.create(node=node, taken_at=now, data=metrics.sample())
    MetricsSample.objects.filter(taken_at__lt=now - SAMPLES_KEPT).delete()
    Heartbeat.objects.filter(beat_at__lt=now - HEARTBEATS_KEPT).delete()
    TaskRequest.objects.filter(created_at__lt=now - LINKS_KEPT).delete()
    return sample


def task_request_link(*, task_id: str, request_id: str) -> None:
    TaskRequest.objects.update_or_create(task_id=task_id[:64], defaults={"request_id": request_id[:128]})


def task_request_forget(*, task_id: str) -> None:
    TaskRequest.objects.filter(task_id=task_id[:64]).delete()
