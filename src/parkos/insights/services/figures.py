"""The year's figures of every member (and enterprise) of one park, read from the other domains' tables in
bulk: one grouped SQL statement per source over the whole park-year (about fifteen statements, whatever the
number of members), each returning one row per member. Nothing here loops over members with the ORM.

What each figure means (the benchmark's DuckDB baseline computes the same from the same tables):

- presence (access.DailyPresence of the park, days of the year): ``days`` (rows), ``hours`` (seconds
  inside / 3600), ``late_days`` (rows marked late: still inside after the park's late hour),
  ``early_days`` (first in between 05:00 and 08:00 Beijing time), ``earliest`` (the earliest time of
  day of a first entry and its day, the day starting at 04:00; rows with an inferred entry or exit left
  out), ``latest`` (the latest departure, the day ending at 05:00: a departure at 01:00 is later than one
  at 23:00),
  ``streak`` (the longest run of consecutive working days in the park, from core.workdays),
  ``busiest_month`` (the month with the most days; the earlier on a tie). Left out entirely for members
  who withdrew consent to presence analytics.
- events: check-ins at events of the park starting in the year; ``biggest`` is the attended event with the
  most check-ins (the later-created on a tie).
- community: visible posts written in the park in the year and the reactions they hold; visible comments
  on the park's posts; comments on somebody else's post (answers) and the number of distinct people
  answered (the connector dimension); public interest groups posted or commented in (the three most).
- services: orders the member submitted for their enterprise in the park, and distinct services.
- scenes: scenes published, proposals sent, deals as either party (created in the year).
- suggestions: suggestions submitted and supports given in the park.
- rewards: coupons redeemed (active lines of redemptions done in the park) and the discount they gave.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from parkos.core import workdays

# Times of day are compared on a shifted clock, so that the small hours belong to the night before: an
# arrival at 00:30 is not an "earliest arrival", a departure at 01:00 is later than one at 23:00.
ARRIVAL_SHIFT_HOURS = 4
EARLY_FROM, EARLY_BEFORE = (5 - ARRIVAL_SHIFT_HOURS) * 3600, (8 - ARRIVAL_SHIFT_HOURS) * 3600  # 05:00–08:00
LATE_SHIFT_HOURS = 5


@dataclass
class ParkYear:
    park_id: int
    year: int
    start: dt.datetime = field(init=False)
    end: dt.datetime = field(init=False)
    first_day: dt.date = field(init=False)
    last_day: dt.date = field(init=False)  # exclusive

    def __post_init__(self) -> None:
        tz = ZoneInfo(settings.TIME_ZONE)
        self.first_day = dt.date(self.year, 1, 1)
        self.last_day = dt.date(self.year + 1, 1, 1)
        self.start = dt.datetime(self.year, 1, 1, tzinfo=tz)
        self.end = dt.datetime(self.year + 1, 1, 1, tzinfo=tz)

    # The bounds as the database adapts them (SQLite compares text: UTC without an offset, as Django
    # stores it), for raw SQL.
    @property
    def t0(self) -> Any:
        return connection.ops.adapt_datetimefield_value(self.start)

    @property
    def t1(self) -> Any:
        return connection.ops.adapt_datetimefield_value(self.end)

    @property
    def d0(self) -> Any:
        return connection.ops.adapt_datefield_value(self.first_day)

    @property
    def d1(self) -> Any:
        return connection.ops.adapt_datefield_value(self.last_day)

    @property
    def offset_hours(self) -> int:
        """Beijing time has had no daylight saving since 1991: one fixed offset for the year."""
        offset = self.start.utcoffset()
        return int(offset.total_seconds() // 3600) if offset else 0


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _rows(sql: str, params: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while True:
            chunk = cursor.fetchmany(5000)
            if not chunk:
                return
            yield from chunk


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


# --- presence ---------------------------------------------------------------------------------------

def _seconds_of_day(column: str, py: ParkYear, shift_hours: int = 0) -> str:
    """SQL for the Beijing time of day of ``column`` in seconds (shifted back ``shift_hours``), computed
    by the database: on SQLite from Django's UTC text by arithmetic (no date parsing per row)."""
    shift = shift_hours * 3600
    if _pg():
        local = f"EXTRACT(EPOCH FROM CAST(({column} AT TIME ZONE '{settings.TIME_ZONE}') AS TIME))"
        return f"CAST(MOD(CAST({local} AS INTEGER) + {86400 - shift}, 86400) AS INTEGER)"
    utc = (f"(CAST(substr({column}, 12, 2) AS INTEGER) * 3600 + CAST(substr({column}, 15, 2) AS INTEGER) * 60"
           f" + CAST(substr({column}, 18, 2) AS INTEGER))")
    return f"(({utc} + {py.offset_hours * 3600 - shift + 86400}) % 86400)"


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def presence(py: ParkYear) -> dict[int, dict[str, Any]]:
    """Every member's presence figures in one ordered pass over the park-year's daily presence (a few
    million rows at seed scale, streamed): the sums, the special days, the streak and the busiest month
    need the days in order, which one grouped statement per figure would read again each time."""
    workday_index = {d.isoformat(): n for n, d in enumerate(d for d in _days(py) if workdays.is_workday(d))}
    # The database turns moments into seconds of the Beijing day (and the day into text on SQLite):
    # parsing datetimes per row in Python would cost more than the rest of the pass.
    day_col = "day" if _pg() else "CAST(day AS TEXT)"
    sql = f"""SELECT user_id, {day_col}, {_seconds_of_day('first_in', py, ARRIVAL_SHIFT_HOURS)},
                     {_seconds_of_day('last_out', py, LATE_SHIFT_HOURS)}, seconds_inside, late, inferred_seconds
               FROM access_dailypresence
              WHERE park_id = %s AND day >= %s AND day < %s
              ORDER BY user_id, day"""
    out: dict[int, dict[str, Any]] = {}
    pg = _pg()
    user = None
    # One member's running figures, kept in locals (this loop sees every row of the park-year).
    days = seconds_sum = late_days = early_days = run = best = 0
    first = first_day = last = last_day = None
    last_idx = -2
    months = [0] * 13

    def close() -> None:
        most = max(months)
        assert user is not None
        out[user] = {"days": days, "seconds": seconds_sum, "late_days": late_days, "early_days": early_days,
                     "first": None if first is None else hms((first + ARRIVAL_SHIFT_HOURS * 3600) % 86400),
                     "first_day": first_day,
                     "last": None if last is None else hms((last + LATE_SHIFT_HOURS * 3600) % 86400),
                     "last_day": last_day, "streak": best,
                     "busiest_month": months.index(most) if most else None, "busiest_month_days": most}

    for user_id, day, first_in, last_out, seconds, late, inferred in _rows(sql, [py.park_id, py.d0, py.d1]):
        if user_id != user:
            if user is not None:
                close()
            user = user_id
            days = seconds_sum = late_days = early_days = run = best = 0
            first = first_day = last = last_day = None
            last_idx = -2
            months = [0] * 13
        if pg:
            day = day.isoformat()
        days += 1
        seconds_sum += seconds or 0
        if late:
            late_days += 1
        months[int(day[5:7])] += 1
        idx = workday_index.get(day)
        if idx is not None:
            run = run + 1 if idx == last_idx + 1 else 1
            last_idx = idx
            if run > best:
                best = run
        if first_in is not None:
            if EARLY_FROM <= first_in < EARLY_BEFORE:
                early_days += 1
            if not inferred and (first is None or first_in < first):
                first, first_day = first_in, day
        if last_out is not None and not inferred and (last is None or last_out > last):
            last, last_day = last_out, day
    if user is not None:
        close()
    return out


