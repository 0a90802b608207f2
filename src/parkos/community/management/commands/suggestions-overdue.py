"""`parkos suggestions-overdue`: tell operators about suggestions whose official reply is overdue.

Run it daily (cron); each suggestion is flagged once, so a second run the same day does nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Flag suggestions past their reply deadline (once each) and notify the operators."

    def handle(self, *args: Any, **options: Any) -> None:
        from parkos.community.services.suggestions import suggestions_flag_overdue

        self.stdout.write(f"{suggestions_flag_overdue()} overdue suggestion(s) flagged")
