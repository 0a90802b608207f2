"""The two databases ParkOS runs on, as a backup sees them: take a consistent snapshot while the server
writes, put one back, and count every table's rows.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page in one step, inside one
read transaction, so the copy is the database as of one instant while writers go on (WAL lets them). The
copy is switched out of WAL so it is one self-contained file.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot (``pg_export_snapshot``) and ``pg_dump
--snapshot`` dumps exactly that snapshot, while the same transaction counts the rows and reads the
migration state: the manifest describes the very data the dump holds, whatever was written meanwhile."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
# libpq's own connection keywords that may sit in a Django OPTIONS dict (others are Django's or psycopg's).
_LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "connect_timeout",
                  "application_name", "options", "target_session_attrs", "service", "passfile", "gssencmode"}


class DatabaseError(Exception):
    """The database could not be backed up or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Snapshot:
    file: str
    counts: dict[str, int]
    migrations: dict[str, str]
    server_version: str


@dataclass(frozen=True)
class Target:
    """One configured database (a Django alias), as the backup tools reach it."""

    alias: str
    vendor: str
    settings: dict[str, Any]

    @classmethod
    def of(cls, using: str = "default") -> Target:
        connection = connections[using]
        if connection.vendor not in ("sqlite", "postgresql"):
            raise DatabaseError(f"ParkOS backs up SQLite and PostgreSQL, not {connection.vendor}.")
        return cls(using, connection.vendor, dict(connection.settings_dict))

    @property
    def label(self) -> str:
        return "SQLite" if self.vendor == "sqlite" else "PostgreSQL"

    @property
    def file_name(self) -> str:
        return SQLITE_FILE if self.vendor == "sqlite" else POSTGRES_FILE

    # --- SQLite -----------------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return Path(str(self.settings["NAME"])).resolve()

    # --- PostgreSQL -------------------------------------------------------------------------------
    def conninfo(self) -> str:
        """libpq's connection string without the password (which goes in PGPASSWORD, never on a command
        line another user could read in the process list)."""
        from psycopg.conninfo import make_conninfo

        params: dict[str, Any] = {"dbname": self.settings["NAME"]}
        for key, setting in (("user", "USER"), ("host", "HOST"), ("port", "PORT")):
            if self.settings.get(setting):
                params[key] = str(self.settings[setting])
        for key, value in (self.settings.get("OPTIONS") or {}).items():
            if key in _LIBPQ_OPTIONS:
                params[key] = str(value)
        return make_conninfo(**params)

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.settings.get("PASSWORD"):
            env["PGPASSWORD"] = str(self.settings["PASSWORD"])
        return env

    @contextmanager
    def pg_connect(self, *, autocommit: bool = False) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.conninfo(), password=self.settings.get("PASSWORD") or None,
                             autocommit=autocommit) as conn:
            yield conn


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseError(
            f"{name} is not on PATH: install PostgreSQL's client programs of the server's major version "
            f"(Debian: apt-get install postgresql-client) and run again.")
    return found


# --- row counts and migration state -------------------------------------------------------------

def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                        "ORDER BY name").fetchall()
    return [name for (name,) in rows]


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in _sqlite_tables(conn)}


_PG_TABLES = ("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
              "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname")


def _pg_counts(cursor: Any) -> dict[str, int]:
    from psycopg import sql

    names = [name for (name,) in cursor.execute(_PG_TABLES).fetchall()]
    return {name: cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]
            for name in names}


def _latest_migrations(rows: list[tuple[str, str]]) -> dict[str, str]:
    """Per app, the latest applied migration (names are numbered, so the greatest is the latest)."""
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def table_counts(target: Target) -> dict[str, int]:
    """Every table's row count in ``target`` as it is now (after a restore)."""
    if target.vendor == "sqlite":
        if not target.path.exists():
            return {}
        with closing(sqlite3.connect(target.path)) as conn:
            return _sqlite_counts(conn)
    with target.pg_connect(autocommit=True) as conn, conn.cursor() as cursor:
        return _pg_counts(cursor)


def migration_state(target: Target) -> dict[str, str]:
    try:
        if target.vendor == "sqlite":
            with closing(sqlite3.connect(target.path)) as conn:
                return _latest_migrations(conn.execute("SELECT app, name FROM django_migrations").fetchall())
        with target.pg_connect(autocommit=True) as conn:
            return _latest_migrations(conn.execute("SELECT app, name FROM django_migrations").fetchall())
    except Exception:  # no django_migrations table: nothing applied
        return {}


