"""`parkos generate --scale tiny|small|seed [--seed N] [--database ALIAS] [--force] [--checksum]`

Fills an empty, migrated database with a synthetic year of one park. To generate into another
database than the configured one, point DATABASE_URL at it for this command, e.g.
``DATABASE_URL=sqlite:////tmp/park.sqlite3 parkos migrate && DATABASE_URL=... parkos generate``.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from parkos.generator.registry import SCALES
from parkos.generator.services import NotEmpty, expected_rows, filled_tables, park_checksum, park_generate

DEFAULT_SEED = 20261128


class Command(BaseCommand):
    help = "Generate a synthetic but realistic year of one park (bulk inserts; same seed, same bytes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small",
                            help="seed: the park of the brief (25,000 members); small: one hundredth of it")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--database", default="default", help="database alias (see DATABASE_URL)")
        parser.add_argument("--force", action="store_true",
                            help="delete the rows of the generated tables first, instead of refusing")
        parser.add_argument("--checksum", action="store_true",
                            help="print a SHA-256 of the generated tables' contents, ordered by id")

    def handle(self, *args: Any, scale: str, seed: int, database: str, force: bool, checksum: bool,
               **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        if not force and (filled := filled_tables(database)):
            raise CommandError(
                f"Database {database!r} already holds data ({', '.join(f'{t}: {n} rows' for t, n in filled.items())}). "
                "Generate into an empty, migrated database, or pass --force to delete those rows first."
            )
        started = time.perf_counter()
        with tqdm(total=expected_rows(scale), unit=" rows", disable=verbosity == 0, dynamic_ncols=True,
                  mininterval=0.5) as bar:
            try:
                report = park_generate(scale=scale, seed=seed, using=database, force=force, progress=bar)
            except NotEmpty as error:
                raise CommandError(
                    f"Database {database!r} already holds data ({error}). Generate into an empty, migrated "
                    "database, or pass --force to delete those rows first."
                ) from error
        elapsed = time.perf_counter() - started
        from parkos.core.generations import forget_all

        forget_all()  # bulk inserts send no signals: cached facts and fragments start again
        if verbosity:
            for name, rows in report.rows.items():
                self.stdout.write(f"  {name:<14} {rows:>9,} rows  {report.seconds[name]:7.2f} s")
            self.stdout.write(self.style.SUCCESS(
                f"Generated a {scale}-scale park-year (seed {seed}): {report.total_rows:,} rows in {elapsed:.1f} s."))
        if checksum:
            self.stdout.write(f"checksum {park_checksum(database)}")
