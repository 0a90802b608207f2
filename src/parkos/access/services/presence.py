"""Time in the park: a member's daily presence rebuilt from the day's accepted passages, the hourly
occupancy per building it implies (innovation density), the retention of raw passages, and the
member's consent to share their time with their enterprise.

How a day is paired (as an area-attendance system does). Passages of a member are sorted in one total
order (time, direction, gate, event id), so the same passages give the same row whatever order they
arrived in. Each interval comes from two consecutive passages:

- an IN followed by an OUT within ``MAX_PAIR`` is a real interval (it may cross midnight: each day
  keeps its own part);
- an IN not followed by such an OUT (IN then IN: tailgating; IN at the day's end) is a missing exit:
  closed by inference at the earliest of the IN + ``missing_exit_minutes``, the next passage, the area's
  closing time and the end of the day;
- an OUT not preceded by such an IN is a missing entry: opened by inference at the latest of the OUT −
  ``missing_exit_minutes``, the previous passage (or the inferred end of its interval), the area's
  opening time and the start of the day.

An interval therefore depends only on two consecutive passages, and a day's row only on that day's
passages and its immediate neighbours within ``MAX_PAIR``: a passage changes at most its own day and
the day before and after, which is what ``presence_refresh`` rebuilds.

``first_in`` is the day's first IN passage, ``last_out`` the day's last passage when it is an OUT (empty
while the member's last passage is an IN: they are inside, or their exit went missing)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parkos.access.models import (
    AccessPreference,
    AccessSettings,
    DailyPresence,
    OccupancyHour,
    Passage,
    RollupMark,
)
from parkos.accounts.models import User
from parkos.core import policy

# The longest real stay between an IN and the next OUT (a long shift); past it the two are a missing exit
# and a missing entry. Shorter than a day, so a passage reaches only its own day and its two neighbours.
MAX_PAIR = dt.timedelta(hours=16)
MAX_PASSAGES = 32767  # DailyPresence.passages is a small integer
PURGE_CHUNK = 2000
REFRESH_CHUNK = 2000  # members per query: far below SQLite's bound on a statement's parameters

IN, OUT = "in", "out"


# --- the pairing ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Pass:
    at: dt.datetime
    direction: str
    gate_id: int
    event_id: str
    building_id: int | None
    opens_at: dt.time | None
    closes_at: dt.time | None

    @property
    def key(self) -> tuple[dt.datetime, int, int, str]:
        # OUT before IN at the same instant: a member leaving one area and entering the next.
        return (self.at, 0 if self.direction == OUT else 1, self.gate_id, self.event_id)


@dataclass(frozen=True)
class _Interval:
    start: dt.datetime
    end: dt.datetime
    building_id: int | None
    inferred: bool
    known_at: dt.datetime  # the latest moment the passages prove (late flag)


@functools.lru_cache(maxsize=4096)  # asked for each passage and day; the park's time zone is fixed
def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), _zone())
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), _zone())


def _local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(_zone()).date()


@functools.lru_cache(maxsize=1)
def _zone() -> dt.tzinfo:
    return timezone.get_default_timezone()  # the park's day is settings.TIME_ZONE's, whatever a request activated


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time), _zone())


def _inferred_end(p: _Pass, nxt: _Pass | None, cap: dt.timedelta) -> dt.datetime:
    day = _local_day(p.at)
    end = min(p.at + cap, _day_bounds(day)[1])
    if nxt is not None:
        end = min(end, nxt.at)
    if p.opens_at is not None and p.closes_at is not None and p.closes_at > p.opens_at:
        closes = _at(day, p.closes_at)
        if closes > p.at:  # entered after closing: the hours say nothing about how long
            end = min(end, closes)
    return max(end, p.at)


def _pairs(p: _Pass, nxt: _Pass | None) -> bool:
    return p.direction == IN and nxt is not None and nxt.direction == OUT and nxt.at - p.at <= MAX_PAIR


def _intervals(passes: list[_Pass], cap: dt.timedelta) -> list[_Interval]:
    """Every interval the (sorted) passages imply, unclipped."""
    out: list[_Interval] = []
    for i, p in enumerate(passes):
        prev = passes[i - 1] if i > 0 else None
        nxt = passes[i + 1] if i + 1 < len(passes) else None
        if p.direction == IN:
            if _pairs(p, nxt):
                assert nxt is not None
                out.append(_Interval(p.at, nxt.at, p.building_id, False, nxt.at))
            else:
                out.append(_Interval(p.at, _inferred_end(p, nxt, cap), p.building_id, True, p.at))
        elif prev is None or not _pairs(prev, p):
            day = _local_day(p.at)
            start = max(p.at - cap, _day_bounds(day)[0])
            if prev is not None:
                start = max(start, _inferred_end(prev, p, cap) if prev.direction == IN else prev.at)
            if p.opens_at is not None and p.closes_at is not None and p.closes_at > p.opens_at:
                opens = _at(day, p.opens_at)
                if opens < p.at:
                    start = max(start, opens)
            out.append(_Interval(min(start, p.at), p.at, p.building_id, True, p.at))
    return out


def presence_of_day(passes: list[_Pass], intervals: list[_Interval], day: dt.date, *,
                    late_after: dt.time) -> dict[str, Any] | None:
    """The DailyPresence fields of ``day`` from a member's sorted passages around it (the day's own and
    at least the one before and after within ``MAX_PAIR``) and the intervals they imply; None when the
    day has no passage."""
    start, end = _day_bounds(day)
    own = [p for p in passes if start <= p.at < end]
    if not own:
        return None
    late_at = _at(day, late_after)
    kept: list[list[Any]] = []
    seconds = inferred = 0
    late = any(p.at > late_at for p in own)
    for iv in intervals:
        s, e = max(iv.start, start), min(iv.end, end)
        if e <= s:
            continue
        length = int((e - s).total_seconds())
        kept.append([int(s.timestamp()), int(e.timestamp()), iv.building_id, iv.inferred])
        seconds += length
        if iv.inferred:
            inferred += length
        elif min(iv.known_at, end) > late_at:
            late = True
    first_in = next((p.at for p in own if p.direction == IN), None)
    last_out = own[-1].at if own[-1].direction == OUT else None
    return {
        "first_in": first_in, "last_out": last_out, "seconds_inside": seconds, "inferred_seconds": inferred,
        "late": late, "buildings": sorted({p.building_id for p in own if p.building_id is not None}),
        "intervals": kept, "passages": min(len(own), MAX_PASSAGES),
    }


# --- settings ---------------------------------------------------------------------------------------------

def _settings(park_id: int) -> AccessSettings:
    """The park's settings, or the defaults when the operator never saved any (a read makes no row)."""
    return AccessSettings.objects.filter(park_id=park_id).first() or AccessSettings(park_id=park_id)


