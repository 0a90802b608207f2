"""Run the periodic jobs (started by `parkos serve`; in scale-out mode one per node is fine: each job is
claimed by exactly one of them). A thread of its own records the scheduler's heartbeat every interval, so
that a long job (a nightly backup of a big park) never makes the node look dead to /ready."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from parkos.jobs.services import node_name, scheduler_tick

log = logging.getLogger("parkos.jobs")


def heartbeat_loop(*, node: str, every: float, done: threading.Event) -> None:
    """Beat every ``every`` seconds until ``done``, on the thread's own connection. A failed beat (the
    database busy for a moment) is logged and the next one tried: the jobs go on either way."""
    from parkos.ops.services import heartbeat_record

    while not done.wait(every):
        try:
            heartbeat_record(node=node)
        except Exception:  # logged; the next beat tries again
            log.exception("the scheduler's heartbeat could not be recorded")
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Run ParkOS's periodic jobs on their schedule (parkos serve starts this)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        node = node_name()
        done = threading.Event()
        beating = threading.Thread(target=heartbeat_loop, kwargs={"node": node, "every": interval, "done": done},
                                   name="parkos-heartbeat", daemon=True)
        beating.start()
        try:
            while not stopping:
                for run in scheduler_tick(node=node):  # beats too: at once, before the first interval
                    self.stdout.write(f"{run.job.name}: {run.outcome} in {run.duration_ms} ms")
                if once:
                    return
                deadline = time.monotonic() + interval
                while not stopping and time.monotonic() < deadline:
                    time.sleep(min(0.5, interval))
        finally:
            done.set()
            beating.join(timeout=10)
