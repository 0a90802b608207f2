"""The SLA clock of a service order: a due date in working days from submission, paused while the
order waits for the enterprise's material (the working days waited are given back), and the window in
which a delivered order may be reopened."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.core.workdays import add_workdays, workdays_between

S = OrderStatus
REOPEN_WINDOW_DAYS = 14
# The statuses in which the clock runs (RETURNED waits for the enterprise: the clock is paused).
RUNNING = (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)


def sla_due_on(start: date, sla_days: int, paused_workdays: int = 0) -> date:
    return add_workdays(start, sla_days + paused_workdays)


def sla_pause(order: ServiceOrder, now: datetime) -> None:
    order.paused_at = now


def sla_resume(order: ServiceOrder, now: datetime) -> None:
    """Give back the working days the order waited for the enterprise: the due date moves by them."""
    if order.paused_at is None:
        return
    paused = workdays_between(order.paused_at, now)
    order.paused_workdays += paused
    if order.due_on is not None and paused:
        order.due_on = add_workdays(order.due_on, paused)
    order.paused_at = None


def sla_restart(order: ServiceOrder, now: datetime) -> None:
    """A reopened order gets a fresh SLA period from today, and may be flagged overdue again."""
    order.due_on = sla_due_on(timezone.localdate(now), order.sla_days)
    order.overdue_notified_at = None


def is_overdue(order: ServiceOrder, *, today: date | None = None) -> bool:
    """Open, not waiting for the enterprise, and past its due date."""
    today = today or timezone.localdate()
    return order.status in RUNNING and order.due_on is not None and today > order.due_on


def reopen_until(order: ServiceOrder) -> date | None:
    """The last day a delivered order may be reopened (None before delivery)."""
    if order.delivered_at is None:
        return None
    return timezone.localdate(order.delivered_at) + timedelta(days=REOPEN_WINDOW_DAYS)


def within_reopen_window(order: ServiceOrder, today: date | None = None) -> bool:
    last = reopen_until(order)
    return last is not None and (today or timezone.localdate()) <= last
