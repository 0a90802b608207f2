"""A node started by `parkos serve` (a web worker, daphne, job worker, scheduler, map server), JSON logs:
/metrics sums every process's figures, /ready sees the scheduler, and a request's id reaches the job
worker's log lines."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.typing import Origin

from parkos.conftest import database_url, free_port, stop_process, wait_for_port
from parkos.space import selectors as space_selectors
from parkos.space.models import SpaceMap
from parkos.space.tests.conftest import join
from parkos.space.tests.maps import tiled

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PARKOS = str(Path(sys.executable).with_name("parkos"))


def _value(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        head, _sep, value = line.rpartition(" ")
        if head.split("{")[0] == name and all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
    return total


def _wait(what: str, probe: Callable[[], Any], log: Path, timeout: float = 30.0,
          last: Callable[[], str] = lambda: "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.3)
    # The log without the probes' own lines (a probe answered 503 hundreds of times says nothing more).
    lines = [line for line in log.read_text(errors="replace").splitlines() if "/ready" not in line]
    pytest.fail(f"{what}: not within {timeout:.0f}s; last answer: {last()}\n"
                f"--- serve log ---\n" + "\n".join(lines)[-6000:])


def _json_lines(log: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in log.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


def test_served_node_metrics_readiness_and_request_ids(tmp_path: Path) -> None:
    from django.conf import settings
    from django.db import connection

    from parkos.accounts.tests.factories import make_user

    user = make_user(email="served-reset@example.cn")
    space = SpaceMap.objects.create(slug=f"ops-{uuid.uuid4().hex[:8]}", name="测试地图", tiled=tiled(spawn=(2, 3)))
    var_dir = tmp_path / "var"
    (var_dir / "metrics").mkdir(parents=True)
    stale = var_dir / "metrics" / "counter_999999.db"
    stale.write_bytes(b"left by the last run")
    port = free_port(pair=True)
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "PROMETHEUS_MULTIPROC_DIR"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "parkos.ops.tests.server_settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "PARKOS_VAR_DIR": str(var_dir),
        "DB_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        "LOG_FORMAT": "json",
        "READY_SCHEDULER_MAX_AGE": "60",
    })
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as log_file:
        proc = subprocess.Popen([PARKOS, "serve", "--port", str(port), "--workers", "1"], env=env, cwd=tmp_path,
                                stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for_port(port, proc=proc, timeout=60)
            wait_for_port(port + 1, proc=proc, timeout=60)
            wait_for_port(port + 2, proc=proc, timeout=60)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"{error}\n--- serve log ---\n{log.read_text(errors='replace')[-5000:]}")
        assert not stale.exists()  # the last run's figures were emptied at start

        # /health (once a worker has loaded: slow on a busy machine), and the proxy's request id handed back.
        def health() -> tuple[int, str, str] | None:
            request = urllib.request.Request(base + "/health", headers={"X-Request-ID": "probe-42"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, response.read().decode(), response.headers["X-Request-ID"]
            except (TimeoutError, urllib.error.URLError):
                return None

        status, body_text, request_id = _wait("/health answers", health, log, timeout=90)
        assert status == 200 and json.loads(body_text) == {"status": "ok"} and request_id == "probe-42"

        # /ready once the scheduler has ticked (it does at its start).
        last_ready = [""]

        def ready() -> dict[str, Any] | None:
            try:
                with urllib.request.urlopen(base + "/ready", timeout=10) as response:
                    return dict(json.loads(response.read()))
            except urllib.error.HTTPError as error:
                assert error.code == 503
                last_ready[0] = error.read().decode(errors="replace")
                return None

        body = _wait("/ready answers 200", ready, log, timeout=120, last=lambda: last_ready[0])  # the scheduler starts last on a busy machine
        assert body["checks"]["scheduler"]["ok"] and body["checks"]["migrations"]["ok"]

        # Pages, each answered by either web worker.
        ids = []
        for _ in range(6):
            with urllib.request.urlopen(base + "/accounts/login/", timeout=10) as response:
                assert response.status == 200
                ids.append(response.headers["X-Request-ID"])

        # A request that enqueues a background task (the password-reset e-mail), with the proxy's id.
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(base + "/accounts/password/reset/", timeout=10) as response:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
        assert token is not None
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "email": user.email}).encode()
        post = urllib.request.Request(base + "/accounts/password/reset/", data=data,
                                      headers={"X-Request-ID": "reset-served-1", "Referer": base + "/"})
        with opener.open(post, timeout=10) as response:
            assert response.status == 200  # followed the redirect to "sent"

        # A websocket held open on daphne, and a member on the immersive map (the map server's process).
        peer = join(SimpleNamespace(url=f"ws://127.0.0.1:{port + 2}"),
                    space_selectors.ticket_for(user=user, space=space), slug=space.slug)
        with connect(f"ws://127.0.0.1:{port + 1}/ws/ping/", origin=Origin(base), open_timeout=10) as ws:
            ws.recv(timeout=10)
            with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
                during = response.read().decode()
        peer.ws.close()
        assert _value(during, "parkos_websocket_connections", route="ws/ping/") == 1  # daphne's figure
        assert _value(during, "parkos_map_connections", map=space.slug) == 1  # the map server's

        # The job worker logged the task's lines with the request's id (another process, after the request).
        def worker_lines() -> list[dict[str, Any]]:
            return [line for line in _json_lines(log) if line.get("logger") == "django_tasks"
                    and "SUCCESSFUL" in line.get("message", "") and line.get("request_id") == "reset-served-1"]

        _wait("the job worker's JSON line with the request id", worker_lines, log)

        # Every process's figures in one scrape, by route name.
        def scraped() -> str | None:
            with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
                text = response.read().decode()
            closed = (_value(text, "parkos_websocket_connections", route="ws/ping/") == 0
                      and _value(text, "parkos_map_connections", map=space.slug) == 0)
            return text if closed else None

        text = _wait("/metrics after the websocket closed", scraped, log)
        assert _value(text, "parkos_http_requests_total", route="accounts:login", method="GET", status="2xx") == 6
        assert _value(text, "parkos_http_requests_total", route="accounts:password_reset", method="POST",
                      status="3xx") == 1
        assert _value(text, "parkos_tasks_finished_total", task="parkos.accounts.tasks.email_send",
                      status="successful") == 1  # counted in the job worker's process
        assert "/accounts/login/" not in text
        assert 'route="ops:health"' not in text and 'route="ops:ready"' not in text

        # The web workers' JSON request lines carry the ids they answered with.
        request_lines = [line for line in _json_lines(log) if line.get("logger") == "parkos.request"]
        logged = {line["request_id"]: line for line in request_lines}
        for request_id in ids:
            line = logged[request_id]
            assert line["route"] == "accounts:login" and line["status"] == 200 and line["method"] == "GET"
            assert set(line) >= {"time", "level", "message", "duration_ms", "user_id"}
        assert any(line.get("logger") == "gunicorn.error" for line in _json_lines(log))  # gunicorn's own, too
        assert not any(line.get("logger") == "gunicorn.access" for line in _json_lines(log))  # no second line
        assert any(line["request_id"] == "reset-served-1" and line["route"] == "accounts:password_reset"
                   and line["method"] == "POST" for line in request_lines)

        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    finally:
        stop_process(proc)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