def account_count(target: Target) -> int | None:
    """Accounts in ``target`` (None: not even migrated). A database where ``parkos migrate`` ran and nobody
    signed up holds only the reference data migrations load; one with an account holds a park."""
    from django.contrib.auth import get_user_model

    table = get_user_model()._meta.db_table
    try:
        if target.vendor == "sqlite":
            if not target.path.exists() or target.path.stat().st_size == 0:
                return None
            with closing(sqlite3.connect(f"file:{target.path}?mode=ro", uri=True)) as conn:
                return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        with target.pg_connect(autocommit=True) as conn:
            from psycopg import sql

            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            return int(row[0]) if row else 0
    except (sqlite3.OperationalError, _pg_undefined_table()):
        return None


def _pg_undefined_table() -> type[Exception]:
    try:
        from psycopg.errors import UndefinedTable
    except ImportError:  # psycopg is only needed in scale-out mode
        return sqlite3.OperationalError
    return UndefinedTable


# --- snapshot -----------------------------------------------------------------------------------

def snapshot(target: Target, folder: Path) -> Snapshot:
    """Write ``target``'s consistent snapshot into ``folder`` and describe what it holds."""
    if target.vendor == "sqlite":
        return _sqlite_snapshot(target, folder / SQLITE_FILE)
    return _pg_snapshot(target, folder / POSTGRES_FILE)


def _sqlite_snapshot(target: Target, dest: Path) -> Snapshot:
    if not target.path.exists():
        raise DatabaseError(f"There is no database at {target.path}: run `parkos migrate` first.")
    with closing(sqlite3.connect(target.path, timeout=20)) as source, closing(sqlite3.connect(dest)) as copy:
        source.execute("PRAGMA busy_timeout = 20000")
        for attempt in range(5):
            try:
                source.backup(copy)  # pages=-1: every page in one step, one read transaction
                break
            except sqlite3.OperationalError:  # busy or locked (a checkpoint): try again shortly
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        problems = [row[0] for row in copy.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise DatabaseError("The copy of the SQLite database fails its integrity check: "
                                + "; ".join(problems[:5]))
        counts = _sqlite_counts(copy)
        rows = copy.execute("SELECT app, name FROM django_migrations").fetchall() \
            if "django_migrations" in counts else []
        version = copy.execute("SELECT sqlite_version()").fetchone()[0]
    return Snapshot(dest.name, counts, _latest_migrations(rows), f"SQLite {version}")


def _pg_snapshot(target: Target, dest: Path) -> Snapshot:
    pg_dump = pg_tool("pg_dump")
    with target.pg_connect() as conn, conn.cursor() as cursor:
        # The first statement of the transaction: its snapshot is the one pg_dump dumps and we count.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot_id = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
        dump = subprocess.Popen(
            [pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={dest}", "--no-password",
             f"--dbname={target.conninfo()}"],
            env=target.pg_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            counts = _pg_counts(cursor)  # while pg_dump reads the same snapshot
            rows = cursor.execute("SELECT app, name FROM django_migrations").fetchall() \
                if "django_migrations" in counts else []
            version = cursor.execute("SHOW server_version").fetchone()[0]
        finally:
            _, errors = dump.communicate()
        conn.rollback()
    if dump.returncode != 0:
        raise DatabaseError(f"pg_dump failed (exit {dump.returncode}): {errors.strip()[-2000:]}")
    return Snapshot(dest.name, counts, _latest_migrations(rows), f"PostgreSQL {version}")


# --- restore ------------------------------------------------------------------------------------

def restore(target: Target, file: Path) -> None:
    """Put the database in ``file`` in place of ``target``'s. SQLite: the file replaces the database file
    (the server must be stopped: a running process would keep writing to the old one). PostgreSQL:
    pg_restore in one transaction (a failure changes nothing), dropping the objects it recreates."""
    if target.vendor == "sqlite":
        _sqlite_restore(target, file)
    else:
        _pg_restore(target, file)


def _sqlite_restore(target: Target, file: Path) -> None:
    connections[target.alias].close()
    path = target.path
    path.parent.mkdir(parents=True, exist_ok=True)
    incoming = path.with_name(f".{path.name}.restoring-{os.getpid()}")
    try:
        shutil.copyfile(file, incoming)
        with open(incoming, "rb") as handle:
            os.fsync(handle.fileno())
        # A WAL left beside the old file would be replayed into the new one: it goes first.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(incoming, path)
    finally:
        incoming.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _pg_restore(target: Target, file: Path) -> None:
    pg_restore = pg_tool("pg_restore")
    connections[target.alias].close()
    result = subprocess.run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
         "--no-password", f"--dbname={target.conninfo()}", str(file)],
        env=target.pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DatabaseError(f"pg_restore failed (exit {result.returncode}), the database is unchanged: "
                            f"{result.stderr.strip()[-2000:]}")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
