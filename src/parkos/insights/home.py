"""The insights domain's part of the home page (registered with core from InsightsConfig.ready): the
member's newest published year report while they have not opened it (one query on their own reports,
then the few published runs)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.core.selectors import home_part_register
from parkos.insights.models import YearReport
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


home_part_register("insights", unread_year_report)
