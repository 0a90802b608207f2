"""The security headers as the real web server sends them: gunicorn, started as `parkos serve` starts it,
with HTTPS=1 behind a TLS proxy (X-Forwarded-Proto), on the test database. Pages logged out and logged
in, the API, its docs and the back office's log-in carry the strict Content-Security-Policy, HSTS and the
usual headers; plain HTTP is redirected to HTTPS, except the load balancer's probes."""

from __future__ import annotations

import http.client
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.config.tests.test_security_headers import assert_strict, parse_csp
from parkos.conftest import (
    ARTIFACTS_DIR,
    REPO_DIR,
    database_url,
    ensure_industries,
    free_port,
    stop_process,
    wait_for_port,
)
from parkos.core.management.commands.serve import server_commands

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def https_web(transactional_db: None) -> Iterator[int]:
    """gunicorn with `parkos serve`'s command line and HTTPS=1, on the test database."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DJANGO_SETTINGS_MODULE": "parkos.config.settings_test", "DEBUG": "0", "HTTPS": "1",
                "DATABASE_URL": database_url(connection.settings_dict), "DB_CONN_MAX_AGE": "0",
                "SECRET_KEY": settings.SECRET_KEY,  # the test's session is signed with it
                "PARKOS_VAR_DIR": str(settings.VAR_DIR), "PORT": str(port), "WS_PORT": str(port + 1),
                "SPACE_PORT": str(port + 2), "PYTHONUNBUFFERED": "1"})
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS_DIR / "security-headers-web.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(server_commands(host="127.0.0.1", port=port, workers=1)["web"], env=env,
                                cwd=REPO_DIR, stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for_port(port, proc=proc, timeout=60)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"{error}\n{log_path.read_text(errors='replace')[-3000:]}")
        yield port
    finally:
        stop_process(proc)


def _get(port: int, path: str, *, https: bool = True, cookie: str = "") -> http.client.HTTPResponse:
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept-Language": "en"}
    if https:
        headers["X-Forwarded-Proto"] = "https"  # what the TLS proxy in front says
    if cookie:
        headers["Cookie"] = cookie
    connection_.request("GET", path, headers=headers)
    response = connection_.getresponse()
    response.read()
    connection_.close()
    return response


def test_the_real_server_sends_the_strict_policy_and_the_usual_headers(https_web: int) -> None:
    ensure_industries()
    member: Any = UserFactory()
    client = Client()
    client.force_login(member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    pages = [("/", ""), ("/accounts/login/", ""), ("/notifications/", cookie), ("/events/mine/", cookie),
             ("/api/v1/health", ""), ("/api/v1/docs", ""), ("/admin/login/", "")]
    for path, session in pages:
        response = _get(https_web, path, cookie=session)
        assert response.status == 200, (path, response.status, response.getheader("Location"))
        csp = parse_csp(response.getheader("Content-Security-Policy", ""))
        assert_strict(csp)
        # Secure pages reach the websocket servers (PORT+1, PORT+2 of this host) over wss only.
        assert csp["connect-src"] == ["'self'", f"wss://127.0.0.1:{https_web + 1}", f"wss://127.0.0.1:{https_web + 2}"]
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
        assert response.getheader("X-Frame-Options") == "DENY"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("Referrer-Policy") == "same-origin"
        assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
        assert "camera=(self)" in response.getheader("Permissions-Policy", "")
    # The logged-in page really was one (not the log-in form behind a redirect).
    assert _get(https_web, "/notifications/").status == 302
    # Plain HTTP goes to HTTPS; the load balancer's probes of a node stay on HTTP.
    response = _get(https_web, "/accounts/login/", https=False)
    assert response.status == 301 and response.getheader("Location", "").startswith("https://")
    for probe in ("/health", "/ready"):
        assert _get(https_web, probe, https=False).status != 301, probe
