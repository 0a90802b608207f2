"""Helpers for the gate-app tests: two parks with their operators and gates, apps registered through the
service, passages written with the ORM as ingestion writes them, and a real local webhook receiver (an
``http.server`` on 127.0.0.1 in a thread) that checks signatures the way a tenant's app would."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from parkos.access.models import App, AppScope, Gate, Passage
from parkos.access.services.apps import app_register
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory, add_staff, enterprise_with_admin

ALL_SCOPES = [s.value for s in AppScope]
_events = itertools.count(1)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Park A (the default) and park B: each an operator of that park only, a building with an area and
    two gates, an enterprise; a second operator of A (a colleague), a portfolio operator, a member."""
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached
    area_a = AreaFactory(building=BuildingFactory(code="PA1", park=a, floor_area_m2=20_000))
    area_b = AreaFactory(building=BuildingFactory(code="PB1", park=b, floor_area_m2=20_000))
    enterprise_a, admin_a = enterprise_with_admin(park=a)
    enterprise_b, _admin_b = enterprise_with_admin(park=b)
    return {
        "a": a, "b": b,
        "gate_a1": GateFactory(area=area_a, name="东门1号"), "gate_a2": GateFactory(area=area_a, name="东门2号"),
        "gate_b": GateFactory(area=area_b, name="乙园正门"),
        "enterprise_a": enterprise_a, "admin_a": admin_a, "staff_a": add_staff(enterprise_a),
        "enterprise_b": enterprise_b,
        "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_a2": UserFactory(roles=[(Role.OPERATOR, a)]),
        "op_b": UserFactory(roles=[(Role.OPERATOR, b)]), "portfolio": UserFactory(roles=[Role.OPERATOR]),
        "member": UserFactory(),
    }


def make_app(actor: Any, park: Park, gates: list[Gate], *, name: str = "体温筛查", url: str = "http://127.0.0.1:9/hook",
             scopes: list[str] | None = None) -> tuple[App, str, str]:
    return app_register(actor=actor, park=park, name=name, description="租户的体温筛查服务", owner_enterprise=None,
                        webhook_url=url, scopes=ALL_SCOPES if scopes is None else scopes,
                        gate_ids=[g.pk for g in gates])


def passage(gate: Gate, *, user: Any = None, visitor: Any = None, direction: str = "in",
            result: str = Passage.Result.ACCEPTED) -> Passage:
    return Passage.objects.create(park_id=gate.park_id, gate=gate, user=user, visitor=visitor, direction=direction,
                                  occurred_at=timezone.now(), event_id=f"app-ev-{next(_events)}", result=result)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def app_client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


# --- a webhook receiver -------------------------------------------------------------------------------------

@dataclass
class Received:
    headers: Message  # case-insensitive, as any receiver reads headers
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tenant's webhook endpoint: records each request and whether its signature verifies with
    ``secret`` (HMAC-SHA256 over ``timestamp.body``, timestamp within 5 minutes)."""

    server: ThreadingHTTPServer
    secret: str = ""
    status: int = 200
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/parkos/hook"

    def verify(self, headers: Message, body: bytes) -> bool:
        timestamp = headers.get("X-ParkOS-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        expected = "v1=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers.get("X-ParkOS-Signature", ""))


def _handler(receiver_box: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = receiver_box[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = self.headers
            if receiver.delay:
                time.sleep(receiver.delay)
            with receiver.lock:
                receiver.received.append(Received(headers, body, receiver.verify(headers, body)))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    server.daemon_threads = True
    box.append(Receiver(server=server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens (a receiver that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/parkos/hook"
