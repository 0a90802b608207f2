"""The real web server `parkos serve` starts (gunicorn, with its config module) answers an over-long
URL with the API's JSON envelope, not gunicorn's own HTML "Request Line is too large" page."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from parkos.conftest import free_port, stop_process, wait_for_port
from parkos.core.management.commands.serve import server_commands
from parkos.core.middleware import MAX_URL_LENGTH

pytestmark = pytest.mark.server


@pytest.fixture
def web_port(tmp_path: Path) -> Iterator[int]:
    """Only the web process of `parkos serve`, with exactly its command line (no database needed:
    these requests are answered before any query)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "parkos.config.settings", "DEBUG": "false",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'edge.sqlite3'}", "PARKOS_VAR_DIR": str(tmp_path / "var"),
                "PYTHONUNBUFFERED": "1"})
    command = server_commands(host="127.0.0.1", port=port, workers=1)["web"]
    log = (tmp_path / "web.log").open("wb")
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc=proc, timeout=60)
        yield port
    finally:
        stop_process(proc)
        log.close()


def _get(port: int, target: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target, headers={"Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_a_too_long_url_gets_the_json_envelope_from_the_real_server(web_port: int) -> None:
    status, _type, _body = _get(web_port, "/api/v1/health")
    assert status == 200
    for length in (MAX_URL_LENGTH + 10, 9000, 20000):  # past gunicorn's old 4094 and its 8190 maximum
        status, content_type, body = _get(web_port, "/api/v1/services?q=" + "x" * length)
        assert status == 414, body[:200]
        assert content_type.startswith("application/json")
        envelope = json.loads(body)
        assert set(envelope) == {"code", "message", "details"}
        assert envelope["code"] == "uri_too_long"
        assert envelope["message"] == "The address (URL) is too long."
    status, content_type, _body = _get(web_port, "/services/?q=" + "x" * 9000)
    assert status == 414 and not content_type.startswith("application/json")
