"""Run the periodic jobs (started by `parkos serve`; in scale-out mode one per node is fine: each job is
claimed by exactly one of them)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from parkos.jobs.services import node_name, scheduler_tick


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
        while not stopping:
            for run in scheduler_tick(node=node):
                self.stdout.write(f"{run.job.name}: {run.outcome} in {run.duration_ms} ms")
            if once:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.5)
