"""Reads of the ops domain: the readiness checks, and the operators' status page (checks, traffic over
the last minutes from the nodes' samples, connections, the scheduled jobs)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from parkos.core import policy
from parkos.ops.metrics import LATENCY_BUCKETS
from parkos.ops.models import Heartbeat, MetricsSample, TaskRequest

# --- readiness -------------------------------------------------------------------------------------

@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail, "ms": round(self.ms, 1)}


_migrations_applied = False  # once true it stays true for this process: migrations are not undone live


def _timed(name: str, probe: Any) -> Check:
    started = time.perf_counter()
    try:
        ok, detail = probe()
    except Exception as error:  # a failing dependency is the check's answer, not the page's crash
        ok, detail = False, f"{type(error).__name__}: {error}"[:300]
    return Check(name, ok, detail, (time.perf_counter() - started) * 1000)


def _database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def _redis() -> tuple[bool, str]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping()), ""
    finally:
        client.close()


def _migrations() -> tuple[bool, str]:
    global _migrations_applied
    if _migrations_applied:
        return True, ""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return False, ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
    _migrations_applied = True
    return True, ""


def _scheduler() -> tuple[bool, str]:
    newest = Heartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if newest is None:
        return False, "no heartbeat"
    age = (timezone.now() - newest).total_seconds()
    return age <= settings.READY_SCHEDULER_MAX_AGE, f"{age:.0f}s"


def readiness() -> list[Check]:
    """The checks /ready answers with: the database, Redis (when configured), migrations applied, and the
    job scheduler's heartbeat (any node's) younger than READY_SCHEDULER_MAX_AGE (0 leaves it out)."""
    checks = [_timed("database", _database)]
    if settings.REDIS_URL:
        checks.append(_timed("redis", _redis))
    checks.append(_timed("migrations", _migrations))
    if settings.READY_SCHEDULER_MAX_AGE > 0:
        checks.append(_timed("scheduler", _scheduler))
    return checks


# --- what the metrics and the page read ------------------------------------------------------------

def jobs_list() -> list[Any]:
    """The scheduled jobs with their last run (the jobs domain has no read function for them yet)."""
    from parkos.jobs.models import ScheduledJob

    return list(ScheduledJob.objects.order_by("name"))


def task_queue_depth() -> int:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()


def heartbeats_list() -> list[Heartbeat]:
    return list(Heartbeat.objects.order_by("-beat_at"))


def task_request_get(*, task_id: str) -> str | None:
    return TaskRequest.objects.filter(task_id=task_id[:64]).values_list("request_id", flat=True).first()


# --- traffic over the last minutes ------------------------------------------------------------------

FRESH = dt.timedelta(minutes=3)  # a node whose newest sample is older is taken to be gone


def quantile(q: float, cumulative: list[float], bounds: tuple[float, ...] = LATENCY_BUCKETS) -> float | None:
    """Prometheus' histogram_quantile: linear inside the bucket holding the rank; the highest finite bound
    when the rank falls in +Inf."""
    total = cumulative[-1] if cumulative else 0
    if total <= 0:
        return None
    rank = q * total
    for i, count in enumerate(cumulative):
        if count >= rank:
            if i >= len(bounds):
                return bounds[-1]
            lower, previous = (bounds[i - 1], cumulative[i - 1]) if i > 0 else (0.0, 0.0)
            if count <= previous:
                return bounds[i]
            return lower + (bounds[i] - lower) * (rank - previous) / (count - previous)
    return bounds[-1]


@dataclass
class RouteTraffic:
    route: str
    requests: float = 0.0
    per_minute: float = 0.0
    errors: float = 0.0
    buckets: list[float] = field(default_factory=lambda: [0.0] * (len(LATENCY_BUCKETS) + 1))

    @property
    def p95_ms(self) -> float | None:
        value = quantile(0.95, self.buckets)
        return None if value is None else value * 1000


@dataclass
class Traffic:
    window_minutes: int
    nodes: int = 0
    newest: dt.datetime | None = None
    requests: float = 0.0
    per_minute: float = 0.0
    errors: float = 0.0
    exceptions: float = 0.0
    queries_per_request: float | None = None
    websockets: float = 0.0
    map_connections: float = 0.0
    routes: list[RouteTraffic] = field(default_factory=list)
    p95_ms: float | None = None


def _delta(new: float, old: float) -> float:
    return new - old if new >= old else new  # a counter that went down was reset (the node restarted)


def traffic_get(*, window_minutes: int = 5, top: int = 10, now: dt.datetime | None = None) -> Traffic:
    """Requests per minute, 5xx answers and p95 latency per route over about the last ``window_minutes``,
    summed over the nodes whose scheduler sampled lately; connections open now (at the newest sample)."""
    now = now or timezone.now()
    window = dt.timedelta(minutes=window_minutes)
    rows = list(MetricsSample.objects.filter(taken_at__gte=now - window - FRESH, taken_at__lte=now)
                .order_by("node", "taken_at").values("node", "taken_at", "data"))
    by_node: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_node.setdefault(row["node"], []).append(dict(row))
    result = Traffic(window_minutes=window_minutes)
    routes: dict[str, RouteTraffic] = {}
    queries_sum = queries_count = 0.0
    all_buckets = [0.0] * (len(LATENCY_BUCKETS) + 1)
    for samples in by_node.values():
        latest = samples[-1]
        if latest["taken_at"] < now - FRESH:
            continue
        result.nodes += 1
        result.newest = max(result.newest or latest["taken_at"], latest["taken_at"])
        new = latest["data"]
        result.websockets += new.get("websockets", 0)
        result.map_connections += new.get("map", 0)
        earlier = [s for s in samples[:-1] if s["taken_at"] <= latest["taken_at"] - window] or samples[:1]
        base = earlier[-1]
        span = (latest["taken_at"] - base["taken_at"]).total_seconds()
        if span <= 0:
            continue
        old = base["data"]
        result.exceptions += _delta(new.get("exceptions", 0), old.get("exceptions", 0))
        queries_sum += _delta(new.get("queries_sum", 0), old.get("queries_sum", 0))
        queries_count += _delta(new.get("queries_count", 0), old.get("queries_count", 0))
        for name, figures in new.get("routes", {}).items():
            before = old.get("routes", {}).get(name, {"n": 0, "err": 0, "b": [0] * len(figures["b"])})
            reset = figures["n"] < before["n"]
            n = figures["n"] if reset else figures["n"] - before["n"]
            if n <= 0:
                continue
            route = routes.setdefault(name, RouteTraffic(name))
            route.requests += n
            route.per_minute += n / span * 60
            route.errors += figures["err"] if reset else _delta(figures["err"], before["err"])
            for i, count in enumerate(figures["b"]):
                step = count if reset else _delta(count, before["b"][i])
                route.buckets[i] += step
                all_buckets[i] += step
    ranked = sorted(routes.values(), key=lambda r: (-r.requests, r.route))
    result.routes = ranked[:top]
    result.requests = sum(r.requests for r in ranked)
    result.per_minute = sum(r.per_minute for r in ranked)
    result.errors = sum(r.errors for r in ranked)
    result.queries_per_request = queries_sum / queries_count if queries_count else None
    p95 = quantile(0.95, all_buckets)
    result.p95_ms = None if p95 is None else p95 * 1000
    return result


# --- the page --------------------------------------------------------------------------------------

def status_get(*, viewer: Any, window_minutes: int = 5) -> dict[str, Any]:
    """Everything the operators' status page shows; portfolio operators only."""
    policy.require(viewer, "ops.view", policy.PORTFOLIO)
    checks = readiness()
    return {
        "checks": checks,
        "ready": all(c.ok for c in checks),
        "traffic": traffic_get(window_minutes=window_minutes),
        "heartbeats": heartbeats_list(),
        "jobs": jobs_list(),
        "queue": task_queue_depth(),
    }
