"""/metrics: who may read it, and what it says after some requests (route names, never paths)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import path

from parkos.ops import metrics
from parkos.ops.metrics import WebsocketMetricsMiddleware

pytestmark = pytest.mark.django_db


def _scrape(client: Client, **headers: Any) -> str:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def _value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` of an exposition (labels in any order); 0 when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        head, _sep, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in head for k, v in labels.items()) and (labels or "{" not in head):
            return float(value)
    return 0.0


def test_metrics_from_loopback_by_default_else_403(client: Client, settings: Any) -> None:
    assert client.get("/metrics").status_code == 200  # the test client's REMOTE_ADDR is 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.METRICS_ALLOW = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_metrics_with_the_bearer_token(client: Client, settings: Any) -> None:
    settings.METRICS_ALLOW = []
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403  # no token set
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_metrics_behind_a_proxy_use_the_forwarded_client(client: Client, settings: Any) -> None:
    settings.NUM_PROXIES = 1
    # The proxy (REMOTE_ADDR loopback) forwards an outside client: refused, the proxy's address is no pass.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_requests_are_counted_by_route_name_method_and_status_class(client: Client) -> None:
    before = _scrape(client)
    for _ in range(3):
        assert client.get("/accounts/login/").status_code == 200
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/no/such/page/4242/").status_code == 404
    after = _scrape(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("parkos_http_requests_total", route="accounts:login", method="GET", status="2xx") == 3
    assert grew("parkos_http_request_duration_seconds_count", route="accounts:login", method="GET") == 3
    assert grew("parkos_http_request_duration_seconds_bucket", route="accounts:login", method="GET", le="+Inf") == 3
    assert grew("parkos_db_queries_per_request_count", route="accounts:login") == 3
    assert grew("parkos_http_requests_total", route="unmatched", method="GET", status="4xx") == 1
    api_routes = {line.split('route="')[1].split('"')[0] for line in after.splitlines()
                  if line.startswith("parkos_http_requests_total{") and "health" in line}
    assert api_routes and all(":" in r for r in api_routes), api_routes  # Ninja's named route
    routes = re.findall(r'route="([^"]*)"', after)
    # Never the raw path: a route's name, or its pattern where it has none ('api/openapi.json'), which
    # other tests of this process may have counted; the path asked for here appears nowhere.
    assert routes and not [r for r in routes if "4242" in r or "no/such" in r]
    assert 'route="ops:metrics"' not in after  # the scrape is no traffic
    # The jobs' collector and the queue are there too.
    assert "parkos_tasks_ready " in after


def test_queries_per_request_are_counted(client: Client) -> None:
    from parkos.accounts.tests.factories import make_user

    client.force_login(make_user())
    before = metrics.QUERIES.labels("notifications:list")._sum.get()
    assert client.get("/notifications/").status_code == 200
    assert metrics.QUERIES.labels("notifications:list")._sum.get() - before >= 2  # session, user, its rows


def test_server_errors_and_unhandled_exceptions_are_counted(settings: Any) -> None:
    from django.urls import clear_url_caches

    def boom(request: Any) -> Any:
        raise RuntimeError("boom")

    import parkos.ops.tests.test_metrics as me

    me.urlpatterns = [path("boom/", boom, name="boom")]  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = "parkos.ops.tests.test_metrics"
    clear_url_caches()
    client = Client(raise_request_exception=False)
    exceptions = metrics.ERRORS.labels("boom", "exception")._value.get()
    fives = metrics.ERRORS.labels("boom", "5xx")._value.get()
    response = client.get("/boom/")
    assert response.status_code == 500
    assert response["X-Request-ID"]
    assert metrics.ERRORS.labels("boom", "exception")._value.get() == exceptions + 1
    assert metrics.ERRORS.labels("boom", "5xx")._value.get() == fives + 1
    assert metrics.REQUESTS.labels("boom", "GET", "5xx")._value.get() >= 1


def test_websocket_connections_are_a_gauge_while_open() -> None:
    from parkos.config.routing import websocket_urlpatterns

    gauge = metrics.WEBSOCKETS.labels("ws/ping/")
    seen: list[float] = []

    async def consumer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        seen.append(gauge._value.get())
        await receive()  # until the client leaves

    async def refusing(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.close"})

    async def run(app: Any) -> None:
        sent: list[Any] = []
        queue: asyncio.Queue[Any] = asyncio.Queue()
        await queue.put({"type": "websocket.disconnect"})

        async def send(message: Any) -> None:
            sent.append(message)

        await WebsocketMetricsMiddleware(app, routes=websocket_urlpatterns)(
            {"type": "websocket", "path": "/ws/ping/"}, queue.get, send)

    start = gauge._value.get()
    asyncio.run(run(consumer))
    assert seen == [start + 1]
    assert gauge._value.get() == start
    asyncio.run(run(refusing))  # a refused handshake never counts
    assert gauge._value.get() == start
    assert WebsocketMetricsMiddleware(consumer, routes=websocket_urlpatterns)._route("/ws/other/x") == "unmatched"


def test_gate_passages_are_counted_by_result() -> None:
    from parkos.access.services.passages import EventResult

    accepted = metrics.PASSAGES.labels("accepted")._value.get()
    duplicate = metrics.PASSAGES.labels("duplicate")._value.get()
    metrics.passages_observe([EventResult("a", "accepted"), EventResult("b", "accepted"),
                              EventResult("c", "duplicate")])
    assert metrics.PASSAGES.labels("accepted")._value.get() == accepted + 2
    assert metrics.PASSAGES.labels("duplicate")._value.get() == duplicate + 1


def test_scheduled_jobs_are_read_from_their_table_at_scrape_time(client: Client) -> None:
    from parkos.jobs.models import ScheduledJob

    ScheduledJob.objects.create(name="ops-test-job", target="x.y", every_minutes=5, runs=7, failures=2,
                                last_duration_ms=1500, last_outcome="failed")
    text = _scrape(client)
    assert _value(text, "parkos_job_runs_total", job="ops-test-job") == 7
    assert _value(text, "parkos_job_failures_total", job="ops-test-job") == 2
    assert _value(text, "parkos_job_last_duration_seconds", job="ops-test-job") == 1.5
    assert _value(text, "parkos_job_last_run_ok", job="ops-test-job") == 0
