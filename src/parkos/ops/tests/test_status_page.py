"""The operators' status page: who sees it, and the traffic it computes from the nodes' samples."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.tests.factories import make_user
from parkos.core import policy
from parkos.jobs.models import ScheduledJob
from parkos.ops import metrics, selectors, services
from parkos.ops.models import Heartbeat, MetricsSample

pytestmark = pytest.mark.django_db

N = len(metrics.LATENCY_BUCKETS) + 1


def _buckets(**at: int) -> list[float]:
    """Cumulative bucket counts with ``at`` requests observed at each bound (e.g. ``b0_05=3``)."""
    counts = [0.0] * N
    for key, n in at.items():
        bound = float(key[1:].replace("_", "."))
        counts[metrics.LATENCY_BUCKETS.index(bound)] += n
    total = 0.0
    for i in range(N):
        total += counts[i]
        counts[i] = total
    return counts


def _sample(node: str, when: dt.datetime, routes: dict[str, Any], **totals: float) -> None:
    MetricsSample.objects.create(node=node, taken_at=when, data={"routes": routes, **totals})


def test_member_and_one_parks_operator_are_refused_portfolio_operator_sees_it() -> None:
    from parkos.core.models import Park

    park = Park.objects.create(code="ops-b", name="乙园")
    member, local, portfolio = make_user(), make_user(("operator", park)), make_user("operator")
    anonymous = Client()
    response = anonymous.get("/ops/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user, status in ((member, 403), (local, 403), (portfolio, 200)):
        client = Client()
        client.force_login(user)
        assert client.get("/ops/").status_code == status, user
        menu = client.get("/notifications/").content.decode()
        assert ('href="/ops/"' in menu) is (status == 200)
    with pytest.raises(policy.Forbidden):
        selectors.status_get(viewer=local)


def test_the_page_shows_checks_traffic_connections_and_jobs() -> None:
    now = timezone.now()
    Heartbeat.objects.create(node="host:1", beat_at=now)
    ScheduledJob.objects.create(name="digest-test", target="x.y", every_minutes=15, runs=3, failures=1,
                                last_started_at=now, last_duration_ms=420, last_outcome="failed")
    _sample("host:1", now - dt.timedelta(minutes=5), {"catalog:index": {"n": 100, "err": 1, "b": _buckets(b0_05=100)}},
            websockets=3, map=1, exceptions=0, queries_sum=500, queries_count=100)
    _sample("host:1", now - dt.timedelta(seconds=10), {"catalog:index": {"n": 400, "err": 3,
                                                                         "b": _buckets(b0_05=390, b0_5=10)}},
            websockets=5, map=2, exceptions=2, queries_sum=2000, queries_count=400)
    client = Client()
    client.force_login(make_user("operator"))
    response = client.get("/ops/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-check="database" data-ok="1"' in html and 'data-check="scheduler" data-ok="1"' in html
    assert 'data-route="catalog:index"' in html
    assert 'data-job="digest-test"' in html
    traffic = response.context["traffic"]
    assert traffic.nodes == 1 and traffic.websockets == 5 and traffic.map_connections == 2
    assert traffic.exceptions == 2 and traffic.errors == 2
    assert traffic.queries_per_request == pytest.approx(1500 / 300)
    route = traffic.routes[0]
    assert route.requests == 300
    assert route.per_minute == pytest.approx(300 / (4 * 60 + 50) * 60)
    # 290 fast (≤ 50 ms) and 10 slow (0.25-0.5 s) of 300: the 95th percentile's rank (285) is a fast one.
    assert route.p95_ms == pytest.approx(25 + 25 * (285 - 0) / 290)


def test_traffic_sums_nodes_drops_gone_ones_and_survives_a_restart() -> None:
    now = timezone.now()
    route = "events:calendar"
    _sample("a:1", now - dt.timedelta(minutes=6), {route: {"n": 50, "err": 0, "b": _buckets(b0_1=50)}})
    _sample("a:1", now - dt.timedelta(minutes=1), {route: {"n": 110, "err": 0, "b": _buckets(b0_1=110)}})
    # Node b restarted in between: its counter went down, so its newest figure is all new.
    _sample("b:2", now - dt.timedelta(minutes=6), {route: {"n": 500, "err": 0, "b": _buckets(b1_0=500)}})
    _sample("b:2", now - dt.timedelta(minutes=1), {route: {"n": 40, "err": 0, "b": _buckets(b1_0=40)}})
    # Node c stopped sampling ten minutes ago: left out.
    _sample("c:3", now - dt.timedelta(minutes=10), {route: {"n": 9999, "err": 0, "b": _buckets(b1_0=9999)}})
    traffic = selectors.traffic_get(window_minutes=5, now=now)
    assert traffic.nodes == 2
    assert traffic.routes[0].requests == 60 + 40
    assert traffic.routes[0].per_minute == pytest.approx(60 / 5 + 40 / 5)
    # 60 answers ≤ 0.1 s and 40 in (0.5, 1] s: the rank 95 falls in the slow bucket.
    assert 500 < traffic.routes[0].p95_ms <= 1000


def test_quantile_follows_prometheus() -> None:
    assert selectors.quantile(0.95, [0.0] * N) is None
    assert selectors.quantile(0.5, _buckets(b0_1=10)) == pytest.approx(0.05 + 0.05 * 5 / 10)
    everything_slow = [0.0] * (N - 1) + [10.0]
    assert selectors.quantile(0.95, everything_slow) == metrics.LATENCY_BUCKETS[-1]


def test_the_scheduler_records_a_heartbeat_and_samples_once_a_minute(monkeypatch: pytest.MonkeyPatch,
                                                                      client: Client) -> None:
    monkeypatch.setattr(services, "SAMPLING", True)  # as under parkos serve (here: this process's own figures)
    services._last_sample.clear()
    assert client.get("/accounts/login/").status_code == 200
    services.heartbeat_record(node="h:1")
    services.heartbeat_record(node="h:1")
    assert Heartbeat.objects.get(node="h:1")
    samples = list(MetricsSample.objects.filter(node="h:1"))
    assert len(samples) == 1  # the second pass came within the minute
    assert samples[0].data["routes"]["accounts:login"]["n"] >= 1
    assert samples[0].data["routes"]["accounts:login"]["b"][-1] == samples[0].data["routes"]["accounts:login"]["n"]
