"""API: year reports under /api/v1/insights/. A member lists and reads their published reports (worded
in their language) and claims the gift pack offered; an enterprise's admins read its reports; operators
list the runs of their parks, start one (in the background) and set its publication date."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from parkos.core.errors import NotFound
from parkos.core.parks import park_param
from parkos.insights import presenting
from parkos.insights.models import YearReport, YearReportRun
from parkos.insights.schemas_reports import (
    EnterpriseYearReportOut,
    YearReportClaimedOut,
    YearReportDetailOut,
    YearReportOut,
    YearReportPublishIn,
    YearReportRunIn,
    YearReportRunOut,
)
from parkos.insights.selectors import reports as selectors
from parkos.insights.services import publication
from parkos.insights.services import year_reports as services

router = Router(tags=["insights: year reports"])


def _out(r: YearReport) -> dict[str, Any]:
    kw = presenting.keyword_view(r)
    return {"id": r.pk, "park": r.park.code, "year": r.year, "keyword": kw["word"] if kw else "",
            "seen": r.seen_at is not None, "generated_at": r.generated_at}


@router.get("/reports", response=list[YearReportOut])
def report_list(request: HttpRequest) -> Any:
    """My published year reports, newest first (every park and year)."""
    return [_out(r) for r in selectors.report_list(viewer=request.user)]


@router.get("/reports/{report_id}", response=YearReportDetailOut)
def report_get(request: HttpRequest, report_id: int) -> Any:
    """One of my reports, worded in my language; ``not_found`` for anybody else's."""
    r = selectors.report_get(viewer=request.user, report_id=report_id)
    gift = None
    if r.offer is not None:
        from parkos.rewards.models import PackClaim

        pack = r.offer.pack
        gift = {"pack": pack.pk, "name": pack.name, "claim_until": pack.claim_until,
                "claimed": PackClaim.objects.filter(pack_id=pack.pk, user_id=r.user_id).exists()}
    return {"id": r.pk, "park": r.park.code, "year": r.year, "name": presenting.display_name(r.user),
            "keyword": presenting.keyword_view(r),
            "lines": [line.__dict__ for line in presenting.figure_lines(r)], "words": r.words,
            "short": presenting.is_short(r), "short_message": presenting.short_message(r),
            "figures": r.figures, "gift": gift}


@router.post("/reports/{report_id}/claim", response={201: YearReportClaimedOut})
def report_claim(request: HttpRequest, report_id: int) -> Status[Any]:
    """Claim the gift pack my report offers: once (``already_claimed``), within the pack's window and stock
    (``closed``, ``not_open``, ``out_of_stock``); ``no_gift`` when the report offers none."""
    r = selectors.report_get(viewer=request.user, report_id=report_id)
    claim = publication.report_pack_claim(actor=request.user, report=r)
    return Status(201, {"claim": claim.pk, "pack": claim.pack_id})


@router.get("/enterprises/{enterprise_id}/reports", response=list[EnterpriseYearReportOut])
def enterprise_report_list(request: HttpRequest, enterprise_id: int) -> Any:
    """An enterprise's published year reports: its admins and the park's operators."""
    from parkos.enterprises.models import Enterprise

    enterprise = Enterprise.objects.filter(pk=enterprise_id, is_active=True).first()
    if enterprise is None:
        raise NotFound(_("Not found."))
    return [{"enterprise": r.enterprise_id, "park": r.park.code, "year": r.year, "figures": r.figures}
            for r in selectors.enterprise_report_list(viewer=request.user, enterprise=enterprise)]


def _run_out(run: YearReportRun) -> dict[str, Any]:
    return {"id": run.pk, "park": run.park.code, "year": run.year, "status": run.status, "done": run.done,
            "total": run.total, "seconds": run.seconds, "error": run.error, "publish_at": run.publish_at,
            "announced_at": run.announced_at}


@router.get("/runs", response=list[YearReportRunOut])
def run_list(request: HttpRequest) -> Any:
    """The year-report runs of the parks where I am an operator."""
    return [_run_out(r) for r in selectors.run_list(viewer=request.user)[:200]]


@router.post("/runs", response={202: YearReportRunOut})
def run_start(request: HttpRequest, payload: YearReportRunIn) -> Status[Any]:
    """Generate (or resume) a park's reports of ``year`` in the background; poll the run for progress."""
    park = park_param(payload.park) or request.park  # type: ignore[attr-defined]
    run = services.year_report_start(actor=request.user, park=park, year=payload.year, force=payload.force)
    return Status(202, _run_out(run))


@router.put("/runs/{run_id}/publish", response=YearReportRunOut)
def run_publish(request: HttpRequest, run_id: int, payload: YearReportPublishIn) -> Any:
    """Set when members see the run's reports (``not_ready`` before the run has finished)."""
    run = selectors.run_get(viewer=request.user, run_id=run_id)
    return _run_out(services.run_publish_at_set(actor=request.user, run=run, publish_at=payload.publish_at))
