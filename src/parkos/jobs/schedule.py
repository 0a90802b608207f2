"""The periodic jobs ParkOS runs by itself, declared by each domain in its ``schedules.py``::

    # src/parkos/rewards/schedules.py
    from parkos.jobs.schedule import daily, every

    every("rewards.rules", "parkos.rewards.tasks.rules_run_due", minutes=15,
          description=_("Run the issuing rules that are due"))
    daily("rewards.expire", "parkos.rewards.tasks.coupons_expire", at="00:01")

A declaration is the default: the first time the scheduler sees a job it stores it as a row
(``ScheduledJob``), and from then on operators change its interval, time of day or switch it off in the
back office (or with ``parkos jobs``) and a new release never overwrites their choice. Times of day are in
the park's time zone (settings.TIME_ZONE, Beijing by default). The job's target is a dotted path to a
``django_tasks`` task or a plain function taking no arguments; it must be idempotent (a job that
crashed half-way is run again)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class JobSpec:
    name: str
    target: str
    every_minutes: int | None = None
    at: dt.time | None = None
    description: Any = ""


REGISTRY: dict[str, JobSpec] = {}


def _register(spec: JobSpec) -> JobSpec:
    if spec.name in REGISTRY and REGISTRY[spec.name] != spec:
        raise ValueError(f"scheduled job {spec.name!r} is declared twice")
    REGISTRY[spec.name] = spec
    return spec


def every(name: str, target: str, *, minutes: int, description: Any = "") -> JobSpec:
    if minutes < 1:
        raise ValueError("a job runs at most once a minute")
    return _register(JobSpec(name, target, every_minutes=minutes, description=description))


def daily(name: str, target: str, *, at: str, description: Any = "") -> JobSpec:
    hour, minute = (int(p) for p in at.split(":"))
    return _register(JobSpec(name, target, at=dt.time(hour, minute), description=description))


def next_run(*, every_minutes: int | None, at: dt.time | None, after: dt.datetime) -> dt.datetime:
    """The next moment a job with this schedule is due after ``after``: ``every_minutes`` after it, or the
    next ``at`` o'clock in the park's time zone (today if still ahead, else tomorrow)."""
    if at is not None:
        local = timezone.localtime(after)
        candidate = timezone.make_aware(dt.datetime.combine(local.date(), at))
        if candidate <= after:
            candidate = timezone.make_aware(dt.datetime.combine(local.date() + dt.timedelta(days=1), at))
        return candidate
    return after + dt.timedelta(minutes=every_minutes or 60)