# --- daily presence ---------------------------------------------------------------------------------------

FIELDS = ("first_in", "last_out", "seconds_inside", "inferred_seconds", "late", "buildings", "intervals", "passages")


def presence_refresh(*, park_id: int, user_days: set[tuple[int, dt.date]]) -> int:
    """Rebuild the daily presence of each (member, local day) — and of the day before and after, which a
    passage near midnight may change — from the accepted passages in ``park_id``; mark the changed days
    for the occupancy rollup. Returns how many rows were written or deleted.

    Called by ingestion inside its transaction, after inserting the batch. Locking: the members' rows are
    taken FOR NO KEY UPDATE (ordered by id) before their passages are read, so two batches for one member
    from two gates rebuild one after the other and the second sees the first's passages (NO KEY, because
    the inserted passages already hold KEY SHARE on those rows). Set-based: per ``REFRESH_CHUNK`` members
    (a bound on the query's parameters; one chunk for any batch of a gate), one query for the passages,
    one for the existing rows, bulk writes."""
    if not user_days:
        return 0
    settings = _settings(park_id)
    targets: dict[int, set[dt.date]] = defaultdict(set)
    for user_id, day in user_days:
        for delta in (-1, 0, 1):
            targets[int(user_id)].add(day + dt.timedelta(days=delta))
    user_ids = sorted(targets)
    written = 0
    changed: set[dt.date] = set()
    with transaction.atomic():
        for i in range(0, len(user_ids), REFRESH_CHUNK):
            chunk = {u: targets[u] for u in user_ids[i:i + REFRESH_CHUNK]}
            written += _refresh_chunk(park_id, settings, chunk, changed)
        rollup_mark(park_id=park_id, days=changed)
    return written


