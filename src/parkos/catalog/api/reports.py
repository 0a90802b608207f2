"""The operator report as JSON (the page offers CSV and XLSX)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router

from parkos.catalog.schemas_policy import ReportOut
from parkos.catalog.selectors import reports as selectors
from parkos.core.parks import park_param

router = Router(tags=["catalog"])


@router.get("/service-reports", response=ReportOut)
def report(request: HttpRequest, date_from: date | None = None, date_to: date | None = None,
           park: str | None = None) -> Any:
    """``park`` (code or id): one park's figures; without it, every park the operator sees."""
    data = selectors.report_build(viewer=request.user, date_from=date_from, date_to=date_to,
                                  park=park_param(park))
    return {
        "date_from": data.date_from, "date_to": data.date_to, "total": data.total, "overdue": data.overdue,
        "turnaround_median": data.turnaround_median,
        "categories": [{"category": r.category.code, "name": r.category.name_zh, "total": r.total, "open": r.open,
                        "delivered": r.delivered, "overdue": r.overdue, "turnaround_n": r.turnaround_n,
                        "turnaround_median": r.turnaround_median, "sla_median": r.sla_median,
                        "within_sla": r.within_sla} for r in data.categories],
        "providers": [{"provider_id": p.provider.pk, "provider": p.provider.name, "orders": p.orders,
                       "ratings": p.ratings, "average": p.average if p.ratings else None} for p in data.providers],
        "trend": [{"enterprise_id": t.enterprise.pk, "enterprise": t.enterprise.name, "ratings": t.ratings,
                   "by_month": {m.strftime("%Y-%m"): v for m, v in t.by_month.items()}} for t in data.trend],
    }
