"""`parkos restore DIR [--force]`: check the backup's checksums, put its database and uploaded files in
place, and compare every table's row count with the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from parkos.backup.services import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup written by `parkos backup` (on SQLite, stop the server first)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="the backup's folder (holding manifest.json)")
        parser.add_argument("--force", action="store_true", help="replace a database that already holds a park")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args: Any, path: Path, force: bool, database: str, **options: Any) -> None:
        if connections[database].vendor == "sqlite":
            self.stdout.write("SQLite: the server must be stopped while the database file is replaced "
                              "(stop `parkos serve` first, start it again afterwards).")
        try:
            result = backup_restore(path=path, using=database, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        from parkos.core.generations import forget_all

        forget_all()  # another park's data now: cached facts and fragments start again
        manifest = result.manifest
        self.stdout.write(
            f"Restored {path} (ParkOS {manifest['parkos_version']}, taken {manifest['created_at']}): "
            f"{result.tables} tables, {result.rows:,} rows, {result.files} files.")
        if result.secret_key == "restored":
            self.stdout.write("The backup's SECRET_KEY was put back in var/secret_key (gate cards and QR codes "
                              "depend on it).")
        elif result.secret_key == "differs":
            self.stderr.write("SECRET_KEY differs from the backed-up installation's: set SECRET_KEY to the old "
                              "key, or gate cards, QR credentials and coupon codes will not be recognised.")
        if result.pending_migrations:
            self.stdout.write(f"{len(result.pending_migrations)} migrations of this release are not applied yet: "
                              "run `parkos migrate`.")
        if result.mismatched:
            lines = "\n  ".join(f"{table}: manifest {want:,}, restored {got if got is not None else 'missing'}"
                                for table, (want, got) in sorted(result.mismatched.items()))
            raise CommandError(f"Row counts differ from the manifest's:\n  {lines}")
        self.stdout.write(f"Every table's row count matches the manifest ({len(manifest['tables'])} tables).")
