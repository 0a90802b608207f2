"""Operator pages: the catalog report (with CSV/XLSX export) and the catalog's import/export."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from parkos.accounts.models import User
from parkos.catalog import transfer
from parkos.catalog.forms_policy import ImportForm, ReportRangeForm
from parkos.catalog.parks import chosen_park, role_park_choices
from parkos.catalog.selectors import reports as selectors
from parkos.catalog.services import reports as services
from parkos.core import policy, ratelimit
from parkos.core.errors import Invalid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def report(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "catalog.reports")
    form = ReportRangeForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to")
    elif form.is_bound:
        return render(request, "catalog/report_index.html", {"form": form, "report": None}, status=400)
    park = chosen_park(request)
    data = selectors.report_build(viewer=request.user, date_from=start, date_to=end, park=park)
    fmt = request.GET.get("format", "")
    stamp = f"{data.date_from:%Y%m%d}-{data.date_to:%Y%m%d}" + (f"-{park.code}" if park is not None else "")
    if fmt == "csv":
        return _download(services.report_csv(data), f"catalog-report-{stamp}.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        return _download(services.report_xlsx(data), f"catalog-report-{stamp}.xlsx", XLSX)
    if not form.is_bound:
        form = ReportRangeForm(initial={"date_from": data.date_from, "date_to": data.date_to})
    query = urlencode({"date_from": data.date_from.isoformat(), "date_to": data.date_to.isoformat(),
                       **({"park": park.code} if park is not None else {})})
    parks = role_park_choices(request.user, policy.OPERATOR)
    return render(request, "catalog/report_index.html", {"form": form, "report": data, "query": query,
                                                         "parks": parks, "park": park})


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """Upload a catalog file: checked first (errors listed by row and column); written only when asked
    and when every row is valid."""
    policy.require(request.user, "catalog.manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        ratelimit.enforce(request, group="catalog-import", key=str(request.user.pk), rate="20/h")
        upload = form.cleaned_data["file"]
        result = transfer.catalog_import(actor=_user(request), data=upload.read(), filename=upload.name,
                                         dry_run=form.cleaned_data["dry_run"])
        status = 200 if result.ok else 400
    elif request.method == "POST":
        status = 400
    return render(request, "catalog/manage_import.html",
                  {"form": form, "result": result, "columns": transfer.COLUMNS}, status=status)


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = transfer.export_rows(actor=_user(request))
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        return _download(transfer.to_csv(rows), f"catalog-{stamp}.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        return _download(transfer.to_xlsx(rows), f"catalog-{stamp}.xlsx", XLSX)
    raise Invalid()


# This part's routes, gathered by ../urls.py.
urls: list[URLPattern] = [
    path("reports/", report, name="report"),
    path("manage/", manage, name="manage"),
    path("manage/export.<slug:fmt>", export, name="manage_export"),
]
