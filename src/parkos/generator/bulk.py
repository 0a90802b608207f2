"""The base of the generator's bulk loads (scenes' deals, the gates' year): on SQLite the loaded tables'
secondary indexes are dropped for the load and rebuilt after it (a sorted build beats millions of random
B-tree inserts); the unique ones are rebuilt too, so a duplicate still fails the run."""

from __future__ import annotations

from typing import Any, Self

from django.apps import apps
from django.db import connections

from parkos.generator.registry import Context


class IndexesDeferred:
    """``with Subclass(ctx, ["app.Model", ...]) as bulk:`` — the subclass adds its own ``insert``."""

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

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self.indexes:
            with self.connection.cursor() as cursor:
                for sql in self.indexes:
                    cursor.execute(sql)
