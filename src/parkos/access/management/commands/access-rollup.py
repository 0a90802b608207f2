"""`parkos access-rollup`: rebuild the hourly occupancy (innovation density) of every (park, day) whose
daily presence changed since the last run (run every few minutes from cron, or by the task worker's
``access_rollups`` job)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Rebuild the hourly occupancy of the days whose presence changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="rebuild at most this many days")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        from parkos.access.services.presence import rollups_run

        self.stdout.write(f"days rebuilt: {rollups_run(limit=max(1, limit))}")
