"""Backups of a park: one folder per backup, named by its UTC time, holding the database's snapshot, the
uploaded files and ``manifest.json`` (ParkOS version, database vendor, migration state, every table's row
count, and a SHA-256 and size for every file).

A backup is written into a hidden ``.partial-…`` folder and renamed when its manifest is written, so a
folder with a manifest is complete and a crash leaves only a partial folder, which the next run deletes.
Retention keeps the newest ``keep`` complete backups.

What goes in besides the database: every file under MEDIA_ROOT (uploads: avatars, covers, attachments,
data-room documents — every upload of ParkOS goes through the default storage there) and ``var/secret_key``
when the key was generated there: gate cards, QR credentials and coupon codes are keyed by SECRET_KEY, so a
park restored under another key would refuse every card. Backups therefore hold secrets: the folders are
created readable by their owner only."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from parkos.backup.databases import (
    DatabaseError,
    Target,
    account_count,
    migration_state,
    restore,
    snapshot,
    table_counts,
)

MANIFEST = "manifest.json"
FORMAT = 1
MEDIA_DIR = "media"
SECRET_KEY_FILE = "secret_key"
STAMP = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
PARTIAL = ".partial-"
PARTIAL_MAX_AGE = 2 * 24 * 3600  # a partial folder of another machine (a shared disk) is left this long
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    deleted: list[Path] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())

    @property
    def size(self) -> int:
        return sum(f["size"] for f in self.manifest["files"].values())


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    tables: int
    rows: int
    files: int
    mismatched: dict[str, tuple[int, int | None]]
    pending_migrations: list[str]
    secret_key: str  # "restored", "same", "differs" (SECRET_KEY set in the environment), "none"


# --- helpers ------------------------------------------------------------------------------------

def parkos_version() -> str:
    try:
        return metadata.version("parkos")
    except metadata.PackageNotFoundError:
        return "unknown"


def _key_fingerprint(key: str) -> str:
    """Tells whether two installations share a SECRET_KEY without revealing it."""
    return hmac.new(key.encode(), b"parkos.backup.secret-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def _secret_key_file() -> Path | None:
    """var/secret_key when it is where this installation's SECRET_KEY comes from."""
    path = Path(settings.VAR_DIR) / "secret_key"
    if os.environ.get("SECRET_KEY") or not path.exists():
        return None
    return path if path.read_text().strip() == settings.SECRET_KEY else None