def _days(py: ParkYear) -> Iterator[dt.date]:
    day = py.first_day
    while day < py.last_day:
        yield day
        day += dt.timedelta(days=1)


# --- events, community, services, scenes, suggestions, rewards ------------------------------------------

EVENT_KEY = 10_000_000_000  # size * EVENT_KEY + event id: the biggest event, by id on a tie


def events_attended(py: ParkYear) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[str, int]]]:
    """Per member: (events attended, key of the biggest); and the biggest events' titles and sizes."""
    sql = f"""
        SELECT r.user_id, COUNT(*), MAX(s.size * {EVENT_KEY} + c.event_id)
          FROM events_checkin c
          JOIN events_registration r ON r.id = c.registration_id
          JOIN events_event e ON e.id = c.event_id
          JOIN (SELECT event_id, COUNT(*) AS size FROM events_checkin GROUP BY event_id) s ON s.event_id = c.event_id
         WHERE e.park_id = %s AND e.starts_at >= %s AND e.starts_at < %s
         GROUP BY r.user_id"""
    per_user = {u: (int(n), int(key)) for u, n, key in _rows(sql, [py.park_id, py.t0, py.t1])}
    ids = {key % EVENT_KEY for _n, key in per_user.values()}
    titles: dict[int, tuple[str, int]] = {}
    if ids:
        from parkos.events.models import Event

        for pk, title in Event.objects.filter(pk__in=ids).values_list("pk", "title"):
            titles[pk] = (title, 0)
    return per_user, titles


