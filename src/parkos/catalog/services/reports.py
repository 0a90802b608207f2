"""The operator report as a file: CSV (sections one after another) or XLSX (one sheet per section).

Building a file writes nothing to the database; it lives here, next to the import, because it is the
back office's output path (``catalog/transfer.py`` holds the XLSX/CSV writers both use)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parkos.catalog.selectors.reports import Report
from parkos.catalog.transfer import safe_cell, sheets_to_xlsx


def _num(value: float | None, digits: int = 1) -> Any:
    return "" if value is None else round(value, digits)


def report_sections(report: Report) -> list[tuple[str, list[list[Any]]]]:
    volume: list[list[Any]] = [[_("Category"), _("Orders"), pgettext("service order", "Open"), _("Delivered"), _("Cancelled or rejected"), _("Overdue"),
               _("Delivered orders measured"), _("Median turnaround (working days)"), _("Median SLA (working days)"),
               _("Delivered within SLA (%)")]]
    for r in report.categories:
        share = r.within_sla_share
        volume.append([r.category.name_zh, r.total, r.open, r.delivered, r.closed_without_delivery, r.overdue,
                       r.turnaround_n, _num(r.turnaround_median), _num(r.sla_median),
                       "" if share is None else round(100 * share, 1)])
    providers: list[list[Any]] = [[_("Provider"), _("Orders"), _("Ratings"), _("Average rating")]]
    providers += [[p.provider.name, p.orders, p.ratings, p.average if p.ratings else ""] for p in report.providers]
    trend: list[list[Any]] = [[_("Enterprise"), _("Ratings"), *(m.strftime("%Y-%m") for m in report.months)]]
    for row, cells in report.trend_cells():
        trend.append([row.enterprise.name, row.ratings, *("" if c is None else c for c in cells)])
    sections = [(_("Volume and turnaround"), volume), (_("Ratings by provider"), providers),
                (_("Satisfaction by month"), trend)]
    return [(title, [[safe_cell(c) for c in row] for row in rows]) for title, rows in sections]


def report_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Orders submitted from %(start)s to %(end)s") % {
        "start": report.date_from.isoformat(), "end": report.date_to.isoformat()}])
    writer.writerow([_("Park"), report.park.display_name() if report.park is not None else _("All parks")])
    for title, rows in report_sections(report):
        writer.writerow([])
        writer.writerow([title])
        writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    return sheets_to_xlsx(report_sections(report))
