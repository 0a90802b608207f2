"""`parkos access-purge`: retention (run daily from cron, or by the task worker's ``access_purge`` job):
raw passages past each park's passage retention (daily presence stays), visitors' personal data past
the visitor retention, temperature readings past the reading retention (14 days at most)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Delete raw passages, visitors' personal data and temperature readings past their park's retention."

    def handle(self, *args: Any, **options: Any) -> None:
        from parkos.access.services import presence, readings, visitors

        self.stdout.write(f"passages deleted: {presence.passages_purge()}")
        self.stdout.write(f"visitors erased: {visitors.visitors_purge()}")
        self.stdout.write(f"readings deleted: {readings.readings_purge()}")
