"""The example temperature app (examples/temperature_app/app.py) as a real subprocess against a live
ParkOS: a passage is published as ingestion publishes it, the webhook is delivered by the deliveries
service, the app checks the signature, takes its reading and posts it back with its token, and the
reading lands (an alert, with the app's alert rate at 1). A member without consent is not measured; a
webhook with a bad or old signature is refused by the app."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from parkos.access.models import AppScope, Delivery, Reading
from parkos.access.services import deliveries
from parkos.access.services.apps import app_register
from parkos.access.services.readings import temperature_consent_set
from parkos.access.tests.screening_fixtures import build_scene, passage
from parkos.conftest import ARTIFACTS_DIR, REPO_DIR, free_port, stop_process, wait_for_port

APP = REPO_DIR / "examples" / "temperature_app" / "app.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("temperature_app", APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["temperature_app"] = module
    spec.loader.exec_module(module)
    return module


def test_the_simulated_thermometer_is_seeded_and_rarely_above_37_3() -> None:
    app = _module()
    values = [app.simulated_reading(16, pid, 0.01) for pid in range(1, 5001)]
    assert values == [app.simulated_reading(16, pid, 0.01) for pid in range(1, 5001)]
    alerts = sum(v > Decimal("37.3") for v in values)
    assert 10 <= alerts <= 100  # about 1 %
    assert all(Decimal("35.9") <= v <= Decimal("38.6") for v in values)
    assert abs(sum(values) / len(values) - Decimal("36.5")) < Decimal("0.1")


def test_the_signature_check_refuses_bad_and_old_signatures() -> None:
    app = _module()
    body, secret, now = b'{"a":1}', "whsec_x", 1_767_225_600
    good = "v1=" + hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    assert app.signature_ok(secret, str(now), body, good, max_age=300, now=now + 299)
    assert not app.signature_ok(secret, str(now), body, good, max_age=300, now=now + 301)
    assert not app.signature_ok(secret, str(now), body, good, max_age=300, now=now - 301)
    assert not app.signature_ok(secret, str(now), body + b" ", good, max_age=300, now=now)
    assert not app.signature_ok("whsec_y", str(now), body, good, max_age=300, now=now)
    assert not app.signature_ok(secret, str(now), body, good[3:], max_age=300, now=now)
    assert not app.signature_ok(secret, "", body, good, max_age=300, now=now)


@pytest.fixture
def running(live_server: Any, transactional_db: None) -> Iterator[dict[str, Any]]:
    world = build_scene()
    port = free_port()
    app, token, secret = app_register(
        actor=world["op_a"], park=world["a"], name="体温筛查", owner_enterprise=world["vendor"].pk,
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        scopes=[AppScope.PASSAGES_READ.value, AppScope.READINGS_WRITE.value], gate_ids=[world["gate"].pk])
    env = {**os.environ, "TEMPERATURE_APP_PARKOS_URL": live_server.url, "TEMPERATURE_APP_TOKEN": token,
           "TEMPERATURE_APP_WEBHOOK_SECRET": secret, "TEMPERATURE_APP_PORT": str(port),
           "TEMPERATURE_APP_ALERT_RATE": "1", "PYTHONUNBUFFERED": "1"}
    log = ARTIFACTS_DIR
    log.mkdir(parents=True, exist_ok=True)
    with (log / "temperature-app.log").open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(APP)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc=proc, timeout=30)
        yield {**world, "app": app, "secret": secret, "port": port, "log": log / "temperature-app.log"}
    finally:
        stop_process(proc)


def _wait_for(predicate: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def _post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_a_passage_becomes_a_reading_through_the_real_app(running: dict[str, Any]) -> None:
    member, other = running["member"], running["other"]
    temperature_consent_set(actor=member, given=True)
    consented, refused = passage(member, running["gate"]), passage(other, running["gate"])
    # what ingestion does after its batch commits; the immediate task backend sends the webhooks now
    deliveries.passages_published(passage_ids=[consented.pk, refused.pk])
    sent = Delivery.objects.filter(app=running["app"]).order_by("pk")
    assert [d.status for d in sent] == [Delivery.Status.DELIVERED] * 2, [d.last_error for d in sent]
    reading = _wait_for(lambda: Reading.objects.filter(passage=consented).first())
    assert reading is not None, running["log"].read_text(errors="replace")[-3000:]
    assert reading.user == member and reading.app == running["app"]
    assert reading.is_alert and Decimal("37.4") <= reading.value <= Decimal("38.6")
    assert _wait_for(lambda: "ALERT" in running["log"].read_text(errors="replace"), 10)
    time.sleep(1)  # the other passage would have been screened by now: it is not
    assert not Reading.objects.filter(passage=refused).exists()
    assert Reading.objects.count() == 1
    # a replay of the same delivery is screened once: the app dedupes on the delivery id
    deliveries.delivery_attempt(delivery_id=sent[0].pk)
    assert Reading.objects.count() == 1


def test_the_app_refuses_bad_and_old_signatures(running: dict[str, Any]) -> None:
    temperature_consent_set(actor=running["member"], given=True)
    p = passage(running["member"], running["gate"])
    body = json.dumps({"delivery_id": 999, "event": "passage.created", "app_id": running["app"].pk,
                       "data": {"passage_id": p.pk, "gate_id": p.gate_id, "direction": "in", "subject": "member",
                                "occurred_at": p.occurred_at.isoformat(), "screening_consent": True}}).encode()
    now = int(time.time())
    headers = {"X-ParkOS-Event": "passage.created", "X-ParkOS-Delivery": "999"}
    assert _post(running["port"], body, {**headers, "X-ParkOS-Timestamp": str(now),
                                          "X-ParkOS-Signature": "v1=" + "0" * 64}) == 401
    old = now - 3600
    assert _post(running["port"], body, {**headers, "X-ParkOS-Timestamp": str(old),
                                          "X-ParkOS-Signature": deliveries.sign(running["secret"], old, body)}) == 401
    time.sleep(1)
    assert not Reading.objects.exists()
    assert _post(running["port"], body, {**headers, "X-ParkOS-Timestamp": str(now),
                                          "X-ParkOS-Signature": deliveries.sign(running["secret"], now, body)}) == 202
    assert _wait_for(lambda: Reading.objects.filter(passage=p).exists())


@pytest.mark.django_db
def test_the_demo_registration_is_idempotent_and_writes_the_apps_config(tmp_path: Path, settings: Any) -> None:
    from parkos.access.demo_apps import (
        DEMO_TOKEN,
        DEMO_WEBHOOK_SECRET,
        example_config_path,
        seed_temperature_app,
    )
    from parkos.access.services.apps import app_authenticate

    settings.VAR_DIR = tmp_path
    world = build_scene()
    first = seed_temperature_app(park=world["a"], port=9000)
    again = seed_temperature_app(park=world["a"], port=9000)
    assert first.pk == again.pk and again.webhook_url == "http://127.0.0.1:9003/webhook"
    assert set(again.gates.values_list("pk", flat=True)) == {world["gate"].pk, world["plain"].pk}  # all of park A's
    assert set(again.scopes) == {AppScope.PASSAGES_READ.value, AppScope.READINGS_WRITE.value}
    authenticated = app_authenticate(DEMO_TOKEN)
    assert authenticated is not None and authenticated.pk == first.pk
    config = json.loads(example_config_path().read_text(encoding="utf-8"))
    assert (config["token"], config["webhook_secret"], config["port"]) == (DEMO_TOKEN, DEMO_WEBHOOK_SECRET, 9003)
    assert config["parkos_url"] == "http://127.0.0.1:9000"
