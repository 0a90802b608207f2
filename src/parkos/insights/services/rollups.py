"""The dashboards' daily rollups: one number per park, day, metric and key, computed from the other domains'
tables in bulk and stored in ``DailyFigure``, so a dashboard page reads a few hundred small rows instead of
the park's raw tables.

``rollups_update`` computes a park's figures over a day range with one grouped SQL statement per source
(about twenty, whatever the number of members), then replaces that range's rows in one transaction (a
delete and a bulk insert, under the lock of the park's ``RollupRun`` row, so two runs of the same park
never interleave). Days are Beijing days (settings.TIME_ZONE). The scheduled job runs it every hour from
the day before the last run's ``through`` (late gate events, late ratings and replies are counted), and
the batch and ``parkos insights-rollup`` run it over any range.

What each metric means (``key`` empty unless said; a day with nothing has no row, read as 0):

Activity
- ``active.day``: distinct members active that day — daily presence in the park (members who withdrew
  consent to presence analytics left out), a post or comment (any status) in the park, a service order
  submitted, an event registration made or a check-in at one of the park's events;
- ``active.week`` / ``active.month``: the same distinct count over the ISO week, stored on its Monday /
  over the month, stored on its 1st (a member active on five days of a week counts once).

Time in the park (access.DailyPresence and the hourly occupancy; members who withdrew consent to presence
analytics are left out of all of them)
- ``presence.people``: members in the park that day; ``presence.seconds``: their time inside, summed;
  ``presence.late``: members still inside after the park's late hour;
- ``presence.building_seconds`` (key: the building's code, ``-`` for the areas outside buildings):
  person-seconds inside the building that day; innovation density is this / 3600 per 1,000 m² of the
  building's floor area;
- ``presence.hour_seconds`` (key: the hour of day, ``00``…``23``): person-seconds in the park during
  that hour (the heat map by weekday and hour).

Service orders (catalog.ServiceOrder of the park)
- ``orders.submitted`` (by day submitted);
- ``orders.delivered``, ``orders.within_sla``, ``orders.turnaround_days``, ``orders.sla_days`` (by day
  delivered): orders delivered, of which within their SLA, and the sums of their turnaround and of their
  SLA in working days — the catalog report's own definition (``catalog.selectors.reports.turnarounds``:
  working days from submission to delivery less the days the clock was paused for material);
- ``orders.rated``, ``orders.rating_sum`` (by day rated): satisfaction is rating_sum / rated.

Community (the park's posts, comments and suggestions)
- ``community.posts`` / ``community.comments``: visible posts written in the park / visible comments on
  them; ``community.posters`` (and ``_week`` on Mondays, ``_month`` on the 1st): distinct authors of those;
- ``community.suggestions``: suggestions submitted (not hidden); ``community.suggestions_due``:
  suggestions whose official reply was due that day (those that passed the support threshold);
  ``community.suggestions_on_time``: of those, first answered by their due day — the community's own
  rule (``suggestion_board_stats``: ``first_reply_at`` on or before ``reply_due``).

Events (the park's published events, by the day they start)
- ``events.held``, ``events.seats`` (their capacity), ``events.confirmed`` (seats taken: confirmed or
  checked in), ``events.attended`` (check-ins), ``events.no_shows`` (confirmed, the event over, no
  check-in); ``events.registrations``: registrations made that day (whatever became of them).

Scenes (of the park)
- ``scenes.published``, ``scenes.proposals`` (responses to the park's scenes), ``scenes.deals`` and
  ``scenes.deal_fen`` (their agreed value), each by the day it happened.

Rewards (the park's coupons)
- ``rewards.issued`` / ``rewards.issued_fen`` (by day issued; value at most the park pays);
  ``rewards.redeemed`` (coupons used that day); ``rewards.cost_fen`` (the discounts of that day's
  redemptions that stand);
- snapshots at the end of each day: ``rewards.budget_fen`` (the yuan budget of the park's coupon
  templates that existed, drafts left out) and ``rewards.committed_fen`` (the value those have issued
  so far): budget used is committed / budget on the period's last day.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Func, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core.errors import ErrorCode, Invalid
from parkos.core.models import Park
from parkos.insights.models import DailyFigure, RollupRun

# --- the metrics -------------------------------------------------------------------------------------------

ACTIVE_DAY, ACTIVE_WEEK, ACTIVE_MONTH = "active.day", "active.week", "active.month"
PRESENCE_PEOPLE, PRESENCE_SECONDS, PRESENCE_LATE = "presence.people", "presence.seconds", "presence.late"
BUILDING_SECONDS, HOUR_SECONDS = "presence.building_seconds", "presence.hour_seconds"
OUTSIDE = "-"  # the key of the areas outside buildings
ORDERS_SUBMITTED, ORDERS_DELIVERED, ORDERS_WITHIN_SLA = "orders.submitted", "orders.delivered", "orders.within_sla"
ORDERS_TURNAROUND, ORDERS_SLA, ORDERS_RATED, ORDERS_RATING_SUM = (
    "orders.turnaround_days", "orders.sla_days", "orders.rated", "orders.rating_sum")
POSTS, COMMENTS = "community.posts", "community.comments"
POSTERS, POSTERS_WEEK, POSTERS_MONTH = "community.posters", "community.posters_week", "community.posters_month"
SUGGESTIONS, SUGGESTIONS_DUE, SUGGESTIONS_ON_TIME = (
    "community.suggestions", "community.suggestions_due", "community.suggestions_on_time")
EVENTS_HELD, EVENTS_SEATS, EVENTS_REGISTRATIONS = "events.held", "events.seats", "events.registrations"
EVENTS_CONFIRMED, EVENTS_ATTENDED, EVENTS_NO_SHOWS = "events.confirmed", "events.attended", "events.no_shows"
SCENES_PUBLISHED, SCENES_PROPOSALS, SCENES_DEALS, SCENES_DEAL_FEN = (
    "scenes.published", "scenes.proposals", "scenes.deals", "scenes.deal_fen")
REWARDS_ISSUED, REWARDS_ISSUED_FEN, REWARDS_REDEEMED, REWARDS_COST_FEN = (
    "rewards.issued", "rewards.issued_fen", "rewards.redeemed", "rewards.cost_fen")
REWARDS_BUDGET_FEN, REWARDS_COMMITTED_FEN = "rewards.budget_fen", "rewards.committed_fen"

WEEK_METRICS = (ACTIVE_WEEK, POSTERS_WEEK)  # stored on the week's Monday
MONTH_METRICS = (ACTIVE_MONTH, POSTERS_MONTH)  # stored on the month's 1st
SNAPSHOT_METRICS = (REWARDS_BUDGET_FEN, REWARDS_COMMITTED_FEN)  # a state at the day's end, not a sum
DAY_METRICS = (
    ACTIVE_DAY, PRESENCE_PEOPLE, PRESENCE_SECONDS, PRESENCE_LATE, BUILDING_SECONDS, HOUR_SECONDS,
    ORDERS_SUBMITTED, ORDERS_DELIVERED, ORDERS_WITHIN_SLA, ORDERS_TURNAROUND, ORDERS_SLA, ORDERS_RATED,
    ORDERS_RATING_SUM, POSTS, COMMENTS, POSTERS, SUGGESTIONS, SUGGESTIONS_DUE, SUGGESTIONS_ON_TIME,
    EVENTS_HELD, EVENTS_SEATS, EVENTS_REGISTRATIONS, EVENTS_CONFIRMED, EVENTS_ATTENDED, EVENTS_NO_SHOWS,
    SCENES_PUBLISHED, SCENES_PROPOSALS, SCENES_DEALS, SCENES_DEAL_FEN, REWARDS_ISSUED, REWARDS_ISSUED_FEN,
    REWARDS_REDEEMED, REWARDS_COST_FEN, *SNAPSHOT_METRICS,
)
ALL_METRICS = (*DAY_METRICS, *WEEK_METRICS, *MONTH_METRICS)

Figures = dict[tuple[str, dt.date, str], int]


# --- days --------------------------------------------------------------------------------------------------

def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _as_date(value: Any) -> dt.date:
    """A day as the database returns it: a date (PostgreSQL, or converted by Django), or ISO text (SQLite's
    raw SQL)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


