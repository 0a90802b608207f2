"""Generate a park-year: run every registered part, in dependency order, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connections, transaction

from parkos.generator.registry import (
    SCALES,
    Context,
    ordered_parts,
    overall_checksum,
    part_models,
    table_checksums,
)


class NotEmpty(Exception):
    """The database already holds rows in the tables the generator fills."""


@dataclass
class GenerateReport:
    scale: str
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    checksum: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def filled_tables(using: str = "default") -> dict[str, int]:
    """Row counts of the generator's tables that are not empty."""
    found = {}
    for model in part_models(ordered_parts()):
        count = model._base_manager.using(using).count()
        if count:
            found[model._meta.db_table] = count
    return found


def park_checksum(using: str = "default") -> str:
    return overall_checksum(table_checksums(part_models(ordered_parts()), using=using))


def park_generate(*, scale: str, seed: int, using: str = "default", force: bool = False,
                  progress: Any = None) -> GenerateReport:
    """Fill an empty, migrated database with one park-year at ``scale``. Refuses a database that
    already holds generated tables' rows unless ``force``, which deletes those rows first. All or
    nothing: one transaction, so a failed run leaves the database as it was."""
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    parts = ordered_parts()
    models = part_models(parts)
    report = GenerateReport(scale=scale, seed=seed)
    connection = connections[using]
    with _bulk_mode(connection), transaction.atomic(using=using):
        filled = filled_tables(using)
        if filled and not force:
            raise NotEmpty(", ".join(f"{table}: {count} rows" for table, count in filled.items()))
        if filled:
            for model in reversed(models):
                model._base_manager.using(using).all().delete()
        ctx = Context(seed=seed, scale=scale, using=using)
        if progress is not None:
            ctx.progress = progress
        for p in parts:
            started = time.perf_counter()
            ctx.for_part(p.name)
            report.rows[p.name] = p.build(ctx)
            report.seconds[p.name] = time.perf_counter() - started
        # Explicit ids leave PostgreSQL's sequences behind; SQLite's AUTOINCREMENT follows by itself.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            if connection.vendor == "sqlite":
                # Foreign keys were not checked row by row (below): check them all once, before commit.
                cursor.execute("PRAGMA foreign_key_check")
                broken = cursor.fetchmany(5)
                if broken:
                    raise ValueError(f"generated rows break foreign keys, e.g. {broken}")
    return report


@contextmanager
def _bulk_mode(connection: Any) -> Iterator[None]:
    """SQLite, for the length of one generation: foreign keys checked once at the end instead of on
    each of millions of inserts, no fsync per commit and a larger page cache. The run is one
    transaction into a database that held nothing of it, so a crash loses only the run itself."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:  # pragmas cannot change inside one
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        # One transaction of millions of new pages: in WAL mode every page is written twice (the log,
        # then the checkpoint). A rollback journal only keeps the pages that held something before, and
        # still rolls a failed run back. Changing modes needs the database to itself; else WAL it is.
        cursor.execute("PRAGMA journal_mode=DELETE")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-20000")
            cursor.execute(f"PRAGMA journal_mode={journal}")


def expected_rows(scale: str) -> int:
    return sum(p.expected_rows(SCALES[scale]) for p in ordered_parts())
