"""`parkos access-deliver`: send every webhook delivery whose next attempt is due (from cron, e.g.
``* * * * * parkos access-deliver``, when the task worker does not schedule retries itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parkos.access.services import deliveries


class Command(BaseCommand):
    help = "Send the gate apps' webhook deliveries that are due (retries included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=deliveries.RUN_DUE_BATCH,
                            help="attempt at most this many deliveries")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        self.stdout.write(f"deliveries attempted: {deliveries.deliveries_run_due(limit=max(1, limit))}")
