"""`parkos orders-overdue`: flag open service orders past their due date and notify their butlers.

Run it daily (cron, or the `orders_flag_overdue` task); each order is flagged and notified once, so a
second run the same day does nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Flag overdue service orders (once each) and notify their butlers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD), for catching up or tests.")

    def handle(self, *args: Any, **options: Any) -> None:
        from parkos.catalog.services.overdue import orders_flag_overdue

        today = None
        if options.get("today"):
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be YYYY-MM-DD") from None
        flagged = orders_flag_overdue(today=today)
        self.stdout.write(f"{flagged} overdue order(s) flagged")
