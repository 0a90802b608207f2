"""The scheduler: declared jobs become rows operators can change, a due job is run by exactly one of
several racing schedulers, failures are recorded, daily times are in Beijing time, and every declared
target exists."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from parkos.jobs import schedule
from parkos.jobs.models import JobRun, ScheduledJob
from parkos.jobs.schedule import JobSpec, next_run
from parkos.jobs.services import job_claim, job_run_now, jobs_sync, scheduler_tick

BEIJING = ZoneInfo("Asia/Shanghai")
CALLS: list[str] = []


def counting_job() -> int:
    CALLS.append("ran")
    return len(CALLS)


def failing_job() -> None:
    raise RuntimeError("the job broke")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, JobSpec]:
    fresh: dict[str, JobSpec] = {}
    monkeypatch.setattr(schedule, "REGISTRY", fresh)
    monkeypatch.setattr("parkos.jobs.services.REGISTRY", fresh)
    CALLS.clear()
    return fresh


def test_every_declared_job_names_a_callable() -> None:
    assert {"rewards.rules", "rewards.expire", "access.purge", "notifications.digest"} <= set(schedule.REGISTRY)
    for spec in schedule.REGISTRY.values():
        target = import_string(spec.target)
        assert callable(getattr(target, "call", target)), spec.name


def test_next_run_daily_is_in_beijing_time() -> None:
    after = dt.datetime(2026, 12, 3, 23, 30, tzinfo=BEIJING)
    assert next_run(every_minutes=None, at=dt.time(0, 1), after=after) == dt.datetime(2026, 12, 4, 0, 1, tzinfo=BEIJING)
    early = dt.datetime(2026, 12, 3, 0, 0, tzinfo=BEIJING)
    assert next_run(every_minutes=None, at=dt.time(0, 1), after=early) == dt.datetime(2026, 12, 3, 0, 1, tzinfo=BEIJING)
    assert next_run(every_minutes=15, at=None, after=early) == early + dt.timedelta(minutes=15)


@pytest.mark.django_db
def test_sync_keeps_an_operators_change(registry: dict[str, JobSpec]) -> None:
    schedule.every("t.count", f"{__name__}.counting_job", minutes=5)
    assert jobs_sync() == 1
    ScheduledJob.objects.filter(name="t.count").update(every_minutes=60, enabled=False)
    assert jobs_sync() == 0
    job = ScheduledJob.objects.get(name="t.count")
    assert (job.every_minutes, job.enabled) == (60, False)


@pytest.mark.django_db
def test_a_due_job_runs_once_and_is_rescheduled(registry: dict[str, JobSpec]) -> None:
    schedule.every("t.count", f"{__name__}.counting_job", minutes=5)
    jobs_sync()
    assert scheduler_tick() == []  # not due yet: the first run is one interval away
    ScheduledJob.objects.update(next_run_at=timezone.now() - dt.timedelta(seconds=1))
    [run] = scheduler_tick()
    assert run.outcome == "ok" and CALLS == ["ran"]
    job = ScheduledJob.objects.get()
    assert job.runs == 1 and job.last_outcome == "ok" and job.lease_owner == "" and job.next_run_at > timezone.now()
    assert scheduler_tick() == [] and CALLS == ["ran"]


@pytest.mark.django_db
def test_a_failure_is_recorded_and_others_still_run(registry: dict[str, JobSpec]) -> None:
    schedule.every("t.fail", f"{__name__}.failing_job", minutes=5)
    schedule.every("t.count", f"{__name__}.counting_job", minutes=5)
    jobs_sync()
    ScheduledJob.objects.update(next_run_at=timezone.now() - dt.timedelta(seconds=1))
    runs = {r.job.name: r for r in scheduler_tick()}
    assert runs["t.fail"].outcome == "failed" and "the job broke" in runs["t.fail"].result
    assert runs["t.count"].outcome == "ok"
    assert ScheduledJob.objects.get(name="t.fail").failures == 1


@pytest.mark.django_db
def test_disabled_jobs_do_not_run_but_can_be_run_by_hand(registry: dict[str, JobSpec]) -> None:
    schedule.every("t.count", f"{__name__}.counting_job", minutes=5)
    jobs_sync()
    ScheduledJob.objects.update(enabled=False, next_run_at=timezone.now() - dt.timedelta(seconds=1))
    assert scheduler_tick() == []
    run = job_run_now(name="t.count")
    assert run is not None and run.outcome == "ok" and CALLS == ["ran"]


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_racing_schedulers_claims_a_job(registry: dict[str, JobSpec]) -> None:
    schedule.every("t.count", f"{__name__}.counting_job", minutes=5)
    jobs_sync()
    ScheduledJob.objects.update(next_run_at=timezone.now() - dt.timedelta(seconds=1))
    job = ScheduledJob.objects.get()
    now = timezone.now()
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def claim(i: int) -> None:
        try:
            barrier.wait()
            wins.append(job_claim(job, node=f"node-{i}", now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1 and len(wins) == 8


@pytest.mark.django_db
def test_jobs_command_lists_runs_and_changes(registry: dict[str, JobSpec], capsys: pytest.CaptureFixture[str]) -> None:
    schedule.daily("t.count", f"{__name__}.counting_job", at="03:30")
    call_command("jobs")
    assert "t.count" in capsys.readouterr().out
    call_command("jobs", "set", "t.count", "--every", "20")
    assert ScheduledJob.objects.get().every_minutes == 20
    call_command("jobs", "run", "t.count")
    assert CALLS == ["ran"] and JobRun.objects.count() == 1
    call_command("jobs", "disable", "t.count")
    assert not ScheduledJob.objects.get().enabled


def test_serve_runs_the_scheduler_with_the_other_processes() -> None:
    from parkos.core.management.commands.serve import server_commands

    command = server_commands(host="127.0.0.1", port=8000, workers=1)["scheduler"]
    assert command[-1] == "scheduler"


def slow_job() -> None:
    import time

    time.sleep(1.5)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_goes_on_while_a_long_job_runs(registry: dict[str, JobSpec]) -> None:
    """/ready reads the heartbeat: a job longer than the scheduler's interval must not make it stale."""
    from parkos.jobs.services import node_name
    from parkos.ops.models import Heartbeat

    schedule.every("t.slow", f"{__name__}.slow_job", minutes=5)
    jobs_sync()
    ScheduledJob.objects.update(next_run_at=timezone.now() - dt.timedelta(seconds=1))
    started = timezone.now()
    call_command("scheduler", "--once", "--interval", "0.2")
    assert ScheduledJob.objects.get().runs == 1
    beat = Heartbeat.objects.get(node=node_name()).beat_at
    assert beat - started >= dt.timedelta(seconds=1)  # beaten during the job, not only before it
