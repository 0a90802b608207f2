"""Prometheus metrics (prometheus-client), shared by every process of a node.

Production runs several processes (gunicorn's workers, daphne, the map server, the job worker and the
scheduler), so the metrics live in prometheus-client's multi-process mode: each process writes its
values to memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of /metrics, served by any
worker, sums them. The mode is on exactly when that environment variable is set before this module is
imported: ``parkos serve`` sets it for everything it starts (settings.PROMETHEUS_MULTIPROC_DIR, emptied
at each start; gunicorn's child_exit hook marks a dead worker's gauges). Without it (runserver, tests,
a shell) the metrics are this process's own.

Labels are bounded: a request is labelled with its URL pattern's name (``catalog:order_detail``), never
its path; a status by its class (``2xx``)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUERY_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)

REQUESTS = Counter("parkos_http_requests", "HTTP requests answered, by route name, method and status class.",
                   ["route", "method", "status"])
LATENCY = Histogram("parkos_http_request_duration_seconds", "Time to answer an HTTP request, by route name and method.",
                    ["route", "method"], buckets=LATENCY_BUCKETS)
ERRORS = Counter("parkos_http_errors", "Server errors: 5xx answers and unhandled exceptions (kind), by route name.",
                 ["route", "kind"])
QUERIES = Histogram("parkos_db_queries_per_request", "Database queries made while answering one request.",
                    ["route"], buckets=QUERY_BUCKETS)
WEBSOCKETS = Gauge("parkos_websocket_connections", "Open websocket connections of the ASGI server, by route.",
                   ["route"], multiprocess_mode="livesum")
MAP_CONNECTIONS = Gauge("parkos_map_connections", "Open connections to the immersive map's server, by map.",
                        ["map"], multiprocess_mode="livesum")
TASKS_FINISHED = Counter("parkos_tasks_finished", "Background tasks run by the job worker, by task and outcome.",
                         ["task", "status"])
PASSAGES = Counter("parkos_gate_passages_ingested", "Gate passage events received from devices, by result.",
                   ["result"])

# Routes that are not page traffic: probes and the scrape itself are answered but not counted.
UNCOUNTED_ROUTES = frozenset({"ops:health", "ops:ready", "ops:metrics"})


def route_of(request: HttpRequest) -> str:
    """The request's route label: the URL pattern's name (namespaced), or its pattern when it has no
    name; "static" for WhiteNoise's files and "unmatched" for a path no pattern takes."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith(settings.STATIC_URL) else "unmatched"
    if match.url_name:
        return str(match.view_name)
    return str(match.route or "unnamed")[:100]


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def request_observe(*, route: str, method: str, status: int, seconds: float, queries: int) -> None:
    method = method if method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS") else "OTHER"
    REQUESTS.labels(route, method, status_class(status)).inc()
    LATENCY.labels(route, method).observe(seconds)
    QUERIES.labels(route).observe(queries)
    if status >= 500:
        ERRORS.labels(route, "5xx").inc()


def exception_observe(*, route: str) -> None:
    ERRORS.labels(route, "exception").inc()


