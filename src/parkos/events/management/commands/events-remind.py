"""`parkos events-remind`: remind registrants of events starting soon, and pass on lapsed seat offers.

Idempotent: run it every few minutes (cron, or the task worker); an event is reminded once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parkos.events import services


class Command(BaseCommand):
    help = "Remind registrants of events starting within the next hours; pass on lapsed waitlist offers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24, help="remind events starting within this many hours")

    def handle(self, *args: Any, **options: Any) -> None:
        from datetime import timedelta

        lapsed = services.offers_expire()
        reminded = services.events_remind(ahead=timedelta(hours=options["hours"]))
        self.stdout.write(f"events reminded: {reminded}; lapsed offers passed on: {lapsed}")
