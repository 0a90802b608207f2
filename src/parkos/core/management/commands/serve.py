"""Run ParkOS as production does: pages over WSGI (gunicorn), websockets over ASGI (daphne) on
PORT+1, the immersive map's websocket server on PORT+2, the background-job worker and the scheduler of
periodic jobs (`parkos jobs`; SCHEDULER=0 leaves it out, e.g. for benchmarks). Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def server_commands(*, host: str, port: int, workers: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "-m", "gunicorn", "parkos.config.wsgi:application", "--bind", f"{host}:{port}",
                "--config", "python:parkos.config.gunicorn_hooks",
                "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
                "--access-logfile", "-", "--access-logformat", '%(h)s "%(r)s" %(s)s %(M)sms',
                # A worker is replaced after ~100,000 requests (a guard against slow growth): at the park's peak
                # (250 req/s over 3 workers) every ~20 minutes. At 20,000 it was every ~4 minutes, and each new
                # worker spends ~2 s of CPU starting and draws its kept fragments again.
                "--timeout", "60", "--graceful-timeout", "5", "--max-requests", "100000",
                "--max-requests-jitter", "10000"],
        "ws": [python, "-m", "daphne", "-b", host, "-p", str(port + 1), "parkos.config.asgi:application"],
        "worker": [python, "-m", "parkos.config.cli", "db_worker", "--interval", "1"],
        "space": [python, "-m", "parkos.config.cli", "space-serve", "--host", host, "--port", str(port + 2)],
        "scheduler": [python, "-m", "parkos.config.cli", "scheduler"],
    }


class Command(BaseCommand):
    help = "Serve ParkOS: web (WSGI) on PORT, websockets (ASGI) on PORT+1, and the background worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
        parser.add_argument("--quiet", action="store_true", help="no access log")
        parser.add_argument("--show-demo-logins", action="store_true", help="print the demo park's log-ins")
        parser.add_argument("--example-apps", action="store_true",
                            help="also run the example gate apps of examples/ (their config is written by seed-demo)")

    def handle(self, *args: Any, host: str, port: int, workers: int, quiet: bool, show_demo_logins: bool,
               example_apps: bool = False, **options: Any) -> None:
        # MALLOC_ARENA_MAX: glibc gives every thread its own arena, and a log-in's Argon2 (19 MiB) in
        # each of a worker's threads would stay resident for good; two arenas keep a worker's RSS flat.
        env = {**os.environ, "PORT": str(port), "WS_PORT": str(port + 1), "SPACE_PORT": str(port + 2),
               "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
               "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "parkos.config.settings")}
        if show_demo_logins:  # the demo: SMS codes (console provider) also shown on the page (accounts/sms.py)
            env.setdefault("SMS_SHOW_CODE", "1")
        env["PROMETHEUS_MULTIPROC_DIR"] = self._metrics_dir()
        # Cached facts and fragments follow the writes the servers see; the database may have been replaced
        # while they were stopped (core/generations.py).
        from parkos.core.generations import forget_all

        forget_all()
        commands = server_commands(host=host, port=port, workers=workers)
        if quiet or settings.LOG_FORMAT == "json":  # JSON logs have their own request line (parkos.ops)
            commands["web"] = [c for c in commands["web"] if c not in ("--access-logfile", "-")]
        if os.environ.get("SCHEDULER", "1") == "0":
            commands.pop("scheduler")
        if example_apps:
            commands.update(self._example_apps())
        procs: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            if stopping:
                return
            stopping = True
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()

        def terminate(*_args: Any) -> None:
            stop()
            sys.exit(0)

        def interrupt(*_args: Any) -> None:
            # Ctrl-C reaches the children too (same process group); whichever stops first, it is a stop.
            self.stdout.write("Stopping ParkOS…")
            stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, terminate)
        signal.signal(signal.SIGINT, interrupt)
        for name, cmd in commands.items():
            procs[name] = subprocess.Popen(cmd, env=env)
        if show_demo_logins:
            # The demo app prints its own log-ins: core names no domain.
            call_command("demo-logins", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(
            f"ParkOS is running: http://{host}:{port}/  (websockets on :{port + 1}, the map on :{port + 2}, database "
            f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}). Ctrl-C stops it."))
        try:
            while not stopping:
                for name, proc in procs.items():
                    code = proc.poll()
                    if code is not None and not stopping:
                        self.stderr.write(f"{name} exited with {code}; stopping ParkOS.")
                        stop()
                        sys.exit(code or 1)
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("Stopping ParkOS…")
        finally:
            stop()

    @staticmethod
    def _metrics_dir() -> str:
        """The directory every process started here writes its metrics to (prometheus-client's multi-process
        mode, parkos.ops.metrics), emptied of the last run's files: counters start again with the server."""
        from pathlib import Path

        directory = Path(settings.PROMETHEUS_MULTIPROC_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)
        return str(directory)

    def _example_apps(self) -> dict[str, list[str]]:
        """The standalone example apps (examples/ at the repository's root), each with the config file the
        demo seed wrote under var/examples/; one without its config is skipped with a word why."""
        from pathlib import Path

        apps: dict[str, list[str]] = {}
        root = Path(__file__).resolve().parents[5] / "examples"
        for name in ("temperature_app",):
            program, config = root / name / "app.py", Path(settings.VAR_DIR) / "examples" / f"{name}.json"
            if program.exists() and config.exists():
                apps[name] = [sys.executable, str(program), "--config", str(config)]
            else:
                self.stderr.write(f"example app {name} not started: {program} or {config} is missing "
                                  "(run parkos seed-demo first)")
        return apps
