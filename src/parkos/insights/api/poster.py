"""API: the share poster of a member's year report, under /api/v1/insights/. The member reads the poster
(PNG, in the client's language), chooses its figures, shares it (a public link to the image) and stops
sharing. Anyone else, and the member before the reports are published, gets 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router

from parkos.core.schemas import ErrorOut
from parkos.insights import presenting
from parkos.insights.models import YearReport
from parkos.insights.schemas_poster import PosterFieldsIn, PosterOut
from parkos.insights.selectors import reports as selectors
from parkos.insights.services import sharing
from parkos.insights.views.poster import poster_response

router = Router(tags=["insights: share poster"])

PNG = {200: {"description": "the poster, a 1080×1920 PNG",
               "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}}


def _out(request: HttpRequest, report: YearReport) -> dict[str, Any]:
    lines = presenting.figure_lines(report)
    keys = {line.key for line in lines}
    chosen = report.poster_fields or list(presenting.POSTER_DEFAULT)
    share_url = (request.build_absolute_uri(reverse("insights:shared_poster", args=[report.share_token]))
                 if report.share_token else None)
    return {"report": report.pk, "year": report.year, "park": report.park.code,
            "fields": [k for k in chosen if k in keys] or [k for k in presenting.POSTER_DEFAULT if k in keys],
            "choices": [{"key": line.key, "label": line.label, "value": line.value} for line in lines],
            "short": presenting.is_short(report), "shared": bool(report.share_token), "share_url": share_url}


@router.get("/reports/{report_id}/poster", response={200: None, 503: ErrorOut}, openapi_extra={"responses": PNG})
def poster_get(request: HttpRequest, report_id: int) -> HttpResponse:
    """My report's poster with the figures I chose, in my language (Accept-Language). 503 when the
    server has no Chinese font to draw it with."""
    report = selectors.report_get(viewer=request.user, report_id=report_id)
    return poster_response(request, report, cache_control="private, no-cache")


@router.put("/reports/{report_id}/poster", response=PosterOut)
def poster_set(request: HttpRequest, report_id: int, payload: PosterFieldsIn) -> Any:
    """Choose the poster's figures: keys of ``choices``, at least one, at most 8 (``required``,
    ``invalid_choice``, ``too_many``)."""
    report = selectors.report_get(viewer=request.user, report_id=report_id)
    return _out(request, sharing.report_poster_set(actor=request.user, report=report, fields=payload.fields))


@router.get("/reports/{report_id}/share", response=PosterOut)
def share_get(request: HttpRequest, report_id: int) -> Any:
    """The poster's figures and whether it is shared (with its link)."""
    report = selectors.report_get(viewer=request.user, report_id=report_id)
    return _out(request, report)


@router.post("/reports/{report_id}/share", response=PosterOut)
def share(request: HttpRequest, report_id: int) -> Any:
    """Share the poster: ``share_url`` is its public link. Sharing again keeps the same link."""
    report = selectors.report_get(viewer=request.user, report_id=report_id)
    return _out(request, sharing.report_share(actor=request.user, report=report))


@router.delete("/reports/{report_id}/share", response=PosterOut)
def unshare(request: HttpRequest, report_id: int) -> Any:
    """Stop sharing: the old link answers 404 from now on."""
    report = selectors.report_get(viewer=request.user, report_id=report_id)
    return _out(request, sharing.report_unshare(actor=request.user, report=report))
