"""Backup and restore on the database the suite runs on (SQLite, or PostgreSQL when DATABASE_URL is set):
a generated park round-trips into a fresh database with every table's rows and content and every uploaded
file equal; a backup taken while a writer inserts is one consistent snapshot; a damaged backup, a backup of
the other vendor and a non-empty target are refused and change nothing; retention keeps the newest N."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend

from parkos.backup import databases
from parkos.backup.content import normalise, table_digests
from parkos.backup.services import BackupError, backup_create, backup_list, backup_nightly, backup_prune
from parkos.jobs.models import ScheduledJob

pytestmark = pytest.mark.server  # pg_dump and pg_restore are processes of their own
# Tests whose rows must be committed (pg_dump and the SQLite backup read them from another connection);
# sequences reset so the default park a flush took comes back as park 1, which the generator expects.
committed = pytest.mark.django_db(transaction=True, reset_sequences=True)

MEDIA = {"avatars/小明.png": b"\x89PNG not really" * 10, "catalog/2026/11/合同.pdf": b"%PDF-1.7 " * 500,
         "events/cover.jpg": os.urandom(3000)}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    for name, data in MEDIA.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(scope="module")
def scratch_postgres() -> Iterator[str | None]:
    """On PostgreSQL, one database for this module's restores, created here and dropped after (creating and
    dropping one per test costs a checkpoint each, tens of seconds on a busy machine)."""
    if connection.vendor != "postgresql":
        yield None
        return
    name = f"parkos_restore_{os.getpid()}"
    admin = databases.Target("admin", "postgresql", {**connection.settings_dict, "NAME": "postgres"})
    with admin.pg_connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.pg_connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database(tmp_path: Path, scratch_postgres: str | None) -> Iterator[str]:
    """A second, empty database of the suite's vendor, reachable as the alias ``restored``: a new file on
    SQLite; on PostgreSQL the module's scratch database with its schema emptied."""
    alias = "restored"
    base = dict(connection.settings_dict)
    name = scratch_postgres or str(tmp_path / "restored.sqlite3")
    if scratch_postgres:
        scratch = databases.Target("scratch", "postgresql", {**base, "NAME": name})
        with scratch.pg_connect(autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    # Not in settings.DATABASES: a connection made at run time, which Django's test case lets through.
    wrapper = load_backend(base["ENGINE"]).DatabaseWrapper({**base, "NAME": name}, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def _restore(path: Path, alias: str, *args: str) -> str:
    out = StringIO()
    call_command("restore", str(path), "--database", alias, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _park() -> None:
    from parkos.conftest import ensure_industries
    from parkos.generator.services import park_generate

    ensure_industries()  # a transactional test before this one flushed what migrations load
    park_generate(scale="tiny", seed=7)


@committed
def test_a_generated_park_round_trips_into_a_fresh_database(media: Path, fresh_database: str, tmp_path: Path,
                                                             settings: Any) -> None:
    _park()
    before = table_digests("default")
    assert sum(count for count, _ in before.values()) > 5_000  # a populated park, not an empty schema

    result = backup_create(dest=tmp_path / "backups", keep=3)
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"] == {table: count for table, (count, _) in before.items()}
    assert manifest["migrations"]["accounts"].startswith("00")
    assert {f"media/{name}" for name in MEDIA} <= set(manifest["files"])

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    out = _restore(result.path, fresh_database)
    assert "Every table's row count matches the manifest" in out

    after = table_digests(fresh_database)
    assert after.keys() == before.keys()
    differing = [table for table in before if before[table] != after[table]]
    assert differing == []
    for name, data in MEDIA.items():
        assert (tmp_path / "restored-media" / name).read_bytes() == data


@committed
def test_a_backup_taken_while_rows_are_written_is_one_consistent_snapshot(media: Path, fresh_database: str,
                                                                          tmp_path: Path) -> None:
    _park()
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            i = 0
            while not stop.is_set():
                ScheduledJob.objects.create(name=f"writer-{i:05d}", target="none", every_minutes=5)
                written.append(i)
                i += 1
        except BaseException as exc:  # reported by the test
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        result = backup_create(dest=tmp_path / "backups", keep=3)
        at_end = len(written)
        while len(written) < at_end + 20:  # the writer went on after the snapshot
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not failures

    _restore(result.path, fresh_database)
    names = list(ScheduledJob.objects.using(fresh_database).filter(name__startswith="writer-")
                 .order_by("name").values_list("name", flat=True))
    # Exactly the rows committed before one instant: a prefix of the writer's sequence, neither torn nor empty.
    assert 20 <= len(names) <= at_end
    assert names == [f"writer-{i:05d}" for i in range(len(names))]
    assert ScheduledJob.objects.filter(name__startswith="writer-").count() > len(names)
    if connection.vendor == "sqlite":
        with sqlite3.connect(connections[fresh_database].settings_dict["NAME"]) as restored:
            assert restored.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.django_db
def test_a_damaged_backup_is_refused_and_nothing_changes(media: Path, fresh_database: str, tmp_path: Path,
                                                        settings: Any) -> None:
    result = backup_create(dest=tmp_path / "backups", keep=3)
    damaged = result.path / "media" / "events" / "cover.jpg"
    data = bytearray(damaged.read_bytes())
    data[100] ^= 0xFF  # same size, one bit pattern changed
    damaged.write_bytes(bytes(data))
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    with pytest.raises(CommandError, match=r"damaged.*\n.*media/events/cover.jpg: SHA-256 differs"):
        _restore(result.path, fresh_database)
    assert not (tmp_path / "restored-media").exists()
    assert databases.account_count(databases.Target.of(fresh_database)) is None  # still not even migrated

    (result.path / "database.sqlite3" if connection.vendor == "sqlite" else result.path / "database.dump").unlink()
    with pytest.raises(CommandError, match=r"database.* missing"):
        _restore(result.path, fresh_database)


@committed
def test_a_non_empty_target_is_refused_without_force(media: Path, fresh_database: str, tmp_path: Path) -> None:
    from parkos.accounts.models import User

    User.objects.create_user(email="li@example.com", password="x" * 12)
    first = backup_create(dest=tmp_path / "backups", keep=3)
    _restore(first.path, fresh_database)
    assert User.objects.using(fresh_database).filter(email="li@example.com").exists()

    User.objects.create_user(email="wang@example.com", password="x" * 12)
    second = backup_create(dest=tmp_path / "backups", keep=3)
    with pytest.raises(CommandError, match=r"not empty \(1 accounts\).*--force"):
        _restore(second.path, fresh_database)
    assert not User.objects.using(fresh_database).filter(email="wang@example.com").exists()
    connections[fresh_database].close()

    _restore(second.path, fresh_database, "--force")
    assert set(User.objects.using(fresh_database).values_list("email", flat=True)) >= {"li@example.com", "wang@example.com"}


@pytest.mark.django_db
def test_a_backup_of_the_other_database_vendor_is_refused(media: Path, fresh_database: str, tmp_path: Path) -> None:
    result = backup_create(dest=tmp_path / "backups", keep=3)
    manifest_path = result.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest["database"]["vendor"] = other
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=r"holds a (SQLite|PostgreSQL).*configured for"):
        _restore(result.path, fresh_database)


@pytest.mark.django_db
def test_retention_keeps_the_newest_complete_backups_and_clears_half_written_ones(media: Path,
                                                                                   tmp_path: Path) -> None:
    dest = tmp_path / "backups"
    made = [backup_create(dest=dest, keep=10).path for _ in range(3)]
    assert backup_list(dest=dest) == list(reversed(made))  # same second: -1, -2 suffixes sort after
    # What crashes leave: a partial folder of a process that is gone, a stamped folder without manifest.
    dead = dest / f".partial-20260101T000000Z-{os.uname().nodename}-999999999"
    dead.mkdir()
    unfinished = dest / "20260101T000000Z"
    unfinished.mkdir()
    (unfinished / "database.sqlite3").write_bytes(b"half")
    alive = dest / f".partial-20260101T000000Z-{os.uname().nodename}-{os.getpid()}"
    alive.mkdir()

    out = StringIO()
    call_command("backup", "--dest", str(dest), "--keep", "2", stdout=out)
    kept = backup_list(dest=dest)
    assert len(kept) == 2 and kept[1] == made[-1]  # the new one and the newest before it
    assert not dead.exists() and not unfinished.exists() and alive.exists()
    assert all(not p.exists() for p in made[:2])
    assert "Deleted" in out.getvalue()
    with pytest.raises(BackupError):
        backup_prune(dest=dest, keep=0)


@pytest.mark.django_db
def test_the_nightly_job_uses_the_settings(media: Path, tmp_path: Path, settings: Any) -> None:
    from parkos.jobs.schedule import REGISTRY

    assert REGISTRY["backup.nightly"].target == "parkos.backup.services.backup_nightly"
    settings.BACKUP_DIR = tmp_path / "nightly"
    settings.BACKUP_KEEP = 1
    backup_nightly()
    backup_nightly()
    assert len(backup_list(dest=tmp_path / "nightly")) == 1


@pytest.mark.django_db
def test_a_backup_inside_media_root_and_a_missing_pg_dump_are_clear_errors(media: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="inside MEDIA_ROOT"):
        call_command("backup", "--dest", str(media / "backups"))
    monkeypatch.setattr(databases.shutil, "which", lambda name: None)
    with pytest.raises(databases.DatabaseError, match="pg_dump is not on PATH"):
        databases.pg_tool("pg_dump")


def test_values_are_spelled_alike_whatever_the_driver_returned() -> None:
    import datetime as dt
    import decimal
    from zoneinfo import ZoneInfo

    beijing = dt.datetime(2026, 12, 6, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert normalise(beijing) == normalise(beijing.astimezone(dt.UTC)) == "2026-12-06T01:30:00+00:00"
    assert normalise(decimal.Decimal("12.50")) == normalise(decimal.Decimal("12.5")) == "12.5"
    assert normalise({"b": 1, "a": [True]}) == normalise({"a": [True], "b": 1})
    assert normalise(memoryview(b"\x01\xff")) == normalise(b"\x01\xff") == "01ff"
    assert normalise(True) != normalise(1) and normalise(None) != normalise("")
