"""The device endpoints: device keys only (issued, rotated with an overlap, revoked), each key for its own
gate, per-event results over HTTP, and the decision endpoint's answers and speed."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkos.access.models import DeviceKey, Passage
from parkos.access.services import gates
from parkos.access.services.passages import MAX_BATCH
from parkos.access.tests.gates_fixtures import ago, card, cast_fixture, event, key_for, post  # noqa: F401
from parkos.accounts.services import token_create

pytestmark = pytest.mark.django_db


def _batch(gate_id: int, *events: dict[str, Any]) -> dict[str, Any]:
    return {"gate": gate_id, "events": list(events)}


def test_a_device_posts_its_batch_and_gets_a_result_per_event(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    key = key_for(gate, cast["op_a"])
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    body = _batch(gate.pk, event(number, "in", ago(minutes=3), event_id="1"),
                  {**event(number, "in", ago(minutes=2), event_id="2"), "direction": 7},
                  event("UNKNOWN", "out", ago(minutes=1), event_id="3"))
    response = post(key, "passages", body)
    assert response.status_code == 200, response.content
    assert [(r["event_id"], r["result"]) for r in response.json()["results"]] == [
        ("1", "accepted"), ("2", "invalid"), ("3", "unknown")]
    assert post(key, "passages", body).json()["results"][0]["result"] == "duplicate"
    assert Passage.objects.count() == 2
    assert DeviceKey.objects.get().last_used_at is not None


def test_a_key_used_with_another_gates_id_is_refused_and_stores_nothing(cast: dict[str, Any]) -> None:
    key = key_for(cast["gate"], cast["op_a"])
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    for gate in (cast["gate_b"], cast["gate"].__class__.objects.create(park=cast["a"], area=cast["area"], name="侧门")):
        response = post(key, "passages", _batch(gate.pk, event(number, "in", ago(minutes=1))))
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        decision = post(key, "decisions", {"gate": gate.pk, "kind": "card", "credential": number, "direction": "in"})
        assert decision.status_code == 403
    assert not Passage.objects.exists()


def test_only_device_keys_open_the_device_endpoints_and_nothing_else(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    key = key_for(gate, cast["op_a"])
    body = _batch(gate.pk)
    # A person's session or personal token is no device.
    session = Client()
    session.force_login(cast["op_a"])
    assert session.post("/api/v1/access/passages", json.dumps(body), content_type="application/json").status_code == 401
    _token, raw = token_create(actor=cast["op_a"], name="脚本")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/access/gates").status_code == 200
    assert post(raw, "passages", body).status_code == 401
    assert post("dev_not-a-key", "passages", body).status_code == 401
    assert Client().post("/api/v1/access/passages", json.dumps(body), content_type="application/json").status_code == 401
    # A device key opens no other endpoint, not even the gates API of its own park.
    device = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert device.get("/api/v1/access/gates").status_code == 401
    assert device.get("/api/v1/me").status_code in (401, 404)
    assert post(key, "passages", body).status_code == 200


def test_a_rotated_key_works_through_its_overlap_then_stops(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    old = key_for(gate, cast["op_a"])
    _row, new = gates.device_key_rotate(actor=cast["op_a"], gate=gate, overlap=dt.timedelta(hours=2))
    assert post(old, "passages", _batch(gate.pk)).status_code == 200
    assert post(new, "passages", _batch(gate.pk)).status_code == 200
    old_row = DeviceKey.objects.get(prefix=old[:12])
    assert old_row.expires_at is not None and abs((old_row.expires_at - timezone.now()) - dt.timedelta(hours=2)) < \
        dt.timedelta(minutes=1)
    DeviceKey.objects.filter(pk=old_row.pk).update(expires_at=ago(seconds=1))  # the overlap is over
    assert post(old, "passages", _batch(gate.pk)).status_code == 401
    assert post(new, "passages", _batch(gate.pk)).status_code == 200
    assert DeviceKey.objects.get(prefix=new[:12]).expires_at is None


def test_a_revoked_key_stops_at_once(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    key = key_for(gate, cast["op_a"])
    spare = key_for(gate, cast["op_a"])
    gates.device_key_revoke(actor=cast["op_a"], key=DeviceKey.objects.get(prefix=key[:12]))
    assert post(key, "passages", _batch(gate.pk)).status_code == 401
    assert post(key, "decisions", {"gate": gate.pk, "kind": "card", "credential": "x", "direction": "in"}).status_code == 401
    assert post(spare, "passages", _batch(gate.pk)).status_code == 200


def test_a_batch_of_501_is_refused_with_a_clear_error(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    key = key_for(gate, cast["op_a"])
    response = post(key, "passages", _batch(gate.pk, *[event("X", "in", ago(minutes=1)) for _ in range(MAX_BATCH + 1)]))
    assert response.status_code == 400 and response.json()["code"] == "too_many"
    assert "500" in response.json()["message"]
    assert not Passage.objects.exists()


def test_the_decision_endpoint_answers_and_names_the_reason(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    key = key_for(gate, cast["op_a"])
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    ask = {"gate": gate.pk, "kind": "card", "credential": number, "direction": "in"}
    answer = post(key, "decisions", ask)
    assert answer.status_code == 200 and answer.json()["allowed"] is True and answer.json()["message"]
    unknown = post(key, "decisions", {**ask, "credential": "NOPE"}).json()
    assert unknown == {"allowed": False, "reason": "unknown", "message": unknown["message"]} and unknown["message"]
    gates.gate_deactivate(actor=cast["op_a"], gate=gate)
    off = post(key, "decisions", ask).json()
    assert off["allowed"] is False and off["reason"] == "gate_inactive"
    bad = post(key, "decisions", {**ask, "kind": "iris"})
    assert bad.status_code == 400 and bad.json()["details"].get("kind")
    assert not Passage.objects.exists()  # asking stores nothing


def test_a_decision_takes_a_few_queries_and_milliseconds(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    key = key_for(gate, cast["op_a"])
    _c, number = card(cast["staff"], cast["op_a"], cast["a"], area_ids=[cast["area"].pk])
    ask = {"gate": gate.pk, "kind": "card", "credential": number, "direction": "in"}
    post(key, "decisions", ask)  # warm: last_used_at written, caches filled
    with CaptureQueriesContext(connection) as queries:
        assert post(key, "decisions", ask).json()["allowed"] is True
    # key + gate + area (one join), the card, its areas; session machinery aside
    assert len([q for q in queries.captured_queries if "access_" in q["sql"]]) <= 3, queries.captured_queries
    started = time.perf_counter()
    for _ in range(20):
        post(key, "decisions", ask)
    # Not a budget (bench/ measures the p95): a guard against a decision that scans tables.
    assert (time.perf_counter() - started) / 20 < 0.25
