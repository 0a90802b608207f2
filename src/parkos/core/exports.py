"""Tables downloaded as CSV or XLSX (registrants of an event, the audit log of sensitive reads …): one
way to write them, with the BOM Excel needs for Chinese in CSV and the guard against cells a spreadsheet
would run as formulas (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import Http404, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell starting like a formula gets a leading apostrophe, so it stays text."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return value


def table_download(*, header: Sequence[Any], rows: Iterable[Sequence[Any]], fmt: str, filename: str,
                   sheet: str = "data") -> HttpResponse:
    """``filename`` without its extension; ``fmt`` is "csv" or "xlsx" (anything else: not found)."""
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        worksheet = workbook.active
        assert worksheet is not None
        worksheet.title = sheet
        worksheet.append(list(header))
        for row in rows:
            worksheet.append([safe_cell(v) for v in row])
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
