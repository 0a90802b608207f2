"""`parkos ledger-check`: every operation balances, no row changed since it was recorded, and every
domain's tables reconcile with the ledger. Exits 1 on any problem (so cron or CI can alert)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parkos.core.ledger import ledger_check


class Command(BaseCommand):
    help = "Verify the ledger of value-moving operations and reconcile it with the domains' tables."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=100, help="report at most this many problems")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = ledger_check(limit=options["limit"])
        seconds = time.perf_counter() - started
        for message in report.problems:
            self.stderr.write(message)
        summary = (f"{report.operations} operations, {report.entries} entries checked in {seconds:.1f}s: "
                   f"{len(report.problems)} problem(s)")
        if not report.ok:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
