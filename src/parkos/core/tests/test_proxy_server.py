"""ParkOS behind a real reverse proxy (Debian's nginx), as the README's scale-out prescribes.

The real server (`parkos serve`, production settings, a throwaway SQLite park) with NUM_PROXIES=1 behind
nginx on 127.0.0.1: clients connect to nginx from different loopback addresses (127.0.0.2, 127.0.0.3),
so nginx really sees two clients and appends each one's address to X-Forwarded-For. Failed log-ins and
sign-ups then count per client, not park-wide, and a client cannot escape its bucket by writing its own
X-Forwarded-For. With NUM_PROXIES=0 the header is ignored altogether.

Also: the servers the suite itself starts never count into the developer's rate-limit store, so a test
run cannot lock `make demo` out."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from parkos.conftest import REPO_DIR, copy_sqlite, free_port, nginx_serving, stop_process, wait_for_port

pytestmark = pytest.mark.server

PARKOS = str(Path(sys.executable).with_name("parkos"))
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/bin/nginx")
CLIENT_A = "127.0.0.2"
CLIENT_B = "127.0.0.3"
# Small limits so that a test reaches them in a few requests (the defaults are 30 and 20).
RATES = {"LOGIN_RATE_PER_IP": "3/5m", "LOGIN_RATE_PER_ACCOUNT": "100/5m", "SIGNUP_RATE_PER_IP": "2/h"}


def nginx_binary() -> str:
    """Debian's nginx; its absence is a failure with the fix, never a silent skip."""
    found = shutil.which("nginx") or next((path for path in NGINX_PATHS if os.access(path, os.X_OK)), None)
    if not found:
        pytest.fail("nginx is missing (the reverse proxy these tests put in front of ParkOS): run `make browser-deps`")
    return found


# --- a throwaway park, served for real -------------------------------------------------------------

@pytest.fixture(scope="module")
def park_env(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_template: Path) -> dict[str, Any]:
    """Production settings on a migrated SQLite file in a throwaway var directory (embedded mode): a copy of
    the session's migrated park (conftest), not a `migrate` of its own."""
    root = tmp_path_factory.mktemp("proxied-park")
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "REDIS_URL", "DATABASE_URL", "NUM_PROXIES"}
           and not key.startswith(("LOGIN_RATE", "SIGNUP_RATE", "RATELIMIT"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "parkos.config.settings",
        "DATABASE_URL": f"sqlite:///{root / 'park.sqlite3'}",
        "PARKOS_VAR_DIR": str(root / "var"),
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
        **RATES,
    })
    copy_sqlite(migrated_sqlite_template, root / "park.sqlite3")
    return {"env": env, "root": root, "db": root / "park.sqlite3"}


@contextmanager
def parkos_serving(park_env: dict[str, Any], *, num_proxies: int) -> Iterator[int]:
    """`parkos serve` (one web worker) with NUM_PROXIES; yields the web port; stops it and all it started."""
    port = free_port(pair=True)
    # Its own var directory, so that rate-limit counters (var/cache) start empty for each server.
    env = {**park_env["env"], "NUM_PROXIES": str(num_proxies),
           "PARKOS_VAR_DIR": str(park_env["root"] / f"var-{port}")}
    log = park_env["root"] / f"serve-{port}.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen([PARKOS, "serve", "--port", str(port), "--quiet", "--workers", "1"], env=env,
                                cwd=park_env["root"], stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        try:
            for each in (port, port + 1, port + 2):  # pages, websockets, the map: all up before any stop
                wait_for_port(each, proc=proc, timeout=60)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"{error}\n--- serve log ---\n{log.read_text(errors='replace')[-4000:]}")
        yield port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # as Ctrl-C: serve stops what it started
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        stop_process(proc)
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything of this server's own group still left


