"""`parkos events-offers`: pass every lapsed waitlist offer on to the next person in line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from parkos.events import services


class Command(BaseCommand):
    help = "Pass lapsed waitlist offers on to the next person in line."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"lapsed offers passed on: {services.offers_expire()}")
