"""Two-factor authentication on websockets, against a real daphne serving parkos.config.asgi (its own, with
the requirement on for operators and butlers, as in production): a session that lacks a step gets no
socket, only the reason and the close code 4401 (accounts/ws.py); the map's ticket is refused over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from parkos.accounts.models import User
from parkos.accounts.tests.factories import PASSWORD, butler, make_user, operator
from parkos.accounts.tests.test_twofactor import code_for, enrol
from parkos.accounts.ws import CLOSE_TWO_FACTOR
from parkos.conftest import WsServer, daphne_serving, database_url
from parkos.space.models import SpaceMap
from parkos.space.tests.maps import tiled

pytestmark = [pytest.mark.django_db(transaction=True)]
REQUIRED = override_settings(TWO_FACTOR_REQUIRED_ROLES=["operator", "butler"])


@pytest.fixture(scope="module")
def ws_server_2fa(django_db_setup: None, django_db_blocker: Any) -> Iterator[WsServer]:
    """daphne on the test database as the conftest's ws_server runs it, with settings_twofactor."""
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    with daphne_serving(url, settings_module="parkos.accounts.tests.settings_twofactor",
                        log_name="ws-server-twofactor.log") as server:
        yield server


def _cookies(client: Client, language: str = "en") -> dict[str, str]:
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.LANGUAGE_COOKIE_NAME}={language}"}


def _password_session(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)  # the password only: no second step passed
    return client


def _open(server: WsServer, path: str, client: Client | None, language: str = "en") -> ClientConnection:
    headers = _cookies(client, language) if client is not None else {}
    return connect(f"{server.url}{path}", origin=Origin(server.origin), open_timeout=10, additional_headers=headers)


def _refused(server: WsServer, path: str, client: Client, language: str = "en") -> dict[str, Any]:
    """The one message a held-back socket hears, after which it is closed with 4401."""
    with _open(server, path, client, language) as ws:
        message = json.loads(ws.recv(timeout=10))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_TWO_FACTOR
    assert isinstance(message, dict)
    return message


@pytest.mark.server
def test_an_operator_or_butler_without_an_app_gets_no_socket_until_enrolled(ws_server_2fa: WsServer) -> None:
    held, free = operator(), make_user()
    client = _password_session(held)
    for path in ("/ws/notifications/", "/ws/ping/"):
        message = _refused(ws_server_2fa, path, client)
        assert message == {"type": "error", "code": "two_factor_enrolment_required",
                           "message": "Set up two-factor authentication on the website first: your role requires it."}
    assert _refused(ws_server_2fa, "/ws/ping/", _password_session(butler()))["code"] == "two_factor_enrolment_required"
    # The member's language, as the pages choose it (their cookie).
    assert _refused(ws_server_2fa, "/ws/ping/", client, "zh-hans")["message"] != message["message"]

    # A member without such a role, and anyone anonymous, are not concerned.
    with _open(ws_server_2fa, "/ws/notifications/", _password_session(free)) as ws:
        assert json.loads(ws.recv(timeout=10)) == {"type": "count", "unread": 0}
    with _open(ws_server_2fa, "/ws/ping/", None) as ws:
        assert json.loads(ws.recv(timeout=10)) == {"type": "hello", "user": None}

    # Enrolment verifies this very session: from then on it gets its socket.
    with REQUIRED:
        enrol(client, held)
    with _open(ws_server_2fa, "/ws/notifications/", client) as ws:
        assert json.loads(ws.recv(timeout=10)) == {"type": "count", "unread": 0}


@pytest.mark.server
def test_a_session_that_skipped_the_second_step_gets_no_socket_until_it_passes(ws_server_2fa: WsServer) -> None:
    user = make_user()
    setup = Client()
    setup.force_login(user)
    device, _codes = enrol(setup, user)
    with _open(ws_server_2fa, "/ws/notifications/", setup) as ws:  # the enrolling session is verified
        assert json.loads(ws.recv(timeout=10))["type"] == "count"

    other = Client()
    other.force_login(user)  # logged in some other way than the log-in pages: the second step is owed
    message = _refused(ws_server_2fa, "/ws/notifications/", other)
    assert message == {"type": "error", "code": "two_factor_required",
                       "message": "Enter your two-factor code on the website first."}
    other.post(reverse("accounts:login_verify"), {"code": code_for(device)})
    with _open(ws_server_2fa, "/ws/notifications/", other) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "count"


@REQUIRED
def test_the_map_ticket_is_not_issued_to_a_session_without_its_second_factor() -> None:
    """The immersive map's server takes only a ticket; the ticket comes over HTTP, behind TwoFactorMiddleware."""
    SpaceMap.objects.create(slug="park", name="园区", name_en="The park", tiled=tiled(areas=[
        {"name": "中心广场", "kind": "plaza", "x": 10, "y": 10, "w": 6, "h": 6}]))
    user = operator()
    client = _password_session(user)
    response = client.get("/space/park/ticket/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:twofactor_setup"))
    assert "ticket" not in response.content.decode()
    enrol(client, user)
    response = client.get("/space/park/ticket/")
    assert response.status_code == 200 and response.json()["ticket"]
