"""The operators' figures page: a park's rooms and venues over a period (occupancy by room, by floor and by
hour × weekday as a heat map, no-shows, credits by enterprise, revenue by month and by place), each table
downloadable as XLSX (``?export=<table>``). The same selector as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from parkos.bookings.selectors import figures as selectors
from parkos.bookings.selectors.figures import BookingFigures
from parkos.core import policy
from parkos.core.errors import DomainError
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.parks import park_param


def _park(request: HttpRequest) -> Any:
    try:
        return park_param(request.GET.get("park", "")[:20]) or request.park  # type: ignore[attr-defined]
    except DomainError:  # an unknown park in the address: the page does not exist
        raise Http404 from None


def _figures(request: HttpRequest, park: Any) -> BookingFigures:
    """The figures of the page's period; a bad date is said, and the default period shown instead."""
    with page_action(request) as done:
        f = selectors.figures_get(viewer=request.user, park=park, start=request.GET.get("start", "")[:10],
                                  end=request.GET.get("end", "")[:10])
    if not done:
        if done.error is not None and done.error.status != 400:
            raise done.error
        f = selectors.figures_get(viewer=request.user, park=park)
    return f


def _weekday_labels() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    policy.require(request.user, "bookings.figures.view", park)
    f = _figures(request, park)
    table = request.GET.get("export", "")
    if table:
        if table not in selectors.TABLES:
            raise Http404
        header, rows = selectors.figures_table(f, table)
        return table_download(header=header, rows=rows, fmt="xlsx", sheet=table,
                              filename=f"bookings-{table}-{park.code}-{f.start}-{f.end}")
    hours = f.heat_hours
    names = selectors.weekday_names()
    heat_rows = [(label, names[weekday], [f.heat[weekday][hour] for hour in hours])
                 for weekday, label in enumerate(_weekday_labels())]
    query = {"park": park.code, "start": f.start.isoformat(), "end": f.end.isoformat()}
    return render(request, "bookings/figures/figures.html", {
        "f": f, "park": park, "parks": selectors.figures_parks(viewer=request.user), "hours": hours,
        "heat_rows": heat_rows, "levels": range(selectors.HEAT_LEVELS + 1),
        "export_query": urlencode(query), "no_show_places": [p for p in f.places if p.due],
    })


urlpatterns: list[URLPattern] = [
    path("figures/", figures, name="figures"),
]
