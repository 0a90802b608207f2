"""Who meets an issuing rule in a period, read from the other domains' data: late presence (access),
check-ins at events (events), completed deals (scenes) and first service orders (catalog).

Every kind is set-based: one or two grouped queries over the park and the period, never a query per
member, so the overtime rule over a week of a 25,000-member park takes well under a second of SQL. Each
returns member ids in the order a budget serves them (the overtime rule: most late days first), active
accounts only. Reads go through the other domain's read function where one exists
(``access.selectors.presence.presence_late_members``); the rest are read-only queries on their tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from parkos.rewards.models import IssuingRule, RuleKind

DEFAULT_MIN_DAYS = 3


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in Beijing time (settings.TIME_ZONE)."""
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return lo, hi


def working_days(park: Any, start: dt.date, end: dt.date) -> list[dt.date]:
    """The park's working days in start..end (its own holiday calendar, adjusted weekends included)."""
    from parkos.core.workdays import park_calendar

    calendar = park_calendar(park)
    days, day = [], start
    while day <= end:
        if calendar.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _inactive() -> set[int]:
    from parkos.accounts.models import User

    return set(User.objects.filter(is_active=False).values_list("pk", flat=True))


def _ordered(ids: Iterable[int]) -> list[int]:
    """Unique ids in their first order, without closed accounts (few: one small query)."""
    inactive = _inactive()
    seen: set[int] = set()
    out: list[int] = []
    for uid in ids:
        if uid is not None and uid not in seen and uid not in inactive:
            seen.add(uid)
            out.append(uid)
    return out


def overtime(rule: IssuingRule, start: dt.date, end: dt.date) -> list[int]:
    """In the park after its late hour (``AccessSettings.late_after``: access marks such a day ``late``)
    on at least ``min_days`` of the period's working days; most late days first."""
    min_days = int((rule.params or {}).get("min_days") or DEFAULT_MIN_DAYS)
    from parkos.access.selectors.presence import presence_late_members

    rows = presence_late_members(park_id=rule.park_id, days=working_days(rule.park, start, end), min_days=min_days)
    return _ordered(uid for uid, _n in rows)


def event_attended(rule: IssuingRule, start: dt.date, end: dt.date) -> list[int]:
    """Checked in at an event of the park during the period (``event_ids``: only those events)."""
    from parkos.events.models import CheckIn

    lo, hi = day_bounds(start, end)
    rows = CheckIn.objects.filter(event__park_id=rule.park_id, checked_in_at__gte=lo, checked_in_at__lt=hi)
    event_ids = [int(e) for e in (rule.params or {}).get("event_ids") or []]
    if event_ids:
        rows = rows.filter(event_id__in=event_ids)
    return _ordered(rows.order_by("registration__user_id").values_list("registration__user_id", flat=True).distinct())


def deal_completed(rule: IssuingRule, start: dt.date, end: dt.date) -> list[int]:
    """Either party (publisher or provider) of a deal of the park completed during the period."""
    from parkos.scenes.models import Deal

    lo, hi = day_bounds(start, end)
    rows = Deal.objects.filter(park_id=rule.park_id, status=Deal.Status.COMPLETED, closed_at__gte=lo, closed_at__lt=hi)
    ids = set(rows.values_list("publisher_id", flat=True)) | set(rows.values_list("provider_id", flat=True))
    return _ordered(sorted(ids))


def first_order(rule: IssuingRule, start: dt.date, end: dt.date) -> list[int]:
    """A new member: placed a service order in the park during the period (not cancelled or rejected)
    and had never placed one before, in any park."""
    from parkos.catalog.models import ServiceOrder
    from parkos.catalog.models.orders import OrderStatus

    lo, hi = day_bounds(start, end)
    earlier = ServiceOrder.objects.filter(submitted_at__lt=lo).values("requested_by_id")
    rows = (ServiceOrder.objects.filter(park_id=rule.park_id, submitted_at__gte=lo, submitted_at__lt=hi)
            .exclude(status__in=(OrderStatus.CANCELLED, OrderStatus.REJECTED))
            .exclude(requested_by_id__in=earlier))
    return _ordered(rows.order_by("requested_by_id").values_list("requested_by_id", flat=True).distinct())


KINDS = {
    RuleKind.OVERTIME: overtime,
    RuleKind.EVENT_ATTENDED: event_attended,
    RuleKind.DEAL_COMPLETED: deal_completed,
    RuleKind.FIRST_ORDER: first_order,
}


def eligible_members(rule: IssuingRule, start: dt.date, end: dt.date) -> list[int]:
    """The members who meet ``rule`` in start..end (inclusive local days), in the order they are served."""
    return KINDS[RuleKind(rule.kind)](rule, start, end)