def _spans(days: set[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days merged: [(first, last), ...]."""
    spans: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if spans and spans[-1][1] + dt.timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _refresh_chunk(park_id: int, settings: AccessSettings, targets: dict[int, set[dt.date]],
                   changed: set[dt.date]) -> int:
    cap = dt.timedelta(minutes=settings.missing_exit_minutes)
    user_ids = sorted(targets)
    list(User.objects.select_for_update(no_key=True).filter(pk__in=user_ids).order_by("pk").values_list("pk"))
    all_days = set().union(*targets.values())
    window = Q()
    for first, last in _spans(all_days):
        window |= Q(occurred_at__gte=_day_bounds(first)[0] - MAX_PAIR, occurred_at__lt=_day_bounds(last)[1] + MAX_PAIR)
    rows = (Passage.objects.filter(window, park_id=park_id, user_id__in=user_ids, result=Passage.Result.ACCEPTED)
            .values_list("user_id", "occurred_at", "direction", "gate_id", "event_id", "gate__area__building_id",
                         "gate__area__opens_at", "gate__area__closes_at"))
    passes: dict[int, list[_Pass]] = defaultdict(list)
    for user_id, at, direction, gate_id, event_id, building_id, opens_at, closes_at in rows:
        passes[user_id].append(_Pass(at, direction, gate_id, event_id, building_id, opens_at, closes_at))
    intervals: dict[int, list[_Interval]] = {}
    for user_id, items in passes.items():
        items.sort(key=lambda p: p.key)
        intervals[user_id] = _intervals(items, cap)

    existing: dict[tuple[int, dt.date], DailyPresence] = {}
    for found in DailyPresence.objects.filter(park_id=park_id, user_id__in=user_ids, day__in=sorted(all_days)):
        existing[(found.user_id, found.day)] = found
    now = timezone.now()
    create: list[DailyPresence] = []
    update: list[DailyPresence] = []
    delete: list[int] = []
    for user_id in user_ids:
        for day in sorted(targets[user_id]):
            values = presence_of_day(passes.get(user_id, []), intervals.get(user_id, []), day,
                                     late_after=settings.late_after)
            row = existing.get((user_id, day))
            if values is None:
                if row is not None:
                    delete.append(row.pk)
                    changed.add(day)
                continue
            if row is None:
                create.append(DailyPresence(park_id=park_id, user_id=user_id, day=day, updated_at=now, **values))
                changed.add(day)
            elif any(getattr(row, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(row, f, v)
                row.updated_at = now
                update.append(row)
                changed.add(day)
    if delete:
        DailyPresence.objects.filter(pk__in=delete).delete()
    if create:
        DailyPresence.objects.bulk_create(create, batch_size=500)
    if update:
        DailyPresence.objects.bulk_update(update, [*FIELDS, "updated_at"], batch_size=500)
    return len(create) + len(update) + len(delete)


def rollup_mark(*, park_id: int, days: Iterable[dt.date]) -> None:
    """Mark (park, day)s for the occupancy rollup. An upsert that moves ``marked_at`` forward, so a
    rollup that started before this mark does not delete it (``rollups_run``); race-safe (a unique key)."""
    days = sorted(set(days))
    if not days:
        return
    now = timezone.now()
    RollupMark.objects.bulk_create([RollupMark(park_id=park_id, day=d, marked_at=now) for d in days],
                                   update_conflicts=True, unique_fields=["park", "day"], update_fields=["marked_at"])


# --- occupancy --------------------------------------------------------------------------------------------

def occupancy_rollup(*, park_id: int, day: dt.date) -> int:
    """Rebuild the day's OccupancyHour rows of a park (per building and hour: person-seconds and distinct
    people) from its daily presence. Returns how many rows the day now has."""
    start, end = _day_bounds(day)
    t0, t1 = int(start.timestamp()), int(end.timestamp())
    seconds: dict[tuple[int | None, int], int] = defaultdict(int)
    people: dict[tuple[int | None, int], set[int]] = defaultdict(set)
    for user_id, intervals in DailyPresence.objects.filter(park_id=park_id, day=day).values_list("user_id", "intervals"):
        for interval in intervals or []:
            s, e, building = max(int(interval[0]), t0), min(int(interval[1]), t1), interval[2]
            while s < e:
                hour = (s - t0) // 3600
                hour_end = min(e, t0 + (hour + 1) * 3600)
                seconds[(building, hour)] += hour_end - s
                people[(building, hour)].add(user_id)
                s = hour_end
    rows = [OccupancyHour(park_id=park_id, building_id=building, hour=start + dt.timedelta(hours=hour),
                          person_seconds=value, people=len(people[(building, hour)]))
            for (building, hour), value in sorted(seconds.items(), key=lambda kv: (kv[0][1], kv[0][0] or 0))]
    with transaction.atomic():
        OccupancyHour.objects.filter(park_id=park_id, hour__gte=start, hour__lt=end).delete()
        OccupancyHour.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def rollup_if_marked(*, park_id: int, day: dt.date) -> bool:
    """Rebuild one (park, day) now if its presence changed since its last rollup: the operators' dashboard
    calls it for the day it shows, so today's hours are live without waiting for the rollup job (one day
    of one park: a fraction of a second at the seed park's 25,000 members)."""
    mark = RollupMark.objects.filter(park_id=park_id, day=day).values_list("id", "marked_at").first()
    if mark is None:
        return False
    occupancy_rollup(park_id=park_id, day=day)
    RollupMark.objects.filter(pk=mark[0], marked_at=mark[1]).delete()
    return True


def rollups_run(*, limit: int = 1000) -> int:
    """Rebuild the occupancy of every marked (park, day); a mark is deleted only if nobody marked the day
    again while it was being rebuilt. Returns how many days were rebuilt."""
    done = 0
    for mark_id, park_id, day, marked_at in (RollupMark.objects.order_by("marked_at", "id")
                                             .values_list("id", "park_id", "day", "marked_at")[:limit]):
        occupancy_rollup(park_id=park_id, day=day)
        RollupMark.objects.filter(pk=mark_id, marked_at=marked_at).delete()
        done += 1
    return done


# --- retention --------------------------------------------------------------------------------------------

def passages_purge(*, now: dt.datetime | None = None, chunk: int = PURGE_CHUNK) -> int:
    """Delete raw passages older than each park's ``passage_retention_days`` (in chunks, so a year's
    backlog never holds one huge transaction). Daily presence stays: the reports read it."""
    from parkos.core.models import Park

    now = now or timezone.now()
    retention = dict(AccessSettings.objects.values_list("park_id", "passage_retention_days"))
    default = AccessSettings._meta.get_field("passage_retention_days").get_default()
    deleted = 0
    for park_id in Park.objects.order_by("pk").values_list("pk", flat=True):
        cutoff = now - dt.timedelta(days=retention.get(park_id, default))
        while True:
            ids = list(Passage.objects.filter(park_id=park_id, occurred_at__lt=cutoff)
                       .order_by("occurred_at").values_list("pk", flat=True)[:chunk])
            if not ids:
                break
            with transaction.atomic():
                _total, per_model = Passage.objects.filter(pk__in=ids).delete()
            deleted += per_model.get(Passage._meta.label, 0)
    return deleted


# --- consent ----------------------------------------------------------------------------------------------

def preference_set(*, actor: Any, share_with_enterprise: bool | None = None,
                   presence_analytics: bool | None = None) -> AccessPreference:
    """The member's own consents about their time in the park, each separate: sharing it with their
    enterprise's admins (as aggregates, never their own row), and its use for their year report and the
    park's statistics (given at sign-up; withdrawing it also stops the sharing, which rests on it). A
    consent left None is left as it is; the temperature consent is never touched here."""
    policy.require(actor, "access.presence.own", actor)
    with transaction.atomic():
        preference, _created = AccessPreference.objects.get_or_create(user=actor)
        preference = AccessPreference.objects.select_for_update().get(pk=preference.pk)
        changed = []
        if presence_analytics is not None and preference.presence_analytics != bool(presence_analytics):
            preference.presence_analytics = bool(presence_analytics)
            changed.append("presence_analytics")
            if not presence_analytics and preference.share_with_enterprise:
                preference.share_with_enterprise = False
                changed.append("share_with_enterprise")
        if share_with_enterprise is not None and preference.share_with_enterprise != bool(share_with_enterprise):
            preference.share_with_enterprise = bool(share_with_enterprise)
            changed.append("share_with_enterprise")
            if share_with_enterprise and not preference.presence_analytics:
                preference.presence_analytics = True
                changed.append("presence_analytics")
        if changed:
            preference.updated_at = timezone.now()
            preference.save(update_fields=[*sorted(set(changed)), "updated_at"])
    return preference