def posts(py: ParkYear) -> dict[int, tuple[int, int]]:
    sql = """SELECT author_id, COUNT(*), SUM(reaction_count) FROM community_post
              WHERE park_id = %s AND status = 'visible' AND created_at >= %s AND created_at < %s
              GROUP BY author_id"""
    return {u: (int(n), int(likes or 0)) for u, n, likes in _rows(sql, [py.park_id, py.t0, py.t1])}


def comments(py: ParkYear) -> dict[int, tuple[int, int, int]]:
    """(comments, answers to somebody else's post, distinct people answered)."""
    sql = """SELECT c.author_id, COUNT(*),
                    SUM(CASE WHEN p.author_id <> c.author_id THEN 1 ELSE 0 END),
                    COUNT(DISTINCT CASE WHEN p.author_id <> c.author_id THEN p.author_id END)
               FROM community_comment c JOIN community_post p ON p.id = c.post_id
              WHERE p.park_id = %s AND c.status = 'visible' AND c.created_at >= %s AND c.created_at < %s
              GROUP BY c.author_id"""
    return {u: (int(n), int(a or 0), int(d or 0)) for u, n, a, d in _rows(sql, [py.park_id, py.t0, py.t1])}


def groups_active(py: ParkYear, limit: int = 3) -> dict[int, list[int]]:
    """The public interest groups each member posted or commented in most (private groups never leave
    the group: not on a report that may become a shared poster)."""
    sql = """SELECT a, g, COUNT(*) AS n FROM (
                 SELECT p.author_id AS a, p.group_id AS g FROM community_post p
                  WHERE p.park_id = %s AND p.status = 'visible' AND p.group_id IS NOT NULL
                    AND p.created_at >= %s AND p.created_at < %s
                 UNION ALL
                 SELECT c.author_id, p.group_id FROM community_comment c JOIN community_post p ON p.id = c.post_id
                  WHERE p.park_id = %s AND c.status = 'visible' AND p.group_id IS NOT NULL
                    AND c.created_at >= %s AND c.created_at < %s) t
              JOIN community_group gr ON gr.id = t.g AND gr.visibility = 'public'
             GROUP BY a, g"""
    per: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user_id, group_id, n in _rows(sql, [py.park_id, py.t0, py.t1] * 2):
        per[user_id].append((-int(n), int(group_id)))
    return {u: [g for _n, g in sorted(v)[:limit]] for u, v in per.items()}


def orders(py: ParkYear) -> dict[int, tuple[int, int]]:
    sql = """SELECT requested_by_id, COUNT(*), COUNT(DISTINCT service_id) FROM catalog_serviceorder
              WHERE park_id = %s AND submitted_at >= %s AND submitted_at < %s GROUP BY requested_by_id"""
    return {u: (int(n), int(k)) for u, n, k in _rows(sql, [py.park_id, py.t0, py.t1])}


def scenes_published(py: ParkYear) -> dict[int, int]:
    sql = """SELECT publisher_id, COUNT(*) FROM scenes_scene
              WHERE park_id = %s AND published_at >= %s AND published_at < %s GROUP BY publisher_id"""
    return {u: int(n) for u, n in _rows(sql, [py.park_id, py.t0, py.t1])}