def passages_observe(results: Iterable[Any]) -> None:
    """Count a device batch's events by result (access.services.passages.passages_ingest)."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.result] = counts.get(result.result, 0) + 1
    for result, n in counts.items():
        PASSAGES.labels(result).inc(n)


# --- reading ---------------------------------------------------------------------------------------

class _ThisProcess(Collector):
    """The default registry (this process's metrics and its process/platform collectors)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class JobsCollector(Collector):
    """The scheduled jobs' figures, read from the jobs tables at scrape time (a handful of rows), and the
    background task queue's depth (READY rows: a partial index covers them)."""

    def collect(self) -> Iterator[Metric]:
        from django.utils import timezone

        from parkos.ops.selectors import jobs_list, task_queue_depth

        runs = CounterMetricFamily("parkos_job_runs", "Runs of each scheduled job.", labels=["job"])
        failures = CounterMetricFamily("parkos_job_failures", "Failed runs of each scheduled job.", labels=["job"])
        duration = GaugeMetricFamily("parkos_job_last_duration_seconds", "Duration of each job's last run.",
                                     labels=["job"])
        last_ok = GaugeMetricFamily("parkos_job_last_run_ok", "1 when a job's last run succeeded, 0 when it failed.",
                                    labels=["job"])
        last_end = GaugeMetricFamily("parkos_job_last_finished_timestamp_seconds", "When each job last finished.",
                                     labels=["job"])
        for job in jobs_list():
            runs.add_metric([job.name], job.runs)
            failures.add_metric([job.name], job.failures)
            if job.last_duration_ms is not None:
                duration.add_metric([job.name], job.last_duration_ms / 1000)
            if job.last_outcome:
                last_ok.add_metric([job.name], 1 if job.last_outcome == "ok" else 0)
            if job.last_finished_at is not None:
                last_end.add_metric([job.name], job.last_finished_at.timestamp())
        yield from (runs, failures, duration, last_ok, last_end)
        queue = GaugeMetricFamily("parkos_tasks_ready", "Background tasks waiting for the job worker.")
        queue.add_metric([], task_queue_depth())
        yield queue
        from parkos.ops.selectors import heartbeats_list

        now = timezone.now()
        age = GaugeMetricFamily("parkos_scheduler_heartbeat_age_seconds", "Seconds since each scheduler last ticked.",
                                labels=["node"])
        for beat in heartbeats_list():
            age.add_metric([beat.node], max(0.0, (now - beat.beat_at).total_seconds()))
        yield age


def node_registry() -> CollectorRegistry:
    """Every process of this node (multi-process mode), or this process alone."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    return registry


def scrape_registry() -> CollectorRegistry:
    registry = node_registry()
    registry.register(JobsCollector())
    return registry


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: a dead worker's live gauges stop counting."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def sample() -> dict[str, Any]:
    """The node's request figures now, compact, for the operators' page (see ops.selectors): per route its
    request count, 5xx count and latency buckets (cumulative, summed over methods); the node's unhandled
    exceptions, queries and open connections."""
    routes: dict[str, dict[str, Any]] = {}
    totals = {"exceptions": 0.0, "queries_sum": 0.0, "queries_count": 0.0, "websockets": 0.0, "map": 0.0}

    def route(name: str) -> dict[str, Any]:
        return routes.setdefault(name, {"n": 0.0, "err": 0.0, "b": [0.0] * (len(LATENCY_BUCKETS) + 1)})

    for metric in node_registry().collect():
        for s in metric.samples:
            if s.name == "parkos_http_requests_total":
                route(s.labels["route"])["n"] += s.value
                if s.labels["status"] == "5xx":
                    route(s.labels["route"])["err"] += s.value
            elif s.name == "parkos_http_request_duration_seconds_bucket":
                bound = s.labels["le"]
                index = len(LATENCY_BUCKETS) if bound == "+Inf" else LATENCY_BUCKETS.index(float(bound))
                route(s.labels["route"])["b"][index] += s.value
            elif s.name == "parkos_http_errors_total" and s.labels["kind"] == "exception":
                totals["exceptions"] += s.value
            elif s.name == "parkos_db_queries_per_request_sum":
                totals["queries_sum"] += s.value
            elif s.name == "parkos_db_queries_per_request_count":
                totals["queries_count"] += s.value
            elif s.name == "parkos_websocket_connections":
                totals["websockets"] += s.value
            elif s.name == "parkos_map_connections":
                totals["map"] += s.value
    return {"routes": routes, **totals}


# --- websockets ------------------------------------------------------------------------------------

ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[dict[str, Any]], Awaitable[None]]],
                   Awaitable[None]]


class WebsocketMetricsMiddleware:
    """ASGI middleware (config/asgi.py) counting the websocket connections a consumer accepted, by route
    pattern, for as long as they stay open."""

    def __init__(self, app: ASGIApp, routes: Iterable[Any] = ()) -> None:
        self.app = app
        self.routes = list(routes)

    def _route(self, path: str) -> str:
        path = path.lstrip("/")
        for pattern in self.routes:
            if pattern.pattern.match(path):
                return str(pattern.pattern)
        return "unmatched"

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope.get("type") != "websocket":
            await self.app(scope, receive, send)
            return
        gauge = WEBSOCKETS.labels(self._route(scope.get("path", "")))
        accepted = False

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal accepted
            if message.get("type") == "websocket.accept" and not accepted:
                accepted = True
                gauge.inc()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                gauge.dec()
