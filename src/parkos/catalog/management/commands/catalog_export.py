"""`parkos catalog_export FILE.xlsx|FILE.csv --as operator@example.cn`: write the whole catalog in the
import layout (catalog/transfer.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Export the service catalog as XLSX or CSV (by the file's extension)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="actor", required=True, help="E-mail of the operator doing the export.")

    def handle(self, *args: Any, **options: Any) -> None:
        from parkos.accounts.models import User
        from parkos.catalog import transfer

        actor = User.objects.filter(email__iexact=options["actor"]).first()
        if actor is None:
            raise CommandError(f"No user {options['actor']}")
        path = Path(options["file"])
        rows = transfer.export_rows(actor=actor)
        if path.suffix.lower() == ".xlsx":
            path.write_bytes(transfer.to_xlsx(rows))
        elif path.suffix.lower() == ".csv":
            path.write_bytes(transfer.to_csv(rows))
        else:
            raise CommandError("The file must end in .xlsx or .csv")
        self.stdout.write(f"{len(rows) - 1} service(s) written to {path}")
