"""`parkos search-reindex`: rebuild the search index, with a progress bar; an interrupted run resumes."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from parkos.search import registry, services


class Command(BaseCommand):
    help = "Rebuild the search index. An interrupted run resumes where it stopped unless --fresh is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", action="append", choices=sorted(registry.SOURCES),
                            help="Only this kind (repeatable). Default: every registered kind.")
        parser.add_argument("--fresh", action="store_true", help="Start over instead of resuming.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = options["kind"] or list(registry.SOURCES)
        unknown = set(kinds) - set(registry.SOURCES)
        if unknown:
            raise CommandError(f"unknown kind: {', '.join(sorted(unknown))}")
        bars: dict[str, tqdm[Any]] = {}
        quiet = options["no_progress"] or options["verbosity"] == 0

        def progress(kind: str, done: int, total: int) -> None:
            if quiet:
                return
            bar = bars.get(kind)
            if bar is None:
                bar = bars[kind] = tqdm(total=total, initial=done, desc=kind, unit="doc", file=self.stderr._out)
            bar.update(done - bar.n)

        started = time.perf_counter()
        try:
            counts = services.reindex(kinds=kinds, fresh=options["fresh"], progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        if options["verbosity"]:
            summary = ", ".join(f"{k}: {n}" for k, n in counts.items())
            self.stdout.write(f"Indexed {summary} in {time.perf_counter() - started:.1f}s")
