"""See and change the schedule of the periodic jobs: `parkos jobs` lists them with their last run;
`parkos jobs run NAME` runs one now; `parkos jobs disable|enable NAME`; `parkos jobs set NAME --every 30`
or `--at 03:30`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from parkos.jobs.models import ScheduledJob
from parkos.jobs.schedule import next_run
from parkos.jobs.services import job_run_now, jobs_sync


class Command(BaseCommand):
    help = "List the periodic jobs, run one now, switch one on or off, or change its schedule."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", nargs="?", default="list", choices=["list", "run", "enable", "disable", "set"])
        parser.add_argument("name", nargs="?")
        parser.add_argument("--every", type=int, help="minutes between runs")
        parser.add_argument("--at", help="daily at HH:MM (park time)")

    def handle(self, *args: Any, action: str, name: str | None, every: int | None, at: str | None,
               **options: Any) -> None:
        jobs_sync()
        if action == "list":
            self._list()
            return
        if not name:
            raise CommandError("name the job (see `parkos jobs`)")
        job = ScheduledJob.objects.filter(name=name).first()
        if job is None:
            raise CommandError(f"no job named {name!r} (see `parkos jobs`)")
        if action == "run":
            run = job_run_now(name=name)
            if run is None:
                raise CommandError(f"{name} is running on another node right now")
            self.stdout.write(f"{name}: {run.outcome} in {run.duration_ms} ms {run.result[:200]}")
            if run.outcome != ScheduledJob.Outcome.OK:
                raise CommandError(f"{name} failed")
        elif action in ("enable", "disable"):
            ScheduledJob.objects.filter(pk=job.pk).update(enabled=action == "enable")
            self.stdout.write(f"{name}: {action}d")
        else:
            if (every is None) == (at is None):
                raise CommandError("give exactly one of --every MINUTES or --at HH:MM")
            if every is not None and not 1 <= every <= 7 * 24 * 60:
                raise CommandError("--every takes 1 to 10080 minutes")
            try:
                at_time = dt.time.fromisoformat(at) if at else None
            except ValueError:
                raise CommandError("--at takes a time of day such as 03:30") from None
            ScheduledJob.objects.filter(pk=job.pk).update(
                every_minutes=every, at=at_time, next_run_at=next_run(every_minutes=every, at=at_time, after=timezone.now()))
            self.stdout.write(f"{name}: " + (f"every {every} min" if every else f"daily at {at}"))

    def _list(self) -> None:
        rows = [("job", "schedule", "on", "next run", "last run", "ms", "outcome")]
        for job in ScheduledJob.objects.all():
            rows.append((job.name, job.schedule_text, "yes" if job.enabled else "no",
                         _when(job.next_run_at), _when(job.last_started_at),
                         "" if job.last_duration_ms is None else str(job.last_duration_ms), job.last_outcome))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"