def _copy_hashed(source: Path, dest: Path) -> dict[str, Any]:
    """Copy ``source`` to ``dest``, hashing the bytes as they are written; fsync'd."""
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(dest, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return {"sha256": digest.hexdigest(), "size": size}


def _hash_file(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def default_dir() -> Path:
    return Path(settings.BACKUP_DIR)


# --- backup -------------------------------------------------------------------------------------

def backup_create(*, dest: Path | None = None, keep: int | None = None, using: str = "default") -> BackupResult:
    """Write a backup of the database ``using`` and the uploaded files into ``dest`` (BACKUP_DIR), then
    keep the newest ``keep`` (BACKUP_KEEP) complete backups. Safe while the server runs: the database
    part is one consistent snapshot (databases.py); the files are copied after it, so every file a row
    of the snapshot names was already on disk (uploads are written before their row commits)."""
    dest = Path(dest or default_dir()).resolve()
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("--keep must be at least 1 (the backup just written is one of them).")
    media_root = Path(settings.MEDIA_ROOT)
    if _inside(dest, media_root):
        raise BackupError(f"The backup folder {dest} is inside MEDIA_ROOT ({media_root}): every backup would "
                          "copy the ones before it. Choose a folder outside it (--dest or BACKUP_DIR).")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = Target.of(using)
    now = datetime.now(UTC).replace(microsecond=0)
    work = dest / f"{PARTIAL}{now:%Y%m%dT%H%M%SZ}-{socket.gethostname()}-{os.getpid()}"
    work.mkdir(mode=0o700)
    try:
        try:
            shot = snapshot(target, work)
        except DatabaseError as exc:
            raise BackupError(str(exc)) from exc
        files: dict[str, Any] = {shot.file: _hash_file(work / shot.file)}
        if media_root.is_dir():
            for folder, dirs, names in os.walk(media_root):
                dirs.sort()
                for name in sorted(names):
                    source = Path(folder) / name
                    relative = source.relative_to(media_root).as_posix()
                    try:
                        files[f"{MEDIA_DIR}/{relative}"] = _copy_hashed(source, work / MEDIA_DIR / relative)
                    except FileNotFoundError:  # deleted while we walked: it is not part of the park any more
                        continue
        key_file = _secret_key_file()
        if key_file is not None:
            files[SECRET_KEY_FILE] = _copy_hashed(key_file, work / SECRET_KEY_FILE)
            os.chmod(work / SECRET_KEY_FILE, 0o600)
        manifest = {
            "format": FORMAT,
            "parkos_version": parkos_version(),
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "host": socket.gethostname(),
            "database": {"vendor": target.vendor, "file": shot.file, "server_version": shot.server_version},
            "migrations": shot.migrations,
            "tables": shot.counts,
            "secret_key": {"fingerprint": _key_fingerprint(settings.SECRET_KEY),
                           "included": key_file is not None},
            "files": files,
        }
        with open(work / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(work)
        final = _free_name(dest, f"{now:%Y%m%dT%H%M%SZ}")
        os.rename(work, final)  # the backup exists from here on, whole
        _fsync_dir(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    deleted = backup_prune(dest=dest, keep=keep)
    return BackupResult(final, manifest, deleted)


def _free_name(dest: Path, stamp: str) -> Path:
    candidate, n = dest / stamp, 0
    while candidate.exists():
        n += 1
        candidate = dest / f"{stamp}-{n}"
    return candidate


def backup_list(*, dest: Path | None = None) -> list[Path]:
    """The complete backups in ``dest``, newest first."""
    dest = Path(dest or default_dir())
    if not dest.is_dir():
        return []
    found = [p for p in dest.iterdir() if p.is_dir() and STAMP.match(p.name) and (p / MANIFEST).is_file()]
    return sorted(found, key=lambda p: (p.name[:16], int(p.name[17:] or 0)), reverse=True)


def _partial_is_dead(path: Path) -> bool:
    """A partial folder nobody is writing any more: its process on this machine is gone, or it is old."""
    import time

    parts = path.name[len(PARTIAL):].split("-")
    if len(parts) >= 3 and "-".join(parts[1:-1]) == socket.gethostname() and parts[-1].isdigit():
        try:
            os.kill(int(parts[-1]), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False  # alive: still writing
    return time.time() - path.stat().st_mtime > PARTIAL_MAX_AGE


def backup_prune(*, dest: Path | None = None, keep: int | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` complete backups, and what half-written backups left (a folder
    without a manifest never counts as a backup). Returns what was deleted."""
    dest = Path(dest or default_dir())
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("keep must be at least 1.")
    if not dest.is_dir():
        return []
    deleted = list(backup_list(dest=dest)[keep:])
    for path in dest.iterdir():
        if not path.is_dir():
            continue
        half_written = STAMP.match(path.name) and not (path / MANIFEST).is_file()
        if half_written or (path.name.startswith(PARTIAL) and _partial_is_dead(path)):
            deleted.append(path)
    for path in deleted:
        shutil.rmtree(path, ignore_errors=True)
    return deleted


def backup_nightly() -> str:
    """The scheduled job: a backup with the settings' folder and retention."""
    result = backup_create()
    return f"{result.path.name}: {result.rows} rows, {len(result.manifest['files'])} files, " \
           f"{len(result.deleted)} old backups deleted"


# --- restore ------------------------------------------------------------------------------------

def manifest_read(path: Path) -> dict[str, Any]:
    file = Path(path) / MANIFEST
    if not file.is_file():
        raise BackupError(f"{path} is not a complete backup: it has no {MANIFEST}.")
    try:
        manifest: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{file} is not valid JSON ({exc}): the backup is damaged.") from exc
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{file} is not a ParkOS backup manifest of format {FORMAT}.")
    return manifest


def _safe_relative(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def backup_verify(path: Path) -> dict[str, Any]:
    """Every file the manifest lists is there with its size and SHA-256; raises on the first problems."""
    path = Path(path)
    manifest = manifest_read(path)
    problems: list[str] = []
    for name, expected in sorted(manifest["files"].items()):
        if not _safe_relative(name):
            problems.append(f"{name}: not a path inside the backup")
            continue
        file = path / name
        if not file.is_file():
            problems.append(f"{name}: missing")
            continue
        if file.stat().st_size != expected["size"]:
            problems.append(f"{name}: {file.stat().st_size} bytes, the manifest says {expected['size']}")
            continue
        if _hash_file(file)["sha256"] != expected["sha256"]:
            problems.append(f"{name}: SHA-256 differs from the manifest's")
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise BackupError(f"The backup {path} is damaged; nothing was restored:\n  {shown}")
    return manifest


def backup_restore(*, path: Path, using: str = "default", force: bool = False,
                   media_root: Path | None = None) -> RestoreResult:
    """Restore the backup in ``path`` into the database ``using`` and MEDIA_ROOT: checksums first (a
    damaged backup changes nothing), then the vendor and emptiness checks, then the database, the files
    and the key; finally every table's row count is compared with the manifest's."""
    path = Path(path)
    manifest = backup_verify(path)
    target = Target.of(using)
    vendor = manifest["database"]["vendor"]
    if vendor != target.vendor:
        names = {"sqlite": "SQLite (embedded mode)", "postgresql": "PostgreSQL (scale-out mode)"}
        raise BackupError(
            f"This backup holds a {names.get(vendor, vendor)} database and this ParkOS is configured for "
            f"{names[target.vendor]}. Restore it where the same database is configured (DATABASE_URL set for "
            "PostgreSQL, unset for SQLite); moving between the two is not a restore.")
    accounts = account_count(target)
    if accounts and not force:
        raise BackupError(
            f"The target {target.label} database is not empty ({accounts} accounts): restoring replaces all "
            "of it. Run again with --force to replace it.")
    try:
        restore(target, path / manifest["database"]["file"])
    except DatabaseError as exc:
        raise BackupError(str(exc)) from exc
    media_root = Path(media_root or settings.MEDIA_ROOT)
    restored_files = 0
    prefix = f"{MEDIA_DIR}/"
    for name in sorted(manifest["files"]):
        if name.startswith(prefix):
            dest = media_root / name[len(prefix):]
            dest.parent.mkdir(parents=True, exist_ok=True)
            incoming = dest.with_name(f".{dest.name}.restoring")
            shutil.copyfile(path / name, incoming)
            os.replace(incoming, dest)
            restored_files += 1
    secret = _secret_key_restore(path, manifest)
    counts = table_counts(target)
    mismatched = {table: (rows, counts.get(table)) for table, rows in manifest["tables"].items()
                  if counts.get(table) != rows}
    return RestoreResult(manifest=manifest, tables=len(counts), rows=sum(counts.values()), files=restored_files,
                         mismatched=mismatched, pending_migrations=_pending(target), secret_key=secret)


def _secret_key_restore(path: Path, manifest: dict[str, Any]) -> str:
    info = manifest.get("secret_key") or {}
    if info.get("fingerprint") == _key_fingerprint(settings.SECRET_KEY):
        return "same"
    if info.get("included") and not os.environ.get("SECRET_KEY"):
        key_path = Path(settings.VAR_DIR) / "secret_key"
        key_path.parent.mkdir(parents=True, exist_ok=True)
        incoming = key_path.with_name(".secret_key.restoring")
        shutil.copyfile(path / SECRET_KEY_FILE, incoming)
        os.chmod(incoming, 0o600)
        os.replace(incoming, key_path)
        return "restored"
    return "differs" if info.get("fingerprint") else "none"


def _pending(target: Target) -> list[str]:
    """Migrations of this code that the restored database has not applied (a backup of an older release)."""
    applied = migration_state(target)
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    pending = []
    for app, name in loader.graph.leaf_nodes():
        if name > applied.get(app, ""):
            pending.append(f"{app}.{name}")
    return sorted(pending)

