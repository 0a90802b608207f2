"""Scale-out for real: two ParkOS nodes on one PostgreSQL and one Redis, behind Debian's nginx running the
shipped deploy/nginx/parkos.conf (rendered with this test's ports and folders).

Each node runs the web (gunicorn), websockets (daphne) and map (space-serve) processes by the very commands
`parkos serve` runs (serve.server_commands, through parkos.config.process). Through the proxy: a page, the
API, the bell's websocket and the immersive map work; a member on the map through node A sees a member
through node B; and when node A is killed with SIGKILL during a stream of writes, nginx sends the traffic
to node B and every write that was answered 2xx is in the database (none lost, none doubled).

Runs in the scale-out suite only (DATABASE_URL on PostgreSQL and REDIS_URL set): nodes on SQLite would
not be a scale-out."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from websockets.sync.client import connect

from parkos.config.process import command_for
from parkos.config.tests.deploy_support import DEPLOY_DIR, nginx_running
from parkos.conftest import ARTIFACTS_DIR, REPO_DIR, database_url, ensure_industries, free_port, wait_for_port


def _scale_out() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"] and bool(settings.REDIS_URL)


pytestmark = [
    pytest.mark.server, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not _scale_out(), reason="scale-out only: run with DATABASE_URL=postgres://... and "
                       "REDIS_URL=redis://... (.ci/run's scale-out step does)"),
]

NODE_PROCESSES = ("web", "ws", "space")  # the worker and the scheduler serve no traffic
HEALTHCHECK = DEPLOY_DIR / "healthcheck.py"


@dataclass
class Node:
    name: str
    port: int
    log: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def kill(self) -> None:
        """SIGKILL to every process of the node (each leads a process group: gunicorn's workers too)."""
        for proc in self.procs.values():
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs.values():
            proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        self.kill()


@dataclass
class Cluster:
    port: int  # nginx
    nodes: dict[str, Node]
    root: Path

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_node(name: str, env: dict[str, str], root: Path) -> Node:
    port = free_port(pair=True)
    while not all(_free(p) for p in (port + 1, port + 2)):
        port = free_port(pair=True)
    node = Node(name=name, port=port, log=root / f"node-{name}.log")
    node_env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1",
                "PARKOS_VAR_DIR": str(root / f"var-{name}")}
    with node.log.open("ab") as log:
        for process in NODE_PROCESSES:
            command, process_env = command_for(process, node_env)
            node.procs[process] = subprocess.Popen(command, env=process_env, cwd=REPO_DIR, stdout=log,
                                                   stderr=subprocess.STDOUT, start_new_session=True)
    return node


def _free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def cluster(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    from django.db import connection

    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    root = tmp_path_factory.mktemp("scale-out")
    proxy_port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "parkos.config.settings_test",  # as the suite's other servers
        "DATABASE_URL": url, "REDIS_URL": str(settings.REDIS_URL), "SECRET_KEY": settings.SECRET_KEY,
        "DB_CONN_MAX_AGE": "0",  # no connection held while the test database is flushed
        "NUM_PROXIES": "1", "PYTHONUNBUFFERED": "1",
        "WS_PUBLIC_URL": f"ws://127.0.0.1:{proxy_port}", "SPACE_PUBLIC_URL": f"ws://127.0.0.1:{proxy_port}",
        "PUBLIC_URL": f"http://127.0.0.1:{proxy_port}",
    })
    nodes: dict[str, Node] = {}
    try:
        for name in ("a", "b"):
            nodes[name] = start_node(name, env, root)
        for node in nodes.values():
            for offset, process in enumerate(NODE_PROCESSES):
                try:
                    wait_for_port(node.port + offset, proc=node.procs[process], timeout=90)
                except (RuntimeError, TimeoutError) as error:
                    pytest.fail(f"node {node.name} {process}: {error}\n{node.log.read_text(errors='replace')[-4000:]}")
        for node in nodes.values():  # gunicorn listens before its worker is up: wait until it answers
            deadline = time.monotonic() + 90
            while True:
                with suppress(OSError):
                    if request(node.port, "GET", "/api/v1/health", timeout=30)[0] == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"node {node.name} never answered\n{node.log.read_text(errors='replace')[-4000:]}")
                time.sleep(0.2)
        static = root / "static"
        static.mkdir()
        (static / "deploy-probe.txt").write_text("served by nginx from STATIC_ROOT\n")
        values = {"PARKOS_SERVER_NAME": "127.0.0.1", "PARKOS_STATIC_ROOT": str(static),
                  "PARKOS_ACCESS_LOG": str(root / "nginx-access.log")}
        for name, node in nodes.items():
            for kind, offset in (("WEB", 0), ("WS", 1), ("MAP", 2)):
                values[f"PARKOS_NODE_{name.upper()}_{kind}"] = f"127.0.0.1:{node.port + offset}"
        with nginx_running(root / "nginx", values, port=proxy_port) as port:
            yield Cluster(port=port, nodes=nodes, root=root)
    finally:
        for node in nodes.values():
            node.stop()
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        for log in root.glob("node-*.log"):
            (ARTIFACTS_DIR / f"deploy-{log.name}").write_bytes(log.read_bytes()[-200_000:])