class _ShiftedDate(Func):
    """SQLite: ``date(moment, '+480 minutes')``, the local day of a moment Django stored as UTC text. Only
    used when the park's zone keeps one offset over the whole range (Beijing time has had no daylight
    saving since 1991); Django's TruncDate would call a Python function per row instead."""

    function = "date"
    output_field = DateField()


def _fixed_offset_minutes(start: dt.date, end: dt.date) -> int | None:
    tz = timezone.get_default_timezone()
    offsets = set()
    for day in _days(start - dt.timedelta(days=1), end + dt.timedelta(days=1)):
        for moment in (dt.time.min, dt.time.max):
            offset = dt.datetime.combine(day, moment, tzinfo=tz).utcoffset()
            offsets.add(int(offset.total_seconds() // 60) if offset is not None else 0)
    return offsets.pop() if len(offsets) == 1 else None


class _Range:
    """The range being rolled up: its days, its instants ([midnight of start, midnight after end)) and the
    expression that turns a stored moment into its local day on this database."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start, self.end = start, end
        self.t0, self.t1 = _midnight(start), _midnight(end + dt.timedelta(days=1))
        # Weeks and months are counted whole: the distinct counts need every day of each one touched.
        self.wide_start = min(week_start(start), month_start(start))
        self.wide_end = max(week_start(end) + dt.timedelta(days=6), month_end(end))
        self.wide_t0, self.wide_t1 = _midnight(self.wide_start), _midnight(self.wide_end + dt.timedelta(days=1))
        self.offset = _fixed_offset_minutes(self.wide_start, self.wide_end) if connection.vendor == "sqlite" else None

    def local_date(self, field: str) -> Any:
        if self.offset is not None:
            return _ShiftedDate(F(field), Value(f"{self.offset:+d} minutes"))
        return TruncDate(field, tzinfo=timezone.get_default_timezone())


# --- the sources -------------------------------------------------------------------------------------------

def _withdrawn() -> QuerySet[Any]:
    """Members who withdrew consent to presence analytics (access.AccessPreference): left out of presence."""
    from parkos.access.models import AccessPreference

    return AccessPreference.objects.filter(presence_analytics=False).values("user_id")


def _grouped(figures: Figures, rows: Iterable[dict[str, Any]], names: dict[str, str], key: str = "") -> None:
    """Rows of a grouped query (``d`` and the aggregates named in ``names``: column -> metric) into figures."""
    for row in rows:
        day = _as_date(row["d"])
        for column, metric in names.items():
            value = int(row[column] or 0)
            if value:
                figures[(metric, day, row.get("key", key))] = value


def _presence(park: Park, r: _Range, figures: Figures) -> None:
    from parkos.access.models import DailyPresence, OccupancyHour
    from parkos.access.services.presence import rollup_if_marked
    from parkos.enterprises.selectors import building_list

    # The hourly occupancy is access's derived table: bring the range's days up to date first (a day is
    # rebuilt only if a member's presence on it changed since access's own rollup).
    for day in _days(r.start, min(r.end, timezone.localdate())):
        rollup_if_marked(park_id=park.pk, day=day)
    withdrawn = _withdrawn()
    rows = (DailyPresence.objects.filter(park_id=park.pk, day__gte=r.start, day__lte=r.end)
            .exclude(user_id__in=withdrawn).values(d=F("day")).order_by()
            .annotate(people=Count("id"), seconds=Sum("seconds_inside"), late=Count("id", filter=Q(late=True))))
    _grouped(figures, rows, {"people": PRESENCE_PEOPLE, "seconds": PRESENCE_SECONDS, "late": PRESENCE_LATE})

    codes = {b.pk: b.code for b in building_list(park=park)}
    hours = OccupancyHour.objects.filter(park_id=park.pk, hour__gte=r.t0, hour__lt=r.t1)
    per_building: dict[tuple[dt.date, str], int] = defaultdict(int)
    for row in hours.values("building_id", d=r.local_date("hour")).order_by().annotate(s=Sum("person_seconds")):
        per_building[(_as_date(row["d"]), codes.get(row["building_id"], OUTSIDE) if row["building_id"] else OUTSIDE)] \
            += int(row["s"] or 0)
    per_hour: dict[tuple[dt.date, str], int] = defaultdict(int)
    for hour, seconds in hours.values("hour").order_by().annotate(s=Sum("person_seconds")).values_list("hour", "s"):
        local = timezone.localtime(hour, timezone.get_default_timezone())
        per_hour[(local.date(), f"{local.hour:02d}")] += int(seconds or 0)

    # The occupancy counts everybody who passed a gate; take out the members who withdrew their consent
    # (a few: their own intervals, split by building and hour as access's rollup splits them).
    for day, intervals in (DailyPresence.objects.filter(park_id=park.pk, day__gte=r.start, day__lte=r.end,
                                                        user_id__in=withdrawn).values_list("day", "intervals")):
        t0 = int(_midnight(day).timestamp())
        t1 = int(_midnight(day + dt.timedelta(days=1)).timestamp())
        for interval in intervals or []:
            s, e, building = max(int(interval[0]), t0), min(int(interval[1]), t1), interval[2]
            code = codes.get(building, OUTSIDE) if building else OUTSIDE
            per_building[(day, code)] -= max(0, e - s)
            while s < e:
                index = (s - t0) // 3600
                hour_end = min(e, t0 + (index + 1) * 3600)
                local = timezone.localtime(dt.datetime.fromtimestamp(s, tz=dt.UTC), timezone.get_default_timezone())
                per_hour[(local.date(), f"{local.hour:02d}")] -= hour_end - s
                s = hour_end
    for (day, code), value in per_building.items():
        if value > 0:
            figures[(BUILDING_SECONDS, day, code)] = value
    for (day, hour_key), value in per_hour.items():
        if value > 0 and r.start <= day <= r.end:
            figures[(HOUR_SECONDS, day, hour_key)] = value


def _orders(park: Park, r: _Range, figures: Figures) -> None:
    from parkos.catalog.models import ServiceOrder
    from parkos.catalog.selectors.reports import turnarounds

    orders = ServiceOrder.objects.filter(park_id=park.pk).order_by()
    _grouped(figures, orders.filter(submitted_at__gte=r.t0, submitted_at__lt=r.t1)
             .values(d=r.local_date("submitted_at")).annotate(n=Count("id")), {"n": ORDERS_SUBMITTED})
    # Turnaround in working days needs the park's holiday calendar, which lives in Python: one query of
    # the delivered orders' four columns, then the catalog report's own arithmetic (two look-ups an order).
    delivered = [(timezone.localdate(dlv, timezone.get_default_timezone()), sub, dlv, paused, sla)
                 for sub, dlv, paused, sla in orders.filter(delivered_at__gte=r.t0, delivered_at__lt=r.t1)
                 .values_list("submitted_at", "delivered_at", "paused_workdays", "sla_days")]
    for day, values in turnarounds(delivered).items():
        figures[(ORDERS_DELIVERED, day, "")] = len(values)
        for metric, value in ((ORDERS_WITHIN_SLA, sum(1 for d, s in values if d <= s)),
                              (ORDERS_TURNAROUND, sum(d for d, _s in values)),
                              (ORDERS_SLA, sum(s for _d, s in values))):
            if value:
                figures[(metric, day, "")] = value
    _grouped(figures, orders.filter(rating__isnull=False, closed_at__gte=r.t0, closed_at__lt=r.t1)
             .values(d=r.local_date("closed_at")).annotate(n=Count("id"), s=Sum("rating")),
             {"n": ORDERS_RATED, "s": ORDERS_RATING_SUM})


def _community(park: Park, r: _Range, figures: Figures) -> None:
    from parkos.community.models import Comment, ContentStatus, Post, Suggestion

    visible = ContentStatus.VISIBLE
    _grouped(figures, Post.objects.filter(park_id=park.pk, status=visible, created_at__gte=r.t0, created_at__lt=r.t1)
             .values(d=r.local_date("created_at")).order_by().annotate(n=Count("id")), {"n": POSTS})
    _grouped(figures, Comment.objects.filter(post__park_id=park.pk, status=visible, created_at__gte=r.t0,
                                             created_at__lt=r.t1)
             .values(d=r.local_date("created_at")).order_by().annotate(n=Count("id")), {"n": COMMENTS})
    suggestions = Suggestion.objects.filter(park_id=park.pk, is_hidden=False).order_by()
    _grouped(figures, suggestions.filter(created_at__gte=r.t0, created_at__lt=r.t1)
             .values(d=r.local_date("created_at")).annotate(n=Count("id")), {"n": SUGGESTIONS})
    # "Answered on time" as the community's board states it: the first official reply on or before the day
    # it was due (community.selectors.suggestions.suggestion_board_stats).
    _grouped(figures, suggestions.filter(reply_due__gte=r.start, reply_due__lte=r.end).values(d=F("reply_due"))
             .annotate(due=Count("id"), on_time=Count("id", filter=Q(first_reply_at__isnull=False,
                                                                      first_reply_at__date__lte=F("reply_due")))),
             {"due": SUGGESTIONS_DUE, "on_time": SUGGESTIONS_ON_TIME})


def _events(park: Park, r: _Range, figures: Figures) -> None:
    from parkos.events.models import Event, Registration

    published = Event.Status.PUBLISHED
    _grouped(figures, Event.objects.filter(park_id=park.pk, status=published, starts_at__gte=r.t0, starts_at__lt=r.t1)
             .values(d=r.local_date("starts_at")).order_by().annotate(n=Count("id"), seats=Sum("capacity")),
             {"n": EVENTS_HELD, "seats": EVENTS_SEATS})
    confirmed = Registration.Status.CONFIRMED
    _grouped(figures, Registration.objects.filter(park_id=park.pk, event__status=published,
                                                  event__starts_at__gte=r.t0, event__starts_at__lt=r.t1)
             .values(d=r.local_date("event__starts_at")).order_by()
             .annotate(confirmed=Count("id", filter=Q(status=confirmed) | Q(checkin__isnull=False)),
                       attended=Count("checkin"),
                       no_shows=Count("id", filter=Q(status=confirmed, checkin__isnull=True,
                                                     event__ends_at__lte=timezone.now()))),
             {"confirmed": EVENTS_CONFIRMED, "attended": EVENTS_ATTENDED, "no_shows": EVENTS_NO_SHOWS})
    _grouped(figures, Registration.objects.filter(park_id=park.pk, created_at__gte=r.t0, created_at__lt=r.t1)
             .values(d=r.local_date("created_at")).order_by().annotate(n=Count("id")), {"n": EVENTS_REGISTRATIONS})


def _scenes(park: Park, r: _Range, figures: Figures) -> None:
    from parkos.scenes.models import Deal, Response, Scene

    _grouped(figures, Scene.objects.filter(park_id=park.pk, published_at__gte=r.t0, published_at__lt=r.t1)
             .values(d=r.local_date("published_at")).order_by().annotate(n=Count("id")), {"n": SCENES_PUBLISHED})
    _grouped(figures, Response.objects.filter(scene__park_id=park.pk, created_at__gte=r.t0, created_at__lt=r.t1)
             .values(d=r.local_date("created_at")).order_by().annotate(n=Count("id")), {"n": SCENES_PROPOSALS})
    _grouped(figures, Deal.objects.filter(park_id=park.pk, created_at__gte=r.t0, created_at__lt=r.t1)
             .values(d=r.local_date("created_at")).order_by().annotate(n=Count("id"), fen=Sum("amount_fen")),
             {"n": SCENES_DEALS, "fen": SCENES_DEAL_FEN})


def _rewards(park: Park, r: _Range, figures: Figures) -> None:
    from parkos.rewards.models import Coupon, CouponTemplate, RedeemedCoupon, Redemption

    coupons = Coupon.objects.filter(park_id=park.pk).order_by()
    rows = list(coupons.filter(issued_at__gte=r.t0, issued_at__lt=r.t1).values(d=r.local_date("issued_at"))
                .annotate(n=Count("id"), fen=Sum("value_fen")))
    _grouped(figures, rows, {"n": REWARDS_ISSUED, "fen": REWARDS_ISSUED_FEN})
    issued = {_as_date(row["d"]): int(row["fen"] or 0) for row in rows}
    _grouped(figures, coupons.filter(status=Coupon.Status.USED, used_at__gte=r.t0, used_at__lt=r.t1)
             .values(d=r.local_date("used_at")).annotate(n=Count("id")), {"n": REWARDS_REDEEMED})
    _grouped(figures, RedeemedCoupon.objects.filter(active=True, redemption__park_id=park.pk,
                                                    redemption__status=Redemption.Status.DONE,
                                                    redemption__created_at__gte=r.t0, redemption__created_at__lt=r.t1)
             .values(d=r.local_date("redemption__created_at")).order_by().annotate(fen=Sum("discount_fen")),
             {"fen": REWARDS_COST_FEN})
    # Snapshots: the budget of the templates that existed at each day's end, and the value issued so far.
    templates = [(timezone.localdate(created, timezone.get_default_timezone()), int(budget)) for created, budget in
                 CouponTemplate.objects.filter(park_id=park.pk).exclude(status=CouponTemplate.Status.DRAFT)
                 .values_list("created_at", "budget_fen")]
    committed = int(coupons.filter(issued_at__lt=r.t0).aggregate(s=Sum("value_fen"))["s"] or 0)
    for day in _days(r.start, r.end):
        committed += issued.get(day, 0)
        budget = sum(b for created, b in templates if created <= day)
        if budget:
            figures[(REWARDS_BUDGET_FEN, day, "")] = budget
        if committed:
            figures[(REWARDS_COMMITTED_FEN, day, "")] = committed


# --- distinct members: active, posters ---------------------------------------------------------------------

def _arms(park: Park, r: _Range, t0: dt.datetime, t1: dt.datetime, d0: dt.date, d1: dt.date,
          *, posters_only: bool) -> list[QuerySet[Any]]:
    """(member, day) pairs of the range, one query per source, each selecting ``u`` and ``d``."""
    from parkos.access.models import DailyPresence
    from parkos.catalog.models import ServiceOrder
    from parkos.community.models import Comment, ContentStatus, Post
    from parkos.events.models import CheckIn, Registration

    def pairs(qs: QuerySet[Any], user: str, moment: str) -> QuerySet[Any]:
        return (qs.filter(**{f"{moment}__gte": t0, f"{moment}__lt": t1})
                .annotate(u=F(user), d=r.local_date(moment)).values_list("u", "d").order_by())

    posts = Post.objects.filter(park_id=park.pk)
    comments = Comment.objects.filter(post__park_id=park.pk)
    if posters_only:
        visible = ContentStatus.VISIBLE
        return [pairs(posts.filter(status=visible), "author_id", "created_at"),
                pairs(comments.filter(status=visible), "author_id", "created_at")]
    presence = (DailyPresence.objects.filter(park_id=park.pk, day__gte=d0, day__lte=d1).exclude(user_id__in=_withdrawn())
                .annotate(u=F("user_id"), d=F("day")).values_list("u", "d").order_by())
    return [presence, pairs(posts, "author_id", "created_at"), pairs(comments, "author_id", "created_at"),
            pairs(ServiceOrder.objects.filter(park_id=park.pk), "requested_by_id", "submitted_at"),
            pairs(Registration.objects.filter(park_id=park.pk), "user_id", "created_at"),
            pairs(CheckIn.objects.filter(event__park_id=park.pk), "registration__user_id", "checked_in_at")]


def _grain(column: str, grain: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('{grain}', {column}) AS date)"
    if grain == "week":  # SQLite: back to Monday (%w: 0 is Sunday)
        return f"date({column}, '-' || ((CAST(strftime('%%w', {column}) AS INTEGER) + 6) %% 7) || ' days')"
    return f"strftime('%%Y-%%m-01', {column})"


def _distinct(park: Park, r: _Range, figures: Figures, metrics: tuple[str, str, str], *, posters_only: bool) -> None:
    """Distinct members per day over the range, and per week and month over the weeks and months it
    touches: the sources' (member, day) pairs, counted distinct per group in the database."""
    # One statement: the pairs of the weeks and months the range touches are a common table expression that
    # the three groupings read (both databases materialise a CTE read more than once), so the pairs — millions
    # of presence rows over a year at seed scale — are read once, not three times. UNION ALL and a distinct
    # count per group, rather than UNION: deduplicating every pair first took twice as long (seed scale).
    parts = [qs.query.sql_with_params() for qs in
             _arms(park, r, r.wide_t0, r.wide_t1, r.wide_start, r.wide_end, posters_only=posters_only)]
    union = " UNION ALL ".join(sql for sql, _params in parts)
    params = [p for _sql, ps in parts for p in ps]
    sql = (f"WITH pairs (u, d) AS ({union}) "
           f"SELECT 'day', d, COUNT(DISTINCT u) FROM pairs WHERE d >= %s AND d <= %s GROUP BY d "
           f"UNION ALL SELECT 'week', {_grain('d', 'week')}, COUNT(DISTINCT u) FROM pairs GROUP BY 2 "
           f"UNION ALL SELECT 'month', {_grain('d', 'month')}, COUNT(DISTINCT u) FROM pairs GROUP BY 2")
    start, end = connection.ops.adapt_datefield_value(r.start), connection.ops.adapt_datefield_value(r.end)
    metric = dict(zip(("day", "week", "month"), metrics, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, start, end])
        for grain, day, n in cursor.fetchall():
            if n:
                figures[(metric[grain], _as_date(day), "")] = int(n)


# --- the update --------------------------------------------------------------------------------------------

def rollups_first_day(park: Park) -> dt.date | None:
    """The park's first day with any data the rollups read (None: nothing yet)."""
    from django.db.models import Min

    from parkos.access.models import DailyPresence
    from parkos.catalog.models import ServiceOrder
    from parkos.community.models import Post
    from parkos.events.models import Event, Registration
    from parkos.rewards.models import Coupon
    from parkos.scenes.models import Deal, Scene

    firsts: list[dt.date] = []
    day = DailyPresence.objects.filter(park_id=park.pk).aggregate(m=Min("day"))["m"]
    if day is not None:
        firsts.append(day)
    tz = timezone.get_default_timezone()
    for model, field in ((ServiceOrder, "submitted_at"), (Post, "created_at"), (Event, "starts_at"),
                         (Registration, "created_at"), (Scene, "published_at"), (Deal, "created_at"),
                         (Coupon, "issued_at")):
        moment = model.objects.filter(park_id=park.pk).aggregate(m=Min(field))["m"]  # type: ignore[attr-defined]
        if moment is not None:
            firsts.append(timezone.localdate(moment, tz))
    return min(firsts) if firsts else None


def rollups_range(*, park: Park, start: dt.date | None = None, end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The range a run covers: from ``start`` (default: the day before the last run's ``through``, or the
    park's first data) to ``end`` (default today), both included."""
    today = timezone.localdate()
    end = end or today
    if start is None:
        through = RollupRun.objects.filter(park=park).values_list("through", flat=True).first()
        start = (through - dt.timedelta(days=1)) if through else (rollups_first_day(park) or end)
        start = min(start, end)
    if end < start:
        message = _("The end of the period is before its start.")
        raise Invalid(message, code=ErrorCode.ENDS_BEFORE_START, details={"end": [message]})
    return start, end


def rollups_compute(*, park: Park, start: dt.date, end: dt.date) -> Figures:
    """Every metric of the park over ``start``..``end`` (both included), not stored: (metric, day, key) -> value,
    zeros left out. Week and month metrics cover the weeks and months the range touches."""
    r = _Range(start, end)
    figures: Figures = {}
    _presence(park, r, figures)
    _orders(park, r, figures)
    _community(park, r, figures)
    _events(park, r, figures)
    _scenes(park, r, figures)
    _rewards(park, r, figures)
    _distinct(park, r, figures, (ACTIVE_DAY, ACTIVE_WEEK, ACTIVE_MONTH), posters_only=False)
    _distinct(park, r, figures, (POSTERS, POSTERS_WEEK, POSTERS_MONTH), posters_only=True)
    return figures


def rollups_update(*, park: Park, start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Recompute the park's daily figures over ``start``..``end`` (see ``rollups_range`` for the defaults) and
    replace that range's rows (and the weeks' and months' it touches) in one transaction. Returns the number
    of rows written.

    Locking: the park's RollupRun row is locked while its rows are replaced, so two runs of one park (the
    scheduler on two nodes, the command by hand) write one after the other; each computed from committed
    data, the later one wins and both are right."""
    started = time.perf_counter()
    start, end = rollups_range(park=park, start=start, end=end)
    figures = rollups_compute(park=park, start=start, end=end)
    rows = [DailyFigure(park_id=park.pk, metric=metric, day=day, key=key, value=value)
            for (metric, day, key), value in sorted(figures.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))]
    with transaction.atomic():
        run = RollupRun.objects.select_for_update().filter(park=park).first()
        if run is None:
            run, _created = RollupRun.objects.get_or_create(park=park)
        DailyFigure.objects.filter(park_id=park.pk).filter(
            Q(metric__in=DAY_METRICS, day__gte=start, day__lte=end)
            | Q(metric__in=WEEK_METRICS, day__gte=week_start(start), day__lte=week_start(end))
            | Q(metric__in=MONTH_METRICS, day__gte=month_start(start), day__lte=month_start(end))).delete()
        DailyFigure.objects.bulk_create(rows, batch_size=1000)
        run.through = max(run.through or end, end)
        run.ran_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["through", "ran_at", "seconds"])
    return len(rows)


def rollups_update_all(*, since: dt.date | None = None, parks: Iterable[Park] | None = None) -> dict[str, int]:
    """Every active park's rollups brought up to date (the scheduled job): park code -> rows written."""
    chosen = list(parks) if parks is not None else list(Park.objects.filter(is_active=True).order_by("position", "id"))
    return {park.code: rollups_update(park=park, start=since) for park in chosen}
