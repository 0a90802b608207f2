"""Upgrades: no new migration may lock a large PostgreSQL table for the length of a table rewrite or scan.

Every operation of every ParkOS migration is walked (Django's MigrationLoader, no database needed) and the
dangerous ones on the tables that are large in a running park are flagged:

- AddField NOT NULL without ``db_default`` (and an indexed or unique AddField: its index is built under lock);
- AlterField that changes the column's type, makes it NOT NULL (a full scan under ACCESS EXCLUSIVE) or adds
  an index;
- AddIndex / AddConstraint / AlterUniqueTogether (not ``AddIndexConcurrently`` /
  ``AddConstraintNotValid`` + ``ValidateConstraint`` from ``django.contrib.postgres.operations``);
- RemoveField / RenameField (the release still running during a rolling upgrade reads the old column);
- RunSQL / RunPython that touch them (a data migration rewrites rows inside the migration's transaction).

The migrations that exist today ran on empty tables when a park was installed (ParkOS has no release in
production before them), so they are allowed by name below; a new dangerous migration fails with what to
do instead."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.contrib.postgres.operations import AddConstraintNotValid, AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED
from django.db.utils import load_backend

# The tables with the most rows in a running park: seed scale (bench, `parkos generate --scale seed`) in
# rows, or tables that grow with every day of activity and are not generated (notifications, search, audit).
LARGE_TABLES = {
    "core_ledgerentry": 6_200_000,
    "core_ledgeroperation": 3_100_000,
    "scenes_milestone": 3_700_000,
    "scenes_response": 3_000_000,
    "scenes_deal": 2_900_000,
    "scenes_review": 530_000,
    "scenes_scene": 150_000,
    "access_dailypresence": 3_000_000,
    "access_occupancyhour": 1_300_000,
    "access_passage": 760_000,  # raw passages of the retention window; 50,000+ a day
    "bookings_booking": 280_000,
    "catalog_orderevent": 135_000,
    "catalog_serviceorder": 23_000,  # small at seed scale, but every enterprise's requests for years
    "community_post": 20_000,
    "community_comment": 60_000,
    "community_reaction": 41_000,
    "rewards_coupon": 47_000,
    "rewards_redemption": 36_000,
    "competitions_score": 48_000,
    "competitions_assignment": 48_000,
    "events_registration": 12_000,
    "accounts_user": 25_000,
    "search_document": 119_000,
    "notifications_notification": 0,  # grows with every event, order and post
    "audit_auditentry": 0,  # every operator's action and every sensitive read
    "django_session": 0,
}

ADVICE = {
    "add_not_null": "add the column nullable or with db_default=… (PostgreSQL adds a constant default without "
                    "rewriting the table), backfill it in batches from a job, and make it NOT NULL in a later release",
    "add_indexed": "add the field without db_index/unique, then build the index with "
                   "django.contrib.postgres.operations.AddIndexConcurrently in a migration with atomic = False",
    "alter_type": "add a new column of the new type, backfill it in batches, switch the code to it, and drop the "
                  "old column in a later release",
    "alter_not_null": "add a CHECK (col IS NOT NULL) with AddConstraintNotValid, ValidateConstraint it, then set "
                      "NOT NULL (PostgreSQL then skips the scan)",
    "index": "use django.contrib.postgres.operations.AddIndexConcurrently (RemoveIndexConcurrently) in a migration "
             "with atomic = False",
    "constraint": "use django.contrib.postgres.operations.AddConstraintNotValid, then ValidateConstraint in a "
                  "second migration (a unique constraint: AddIndexConcurrently of a unique index first)",
    "remove": "stop reading and writing the column in one release, remove it in the next (the release still "
              "running during a rolling upgrade reads it); to rename, add the new column and copy in batches",
    "data": "move the bulk data change to a job or management command that works in batches of a few thousand "
            "rows, outside the migration's transaction",
}

# Migrations that existed before the first production release: each ran once, on empty tables, at install.
# Never add a migration here that a running park has not yet applied; write it the safe way instead.
# The parks migrations (the multi-park work of 2026-11) add each large table's park_id, fill it from the rows'
# owners and index it: run before any park had data at that scale.
ALLOWED: dict[tuple[str, str], str] = {
    ("bookings", "0002_exclusion_constraints"): "exclusion constraints added right after the tables were created",
    ("catalog", "0005_parks"): "service orders' park_id, filled and indexed",
    ("community", "0003_remove_post_post_feed_latest_and_more"): "the park feed's indexes, reshaped",
    ("community", "0005_status_reason_fits_moderation_reason"): "status_reason widened to the moderation reasons",
    ("community", "0006_parks"): "posts' and comments' park_id, filled and indexed",
    ("events", "0002_parks"): "registrations' park_id, filled",
    ("events", "0003_registration_park_day"): "registrations' index by park and day",
    ("notifications", "0002_preference_notification_in_app_and_more"): "in-app notifications' flag and index",
    ("scenes", "0002_parks"): "scenes' and deals' park_id, filled and indexed",
    ("search", "0003_parks"): "search documents' park_id, filled by SQL and indexed",
}


def _pg_connection() -> Any:
    """A PostgreSQL backend wrapper that is never connected: enough to ask a field's column type."""
    return load_backend("django.db.backends.postgresql").DatabaseWrapper(
        {"ENGINE": "django.db.backends.postgresql", "NAME": "lint", "OPTIONS": {}, "TIME_ZONE": None,
         "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False,
         "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "TEST": {}}, "lint")


def _table(app_label: str, model_name: str) -> str:
    try:
        return apps.get_model(app_label, model_name)._meta.db_table
    except LookupError:  # a model since deleted or renamed
        return f"{app_label}_{model_name.lower()}"


def _operations(ops: list[Any]) -> Iterator[Any]:
    for op in ops:
        if isinstance(op, migrations.SeparateDatabaseAndState):
            yield from _operations(op.database_operations)
        else:
            yield op


def _large_names() -> dict[str, re.Pattern[str]]:
    """A large table's name, or its model's quoted name (``apps.get_model("access", "Passage")``)."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in LARGE_TABLES:
            found[table] = re.compile(rf"\b{re.escape(table)}\b|[\"']{re.escape(model.__name__)}[\"']",
                                      re.IGNORECASE)
    for table in LARGE_TABLES:
        found.setdefault(table, re.compile(rf"\b{re.escape(table)}\b", re.IGNORECASE))
    return found


def _code_text(op: Any) -> str:
    if isinstance(op, migrations.RunSQL):
        return " ".join(str(part) for part in (op.sql, op.reverse_sql) if part)
    text: list[str] = []
    seen: set[Any] = set()

    def add(fn: Any, depth: int) -> None:
        if fn is None or fn in seen or fn is migrations.RunPython.noop:
            return
        seen.add(fn)
        try:
            text.append(inspect.getsource(fn))
        except (OSError, TypeError):
            text.append(getattr(fn, "__name__", ""))
            return
        # The SQL constants and the module's helpers the function uses (one call deep).
        for name in getattr(getattr(fn, "__code__", None), "co_names", ()):
            value = getattr(fn, "__globals__", {}).get(name)
            if isinstance(value, str):
                text.append(value)
            elif inspect.isfunction(value) and value.__module__ == fn.__module__ and depth < 2:
                add(value, depth + 1)

    add(op.code, 0)
    add(op.reverse_code, 0)
    return "\n".join(text)


def dangerous_operations() -> list[tuple[tuple[str, str], str, str, str]]:
    """(migration, table, kind, description) of every dangerous operation on a large table."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    pg = _pg_connection()
    names = _large_names()
    found = []
    for key in sorted(loader.graph.nodes):
        app_label, _ = key
        try:
            if not apps.get_app_config(app_label).name.startswith("parkos."):
                continue
        except LookupError:
            continue
        migration = loader.graph.nodes[key]
        state = None
        created: set[str] = set()  # tables this migration creates: empty, whatever it does to them
        for op in _operations(migration.operations):
            model_name = getattr(op, "model_name", None) or getattr(op, "name", None)
            table = _table(app_label, model_name) if isinstance(model_name, str) else ""
            if isinstance(op, migrations.CreateModel):
                created.add(table)
                continue
            hits: list[tuple[str, str]] = []
            if isinstance(op, (migrations.RunSQL, migrations.RunPython)):
                text = _code_text(op)
                hits = [(t, "data") for t, pattern in names.items() if pattern.search(text)]
                for t, kind in hits:
                    found.append((key, t, kind, type(op).__name__))
                continue
            if table not in LARGE_TABLES or table in created:
                continue
            if isinstance(op, migrations.AddField) and not op.field.many_to_many:
                field = op.field
                if not field.null and field.db_default is NOT_PROVIDED:
                    hits.append(("add_not_null", f"AddField {op.name} NOT NULL without db_default"))
                if field.db_index or field.unique:
                    hits.append(("add_indexed", f"AddField {op.name} with an index"))
            elif isinstance(op, migrations.AlterField):
                if state is None:
                    state = loader.project_state(key, at_end=False)
                try:
                    old = state.models[app_label, op.model_name.lower()].get_field(op.name)
                except (KeyError, LookupError):
                    old = None
                new = op.field
                if old is not None:
                    if old.db_parameters(pg)["type"] != new.db_parameters(pg)["type"]:
                        hits.append(("alter_type", f"AlterField {op.name} changes the column type"))
                    if old.null and not new.null:
                        hits.append(("alter_not_null", f"AlterField {op.name} makes it NOT NULL"))
                    if (new.db_index or new.unique) and not (old.db_index or old.unique):
                        hits.append(("add_indexed", f"AlterField {op.name} adds an index"))
            elif isinstance(op, (AddIndexConcurrently, AddConstraintNotValid)):
                continue  # the safe variants
            elif isinstance(op, (migrations.AddIndex, migrations.AlterUniqueTogether)):
                hits.append(("index", f"{type(op).__name__} without CONCURRENTLY"))
            elif isinstance(op, migrations.AddConstraint):
                hits.append(("constraint", f"AddConstraint {op.constraint.name} validated under lock"))
            elif isinstance(op, (migrations.RemoveField, migrations.RenameField)):
                hits.append(("remove", f"{type(op).__name__} {getattr(op, 'name', '') or op.old_name}"))
            for kind, what in hits:
                found.append((key, table, kind, what))
    return found


def test_no_new_migration_locks_a_large_table() -> None:
    problems = [f"{app}.{name}: {what} on {table} ({LARGE_TABLES[table]:,} rows at seed scale) — "
                f"instead: {ADVICE[kind]}."
                for (app, name), table, kind, what in dangerous_operations() if (app, name) not in ALLOWED]
    assert not problems, ("Migrations that would lock a large PostgreSQL table while they run:\n  "
                          + "\n  ".join(problems))


def test_the_allow_list_names_only_migrations_that_are_still_flagged() -> None:
    flagged = {key for key, *_ in dangerous_operations()}
    assert set(ALLOWED) <= flagged, f"no longer dangerous (remove from ALLOWED): {set(ALLOWED) - flagged}"


def test_the_check_flags_each_kind_of_dangerous_operation(monkeypatch: Any) -> None:
    """A migration written the unsafe way is caught, and its safe twin is not."""
    loader_nodes = MigrationLoader(None, ignore_no_migrations=True).graph.nodes
    latest = max(name for app, name in loader_nodes if app == "access")

    class Unsafe(migrations.Migration):
        dependencies = [("access", latest)]
        operations = [
            migrations.AddField("passage", "lane", models.CharField(max_length=8, default="a")),
            migrations.AddIndex("passage", models.Index(fields=["lane"], name="access_passage_lane")),
            migrations.AddConstraint("passage", models.CheckConstraint(
                condition=models.Q(lane__gt=""), name="access_passage_lane_set")),
            migrations.RemoveField("passage", "lane"),
            migrations.RunSQL("UPDATE access_passage SET lane = 'b'"),
        ]

    class Safe(migrations.Migration):
        atomic = False
        dependencies = [("access", latest)]
        operations = [
            migrations.AddField("passage", "lane", models.CharField(max_length=8, null=True)),
            migrations.AddField("passage", "gate_lane", models.CharField(max_length=8, db_default="a")),
            AddIndexConcurrently("passage", models.Index(fields=["lane"], name="access_passage_lane")),
        ]

    original = MigrationLoader.build_graph

    def build_graph(self: MigrationLoader) -> None:
        original(self)
        for name, cls in (("9998_unsafe", Unsafe), ("9999_safe", Safe)):
            migration = cls(name, "access")
            self.graph.add_node(("access", name), migration)
            self.graph.add_dependency(migration, ("access", name), ("access", latest))

    monkeypatch.setattr(MigrationLoader, "build_graph", build_graph)
    kinds = {(name, kind) for (app, name), _, kind, _ in dangerous_operations() if name.startswith("999")}
    assert kinds == {("9998_unsafe", k) for k in ("add_not_null", "index", "constraint", "remove", "data")}