def proposals(py: ParkYear) -> dict[int, int]:
    # IN (the park's scenes) rather than a join: the park's scene ids are read once into a list, then
    # the responses of each (three times faster on SQLite than a lookup of the scene per response).
    sql = """SELECT r.responder_id, COUNT(*) FROM scenes_response r
              WHERE r.scene_id IN (SELECT id FROM scenes_scene WHERE park_id = %s)
                AND r.created_at >= %s AND r.created_at < %s GROUP BY r.responder_id"""
    return {u: int(n) for u, n in _rows(sql, [py.park_id, py.t0, py.t1])}


def deals(py: ParkYear) -> dict[int, tuple[int, int]]:
    """(deals as either party, of which as the publisher)."""
    sql = """SELECT u, COUNT(*), SUM(pub) FROM (
                 SELECT publisher_id AS u, 1 AS pub FROM scenes_deal
                  WHERE park_id = %s AND created_at >= %s AND created_at < %s
                 UNION ALL
                 SELECT provider_id, 0 FROM scenes_deal
                  WHERE park_id = %s AND created_at >= %s AND created_at < %s) t
             GROUP BY u"""
    return {u: (int(n), int(p or 0)) for u, n, p in _rows(sql, [py.park_id, py.t0, py.t1] * 2)}


def suggestions(py: ParkYear) -> dict[int, int]:
    """Suggestions submitted plus supports given, in the park."""
    sql = """SELECT u, COUNT(*) FROM (
                 SELECT author_id AS u FROM community_suggestion
                  WHERE park_id = %s AND created_at >= %s AND created_at < %s
                 UNION ALL
                 SELECT s.user_id FROM community_suggestionsupport s
                   JOIN community_suggestion g ON g.id = s.suggestion_id
                  WHERE g.park_id = %s AND s.created_at >= %s AND s.created_at < %s) t
             GROUP BY u"""
    return {u: int(n) for u, n in _rows(sql, [py.park_id, py.t0, py.t1] * 2)}


def coupons_used(py: ParkYear) -> dict[int, tuple[int, int]]:
    sql = """SELECT r.member_id, COUNT(*), SUM(l.discount_fen) FROM rewards_redeemedcoupon l
               JOIN rewards_redemption r ON r.id = l.redemption_id
              WHERE r.park_id = %s AND r.status = 'done' AND l.active AND r.created_at >= %s AND r.created_at < %s
              GROUP BY r.member_id"""
    return {u: (int(n), int(s or 0)) for u, n, s in _rows(sql, [py.park_id, py.t0, py.t1])}


def staff(py: ParkYear) -> set[int]:
    sql = """SELECT m.user_id FROM enterprises_membership m JOIN enterprises_enterprise e ON e.id = m.enterprise_id
              WHERE e.park_id = %s AND m.status = 'active'"""
    return {u for (u,) in _rows(sql, [py.park_id])}


def inactive_users() -> set[int]:
    return {u for (u,) in _rows("SELECT id FROM accounts_user WHERE NOT is_active", [])}


def presence_withdrawn() -> set[int]:
    """Members who withdrew consent to presence analytics (access.AccessPreference)."""
    return {u for (u,) in _rows("SELECT user_id FROM access_accesspreference WHERE NOT presence_analytics", [])}


def sharing_with_enterprise() -> set[int]:
    return {u for (u,) in _rows("""SELECT user_id FROM access_accesspreference
                                    WHERE share_with_enterprise AND presence_analytics""", [])}


# --- enterprises ----------------------------------------------------------------------------------------

