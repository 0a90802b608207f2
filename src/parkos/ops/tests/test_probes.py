"""/health and /ready: no log-in, no session, 200 or 503 naming what fails."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from parkos.jobs.services import scheduler_tick
from parkos.ops import selectors
from parkos.ops.models import Heartbeat

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nothing listens there


def test_health_is_200_json_without_touching_the_database(client: Client, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert response["Cache-Control"].startswith("max-age=0")


def test_ready_is_200_with_each_check_once_the_scheduler_ticked(client: Client) -> None:
    assert client.get("/ready").status_code == 503  # no scheduler yet
    scheduler_tick(node="test-node:1")  # the scheduler's pass records its heartbeat
    assert Heartbeat.objects.filter(node="test-node:1").exists()
    response = client.get("/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    redis = {"redis"} if django_settings.REDIS_URL else set()  # checked in scale-out mode only
    assert set(body["checks"]) == {"database", "migrations", "scheduler"} | redis
    assert all(check["ok"] for check in body["checks"].values())


def test_ready_is_503_naming_a_stale_heartbeat(client: Client, settings: Any) -> None:
    settings.READY_SCHEDULER_MAX_AGE = 60
    Heartbeat.objects.create(node="old:1", beat_at=timezone.now() - dt.timedelta(seconds=61))
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["scheduler"]
    Heartbeat.objects.create(node="young:2", beat_at=timezone.now())  # any node's scheduler will do
    assert client.get("/ready").status_code == 200
    settings.READY_SCHEDULER_MAX_AGE = 0  # the check left out (e.g. a server without scheduler)
    Heartbeat.objects.all().delete()
    response = client.get("/ready")
    assert response.status_code == 200 and "scheduler" not in response.json()["checks"]


def test_ready_is_503_naming_redis_when_it_does_not_answer(client: Client, settings: Any) -> None:
    Heartbeat.objects.create(node="n:1", beat_at=timezone.now())
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["database"]["ok"] is True


def test_ready_names_unapplied_migrations_and_caches_only_success(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(selectors, "_migrations_applied", False)
    real_plan = MigrationExecutor.migration_plan
    monkeypatch.setattr(MigrationExecutor, "migration_plan",
                        lambda self, targets, clean_start=False: [(self.loader.graph.nodes[("ops", "0001_initial")],
                                                                   False)])
    check = next(c for c in selectors.readiness() if c.name == "migrations")
    assert not check.ok and check.detail == "ops.0001_initial"
    assert selectors._migrations_applied is False
    monkeypatch.setattr(MigrationExecutor, "migration_plan", real_plan)
    assert next(c for c in selectors.readiness() if c.name == "migrations").ok
    assert selectors._migrations_applied is True
    calls: list[int] = []
    monkeypatch.setattr(MigrationExecutor, "__init__", lambda *a, **k: calls.append(1))
    assert next(c for c in selectors.readiness() if c.name == "migrations").ok
    assert calls == []  # not asked again in this process


def test_probes_are_not_counted_as_traffic_nor_rate_limited(client: Client) -> None:
    from parkos.ops.metrics import REQUESTS

    before = REQUESTS.labels("ops:health", "GET", "2xx")._value.get()
    for _ in range(200):
        assert client.get("/health").status_code == 200
    assert REQUESTS.labels("ops:health", "GET", "2xx")._value.get() == before
