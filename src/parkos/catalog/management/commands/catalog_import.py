"""`parkos catalog_import FILE --as operator@example.cn [--dry-run]`: import the service catalog from
XLSX or CSV (layout: catalog/transfer.py). Every row is checked first; when any row is invalid the
errors are listed (row, column, message) and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Import the service catalog from an XLSX or CSV file (upsert by code; all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="actor", required=True, help="E-mail of the operator doing the import.")
        parser.add_argument("--dry-run", action="store_true", help="Only check the file.")

    def handle(self, *args: Any, **options: Any) -> None:
        from parkos.accounts.models import User
        from parkos.catalog.transfer import catalog_import

        actor = User.objects.filter(email__iexact=options["actor"]).first()
        if actor is None:
            raise CommandError(f"No user {options['actor']}")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}")
        result = catalog_import(actor=actor, data=path.read_bytes(), filename=path.name, dry_run=options["dry_run"])
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"row {error.row}, {error.column or '-'}: {error.message}")
            raise CommandError(f"{len(result.errors)} error(s): nothing was written.")
        verb = "imported" if result.written else "checked (dry run)"
        self.stdout.write(f"{result.rows} row(s) {verb}: {result.created} new, {result.updated} updated")
