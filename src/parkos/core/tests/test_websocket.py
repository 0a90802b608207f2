"""The websocket endpoint against the real daphne process, on the test database.

What this proves that an in-process test cannot: the ASGI app boots from its module path, the Origin
check sits in front of every socket, and a session created by the web side (cached_db) is found by the
websocket process through the database (or Redis in scale-out mode)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from parkos.accounts.models import User

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def _recv(ws: Any) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=10))
    assert isinstance(message, dict)
    return message


def test_anonymous_hello_and_ping(ws_server: Any) -> None:
    with connect(f"{ws_server.url}/ws/ping/", origin=ws_server.origin, open_timeout=10) as ws:
        assert _recv(ws) == {"type": "hello", "user": None}
        ws.send(json.dumps({"type": "ping", "n": 7}))
        assert _recv(ws) == {"type": "pong", "n": 7}
        ws.send(json.dumps({"type": "shout"}))
        assert _recv(ws) == {"type": "error", "code": "unknown_message"}


def test_logged_in_session_is_shared_with_the_websocket_process(ws_server: Any) -> None:
    User.objects.create_user("lin.wei@example.com", "s3cret-Pass!", display_name="林伟")
    client = Client()
    assert client.login(email="lin.wei@example.com", password="s3cret-Pass!")
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value

    with connect(f"{ws_server.url}/ws/ping/", origin=ws_server.origin, open_timeout=10,
                 additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_id}"}) as ws:
        assert _recv(ws) == {"type": "hello", "user": "林伟"}

    # A made-up session id is simply anonymous.
    with connect(f"{ws_server.url}/ws/ping/", origin=ws_server.origin, open_timeout=10,
                 additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}=nosuchsession0000000000"}) as ws:
        assert _recv(ws) == {"type": "hello", "user": None}


@pytest.mark.parametrize("origin", ["http://evil.example", None])
def test_foreign_or_missing_origin_is_refused(ws_server: Any, origin: str | None) -> None:
    with (
        pytest.raises(InvalidStatus) as refused,
        connect(f"{ws_server.url}/ws/ping/", origin=Origin(origin) if origin else None, open_timeout=10) as ws,
    ):
        ws.recv(timeout=5)
    assert refused.value.response.status_code == 403
