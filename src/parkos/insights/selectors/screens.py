"""Reads for the lobby's big screen (数据大屏) and its display links: a few live counts of today (people inside
now, today's public events, open orders), each one indexed query, next to the dashboards' daily rollups; and
the display links of a park. A display shows park-level aggregates only, never a person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.insights.models import DailyFigure, RollupRun, Screen
from parkos.insights.selectors.dashboards import ACTION, dashboard_require
from parkos.insights.services import rollups as m
from parkos.insights.services.rollups import month_start


@dataclass
class ScreenEvent:
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    registered: int
    checked_in: int


@dataclass
class ScreenFigures:
    """What the lobby's big screen shows: park-level aggregates only, never a person."""

    park: Park
    now: dt.datetime
    inside: int
    orders_open: int
    orders_overdue: int
    events: list[ScreenEvent]
    events_today: int
    registered_today: int
    yesterday: dict[str, int]
    month: dict[str, int]
    trend_days: list[dt.date]
    trend: list[int]
    ran_at: dt.datetime | None

    def as_json(self) -> dict[str, Any]:
        def hm(moment: dt.datetime) -> str:
            return timezone.localtime(moment).strftime("%H:%M")

        return {
            "park": self.park.display_name(), "now": self.now.isoformat(), "time": hm(self.now),
            "figures": {"inside": self.inside, "orders_open": self.orders_open, "orders_overdue": self.orders_overdue,
                        "events_today": self.events_today, "registered_today": self.registered_today,
                        **{f"yesterday_{k}": v for k, v in self.yesterday.items()},
                        **{f"month_{k}": v for k, v in self.month.items()}},
            "events": [{"title": e.title, "time": f"{hm(e.starts_at)}–{hm(e.ends_at)}", "place": e.place,
                        "registered": e.registered, "checked_in": e.checked_in} for e in self.events],
            "trend": {"x": [d.strftime("%m-%d") for d in self.trend_days], "data": self.trend},
            "rollups_at": timezone.localtime(self.ran_at).strftime("%Y-%m-%d %H:%M") if self.ran_at else "",
        }


SCREEN_EVENTS = 6
TREND_DAYS = 14


def screen_figures(*, park: Park, now: dt.datetime | None = None) -> ScreenFigures:
    """The big screen's figures of ``park``: live counts of today (people inside now, today's public events,
    open orders) and a few rollup figures (yesterday, this month, the last two weeks' active members). The
    caller has checked who may see them (an operator of the park, or one of its display links). Six queries."""
    from parkos.access.models import DailyPresence
    from parkos.catalog.models import OPEN_STATUSES, ServiceOrder
    from parkos.catalog.services.sla import RUNNING
    from parkos.events.models import Audience, Event, Registration

    now = now or timezone.now()
    today = timezone.localdate(now)
    # Inside now: today's presence whose last passage is an entry (access marks it by an empty last_out);
    # members who withdrew their consent to presence analytics are left out of park figures.
    inside = (DailyPresence.objects.filter(park_id=park.pk, day=today, first_in__isnull=False, last_out__isnull=True)
              .exclude(user_id__in=m._withdrawn()).count())
    orders = ServiceOrder.objects.filter(park_id=park.pk, status__in=OPEN_STATUSES).order_by().aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(status__in=RUNNING, due_on__lt=today)))
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    # Only events open to everyone or to the park's staff: a private group's or an invited event's title
    # does not belong on a lobby display.
    events = list(Event.objects.filter(park_id=park.pk, status=Event.Status.PUBLISHED, starts_at__gte=start,
                                       starts_at__lt=start + dt.timedelta(days=1),
                                       audience__in=(Audience.EVERYONE, Audience.TENANTS))
                  .select_related("building").order_by("starts_at", "pk")
                  .annotate(registered=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED),
                                             distinct=True),
                            checked_in=Count("checkins", distinct=True)))
    first = min(today - dt.timedelta(days=TREND_DAYS), month_start(today))
    rollups: dict[tuple[str, dt.date], int] = {
        (metric, day): value for metric, day, value in DailyFigure.objects.filter(
            park_id=park.pk, key="", day__gte=first, day__lte=today,
            metric__in=(m.ACTIVE_DAY, m.ACTIVE_MONTH, m.PRESENCE_PEOPLE, m.ORDERS_SUBMITTED, m.ORDERS_DELIVERED,
                        m.EVENTS_ATTENDED, m.SCENES_DEALS, m.POSTS)).values_list("metric", "day", "value")}
    yesterday = today - dt.timedelta(days=1)

    def month_sum(metric: str) -> int:
        return sum(v for (mm, d), v in rollups.items() if mm == metric and d >= month_start(today))

    trend_days = [today - dt.timedelta(days=n) for n in range(TREND_DAYS, 0, -1)]
    ran_at = RollupRun.objects.filter(park_id=park.pk).values_list("ran_at", flat=True).first()
    return ScreenFigures(
        park=park, now=now, inside=inside, orders_open=orders["open"] or 0, orders_overdue=orders["overdue"] or 0,
        events=[ScreenEvent(title=e.title, starts_at=e.starts_at, ends_at=e.ends_at, place=e.location,
                            registered=e.registered, checked_in=e.checked_in)  # type: ignore[attr-defined]
                for e in events[:SCREEN_EVENTS]],
        events_today=len(events), registered_today=sum(e.registered for e in events),  # type: ignore[attr-defined]
        yesterday={"active": rollups.get((m.ACTIVE_DAY, yesterday), 0),
                   "present": rollups.get((m.PRESENCE_PEOPLE, yesterday), 0),
                   "orders": rollups.get((m.ORDERS_SUBMITTED, yesterday), 0),
                   "posts": rollups.get((m.POSTS, yesterday), 0)},
        month={"active": rollups.get((m.ACTIVE_MONTH, month_start(today)), 0),
               "delivered": month_sum(m.ORDERS_DELIVERED), "attended": month_sum(m.EVENTS_ATTENDED),
               "deals": month_sum(m.SCENES_DEALS)},
        trend_days=trend_days, trend=[rollups.get((m.ACTIVE_DAY, d), 0) for d in trend_days], ran_at=ran_at)


def screen_park(*, viewer: Any, park: Park) -> Park:
    """The park of an operator's big screen (the same permission as its dashboard)."""
    dashboard_require(viewer, park)
    return park


# --- lobby display links ---------------------------------------------------------------------------------

def screen_list(*, viewer: Any, park: Park) -> list[Screen]:
    """The display links of ``park`` (its operators), newest first, revoked ones too (greyed on the page)."""
    dashboard_require(viewer, park)
    return list(Screen.objects.filter(park=park).select_related("created_by").order_by("-created_at", "-id"))


def screen_get(*, viewer: Any, screen_id: int) -> Screen:
    screen = Screen.objects.select_related("park").filter(pk=screen_id).first()
    if screen is None or not policy.can(viewer, ACTION, screen.park):
        raise NotFound(_("No such display link."))
    return screen


def screen_by_token(*, token: str) -> Screen:
    """The display a link names; a revoked or unknown link is not found (the same answer for both)."""
    from parkos.insights.services.screens import screen_token_hash

    screen = (Screen.objects.select_related("park").filter(token_hash=screen_token_hash(token or ""),
                                                           revoked_at__isnull=True, park__is_active=True).first()
              if 20 <= len(token or "") <= 100 else None)
    if screen is None:
        raise NotFound(_("This display link does not work: it was revoked, or it never existed."))
    return screen
