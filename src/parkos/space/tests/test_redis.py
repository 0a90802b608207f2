"""Scale-out for real: two `parkos space-serve` nodes sharing a map through a Redis of the tests' own (never
the machine's Redis on 6379), and surviving that Redis being killed and started again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import ARTIFACTS_DIR, REPO_DIR, database_url, free_port, stop_process, wait_for_port
from parkos.space import selectors
from parkos.space.models import SpaceMap
from parkos.space.tests.conftest import Peer, SpaceServer, join
from parkos.space.tests.maps import tiled
from parkos.space.world import OP_GONE, OP_MOVE

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = shutil.which("redis-server")


class OwnRedis:
    """A redis-server on a free port in a temporary directory, with nothing saved to disk."""

    def __init__(self, directory: str):
        self.directory = directory
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, proc=self.proc, timeout=10)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def own_redis() -> Iterator[OwnRedis]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    with tempfile.TemporaryDirectory(prefix="parkos-redis-") as directory:
        redis = OwnRedis(directory)
        redis.start()
        try:
            yield redis
        finally:
            if redis.proc is not None:
                stop_process(redis.proc)


def node(redis_url: str, name: str) -> tuple[SpaceServer, Path]:
    from django.conf import settings
    from django.db import connection

    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "parkos.config.settings_test",
           "DATABASE_URL": database_url(connection.settings_dict), "SECRET_KEY": settings.SECRET_KEY,
           "PARKOS_VAR_DIR": str(settings.VAR_DIR), "DB_CONN_MAX_AGE": "0", "REDIS_URL": redis_url,
           "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS_DIR / f"space-redis-{name}.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "parkos.config.cli", "space-serve", "--port", str(port)],
                                cwd=REPO_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc=proc, timeout=30)
    except (RuntimeError, TimeoutError) as error:
        stop_process(proc)
        pytest.fail(f"{error}\n--- {name} log ---\n{log.read_text(errors='replace')[-4000:]}")
    return SpaceServer(port=port, process=proc), log


@pytest.fixture(scope="module")
def two_nodes(own_redis: OwnRedis, django_db_setup: None,
              django_db_blocker: Any) -> Iterator[tuple[SpaceServer, Path, SpaceServer, Path]]:
    with django_db_blocker.unblock():
        first, first_log = node(own_redis.url, "a")
    try:
        with django_db_blocker.unblock():
            second, second_log = node(own_redis.url, "b")
        try:
            yield first, first_log, second, second_log
        finally:
            stop_process(second.process)
    finally:
        stop_process(first.process)


def wait_for_log(log: Path, text: str, seconds: float = 10.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace")
        if text in content:
            return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {log.name} within {seconds}s:\n{log.read_text(errors='replace')[-3000:]}")


def walk_until_seen(walker: Peer, walker_id: int, watcher: Peer, *, seconds: float) -> tuple[int, int]:
    """The walker steps back and forth; returns the first of its steps the watcher sees (a positive signal,
    within a bounded time)."""
    start = len(watcher.moves)
    deadline = time.monotonic() + seconds
    step = 0
    while time.monotonic() < deadline:
        x, y = (3, 3) if step % 2 == 0 else (4, 3)
        step += 1
        walker.send(t="mv", x=x, y=y)
        walker.pump(0.3)
        watcher.pump(0.3)
        for op, ident, mx, my, _d in watcher.moves[start:]:
            if op == OP_MOVE and ident == walker_id:
                return mx, my
    raise AssertionError(f"no move of {walker_id} reached the other node within {seconds}s")


def new_map() -> SpaceMap:
    return SpaceMap.objects.create(slug=f"t-{uuid.uuid4().hex[:10]}", name="测试地图",
                                   tiled=tiled(width=60, height=40, spawn=(2, 3)))


def test_two_nodes_share_a_map_through_redis(two_nodes):
    from parkos.space import presence, services

    node_a, _log_a, node_b, _log_b = two_nodes
    space = new_map()
    a, b = UserFactory(), UserFactory()
    services.preference_save(actor=a, show_in_park=True, followable=True)
    gates_provider = presence.presence_provider_get()  # put back afterwards (access registers the real one)
    presence.presence_provider_register(lambda ids: set(ids))  # the gates: a came in today
    try:
        ticket = selectors.ticket_for(user=a, space=space)
    finally:
        presence.presence_provider_register(gates_provider) if gates_provider else presence.presence_provider_clear()
    pa = join(node_a, ticket, slug=space.slug)
    pb = join(node_b, selectors.ticket_for(user=b, space=space), slug=space.slug)
    seen = pb.wait_for(lambda e: e["t"] == "seen" and any(p["id"] == a.pk for p in e["list"]), seconds=10)
    assert next(p for p in seen["list"] if p["id"] == a.pk)["park"] == 1  # the marker crosses nodes
    pa.wait_for(lambda e: e["t"] == "seen" and any(p["id"] == b.pk for p in e["list"]), seconds=10)
    walk_until_seen(pa, a.pk, pb, seconds=10)  # a client on node A moves; a client on node B sees it
    pb.send(t="say", text="跨节点你好")
    assert pa.wait_for(lambda e: e["t"] == "say")["text"] == "跨节点你好"
    pb.ws.close()  # leaving on node B is seen on node A: no ghost
    deadline = time.monotonic() + 5
    while not any(m[0] == OP_GONE and m[1] == b.pk for m in pa.moves) and time.monotonic() < deadline:
        pa.pump(0.2)
    assert any(m[0] == OP_GONE and m[1] == b.pk for m in pa.moves)
    pa.ws.close()


def test_a_two_node_map_recovers_when_redis_restarts(two_nodes, own_redis):
    node_a, log_a, node_b, log_b = two_nodes
    space = new_map()
    channel = f"parkos:space:{space.slug}"
    a, b = UserFactory(), UserFactory()
    pa = join(node_a, selectors.ticket_for(user=a, space=space), slug=space.slug)
    pb = join(node_b, selectors.ticket_for(user=b, space=space), slug=space.slug)
    pb.wait_for(lambda e: e["t"] == "seen" and any(p["id"] == a.pk for p in e["list"]), seconds=10)
    walk_until_seen(pa, a.pk, pb, seconds=10)  # the bridge works before the outage

    own_redis.kill()
    for log in (log_a, log_b):  # both nodes notice and say so
        wait_for_log(log, f"Redis listen failed for {channel}")
    own_redis.start()  # the same port, empty: no subscription survived

    walk_until_seen(pa, a.pk, pb, seconds=25)  # a move on node A reaches the client on node B again
    pb.send(t="say", text="恢复了吗", scope="bubble")  # and the other way: B's avatar is mirrored on A again
    assert pa.wait_for(lambda e: e["t"] == "say" and e["from"] == b.pk, seconds=10)["text"] == "恢复了吗"
    for log in (log_a, log_b):  # one warning per outage, not one per retry; and the recovery is said
        content = wait_for_log(log, f"Redis listen for {channel} works again")
        assert content.count(f"Redis listen failed for {channel}") == 1, content[-3000:]
    assert pa.ws.close_code is None and pb.ws.close_code is None  # nobody was disconnected from the map
