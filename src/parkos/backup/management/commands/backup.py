"""`parkos backup [--dest DIR] [--keep N]`: a consistent snapshot of the database and the uploaded files,
taken while the server runs, into a folder named by its UTC time; keeps the newest N backups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from parkos.backup.services import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (safe while the server runs)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dest", type=Path, help=f"folder of the backups (BACKUP_DIR, now {settings.BACKUP_DIR})")
        parser.add_argument("--keep", type=int, help=f"keep the N newest backups (BACKUP_KEEP, now {settings.BACKUP_KEEP})")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args: Any, dest: Path | None, keep: int | None, database: str, **options: Any) -> None:
        try:
            result = backup_create(dest=dest, keep=keep, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"Backed up to {result.path}: {manifest['database']['vendor']} database, {len(manifest['tables'])} "
            f"tables, {result.rows:,} rows, {len(manifest['files'])} files, {result.size / 1e6:.1f} MB.")
        for path in result.deleted:
            self.stdout.write(f"Deleted {path.name} (retention)")
