"""A content hash of every table, the same on SQLite and PostgreSQL: each table's rows ordered by primary
key, every column's value normalised (times in UTC, decimals without trailing zeros, JSON with sorted keys,
bytes in hex), hashed. Two databases holding the same park give the same hashes, whichever vendor each runs
on, so a restore can be compared with its source table by table."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import connections, models

_SEP = "\x1f"


def normalise(value: Any) -> str:
    """One spelling per value, whatever the database driver returned."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(value, ".12g")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def _models_by_table() -> dict[str, type[models.Model]]:
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy:
            found.setdefault(model._meta.db_table, model)
    return found


def table_digests(using: str = "default") -> dict[str, tuple[int, str]]:
    """Every table of the database ``using``: (row count, SHA-256 of its normalised rows). Tables of a
    model are read through the ORM (its field converters make both vendors' values alike), ordered by
    primary key; other tables (SQLite's full-text index) by their normalised rows."""
    connection = connections[using]
    by_table = _models_by_table()
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
    digests: dict[str, tuple[int, str]] = {}
    for table in tables:
        digest = hashlib.sha256()
        count = 0
        model = by_table.get(table)
        lines: Iterator[str]
        if model is not None and model._meta.pk is not None:
            fields = [f.attname for f in model._meta.concrete_fields]
            rows: Any = model._base_manager.using(using).order_by(model._meta.pk.attname).values_list(*fields)
            lines = (_SEP.join(normalise(v) for v in row) for row in rows.iterator(chunk_size=2000))
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                lines = iter(sorted(_SEP.join(normalise(v) for v in row) for row in cursor.fetchall()))
        for line in lines:
            digest.update(line.encode())
            digest.update(b"\n")
            count += 1
        digests[table] = (count, digest.hexdigest())
    return digests
