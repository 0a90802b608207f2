"""``parkos year-report --year 2026 [--park CODE] [--force]``: generate the year reports of every member
and enterprise of a park (every park by default), with a progress bar. Resumable: run it again after an
interruption and it goes on after the last chunk written; run it on a finished year and it says so
(``--force`` computes everything again, rewriting each report in place)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from parkos.core.errors import DomainError
from parkos.core.models import Park
from parkos.insights.models import YearReportRun
from parkos.insights.services.year_reports import year_report_run


class Command(BaseCommand):
    help = "Generate the members' and enterprises' year reports of a park (resumable, idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--park", help="the park's code (default: every park)")
        parser.add_argument("--force", action="store_true", help="compute a finished year again")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        parks = Park.objects.order_by("pk")
        if options["park"]:
            parks = parks.filter(code=options["park"])
            if not parks:
                raise CommandError(f"no park with the code {options['park']!r}")
        for park in parks:
            bar = None if options["no_progress"] else tqdm(desc=park.code, unit=" members", leave=True)

            def progress(done: int, total: int, bar: Any = bar) -> None:
                if bar is not None:
                    bar.total = total
                    bar.n = done
                    bar.refresh()

            try:
                run = year_report_run(park=park, year=options["year"], force=options["force"], progress=progress)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
            finally:
                if bar is not None:
                    bar.close()
            if run.status == YearReportRun.Status.DONE:
                self.stdout.write(f"{park.code} {run.year}: {run.done} member reports in {run.seconds:.1f} s"
                                  + ("" if run.publish_at else " (not published yet: set the date in the back office)"))
