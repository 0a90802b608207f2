"""API: the operators' figures of a park's rooms and venues over a period (occupancy by place, floor and
hour × weekday, no-shows, credits by enterprise, revenue by month and by place), and each table as XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from parkos.bookings.schemas_figures import BookingFiguresOut
from parkos.bookings.selectors import figures as selectors
from parkos.core.parks import park_param

router = Router(tags=["bookings: figures"])


def _park(request: HttpRequest, value: str | None) -> Any:
    return park_param(value) or request.park  # type: ignore[attr-defined]


@router.get("/figures", response=BookingFiguresOut)
def figures_get(request: HttpRequest, park: str | None = None, start: dt.date | None = None,
                end: dt.date | None = None) -> Any:
    """The park's figures (``park``: code or id, default the current park) from ``start`` to ``end``
    (Beijing dates, both included; default the last four weeks; at most a year). The park's operators."""
    return selectors.figures_get(viewer=request.user, park=_park(request, park), start=start, end=end)


@router.get("/figures/export", response={200: None},
            openapi_extra={"responses": {200: {"description": "the table as XLSX"}}})
def figures_export(request: HttpRequest, table: str, park: str | None = None, start: dt.date | None = None,
                   end: dt.date | None = None) -> HttpResponse:
    """One table of the figures as a spreadsheet (``table``: places, floors, heat, noshow, enterprises or
    months)."""
    from parkos.core.exports import table_download

    f = selectors.figures_get(viewer=request.user, park=_park(request, park), start=start, end=end)
    header, rows = selectors.figures_table(f, table)
    return table_download(header=header, rows=rows, fmt="xlsx", filename=f"bookings-{table}-{f.park.code}-{f.start}"
                          f"-{f.end}", sheet=table)
