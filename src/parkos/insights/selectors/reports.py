"""Reads of year reports, each with its viewer: a member sees their own published reports (any park,
any year: they stay readable after the new year), an enterprise's admins their enterprise's, operators
the runs of their parks. Anything else is "not found", never "forbidden": a report's existence is
itself personal."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.insights.models import EnterpriseYearReport, YearReport, YearReportRun


def _published_pairs() -> set[tuple[int, int]]:
    """(park, year) of every published run: few rows (parks × years)."""
    now = timezone.now()
    return set(YearReportRun.objects.filter(status=YearReportRun.Status.DONE, publish_at__lte=now)
               .values_list("park_id", "year"))


def report_list(*, viewer: Any) -> list[YearReport]:
    """The viewer's published reports, newest year first."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    published = _published_pairs()
    rows = YearReport.objects.filter(user_id=viewer.pk).select_related("park").order_by("-year", "park_id")
    return [r for r in rows if (r.park_id, r.year) in published]


def report_get(*, viewer: Any, report_id: int) -> YearReport:
    report = (YearReport.objects.select_related("park", "user", "offer__pack").filter(pk=report_id).first()
              if getattr(viewer, "is_authenticated", False) else None)
    if report is None or not policy.can(viewer, "insights.report.view", report) \
            or (report.park_id, report.year) not in _published_pairs():
        raise NotFound(_("Not found."))
    return report


def report_shared_get(*, token: str) -> YearReport:
    """A report its member shares (only while shared, and only once published)."""
    report = (YearReport.objects.select_related("park", "user").filter(share_token=token).first()
              if token else None)
    if report is None or (report.park_id, report.year) not in _published_pairs():
        raise NotFound(_("Not found."))
    return report


def enterprise_report_list(*, viewer: Any, enterprise: Any) -> list[EnterpriseYearReport]:
    """An enterprise's published year reports, for its admins and the park's operators."""
    probe = EnterpriseYearReport(park_id=enterprise.park_id, enterprise=enterprise)
    if not policy.can(viewer, "insights.enterprise_report.view", probe):
        raise NotFound(_("Not found."))
    published = _published_pairs()
    rows = EnterpriseYearReport.objects.filter(enterprise=enterprise).select_related("enterprise", "park")
    return [r for r in rows.order_by("-year") if (r.park_id, r.year) in published]


def enterprise_report_get(*, viewer: Any, enterprise: Any, year: int) -> EnterpriseYearReport:
    for row in enterprise_report_list(viewer=viewer, enterprise=enterprise):
        if row.year == year:
            return row
    raise NotFound(_("Not found."))


def run_list(*, viewer: Any) -> QuerySet[YearReportRun]:
    """The runs of the parks where the viewer is an operator."""
    scope = policy.scope_filter(viewer, policy.OPERATOR)
    if scope is None:
        return YearReportRun.objects.none()
    return YearReportRun.objects.filter(**scope).select_related("park").order_by("-year", "park_id")


def run_get(*, viewer: Any, run_id: int) -> YearReportRun:
    run = YearReportRun.objects.select_related("park").filter(pk=run_id).first()
    if run is None or not policy.can(viewer, "insights.manage", run.park):
        raise NotFound(_("Not found."))
    return run


def run_figures(run: YearReportRun) -> dict[str, Any]:
    """What an operator checks before publishing: reports written, keywords given, offers per pack."""
    from collections import Counter

    keywords: Counter[str] = Counter()
    offers: Counter[int | None] = Counter()
    short = 0
    for keyword, offer_id in (YearReport.objects.filter(park_id=run.park_id, year=run.year)
                              .values_list("keyword", "offer_id").iterator(chunk_size=2000)):
        if keyword:
            keywords[keyword.get("word", "")] += 1
        else:
            short += 1
        offers[offer_id] += 1
    return {"keywords": keywords.most_common(), "without_keyword": short, "offers": dict(offers)}
