"""Running the schedule: sync the declared jobs into rows, claim what is due (exactly one node per job),
run it, record the outcome. ``scheduler_tick`` is one pass; ``parkos scheduler`` loops over it and
``parkos serve`` starts that loop next to the web, websocket and worker processes."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import traceback
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from parkos.jobs.models import JobRun, ScheduledJob
from parkos.jobs.schedule import REGISTRY, next_run

log = logging.getLogger("parkos.jobs")
LEASE = dt.timedelta(minutes=30)  # a job still "running" after this is taken to have died with its node
HISTORY = 200  # runs kept per job


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def jobs_sync(*, now: dt.datetime | None = None) -> int:
    """Create a row for each declared job not stored yet (the declaration is only a default: an
    operator's later change of schedule or switch is kept) and keep targets and descriptions current.
    Returns how many rows were created."""
    now = now or timezone.now()
    existing = {job.name: job for job in ScheduledJob.objects.all()}
    created = 0
    for spec in REGISTRY.values():
        job = existing.get(spec.name)
        if job is None:
            ScheduledJob.objects.create(
                name=spec.name, target=spec.target, description=str(spec.description)[:200],
                every_minutes=spec.every_minutes, at=spec.at,
                next_run_at=next_run(every_minutes=spec.every_minutes, at=spec.at, after=now))
            created += 1
        elif job.target != spec.target or job.description != str(spec.description)[:200]:
            ScheduledJob.objects.filter(pk=job.pk).update(target=spec.target, description=str(spec.description)[:200])
    return created


def job_claim(job: ScheduledJob, *, node: str, now: dt.datetime, force: bool = False) -> bool:
    """Take the job's lease. One conditional UPDATE: of several schedulers racing, exactly one gets True.
    ``force`` (an operator's "run now") ignores the schedule but never a live lease."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q() if force else Q(enabled=True, next_run_at__lte=now)
    return ScheduledJob.objects.filter(free, due, pk=job.pk).update(lease_owner=node, lease_until=now + LEASE) == 1


def _call(target: str) -> Any:
    fn = import_string(target)
    call = getattr(fn, "call", None)  # a django_tasks Task runs in this process with .call()
    return call() if callable(call) else fn()


def job_run(job: ScheduledJob, *, node: str) -> JobRun:
    """Run a claimed job now, record its outcome and duration, schedule its next run, release the lease.
    A failure is recorded (with the traceback's last lines), never raised: the other jobs still run."""
    started, clock = timezone.now(), time.monotonic()
    try:
        result, outcome = _call(job.target), ScheduledJob.Outcome.OK
        text = "" if result is None else str(result)
    except Exception:  # a job's failure is its outcome, recorded for operators
        log.exception("scheduled job %s failed", job.name)
        outcome, text = ScheduledJob.Outcome.FAILED, traceback.format_exc(limit=5)[-2000:]
    duration = int((time.monotonic() - clock) * 1000)
    finished = timezone.now()
    with transaction.atomic():
        current = ScheduledJob.objects.filter(pk=job.pk).only("every_minutes", "at").first() or job
        ScheduledJob.objects.filter(pk=job.pk, lease_owner=node).update(
            lease_owner="", lease_until=None, last_started_at=started, last_finished_at=finished,
            last_duration_ms=duration, last_outcome=outcome, last_result=text[:300], runs=F("runs") + 1,
            failures=F("failures") + (1 if outcome == ScheduledJob.Outcome.FAILED else 0),
            next_run_at=next_run(every_minutes=current.every_minutes, at=current.at, after=finished))
        run = JobRun.objects.create(job=job, node=node, started_at=started, duration_ms=duration, outcome=outcome,
                                    result=text)
        stale = list(JobRun.objects.filter(job=job).order_by("-started_at", "-id").values_list("id", flat=True)[HISTORY:])
        if stale:
            JobRun.objects.filter(id__in=stale).delete()
    return run


def scheduler_tick(*, node: str | None = None, now: dt.datetime | None = None) -> list[JobRun]:
    """One pass: sync, then run every due job this node manages to claim."""
    node = node or node_name()
    now = now or timezone.now()
    from parkos.ops.services import heartbeat_record

    heartbeat_record(node=node, now=now)  # /ready and the operators' status page see this scheduler alive
    jobs_sync(now=now)
    runs = []
    for job in ScheduledJob.objects.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at", "name"):
        if job_claim(job, node=node, now=now):
            runs.append(job_run(job, node=node))
    return runs


def job_run_now(*, name: str, node: str | None = None) -> JobRun | None:
    """Run one job at once (``parkos jobs run NAME``); None when another node is running it."""
    node = node or node_name()
    jobs_sync()
    job = ScheduledJob.objects.get(name=name)
    if not job_claim(job, node=node, now=timezone.now(), force=True):
        return None
    return job_run(job, node=node)
