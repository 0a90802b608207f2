"""`parkos insights-rollup [--park CODE] [--since YYYY-MM-DD] [--until YYYY-MM-DD]`: bring the dashboards'
daily figures up to date now — every active park, or one — from ``--since`` (default: the day before each
park's last run, or its first data) to today. What the hourly job does; after an import, a correction or a
generated park-year, run it with ``--since`` to recompute the past."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parkos.core.errors import DomainError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Bring the dashboards' daily rollups up to date (every park, or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--park", help="the park's code (default: every active park)")
        parser.add_argument("--since", type=_date, help="recompute from this day (YYYY-MM-DD)")
        parser.add_argument("--until", type=_date, help="recompute up to this day (default today)")

    def handle(self, *args: Any, park: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
               **options: Any) -> None:
        from parkos.core.models import Park
        from parkos.insights.services.rollups import rollups_range, rollups_update

        parks = list(Park.objects.filter(is_active=True).order_by("position", "id"))
        if park:
            parks = [p for p in parks if p.code == park]
            if not parks:
                raise CommandError(f"no active park with the code {park!r}")
        total = 0
        started = time.perf_counter()
        for n, chosen in enumerate(parks, start=1):
            t0 = time.perf_counter()
            try:
                first, last = rollups_range(park=chosen, start=since, end=until)
                rows = rollups_update(park=chosen, start=first, end=last)
            except DomainError as error:
                raise CommandError(str(error.message)) from None
            total += rows
            self.stdout.write(f"[{n}/{len(parks)}] {chosen.code}: {first} to {last}, {rows:,} figures "
                              f"in {time.perf_counter() - t0:.1f} s")
        self.stdout.write(f"{total:,} figures for {len(parks)} park(s) in {time.perf_counter() - started:.1f} s")
