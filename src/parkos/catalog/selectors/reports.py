"""The operator's view of the catalog: service volume by category, turnaround against the SLA, overdue
orders, ratings by provider and each enterprise's satisfaction by month, over a date range.

Everything is grouped in the database (one aggregate query per figure) except the medians: SQLite has
no median aggregate, so the turnaround figure reads just four columns of the delivered orders in the
range (one query) and computes working days from a table of cumulative working days built once for the
range (``cum[d]`` = working days up to ``d``; a turnaround is ``cum[delivered] - cum[submitted]`` minus
the days the clock was paused), so each order costs two dictionary look-ups; the medians come from
sorting those numbers per category. No ORM call per order."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.catalog.models import Category, OrderStatus, Provider, ServiceOrder
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.core.workdays import is_workday, local_date
from parkos.enterprises.models import Enterprise

S = OrderStatus
OVERDUE_STATUSES = (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)
TREND_ENTERPRISES = 30


@dataclass
class CategoryRow:
    category: Category
    total: int = 0
    open: int = 0
    delivered: int = 0
    closed_without_delivery: int = 0
    overdue: int = 0
    turnaround_n: int = 0
    turnaround_median: float | None = None
    sla_median: float | None = None
    within_sla: int = 0

    @property
    def within_sla_share(self) -> float | None:
        return self.within_sla / self.turnaround_n if self.turnaround_n else None


@dataclass
class ProviderRow:
    provider: Provider
    ratings: int
    average: float
    orders: int


@dataclass
class TrendRow:
    enterprise: Enterprise
    ratings: int
    by_month: dict[dt.date, float]


@dataclass
class Report:
    date_from: dt.date
    date_to: dt.date
    today: dt.date
    categories: list[CategoryRow] = field(default_factory=list)
    providers: list[ProviderRow] = field(default_factory=list)
    months: list[dt.date] = field(default_factory=list)
    trend: list[TrendRow] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    turnaround_median: float | None = None
    park: Park | None = None  # None: every park the operator sees

    def trend_cells(self) -> list[tuple[TrendRow, list[float | None]]]:
        return [(row, [row.by_month.get(m) for m in self.months]) for row in self.trend]


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=365), today


def _orders(date_from: dt.date, date_to: dt.date) -> QuerySet[ServiceOrder]:
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())
    return ServiceOrder.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def _cumulative_workdays(first: dt.date, last: dt.date) -> dict[dt.date, int]:
    cum: dict[dt.date, int] = {}
    count = 0
    day = first
    while day <= last:
        count += is_workday(day)
        cum[day] = count
        day += dt.timedelta(days=1)
    return cum


def turnarounds(rows: list[tuple[Any, dt.datetime, Any, int, int]]) -> dict[Any, list[tuple[int, int]]]:
    """(key, submitted_at, delivered_at, paused working days, SLA) rows -> key: [(working days, SLA)]."""
    if not rows:
        return {}
    dates = [(key, local_date(sub), local_date(dlv), paused, sla) for key, sub, dlv, paused, sla in rows]
    cum = _cumulative_workdays(min(d[1] for d in dates), max(max(d[2] for d in dates), max(d[1] for d in dates)))
    out: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    for key, sub, dlv, paused, sla in dates:
        days = max(0, cum[dlv] - cum[sub] - paused) if dlv > sub else 0
        out[key].append((days, sla))
    return out


def report_build(*, viewer: Any, date_from: dt.date | None = None, date_to: dt.date | None = None,
                 today: dt.date | None = None, park: Park | None = None) -> Report:
    """The operator's figures for orders submitted between ``date_from`` and ``date_to`` (inclusive), in
    the parks where the viewer is an operator (a portfolio operator: every park), or in ``park`` only
    (another park's figures are not found)."""
    policy.require(viewer, "catalog.reports")
    scope = policy.scope_filter(viewer, policy.OPERATOR) or {}
    if park is not None:
        if not policy.can(viewer, "catalog.reports", park):
            raise NotFound(_("No such park."))
        scope = {"park_id": park.pk}
    today = today or timezone.localdate()
    default_from, default_to = default_range(today)
    date_from, date_to = date_from or default_from, date_to or default_to
    report = Report(date_from=date_from, date_to=date_to, today=today, park=park)
    orders = _orders(date_from, date_to).filter(**scope).annotate(top=Coalesce(F("service__category__parent_id"),
                                                                F("service__category_id")))

    # Volume, open, delivered, overdue: one grouped query.
    volume = orders.values("top").annotate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=[S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED])),
        delivered=Count("id", filter=Q(delivered_at__isnull=False)),
        closed=Count("id", filter=Q(status__in=[S.CANCELLED, S.REJECTED])),
        overdue=Count("id", filter=Q(status__in=OVERDUE_STATUSES, due_on__lt=today)),
    )
    tops = {c.pk: c for c in Category.objects.filter(parent__isnull=True)}
    rows: dict[int, CategoryRow] = {pk: CategoryRow(category=c) for pk, c in tops.items()}
    for v in volume:
        row = rows.get(v["top"])
        if row is None:
            continue
        row.total, row.open, row.delivered = v["total"], v["open"], v["delivered"]
        row.closed_without_delivery, row.overdue = v["closed"], v["overdue"]

    # Turnaround against the SLA: one query of four columns, medians in Python (see the module docstring).
    delivered = list(orders.filter(delivered_at__isnull=False)
                     .values_list("top", "submitted_at", "delivered_at", "paused_workdays", "sla_days"))
    every: list[int] = []
    for key, values in turnarounds(delivered).items():
        row = rows.get(key)
        if row is None:
            continue
        days = [d for d, _sla in values]
        row.turnaround_n = len(values)
        row.turnaround_median = float(statistics.median(days))
        row.sla_median = float(statistics.median(s for _d, s in values))
        row.within_sla = sum(1 for d, s in values if d <= s)
        every.extend(days)
    report.categories = sorted(rows.values(), key=lambda r: (r.category.position, r.category.code))
    report.total = sum(r.total for r in report.categories)
    report.overdue = sum(r.overdue for r in report.categories)
    report.turnaround_median = float(statistics.median(every)) if every else None

    # Ratings by provider (the assigned provider, else the service's own).
    by_provider = list(
        orders.annotate(pid=Coalesce(F("provider_id"), F("service__provider_id"))).values("pid")
        .annotate(orders=Count("id"), ratings=Count("rating"), average=Avg("rating"))
    )
    providers = Provider.objects.in_bulk([p["pid"] for p in by_provider])
    report.providers = sorted(
        (ProviderRow(provider=providers[p["pid"]], ratings=p["ratings"], average=round(p["average"] or 0, 2),
                     orders=p["orders"]) for p in by_provider if p["pid"] in providers),
        key=lambda r: (-r.ratings, r.provider.name))

    # Satisfaction by month for the enterprises that rated most: monthly average of ratings, by close date.
    rated = orders.filter(rating__isnull=False, closed_at__isnull=False)
    top_ids = list(rated.values("enterprise_id").annotate(n=Count("id")).order_by("-n", "enterprise_id")
                   .values_list("enterprise_id", "n")[:TREND_ENTERPRISES])
    counts = dict(top_ids)
    monthly = (rated.filter(enterprise_id__in=counts).annotate(month=TruncMonth("closed_at"))
               .values("enterprise_id", "month").annotate(average=Avg("rating")).order_by())
    enterprises = Enterprise.objects.in_bulk(list(counts))
    by_enterprise: dict[int, dict[dt.date, float]] = defaultdict(dict)
    months: set[dt.date] = set()
    for m in monthly:
        month = m["month"].date() if isinstance(m["month"], dt.datetime) else m["month"]
        months.add(month)
        by_enterprise[m["enterprise_id"]][month] = round(m["average"], 2)
    report.months = sorted(months)
    report.trend = [TrendRow(enterprise=enterprises[pk], ratings=counts[pk], by_month=by_enterprise[pk])
                    for pk, _n in top_ids if pk in enterprises]
    return report
