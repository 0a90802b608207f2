"""Pages: the share poster of a member's year report. The member's poster image (with a preview of another
choice of figures), the page to choose the figures and to share or stop sharing, and the shared link's
image, public while shared and a 404 otherwise.

A report is its member's alone: anyone else, and the member before the park publishes the reports, gets
"not found" (never "forbidden": a report's existence is itself personal). The shared image carries what the
poster shows and nothing else about the member."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.defaults import page_not_found

from parkos.core.errors import NotFound
from parkos.core.forms import page_action
from parkos.insights import presenting
from parkos.insights.models import YearReport
from parkos.insights.selectors import reports as selectors
from parkos.insights.services import poster as drawing
from parkos.insights.services import sharing


def poster_response(request: HttpRequest, report: YearReport, *, fields: list[str] | None = None,
                    cache_control: str) -> HttpResponse:
    """The poster as PNG, in the request's language, with its digest as ETag (a browser asking again for
    an unchanged poster gets a 304)."""
    png, digest = drawing.poster_png(report=report, qr_url=drawing.park_page_url(report.park), fields=fields)
    etag = f'"{digest}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(png, content_type="image/png")
        response["Content-Disposition"] = f'inline; filename="year-{report.year}.png"'
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _preview_fields(request: HttpRequest) -> list[str] | None:
    """``?fields=days,hours`` previews another choice before it is saved (checked like a saved one)."""
    raw = request.GET.get("fields")
    if raw is None:
        return None
    return sharing.poster_fields_clean([f for f in raw[:400].split(",") if f])


@login_required
@require_GET
def poster(request: HttpRequest, report_id: int) -> HttpResponse:
    item = selectors.report_get(viewer=request.user, report_id=report_id)
    return poster_response(request, item, fields=_preview_fields(request), cache_control="private, no-cache")


class PosterForm(forms.Form):
    """The figures ticked; whether they are a valid choice is the service's to say (one wording for the
    page and the API)."""

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Added here, not declared: a declared field named "fields" would hide the form's own ``fields``.
        self.fields["fields"] = forms.MultipleChoiceField(required=False, choices=choices,
                                                          widget=forms.CheckboxSelectMultiple,
                                                          label=_("Figures on the poster"))


def _share_url(request: HttpRequest, report: YearReport) -> str:
    if not report.share_token:
        return ""
    return request.build_absolute_uri(reverse("insights:shared_poster", args=[report.share_token]))


@login_required
@require_http_methods(["GET", "POST"])
def poster_edit(request: HttpRequest, report_id: int) -> HttpResponse:
    """Choose the poster's figures (a live preview follows the boxes), share it or stop sharing."""
    item = selectors.report_get(viewer=request.user, report_id=report_id)
    lines = presenting.figure_lines(item)
    keys = {line.key for line in lines}
    chosen = [k for k in (item.poster_fields or presenting.POSTER_DEFAULT) if k in presenting.POSTER_FIELDS]
    # Only figures with data can be chosen: the poster never shows an empty figure.
    choices = [(line.key, line.label) for line in lines]
    form = PosterForm(request.POST if request.method == "POST" else None, choices=choices,
                      initial={"fields": [k for k in chosen if k in keys]})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Your poster's figures are saved.")) as done:
            sharing.report_poster_set(actor=request.user, report=item, fields=form.cleaned_data["fields"])
        if done:
            return redirect("insights:poster_edit", item.pk)
    font_error = "" if drawing.poster_font_available() else str(drawing.PosterFontMissing.default_message)
    return render(request, "insights/poster/edit.html", {
        "report": item, "form": form, "lines": lines, "short": presenting.is_short(item),
        "checked": set(form["fields"].value() or []) if form.is_bound else {k for k in chosen if k in keys},
        "max_fields": sharing.MAX_POSTER_FIELDS, "share_url": _share_url(request, item), "font_error": font_error,
        "preview": reverse("insights:poster", args=[item.pk]),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def report_share(request: HttpRequest, report_id: int) -> HttpResponse:
    """Share (``action=share``) or stop sharing (``action=unshare``) the poster."""
    item = selectors.report_get(viewer=request.user, report_id=report_id)
    if request.POST.get("action") == "unshare":
        with page_action(request, success=_("Your poster is no longer shared: its link no longer works.")):
            sharing.report_unshare(actor=request.user, report=item)
    else:
        with page_action(request, success=_("Your poster is shared: anyone with the link can see it.")):
            sharing.report_share(actor=request.user, report=item)
    return redirect(f"{reverse('insights:poster_edit', args=[item.pk])}#share")


@require_GET
def shared_poster(request: HttpRequest, token: str) -> HttpResponse:
    """The poster its member shares: public, no log-in, only while shared. Caches must ask again each time
    (no-cache), so that a link its member stopped sharing stops at once."""
    try:
        item = selectors.report_shared_get(token=token)
    except NotFound:  # a link no longer shared: the 404 page, which no cache may keep
        missing: HttpResponse = page_not_found(request, Http404())
        missing["Cache-Control"] = "private, no-store"
        return missing
    response = poster_response(request, item, cache_control="public, no-cache")
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns: list[URLPattern] = [
    path("reports/<int:report_id>/poster.png", poster, name="poster"),
    path("reports/<int:report_id>/poster/", poster_edit, name="poster_edit"),
    path("reports/<int:report_id>/share/", report_share, name="report_share"),
    re_path(r"^shared/(?P<token>[A-Za-z0-9_-]{1,64})\.png$", shared_poster, name="shared_poster"),
]
