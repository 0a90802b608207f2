"""A real map server (`parkos space-serve`) on the test database, and helpers to talk to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from parkos.conftest import ARTIFACTS_DIR, REPO_DIR, database_url, free_port, stop_process, wait_for_port


@dataclass(frozen=True)
class SpaceServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def space_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[SpaceServer]:
    from django.conf import settings
    from django.db import connection

    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "parkos.config.settings_test", "DATABASE_URL": url,
           "SECRET_KEY": settings.SECRET_KEY, "PARKOS_VAR_DIR": str(settings.VAR_DIR), "DB_CONN_MAX_AGE": "0",
           "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS_DIR / "space-server.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "parkos.config.cli", "space-serve", "--port", str(port)],
                                cwd=REPO_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for_port(port, proc=proc, timeout=30)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"{error}\n--- space log ---\n{log.read_text(errors='replace')[-4000:]}")
        yield SpaceServer(port=port, process=proc)
    finally:
        stop_process(proc)


@dataclass
class Peer:
    """A test client: sends intents, reads frames, remembers what it learnt."""

    ws: ClientConnection
    me: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    moves: list[tuple[int, int, int, int, int]] = field(default_factory=list)

    def send(self, **message: Any) -> None:
        self.ws.send(json.dumps(message))

    def pump(self, seconds: float = 0.35) -> None:
        from parkos.space.world import decode_moves

        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                return
            assert isinstance(raw, bytes)
            n = int.from_bytes(raw[:4], "little")
            for event in json.loads(raw[4:4 + n]) if n else []:
                self.events.append(event)
                if event["t"] == "you":
                    self.me = event
            self.moves.extend(decode_moves(raw[4 + n:]))

    def wait_for(self, predicate: Any, seconds: float = 5.0) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for event in self.events:
                if predicate(event):
                    return event
            self.pump(0.2)
        raise AssertionError(f"nothing matched within {seconds}s; got {self.events[-10:]}")

    def sync(self, seconds: float = 5.0) -> None:
        """Wait for a positive signal that the server has handled everything this client sent before, and
        that every frame of the ticks before reached it: ask who is here and wait for the answer (a marker,
        instead of waiting a fixed time and asserting that nothing came)."""
        before = sum(1 for e in self.events if e["t"] == "who")
        self.send(t="who")
        deadline = time.monotonic() + seconds
        while sum(1 for e in self.events if e["t"] == "who") <= before:
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer to the marker within {seconds}s; got {self.events[-10:]}")
            self.pump(0.1)

    def errors(self) -> list[str]:
        return [e["code"] for e in self.events if e["t"] == "err"]


def join(server: SpaceServer, ticket: str, slug: str = "test") -> Peer:
    # Not a context manager: the tests close (or drop) connections themselves, as a browser tab would.
    ws = connect(f"{server.url}/ws/space/{slug}/", open_timeout=10, max_size=None, legacy=True)
    ws.send(json.dumps({"t": "hello", "ticket": ticket}))
    peer = Peer(ws)
    peer.wait_for(lambda e: e["t"] == "you")
    return peer
