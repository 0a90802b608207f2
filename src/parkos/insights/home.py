"""The insights domain's part of the home page (registered with core from InsightsConfig.ready): the
member's newest published year report while they have not opened it (one query on their own reports,
then the few published runs), kept until the member's reports or a run change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.core.generations import generation_follow, own_follow
from parkos.core.selectors import home_part_register
from parkos.insights.models import YearReport, YearReportRun
from parkos.insights.selectors.reports import _published_pairs


def unread_year_report(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    unseen = list(YearReport.objects.filter(user_id=user.pk, seen_at__isnull=True).order_by("-year")
                  .only("pk", "park_id", "year")[:5])
    if not unseen:
        return {}
    published = _published_pairs()
    for report in unseen:
        if (report.park_id, report.year) in published:
            return {"year_report": report}
    return {}


# A run's progress and end are written with update() (services/year_reports.py): it bumps "year-runs".
generation_follow("year-runs", YearReportRun)
own_follow(YearReport)
home_part_register("insights", unread_year_report, follows=lambda request: ["year-runs"])
