"""`parkos serve` as `make demo` runs it: gunicorn pages, daphne websockets on PORT+1, the map server
on PORT+2, the job worker.

Production settings (DEBUG off, WhiteNoise's manifest storage) on a freshly migrated SQLite file (a copy of
the session's migrated park); Ctrl-C must leave no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.typing import Origin

from parkos.conftest import copy_sqlite, free_port, stop_process, wait_for_port

pytestmark = pytest.mark.server

PARKOS = str(Path(sys.executable).with_name("parkos"))


def _group_members(pgid: int) -> list[tuple[int, str]]:
    """Live (non-zombie) processes in process group ``pgid``, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append((int(entry.name), stat[stat.index("(") + 1:stat.rindex(")")]))
    return members


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


@pytest.fixture
def served_park(tmp_path: Path, migrated_sqlite_template: Path) -> dict[str, Any]:
    """A migrated SQLite database (a copy of the session's, not a `migrate` of its own: tens of seconds) and
    collected static files in a throwaway var directory."""
    var_dir = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "parkos.config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PARKOS_VAR_DIR": str(var_dir),
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    })
    copy_sqlite(migrated_sqlite_template, tmp_path / "serve.sqlite3")
    subprocess.run([PARKOS, "collectstatic", "--noinput", "-v", "0"], env=env, cwd=tmp_path, check=True, timeout=180)
    return {"env": env, "var_dir": var_dir, "cwd": tmp_path}


def test_serve_runs_web_ws_and_worker_and_stops_cleanly_on_ctrl_c(served_park: dict[str, Any]) -> None:
    port = free_port(pair=True)
    log = served_park["cwd"] / "serve.log"
    with log.open("wb") as log_file:
        # Its own session, so that the process group names exactly the server and what it started.
        proc = subprocess.Popen([PARKOS, "serve", "--port", str(port), "--quiet", "--workers", "1"],
                                env=served_park["env"], cwd=served_park["cwd"], stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for_port(port, proc=proc, timeout=60)
            wait_for_port(port + 1, proc=proc, timeout=60)
            wait_for_port(port + 2, proc=proc, timeout=60)  # the immersive map's server
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"{error}\n--- serve log ---\n{log.read_text(errors='replace')[-4000:]}")

        status, content_type, body = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert "text/html" in content_type
        assert 'lang="zh-Hans"' in body
        assert "登录" in body  # "Log in", in the default language

        # Hashed by the manifest storage; served by WhiteNoise with DEBUG off.
        assert "/static/core/parkos.css" not in body
        css_url = body.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert css_url.startswith("/static/core/parkos.") and css_url.endswith(".css")
        status, content_type, css = _get(f"http://127.0.0.1:{port}{css_url}")
        assert status == 200 and "text/css" in content_type and len(css) > 100
        status, content_type, css_plain = _get(f"http://127.0.0.1:{port}/static/core/parkos.css")
        assert status == 200 and css_plain == css

        status, _type, health = _get(f"http://127.0.0.1:{port}/api/v1/health")
        assert status == 200 and json.loads(health) == {"status": "ok"}

        with connect(f"ws://127.0.0.1:{port + 1}/ws/ping/", origin=Origin(f"http://127.0.0.1:{port}"),
                     open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10)) == {"type": "hello", "user": None}

        children = _group_members(proc.pid)
        names = " ".join(name for _pid, name in children)
        assert len(children) >= 4, children  # serve, gunicorn master + worker, daphne, db_worker, space
        assert "gunicorn" in names or names.count("python") >= 4, children

        # Ctrl-C in a terminal reaches only `parkos serve` here: it must stop the rest itself.
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (_group_members(proc.pid) or proc.poll() is None):
            time.sleep(0.2)
        assert proc.poll() is not None, "parkos serve is still running 15 s after Ctrl-C"
        assert _group_members(proc.pid) == [], "processes left behind after Ctrl-C"
    finally:
        stop_process(proc)
        for pid, _name in _group_members(proc.pid):
            os.kill(pid, signal.SIGKILL)
