"""The bell's socket against the real daphne process (embedded mode: the web side and the socket
process share only the database, so this proves the relay), plus the channel-layer path in-process."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from parkos.accounts.models import User
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.notifications import consumers
from parkos.notifications.routing import websocket_urlpatterns
from parkos.notifications.services import notification_send

pytestmark = [pytest.mark.django_db(transaction=True)]


def _recv(ws: Any, timeout: float = 10) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=timeout))
    assert isinstance(message, dict)
    return message


def _session_cookie(user: User) -> dict[str, str]:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}


@pytest.mark.server
def test_logged_in_member_gets_live_count_and_toast_others_do_not(ws_server: Any) -> None:
    alice = UserFactory(language="en")
    bob = UserFactory()
    carol = UserFactory()
    url = f"{ws_server.url}/ws/notifications/"
    with (connect(url, origin=ws_server.origin, open_timeout=10, additional_headers=_session_cookie(alice)) as ws_a,
          connect(url, origin=ws_server.origin, open_timeout=10, additional_headers=_session_cookie(bob)) as ws_b):
        assert _recv(ws_a) == {"type": "count", "unread": 0}
        assert _recv(ws_b) == {"type": "count", "unread": 0}
        with transaction.atomic():
            notification_send(recipients=[alice, carol], kind="reply", title="Carol replied", url="/community/",
                              actor=carol)
        message = _recv(ws_a)
        assert message["type"] == "notification" and message["unread"] == 1
        assert message["title"] == "Carol replied" and message["url"] == "/community/"
        # Bob's socket hears nothing of Alice's notification: a marker sent to Bob afterwards is the
        # first thing it hears (pushes go out in order, so a leak would have come before it).
        with transaction.atomic():
            notification_send(recipients=[bob], kind="reply", title="Marker for Bob", url="/community/",
                              actor=carol)
        marker = _recv(ws_b)
        assert marker["type"] == "notification" and marker["title"] == "Marker for Bob" and marker["unread"] == 1
        ws_a.send(json.dumps({"type": "count"}))
        assert _recv(ws_a) == {"type": "count", "unread": 1}


@pytest.mark.server
def test_anonymous_and_foreign_origin_sockets_are_refused(ws_server: Any) -> None:
    alice = UserFactory()
    url = f"{ws_server.url}/ws/notifications/"
    for origin, headers in ((ws_server.origin, {}), ("http://evil.example", _session_cookie(alice))):
        with pytest.raises(InvalidStatus) as refused, connect(url, origin=origin,  # type: ignore[arg-type]
                                                              open_timeout=10, additional_headers=headers) as ws:
            ws.recv(timeout=5)
        assert refused.value.response.status_code == 403


def test_group_send_after_commit_reaches_the_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a shared channel layer (Redis in scale-out) the push itself delivers; the relay is slowed
    down here so that only the after-commit group_send can explain the message."""
    monkeypatch.setattr(consumers._Relay, "interval", 60.0)
    alice = UserFactory()

    async def scenario() -> dict[str, Any]:
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
        communicator.scope["user"] = alice
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_json_from(timeout=5) == {"type": "count", "unread": 0}

        def send(title: str) -> None:
            with transaction.atomic():
                notification_send(recipients=[alice], kind="mention", title=title)

        await sync_to_async(send)("You were mentioned")
        message = await communicator.receive_json_from(timeout=5)
        # Once, not twice: the next thing the socket hears is a marker sent afterwards, not a repeat.
        await sync_to_async(send)("Marker")
        marker = await communicator.receive_json_from(timeout=5)
        assert marker["title"] == "Marker" and marker["id"] != message["id"] and marker["unread"] == 2
        await communicator.disconnect()
        return message  # type: ignore[no-any-return]

    # Its own thread: the browser tests leave Playwright's event loop registered on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        message = pool.submit(asyncio.run, scenario()).result(timeout=30)
    assert message["type"] == "notification" and message["unread"] == 1 and message["kind"] == "mention"
