"""The operator report on a small known data set: volumes, medians of turnaround in working days (with
paused days left out), overdue counts, provider ratings, monthly satisfaction, date range, exports."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.selectors.reports import report_build, turnarounds
from parkos.catalog.tests.factories import (
    CategoryFactory,
    ProviderFactory,
    ServiceFactory,
    ServiceOrderFactory,
)
from parkos.core.errors import Forbidden
from parkos.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 30)


def at(day: str, hour: int = 10) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    return dt.datetime(d.year, d.month, d.day, hour, tzinfo=TZ)


@pytest.fixture
def data() -> dict[str, Any]:
    legal = CategoryFactory(code="legal", name_zh="法律服务", position=1)
    contract = CategoryFactory(code="legal-contract", name_zh="合同", parent=legal, position=2)
    ip = CategoryFactory(code="ip", name_zh="知识产权", position=3)
    law, agency, other = ProviderFactory(name="律所"), ProviderFactory(name="代理所"), ProviderFactory(name="另一家")
    review = ServiceFactory(category=contract, provider=law, sla_days=5)
    patent = ServiceFactory(category=ip, provider=agency, sla_days=10)
    a, b = EnterpriseFactory(name="甲公司"), EnterpriseFactory(name="乙公司")
    # Mon 2026-06-01 .. : 2026-06-19 is the Dragon Boat Festival (a holiday, core/data calendar).
    ServiceOrderFactory(enterprise=a, service=review, status="rated", rating=5, submitted_at=at("2026-06-01"),
                        delivered_at=at("2026-06-04"), closed_at=at("2026-06-05"))  # 3 working days
    ServiceOrderFactory(enterprise=a, service=review, status="rated", rating=3, submitted_at=at("2026-05-04"),
                        delivered_at=at("2026-05-15"), closed_at=at("2026-05-18"), paused_workdays=2)  # 9 - 2 = 7
    ServiceOrderFactory(enterprise=b, service=review, status="confirmed", submitted_at=at("2026-06-08"),
                        delivered_at=at("2026-06-12"), closed_at=at("2026-06-12"), provider=other)  # 4
    ServiceOrderFactory(enterprise=b, service=patent, status="rated", rating=4, submitted_at=at("2026-06-02"),
                        delivered_at=at("2026-06-09"), closed_at=at("2026-06-10"))  # 5
    ServiceOrderFactory(enterprise=b, service=patent, status="in_progress", submitted_at=at("2026-06-01"),
                        due_on=dt.date(2026, 6, 15))  # overdue on TODAY
    ServiceOrderFactory(enterprise=b, service=patent, status="returned", submitted_at=at("2026-06-01"),
                        due_on=dt.date(2026, 6, 15))  # waiting for material: not overdue
    ServiceOrderFactory(enterprise=a, service=patent, status="cancelled", submitted_at=at("2026-06-20"),
                        closed_at=at("2026-06-21"))
    ServiceOrderFactory(enterprise=a, service=review, status="rated", rating=1, submitted_at=at("2025-01-05"),
                        delivered_at=at("2025-01-10"), closed_at=at("2025-01-10"))  # outside the range
    return {"operator": UserFactory(roles=[Role.OPERATOR]), "legal": legal, "ip": ip, "a": a, "b": b, "law": law,
            "agency": agency, "other": other}


def test_figures_on_a_known_data_set(data: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as captured:
        report = report_build(viewer=data["operator"], date_from=dt.date(2026, 5, 1), date_to=TODAY, today=TODAY)
    assert len(captured) <= 10
    rows = {r.category.code: r for r in report.categories}
    legal, ip = rows["legal"], rows["ip"]  # sub-categories count under their top category
    assert (legal.total, legal.open, legal.delivered, legal.overdue) == (3, 0, 3, 0)
    assert (ip.total, ip.open, ip.delivered, ip.closed_without_delivery, ip.overdue) == (4, 2, 1, 1, 1)
    assert legal.turnaround_median == 4.0  # 3, 4, 7 working days
    assert (legal.sla_median, legal.within_sla, legal.turnaround_n) == (5.0, 2, 3)
    assert ip.turnaround_median == 5.0 and ip.within_sla == 1
    assert (report.total, report.overdue) == (7, 1)
    assert report.turnaround_median == 4.5
    providers = {p.provider.name: p for p in report.providers}
    assert (providers["律所"].ratings, providers["律所"].average) == (2, 4.0)
    assert (providers["另一家"].orders, providers["另一家"].ratings) == (1, 0)  # the assigned provider counts
    assert (providers["代理所"].orders, providers["代理所"].average) == (4, 4.0)
    trend = {t.enterprise.name: t.by_month for t in report.trend}
    assert trend["甲公司"] == {dt.date(2026, 5, 1): 3.0, dt.date(2026, 6, 1): 5.0}
    assert trend["乙公司"] == {dt.date(2026, 6, 1): 4.0}
    assert report.months == [dt.date(2026, 5, 1), dt.date(2026, 6, 1)]


def test_the_range_filters_by_submission_date(data: dict[str, Any]) -> None:
    report = report_build(viewer=data["operator"], date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31),
                          today=TODAY)
    assert report.total == 1
    assert {t.enterprise.name: t.by_month for t in report.trend} == {"甲公司": {dt.date(2025, 1, 1): 1.0}}


def test_turnaround_counts_working_days_across_holidays() -> None:
    # Thursday 2026-06-18 to Monday 2026-06-22 spans the Dragon Boat Festival (Friday 19th) and a weekend.
    out = turnarounds([("k", at("2026-06-18"), at("2026-06-22"), 0, 5)])
    from parkos.core.workdays import workdays_between

    assert out["k"] == [(workdays_between(at("2026-06-18"), at("2026-06-22")), 5)]


def test_only_operators_see_the_report(data: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        report_build(viewer=UserFactory(roles=[Role.BUTLER]))
    client = Client()
    client.force_login(UserFactory(roles=[Role.BUTLER]))
    assert client.get(reverse("catalog:report")).status_code == 403
    assert client.get("/api/v1/service-reports").status_code == 403


def test_page_and_exports(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(data["operator"])
    query = {"date_from": "2026-05-01", "date_to": "2026-06-30"}
    page = client.get(reverse("catalog:report"), query)
    assert page.status_code == 200 and page.context["report"].total == 7
    csv = client.get(reverse("catalog:report"), {**query, "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "律所" in text and "甲公司" in text
    xlsx = client.get(reverse("catalog:report"), {**query, "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.worksheets) == 3
    first = list(book.worksheets[0].iter_rows(values_only=True))
    assert first[1][:2] == ("法律服务", 3) or ("法律服务", 3) in [r[:2] for r in first]
    bad = client.get(reverse("catalog:report"), {"date_from": "2026-07-01", "date_to": "2026-06-01"})
    assert bad.status_code == 400
    api = client.get("/api/v1/service-reports", query).json()
    assert api["total"] == 7 and api["overdue"] >= 0