def enterprise_orders(py: ParkYear) -> dict[int, dict[str, Any]]:
    """Per enterprise: orders submitted in the year, delivered, delivered by their due day, and the mean
    turnaround in days (submitted → delivered)."""
    if _pg():
        hours = "EXTRACT(EPOCH FROM (delivered_at - submitted_at)) / 3600.0"
        on_time = f"(delivered_at AT TIME ZONE '{settings.TIME_ZONE}')::date <= due_on"
    else:
        hours = "(julianday(delivered_at) - julianday(submitted_at)) * 24.0"
        on_time = f"date(delivered_at, '{py.offset_hours:+d} hours') <= due_on"
    sql = f"""SELECT enterprise_id, COUNT(*), COUNT(delivered_at),
                     SUM(CASE WHEN delivered_at IS NOT NULL AND due_on IS NOT NULL AND {on_time} THEN 1 ELSE 0 END),
                     AVG(CASE WHEN delivered_at IS NOT NULL THEN {hours} END),
                     COUNT(DISTINCT service_id), AVG(rating)
                FROM catalog_serviceorder
               WHERE park_id = %s AND submitted_at >= %s AND submitted_at < %s
               GROUP BY enterprise_id"""
    out = {}
    for ent, n, delivered, on_time_n, avg_hours, kinds, rating in _rows(sql, [py.park_id, py.t0, py.t1]):
        out[ent] = {"orders": int(n), "delivered": int(delivered), "on_time": int(on_time_n or 0),
                    "turnaround_days": round(float(avg_hours) / 24, 1) if avg_hours is not None else None,
                    "kinds": int(kinds), "rating": round(float(rating), 1) if rating is not None else None}
    return out


def enterprise_deals(py: ParkYear) -> dict[int, dict[str, int]]:
    """Per enterprise: deals where its scene was answered, or its proposal accepted, and their value."""
    sql = """SELECT ent, COUNT(*), SUM(amount) FROM (
                 SELECT s.enterprise_id AS ent, d.amount_fen AS amount FROM scenes_deal d
                   JOIN scenes_scene s ON s.id = d.scene_id
                  WHERE d.park_id = %s AND d.created_at >= %s AND d.created_at < %s AND s.enterprise_id IS NOT NULL
                 UNION ALL
                 SELECT r.enterprise_id, d.amount_fen FROM scenes_deal d
                   JOIN scenes_response r ON r.id = d.response_id
                  WHERE d.park_id = %s AND d.created_at >= %s AND d.created_at < %s AND r.enterprise_id IS NOT NULL) t
             GROUP BY ent"""
    return {e: {"deals": int(n), "value_fen": int(v or 0)} for e, n, v in _rows(sql, [py.park_id, py.t0, py.t1] * 2)}


def enterprise_events(py: ParkYear) -> dict[int, dict[str, int]]:
    """Per enterprise: events it organised in the park, and its staff's check-ins at the park's events."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"organised": 0, "attended": 0})
    sql = """SELECT enterprise_id, COUNT(*) FROM events_event
              WHERE park_id = %s AND enterprise_id IS NOT NULL AND status = 'published'
                AND starts_at >= %s AND starts_at < %s GROUP BY enterprise_id"""
    for ent, n in _rows(sql, [py.park_id, py.t0, py.t1]):
        out[ent]["organised"] = int(n)
    sql = """SELECT m.enterprise_id, COUNT(*) FROM events_checkin c
               JOIN events_registration r ON r.id = c.registration_id
               JOIN events_event e ON e.id = c.event_id
               JOIN enterprises_membership m ON m.user_id = r.user_id AND m.status = 'active'
               JOIN enterprises_enterprise en ON en.id = m.enterprise_id AND en.park_id = e.park_id
              WHERE e.park_id = %s AND e.starts_at >= %s AND e.starts_at < %s GROUP BY m.enterprise_id"""
    for ent, n in _rows(sql, [py.park_id, py.t0, py.t1]):
        out[ent]["attended"] = int(n)
    return dict(out)


def enterprise_staff(py: ParkYear) -> dict[int, list[int]]:
    sql = """SELECT m.enterprise_id, m.user_id FROM enterprises_membership m
               JOIN enterprises_enterprise e ON e.id = m.enterprise_id
              WHERE e.park_id = %s AND m.status = 'active' AND e.is_active"""
    out: dict[int, list[int]] = defaultdict(list)
    for ent, user in _rows(sql, [py.park_id]):
        out[ent].append(user)
    return dict(out)
