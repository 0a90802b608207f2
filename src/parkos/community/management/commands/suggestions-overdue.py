"""`parkos suggestions-overdue [--park CODE]`: tell operators about suggestions whose official reply is overdue.

Run it daily (cron); each suggestion is flagged once, so a second run the same day does nothing. Each park's
operators hear of their own park's (portfolio operators of every park's); ``--park`` sweeps one park only."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Flag suggestions past their reply deadline (once each) and notify each park's operators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--park", default="", help="Only this park (code or id); default every park.")

    def handle(self, *args: Any, **options: Any) -> None:
        from parkos.community.services.suggestions import suggestions_flag_overdue
        from parkos.core.parks import park_param

        park = park_param(options.get("park") or None)
        count = suggestions_flag_overdue(park_ids=[park.pk] if park is not None else None)
        self.stdout.write(f"{count} overdue suggestion(s) flagged")