@contextmanager
def nginx_in_front(upstream_port: int, folder: Path) -> Iterator[int]:
    """Debian's nginx on 127.0.0.1 only, proxying to ParkOS and appending the client to X-Forwarded-For."""
    binary = nginx_binary()
    port = free_port()
    prefix = folder / f"nginx-{port}"
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / temp).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""")
    with nginx_serving(binary, prefix, conf, port):
        yield port


def post(port: int, path: str, body: dict[str, Any], *, source: str = "127.0.0.1",
         forwarded_for: str | None = None) -> tuple[int, dict[str, Any]]:
    """POST JSON from the loopback address ``source``; returns (status, JSON body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    try:
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, {"raw": raw.decode(errors="replace")[:500]}


def failed_login(port: int, n: int, **client: Any) -> tuple[int, str]:
    # A different log-in each time, so that only the per-IP limit can engage, never the per-account one.
    status, body = post(port, "/api/v1/accounts/session", {"login": f"nobody-{n}-{time.monotonic_ns()}@x.test",
                                                           "password": "wrong password"}, **client)
    return status, str(body.get("code"))


def signup(port: int, login: str, **client: Any) -> tuple[int, str]:
    status, body = post(port, "/api/v1/accounts/signup", {"login": login, "password": "Cor-rect horse 42!",
                                                          "display_name": "Proxy Test", "accept_privacy": True},
                        **client)
    return status, str(body.get("code", "created" if status == 201 else body))


# --- behind one proxy ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def proxy(park_env: dict[str, Any]) -> Iterator[int]:
    """The port of nginx in front of `parkos serve` with NUM_PROXIES=1. Log-ins and sign-ups count in
    groups of their own, so the tests below can share one server."""
    with parkos_serving(park_env, num_proxies=1) as web, nginx_in_front(web, park_env["root"]) as port:
        yield port


def test_behind_a_proxy_failed_logins_lock_out_only_that_client(proxy: int) -> None:
    # Client A fails three times (the per-IP limit), each time writing another X-Forwarded-For of its
    # own: nginx appends the address it really sees, and ParkOS trusts only that one.
    for n in range(3):
        assert failed_login(proxy, n, source=CLIENT_A, forwarded_for=f"198.51.100.{n + 1}") == (
            400, "bad_credentials")
    assert failed_login(proxy, 3, source=CLIENT_A) == (429, "rate_limited")
    assert failed_login(proxy, 4, source=CLIENT_A, forwarded_for="198.51.100.77") == (429, "rate_limited")
    assert failed_login(proxy, 5, source=CLIENT_A, forwarded_for=CLIENT_B) == (429, "rate_limited")

    # Client B, behind the same proxy, is not locked out by A (before this fix the park shared one bucket).
    for n in range(3):
        assert failed_login(proxy, 10 + n, source=CLIENT_B) == (400, "bad_credentials")
    assert failed_login(proxy, 13, source=CLIENT_B) == (429, "rate_limited")


def test_behind_a_proxy_signups_are_capped_per_client_and_consents_record_the_client(
        proxy: int, park_env: dict[str, Any]) -> None:
    assert signup(proxy, "proxy-a1@x.test", source=CLIENT_A) == (201, "created")
    assert signup(proxy, "proxy-a2@x.test", source=CLIENT_A, forwarded_for="203.0.113.50") == (201, "created")
    assert signup(proxy, "proxy-a3@x.test", source=CLIENT_A, forwarded_for="203.0.113.51") == (
        429, "rate_limited")
    assert signup(proxy, "proxy-b1@x.test", source=CLIENT_B) == (201, "created")  # not capped park-wide

    with sqlite3.connect(park_env["db"]) as db:
        recorded = dict(db.execute(
            "SELECT u.email, c.ip_address FROM accounts_consent c JOIN accounts_user u ON u.id = c.user_id"
            " WHERE u.email LIKE 'proxy-%'").fetchall())
    # The privacy consent records the client, not the proxy (127.0.0.1) nor what the client wrote.
    assert recorded == {"proxy-a1@x.test": CLIENT_A, "proxy-a2@x.test": CLIENT_A, "proxy-b1@x.test": CLIENT_B}


# --- no proxy configured ---------------------------------------------------------------------------

def test_without_proxies_a_forged_x_forwarded_for_changes_nothing(park_env: dict[str, Any]) -> None:
    with parkos_serving(park_env, num_proxies=0) as web:
        for n in range(3):
            assert failed_login(web, 20 + n, source=CLIENT_A, forwarded_for=f"192.0.2.{n + 1}") == (
                400, "bad_credentials")
        # A fresh forged address each time, or another real client's: still A's bucket.
        assert failed_login(web, 23, source=CLIENT_A, forwarded_for="192.0.2.99") == (429, "rate_limited")
        assert failed_login(web, 24, source=CLIENT_A, forwarded_for=f"192.0.2.5, {CLIENT_B}") == (
            429, "rate_limited")
        assert failed_login(web, 25, source=CLIENT_B) == (400, "bad_credentials")  # B is its own client

        assert signup(web, "direct-1@x.test", source=CLIENT_B, forwarded_for="192.0.2.200") == (201, "created")
    with sqlite3.connect(park_env["db"]) as db:
        (ip,) = db.execute("SELECT c.ip_address FROM accounts_consent c JOIN accounts_user u ON u.id = c.user_id"
                           " WHERE u.email = 'direct-1@x.test'").fetchone()
    assert ip == CLIENT_B


# --- the suite's own servers and the developer's park ----------------------------------------------

def _store_snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Every file under ``folders``: (size, modification time), to see whether anything touched them."""
    snapshot = {}
    for folder in folders:
        for path in folder.rglob("*") if folder.exists() else ():
            if path.is_file():
                stat = path.stat()
                snapshot[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return snapshot


@pytest.mark.django_db(transaction=True)
def test_the_suites_servers_never_count_into_the_developers_rate_limits(ws_server: Any, client: Any) -> None:
    """`make demo` keeps its counters in var/cache/ratelimit (or, scale-out, in the developer's Redis under
    the "rl" prefix). Failed log-ins in tests, in this process and in the servers the suite starts,
    must count somewhere of the test run's own: else a test run locks the developer out of their demo
    (and clearing the counters between tests would wipe theirs)."""
    from django.conf import settings

    store = settings.CACHES["ratelimit"]
    developer_var = [REPO_DIR / "var", Path(settings.VAR_DIR)]
    assert "redis" not in store["BACKEND"].lower(), (
        "tests count rate limits in the developer's Redis: give the test run a store of its own "
        "(config/settings_test.py)")
    if "filebased" in store["BACKEND"]:
        location = Path(store["LOCATION"]).resolve()
        for var in developer_var:
            assert not location.is_relative_to((var / "cache").resolve()), (
                f"tests count rate limits in the developer's {var / 'cache'}")

    developer_cache = [var / "cache" for var in developer_var]
    before = _store_snapshot(developer_cache)
    limit = int(settings.LOGIN_RATE_PER_IP.split("/")[0])

    # In this process (the live_server of the browser tests runs here too) ...
    for n in range(limit):
        response = client.post("/api/v1/accounts/session", {"login": f"demo-{n}@x.test", "password": "x"},
                               content_type="application/json")
        assert response.status_code == 400
    response = client.post("/api/v1/accounts/session", {"login": "demo-x@x.test", "password": "x"},
                           content_type="application/json")
    assert response.status_code == 429  # the limit did engage: the counters are somewhere
    # ... and in a server process the suite starts (daphne serves the same Django over ASGI).
    codes = [failed_login(ws_server.port, 100 + n)[0] for n in range(limit + 1)]
    assert codes[-1] == 429, codes

    assert _store_snapshot(developer_cache) == before, "a test run changed the developer's rate-limit store"
