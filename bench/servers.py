"""The bench's park: a fresh SQLite file under var/bench/, prepared and served as `make demo` does."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
WORKERS = 3  # the embedded default (`parkos serve`, WEB_CONCURRENCY)
THREADS = 4


def bench_env(db: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PARKOS_VAR_DIR": str(VAR),
            "DJANGO_SETTINGS_MODULE": "parkos.config.settings", "LOG_LEVEL": "ERROR", "PYTHONUNBUFFERED": "1",
            # No periodic jobs under measurement: a rollup or a rule run would compete with the load.
            "SCHEDULER": "0"}


def parkos(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([PYTHON, "-m", "parkos.config.cli", *args], env=bench_env(db), cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"parkos {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def fresh_database(db: Path) -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    parkos("migrate", "--noinput", "-v", "0", db=db)


def free_port() -> int:
    """A port P with P+1 free too (`parkos serve` puts websockets on P+1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return int(port)
    raise RuntimeError("no free port pair")


def server_command(kind: str, port: int) -> list[str]:
    if kind == "serve":  # the whole embedded server: gunicorn + daphne + job worker
        return [PYTHON, "-m", "parkos.config.cli", "serve", "--port", str(port), "--quiet",
                "--workers", str(WORKERS)]
    if kind == "gunicorn":  # the web part of `parkos serve`, alone, with its exact flags
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
        from parkos.core.management.commands.serve import server_commands

        web = server_commands(host="127.0.0.1", port=port, workers=WORKERS)["web"]
        return [c for c in web if c not in ("--access-logfile", "-") and "%(" not in c and c != "--access-logformat"]
    if kind == "granian":  # the same workers and threads, granian's WSGI interface
        return [str(Path(PYTHON).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(WORKERS), "--blocking-threads", str(THREADS), "--no-ws",
                "--log-level", "warning", "parkos.config.wsgi:application"]
    raise ValueError(kind)


@contextmanager
def running(kind: str, db: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    log = open(VAR / f"{kind}.log", "wb")  # noqa: SIM115 - closed in finally
    env = {**bench_env(db), "PORT": str(port)}
    proc = subprocess.Popen(server_command(kind, port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/bare/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} did not answer within 60 s; see {log.name}")
            time.sleep(0.2)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the group we started, and only it
                proc.wait()
        log.close()


def drive(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load generator in its own process and return its figures."""
    result = subprocess.run([PYTHON, "-m", "bench.load"], input=json.dumps(spec), cwd=ROOT, capture_output=True,
                            text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"load generator failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout))


# --- processes and their memory ----------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def process_tree(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return sorted(found)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def role_of(pid: int, tree_root: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return "gone"
    if pid == tree_root:
        return "supervisor"
    if "gunicorn" in cmd or "granian" in cmd:
        parent_cmd = Path(f"/proc/{ppid}/cmdline").read_bytes().decode(errors="replace")
        return "web worker" if ("gunicorn" in parent_cmd or "granian" in parent_cmd) else "web master"
    if "daphne" in cmd:
        return "websockets"
    if "db_worker" in cmd:
        return "job worker"
    return "other"


def memory(root: int) -> dict[str, float]:
    """Largest RSS (MB) of each kind of process under ``root``."""
    out: dict[str, float] = {}
    for pid in process_tree(root):
        role = role_of(pid, root)
        out[role] = max(out.get(role, 0.0), rss_mb(pid))
    return out