@pytest.fixture(autouse=True)
def _migration_data(transactional_db: None) -> None:
    """The default park and the industries (data migrations), which an earlier test's flush took."""
    ensure_industries()


def request(port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            timeout: float = 20) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body) if body is not None else None
        sent = {"Accept-Language": "en", **({"Content-Type": "application/json"} if data else {}), **(headers or {})}
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def established(port: int) -> int:
    """TCP connections established to 127.0.0.1:port (server side), from /proc/net/tcp."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(table) as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    count += 1
    return count


# --- through the proxy ---------------------------------------------------------------------------

def test_pages_the_api_static_files_and_health_work_through_the_proxy(cluster: Cluster) -> None:
    from parkos.accounts.tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    upstreams = set()
    for _ in range(4):  # round robin: both nodes answer pages
        status, _headers, body = request(cluster.port, "GET", "/")
        assert status == 200 and b"<html" in body.lower()
    status, _headers, body = request(cluster.port, "GET", "/static/deploy-probe.txt")
    assert (status, body) == (200, b"served by nginx from STATIC_ROOT\n")
    status, headers, body = request(cluster.port, "POST", "/api/v1/accounts/session",
                                    {"login": user.email, "password": PASSWORD})
    assert status == 200, body[:500]
    assert json.loads(body)["id"] == user.pk and "sessionid=" in headers.get("set-cookie", "")
    cookie = headers["set-cookie"].split(";", 1)[0]
    status, _headers, body = request(cluster.port, "GET", "/api/v1/me", headers={"Cookie": cookie})
    assert status == 200 and json.loads(body)["id"] == user.pk  # the session holds on whichever node answers
    # nginx logged every request with the node that answered it and a request id.
    log = (cluster.root / "nginx-access.log").read_text()
    for line in log.splitlines():
        upstreams.add(line.split("upstream=", 1)[1].split(" ", 1)[0])
        assert "rid=" in line and "rid= " not in line
    web_ports = {f"127.0.0.1:{node.port}" for node in cluster.nodes.values()}
    assert web_ports <= upstreams, upstreams
    # The image's health check, against each node (the path ParkOS answers today without the database).
    for node in cluster.nodes.values():
        check = subprocess.run([sys.executable, str(HEALTHCHECK), "web"], capture_output=True, timeout=30,
                               env={"PORT": str(node.port), "HEALTH_PATH": "/api/v1/health"})
        assert check.returncode == 0, check.stderr
        for process in ("ws", "space"):
            assert subprocess.run([sys.executable, str(HEALTHCHECK), process], capture_output=True, timeout=30,
                                  env={"PORT": str(node.port)}).returncode == 0


def _session_cookie(cluster: Cluster, user: Any) -> str:
    from parkos.accounts.tests.factories import PASSWORD

    status, headers, body = request(cluster.port, "POST", "/api/v1/accounts/session",
                                    {"login": user.email, "password": PASSWORD})
    assert status == 200, body[:500]
    return str(headers["set-cookie"].split(";", 1)[0])


def test_the_bell_websocket_works_through_the_proxy_on_both_nodes(cluster: Cluster) -> None:
    from django.db import transaction

    from parkos.accounts.tests.factories import UserFactory
    from parkos.notifications.services import notification_send

    alice, bob, carol = UserFactory(language="en"), UserFactory(language="en"), UserFactory()
    url = f"{cluster.ws_url}/ws/notifications/"
    ws_ports = [node.port + 1 for node in cluster.nodes.values()]
    before = [established(port) for port in ws_ports]
    with (connect(url, origin=cluster.origin, open_timeout=10,
                  additional_headers={"Cookie": _session_cookie(cluster, alice)}) as ws_a,
          connect(url, origin=cluster.origin, open_timeout=10,
                  additional_headers={"Cookie": _session_cookie(cluster, bob)}) as ws_b):
        assert json.loads(ws_a.recv(timeout=10)) == {"type": "count", "unread": 0}
        assert json.loads(ws_b.recv(timeout=10)) == {"type": "count", "unread": 0}
        # least_conn: one socket on each node's daphne.
        assert [established(port) - b for port, b in zip(ws_ports, before, strict=True)] == [1, 1]
        with transaction.atomic():
            notification_send(recipients=[alice, bob], kind="reply", title="Carol replied", url="/community/",
                              actor=carol)
        for ws in (ws_a, ws_b):
            message = json.loads(ws.recv(timeout=10))
            assert message["type"] == "notification" and message["title"] == "Carol replied"
            assert message["unread"] == 1


def test_members_on_the_map_through_different_nodes_see_each_other(cluster: Cluster) -> None:
    from parkos.accounts.tests.factories import UserFactory
    from parkos.space import selectors
    from parkos.space.models import SpaceMap
    from parkos.space.tests.conftest import join
    from parkos.space.tests.maps import tiled
    from parkos.space.world import OP_MOVE

    space = SpaceMap.objects.create(slug=f"d-{uuid.uuid4().hex[:10]}", name="部署测试",
                                    tiled=tiled(width=30, height=20, spawn=(2, 3)))
    map_ports = {node.name: node.port + 2 for node in cluster.nodes.values()}
    before = {name: established(port) for name, port in map_ports.items()}
    proxy = type("Proxy", (), {"url": cluster.ws_url})()
    a, b = UserFactory(), UserFactory()
    pa = join(proxy, selectors.ticket_for(user=a, space=space), slug=space.slug)
    pb = join(proxy, selectors.ticket_for(user=b, space=space), slug=space.slug)
    try:
        # Through the one proxy, A is on node a's map server and B on node b's.
        assert {name: established(port) - before[name] for name, port in map_ports.items()} == {"a": 1, "b": 1}
        pb.wait_for(lambda e: e["t"] == "seen" and any(p["id"] == a.pk for p in e["list"]), seconds=10)
        pa.wait_for(lambda e: e["t"] == "seen" and any(p["id"] == b.pk for p in e["list"]), seconds=10)
        time.sleep(0.5)  # let the move allowance fill up
        pa.send(t="mv", x=3, y=3)
        deadline = time.monotonic() + 5
        while (OP_MOVE, a.pk, 3, 3, 0) not in pb.moves and time.monotonic() < deadline:
            pb.pump(0.2)
        assert (OP_MOVE, a.pk, 3, 3, 0) in pb.moves
        pb.send(t="say", text="跨节点你好")  # and B's words reach A on the other node
        said = pa.wait_for(lambda e: e["t"] in ("say", "err"), seconds=10)
        assert said.get("from") == b.pk and said.get("text") == "跨节点你好", (said, pb.errors())
    finally:
        pa.ws.close()
        pb.ws.close()


# --- a node dies under load ------------------------------------------------------------------------

def test_killing_a_node_under_writes_loses_no_committed_write(cluster: Cluster) -> None:
    from parkos.accounts.services import token_create
    from parkos.catalog.models import ServiceOrder
    from parkos.catalog.tests.factories import order_parties

    parties = order_parties()
    staff, service = parties["staff"], parties["service"]
    _token, raw = token_create(actor=staff, name="scale-out test")
    headers = {"Authorization": f"Bearer {raw}"}
    total, writers = 48, 4
    killed = threading.Event()
    answered: dict[str, int] = {}  # idempotency key -> order id, for every write answered 2xx
    first_tries: list[tuple[bool, int | str]] = []  # (after the kill, status or error) of each first attempt
    failed: dict[str, list[int | str]] = {}
    lock = threading.Lock()

    def write(n: int) -> None:
        key = f"deploy-{uuid.uuid4().hex}"
        outcomes: list[int | str] = []
        for attempt in range(4):  # a client retries a 502 with the same key, as the API asks
            after = killed.is_set()
            try:
                status, _h, body = request(cluster.port, "POST", "/api/v1/orders",
                                           {"service_id": service.pk, "answers": {}, "note": f"写入 {n}"},
                                           headers={**headers, "Idempotency-Key": key})
            except OSError as error:
                status, body = 0, str(error).encode()
            outcomes.append(status or body.decode()[:80])
            if attempt == 0:
                with lock:
                    first_tries.append((after, status))
            if status in (200, 201):
                with lock:
                    answered[key] = json.loads(body)["id"]
                return
            time.sleep(0.2)
        with lock:
            failed[key] = outcomes

    def kill_node_a() -> None:
        deadline = time.monotonic() + 20
        while len(answered) < total // 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        killed.set()
        cluster.nodes["a"].kill()

    killer = threading.Thread(target=kill_node_a)
    killer.start()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(write, range(total)))
    killer.join()
    elapsed = time.monotonic() - started

    assert killed.is_set() and all(proc.poll() is not None for proc in cluster.nodes["a"].procs.values())
    assert not failed, f"writes never answered 2xx: {failed}"
    assert len(answered) == total
    # The proxy moved the traffic: past the kill only the writes in flight at that moment could fail
    # (one per writer), every later one went straight to node b.
    after_kill = [status for after, status in first_tries if after]
    assert len(after_kill) >= total // 2
    assert sum(1 for status in after_kill if status not in (200, 201)) <= writers
    # Every write answered 2xx is in the database, once.
    rows = dict(ServiceOrder.objects.filter(idempotency_key__in=answered).values_list("idempotency_key", "pk"))
    assert rows == answered
    assert ServiceOrder.objects.filter(requested_by=staff, idempotency_key__startswith="deploy-").count() == total
    assert elapsed < 40
    # Node b alone still serves pages.
    assert request(cluster.port, "GET", "/")[0] == 200
