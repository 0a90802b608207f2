"""The operators' dashboard: a park's figures (or the whole portfolio's) over a chosen period against the
previous one, a chart and a table view for each, each table downloadable as XLSX. Reads only the daily
rollups (selectors/dashboards.py). The lobby's big screen and its display links are in views/screens.py."""

from __future__ import annotations

from html import escape  # the standard library's: Django's lazy-aware one costs more per cell
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from parkos.core.exports import table_download
from parkos.core.forms import StyledForm, page_action
from parkos.core.models import Park
from parkos.core.parks import park_param
from parkos.insights.selectors import dashboards as selectors
from parkos.insights.views import screens

ALL = "all"


DATE_ERRORS = {"invalid": gettext_lazy("Enter a date like 2026-12-01.")}


class PeriodForm(StyledForm):
    start = forms.DateField(label=gettext_lazy("From"), required=False, error_messages=DATE_ERRORS,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=gettext_lazy("To (included)"), required=False, error_messages=DATE_ERRORS,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def chosen_park(request: HttpRequest, parks: list[Park]) -> Park | None:
    """The park shown: ``?park=all`` every park (portfolio operators), ``?park=<code>`` that park (unknown:
    not found), else the current park when the viewer operates it, else the first park they operate."""
    value = request.GET.get("park", "")
    if value == ALL:
        return None
    park = park_param(value)
    if park is not None:
        return park
    current = request.park  # type: ignore[attr-defined]
    if any(p.pk == current.pk for p in parks) or not parks:
        return current  # type: ignore[no-any-return]
    return parks[0]


def _period(request: HttpRequest) -> tuple[selectors.Period, PeriodForm]:
    """The period asked for; a date that is no date, in the future, or a period the wrong way round is said
    next to its field, and the last 30 days are shown instead."""
    form = PeriodForm(request.GET)
    period = selectors.dashboard_period()
    if form.is_valid():
        with page_action(request, form=form) as done:
            period = selectors.dashboard_period(start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                                                preset=request.GET.get("preset") or None)
        if done:
            form = PeriodForm(initial={"start": period.start, "end": period.end})
    return period, form


PRESET_LABELS = {"7": gettext_lazy("Last 7 days"), "30": gettext_lazy("Last 30 days"),
                 "90": gettext_lazy("Last 90 days"), "year": gettext_lazy("This year")}


CACHE_SECONDS = 600


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    parks = selectors.dashboard_parks(viewer=request.user)
    park = chosen_park(request, parks)
    period, form = _period(request)
    status = selectors.dashboard_status(viewer=request.user, park=park)  # who may see it: checked here
    park_value = ALL if park is None else park.code
    period_query = urlencode({"park": park_value, "start": period.start.isoformat(), "end": period.end.isoformat()})
    if request.GET.get("export"):
        return _export(selectors.dashboard_get(viewer=request.user, park=park, period=period, status=status),
                       request.GET["export"], request.GET.get("format", "xlsx"), park_value)
    d, content = (_content(request, park, period, status, period_query) if status.computed
                  else (None, {"html": "", "charts": []}))
    presets = [(key, label, "?" + urlencode({"park": park_value, "preset": key}), period.preset == key)
               for key, label in PRESET_LABELS.items()]
    return render(request, "insights/dashboards/dashboard.html", {
        "d": d, "period": period, "status": status, "park": park,
        "content": mark_safe(content["html"]),  # rendered by _sections.html, which escapes what it shows
        "charts": content["charts"], "form": form, "parks": parks,
        "can_all": selectors.dashboard_portfolio(viewer=request.user), "all": ALL, "park_value": park_value,
        "presets": presets,
        "screen_url": reverse("insights:screen") + ("?" + urlencode({"park": park.code}) if park else ""),
    })


def _content(request: HttpRequest, park: Park | None, period: selectors.Period, status: selectors.RollupStatus,
             period_query: str) -> tuple[selectors.Dashboard | None, dict[str, Any]]:
    """The page's sections (HTML) and charts, computed once per park, period and language until the rollups
    run again (the cache key holds their last run): a dashboard changes only when its daily figures do, and
    operators mostly look at the same few periods. Returns the dashboard too when it was computed now."""
    key = "insights:dashboard:" + "|".join((park.code if park else ALL, period.start.isoformat(),
                                            period.end.isoformat(), get_language() or "", status.version))
    cached: dict[str, Any] | None = cache.get(key)
    if cached is not None:
        return None, cached
    d = selectors.dashboard_get(viewer=request.user, park=park, period=period, status=status)
    _table_bodies(d)
    content = {"html": render_to_string("insights/dashboards/_sections.html",
                                        {"d": d, "export_query": period_query}),
               "charts": d.charts}
    cache.set(key, content, CACHE_SECONDS)
    return d, content


def _table_bodies(d: selectors.Dashboard) -> None:
    """Each table's rows as HTML, written here rather than by the template language: the tables of a year's
    page hold a few thousand cells, and a template loop per cell was most of the page's time. Every cell is
    escaped."""
    for section in d.sections:
        for table in section.tables:
            cells = table.cells
            if not cells:
                table.body = format_html('<tr><td colspan="{}" class="muted">{}</td></tr>', len(table.columns),
                                         _("Nothing in this period."))
                continue
            table.body = mark_safe("".join(  # every cell is escaped just here
                '<tr><th scope="row">' + escape(row[0]) + "</th>"
                + "".join('<td class="num">' + escape(cell) + "</td>" for cell in row[1:]) + "</tr>"
                for row in cells))


def _export(d: selectors.Dashboard, key: str, fmt: str, park_value: str) -> HttpResponse:
    """One table of the page, as shown (numbers as numbers, money in yuan)."""
    table = d.table(key)
    if table is None:
        raise Http404
    return table_download(header=[c.label for c in table.columns], rows=table.rows, fmt=fmt,
                          filename=f"dashboard-{park_value}-{key}-{d.period.start}-{d.period.end}", sheet=key[:31])


urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboard, name="dashboard"),
    *screens.urlpatterns,
]
