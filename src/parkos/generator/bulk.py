"""The base of the generator's bulk loads (scenes' deals, the gates' year, rewards): on SQLite the loaded tables'
secondary indexes are dropped for the load and rebuilt after it (a sorted build beats millions of random
B-tree inserts); the unique ones are rebuilt too, so a duplicate still fails the run. ``pipelined`` makes
the rows in a second process while this one writes them."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Generator, Sequence
from typing import Any, Self, TypeVar

from django.apps import apps
from django.db import connections

from parkos.generator.registry import Context, insert_values

T = TypeVar("T")
R = TypeVar("R")


class IndexesDeferred:
    """``with IndexesDeferred(ctx, ["app.Model", ...]) as bulk: bulk.insert(...)``."""

    def __init__(self, ctx: Context, labels: list[str]) -> None:
        self.ctx = ctx
        self.connection: Any = connections[ctx.using]
        self.tables = [apps.get_model(label)._meta.db_table for label in labels]
        self.indexes: list[str] = []

    def __enter__(self) -> Self:
        if self.connection.vendor == "sqlite":
            with self.connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(self.tables))
                cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                               f"AND tbl_name IN ({marks})", self.tables)
                for name, sql in cursor.fetchall():
                    self.indexes.append(sql)
                    cursor.execute(f'DROP INDEX "{name}"')
        return self

    def insert(self, label: str, fields: Sequence[str], rows: Sequence[tuple[Any, ...]],
               epochs: Sequence[str] = ()) -> int:
        """Rows already in their stored form (naive UTC datetime text, JSON text: exactly what the ORM
        would write, so checksums and reads are unchanged), many to a statement. ``epochs``: datetime
        columns given as whole-second Unix times, which SQLite's ``datetime(x, 'unixepoch')`` turns into
        the ORM's text (``YYYY-MM-DD HH:MM:SS``) in C; elsewhere they must arrive as text."""
        if not rows:
            return 0
        model = apps.get_model(label)
        qn = self.connection.ops.quote_name
        columns = [model._meta.get_field(f).column for f in fields]  # type: ignore[union-attr]
        sqlite = self.connection.vendor == "sqlite"
        marks = ["datetime(%s, 'unixepoch')" if sqlite and f in epochs else "%s" for f in fields]
        head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)})"
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), 20_000):
                insert_values(cursor, head, marks, rows[start:start + 20_000])
        self.ctx.progress.update(len(rows))
        return len(rows)

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self.indexes:
            with self.connection.cursor() as cursor:
                for sql in self.indexes:
                    cursor.execute(sql)


def pipelined(produce: Callable[[], Generator[T, None, R]], consume: Callable[[T], None], *,
              fork: bool = True) -> R:
    """Build batches in a forked child process while this one writes them: on two cores the Python that
    makes rows and the database that stores them run side by side. ``produce`` yields batches in order and
    returns a final value (ids, counters), which this returns; ``consume`` writes one batch. The child
    draws from the same random sources in the same order as an in-process run would, so the data is the
    same byte for byte (``test_generator`` checks it). Without ``fork`` (the argument, the platform's, or
    with ``GENERATOR_PIPELINE=0``) it all runs here."""
    if (not fork or os.environ.get("GENERATOR_PIPELINE", "1") == "0"
            or "fork" not in multiprocessing.get_all_start_methods()):
        return _drain(produce(), consume)
    context = multiprocessing.get_context("fork")
    channel: Any = context.Queue(maxsize=4)
    child = context.Process(target=_produce_into, args=(produce, channel), daemon=True)
    child.start()
    try:
        while True:
            kind, payload = channel.get()
            if kind == "batch":
                consume(payload)
            elif kind == "done":
                child.join()
                return payload  # type: ignore[no-any-return]
            else:
                raise RuntimeError(f"The generator's producer process failed:\n{payload}")
    finally:
        if child.is_alive():
            child.terminate()
            child.join()


def _drain(batches: Generator[T, None, R], sink: Callable[[T], None]) -> R:
    """Hand each batch to ``sink``; the generator's return value."""
    while True:
        try:
            batch = next(batches)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        sink(batch)


def _produce_into(produce: Callable[[], Generator[Any, None, Any]], channel: Any) -> None:
    try:
        channel.put(("done", _drain(produce(), lambda batch: channel.put(("batch", batch)))))
    except BaseException:  # reported to the parent, which raises it
        channel.put(("error", traceback.format_exc()))
    channel.close()
    channel.join_thread()
