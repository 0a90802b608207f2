"""Gates and time in the park: areas and gates per building, a card for every member, a park-year of
daily presence and, for the retention window only, the raw passages it came from, with the hourly
occupancy of every building (innovation density).

Who comes through the gates: tenants' staff to their enterprise's building (about four days in five,
arriving around nine with each person's own habit, a lunch outside on some days, a meeting in another
building of the park on others, late nights for some people more than others, a few weekend and holiday
visits), the park's own people (operators, butlers, merchants) every working day, and the members who
work nowhere in the park once in a while. On a few per cent of days the exit is missed (tailgating out)
or the entry is (someone held the door), as at any real gate.

Presence is generated directly, with the semantics of ``access.services.presence.presence_refresh``
(intervals paired in and out, an interval opened or closed by inference capped at the park's
``missing_exit_minutes`` and marked, ``late`` when someone is inside after ``late_after``); raw
passages are written only for the last ``PASSAGE_DAYS`` days of the year, derived from the same
intervals, so presence_refresh over them gives the same rows (a test checks this), and the hourly
occupancy is the rollup's over the whole year.

Budget: the whole seed-scale generation must stay within five minutes and the other parts already take
about four (bench run of 2026-12-03 16:42). At seed scale this part writes ~4.1 M rows: 3.1 M days of
presence, 0.8 M passages (30 days), 0.13 M occupancy hours, in ~45–50 s on this 2-core machine (52 s
measured with other work running). SQLite's own insert is most of it (~160–180 k rows/s), so the
retention window's full 90 days of passages (another ~1.6 M rows, ~10 s more) would leave no margin:
hence PASSAGE_DAYS = 30 < RETENTION_DAYS. The fast path: numpy draws (seeded from ``ctx.rng``),
values in their stored form (datetimes formatted by SQLite's ``datetime(x, 'unixepoch')``, byte for
byte the ORM's text), secondary indexes rebuilt after the load.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from parkos.accounts.models import Role
from parkos.generator.bulk import IndexesDeferred, pipelined
from parkos.generator.registry import PARK_TZ, YEAR_END, YEAR_START, Context, part

# The park's knobs, as AccessSettings' defaults: late after 21:00, an inferred interval at most 2 hours.
LATE_AFTER = time(21, 0)
MISSING_EXIT_MINUTES = 120
RETENTION_DAYS = 90  # the parks' passage retention (AccessSettings)
# Raw passages are written for the last PASSAGE_DAYS days of the year only (the budget: see above);
# presence and occupancy cover the whole year.
PASSAGE_DAYS = 30
PIPELINE_FROM = 5_000  # people: from this many on, the days are made in a second process (generator/bulk.py)
DAYS = (YEAR_END.date() - YEAR_START.date()).days
# A building's lobby (gates in, out, and a face gate), open 06:00–23:59.
LOBBY_OPENS, LOBBY_CLOSES = time(6, 0), time(23, 59)
FLOOR_AREA_PER_FLOOR = (1_200, 3_200)  # m² per floor of a generated building
FACE_SHARE = 0.18  # members who enrolled a face token too

# Habits (hours of the day, local time).
ARRIVE_MEAN, ARRIVE_SPREAD, ARRIVE_DAILY = 9.0, 0.55, 0.3
STAY_MEAN, STAY_SPREAD, STAY_DAILY = 9.4, 0.7, 0.5
LUNCH_OUT_SHARE = 0.35  # mean share of days someone goes out for lunch (their own share varies)
MEETING_SHARE = 0.1  # share of working days with a meeting in another building of the park
MISSING_EXIT = 0.03
MISSING_ENTRY = 0.012
WEEKEND_VISIT = 0.06  # relative to a working day
# Attendance on a working day, by who someone is.
ATTENDANCE = {"staff": 0.83, "park": 0.9, "visitor": 0.03}
LATEST_DEPARTURE = 23.6

# Public holidays of the generated year (days off; China's official calendar, make-up working days left out).
HOLIDAYS = {date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), *(date(2026, 2, 15) + timedelta(days=i) for i in range(9)),
            date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6), *(date(2026, 5, 1) + timedelta(days=i) for i in range(5)),
            date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21), date(2026, 9, 25), date(2026, 9, 26),
            date(2026, 9, 27), *(date(2026, 10, 1) + timedelta(days=i) for i in range(7))}

GATE_NAMES = (("1号闸机（进）", "in"), ("2号闸机（出）", "out"), ("人脸识别闸机", "both"))
FACE_VENDORS = ["海康威视", "旷视", "商汤", "云从"]

PRESENCE_FIELDS = ["id", "park_id", "user_id", "day", "first_in", "last_out", "seconds_inside", "inferred_seconds",
                   "late", "buildings", "intervals", "passages", "updated_at"]
PRESENCE_EPOCHS = ("first_in", "last_out", "updated_at")
PASSAGE_FIELDS = ["id", "park_id", "gate_id", "event_id", "direction", "occurred_at", "received_at", "credential_id",
                  "user_id", "visitor_id", "result", "reason", "clock_skew"]


def card_number(user_id: int) -> str:
    """The generated card number of a member (ten digits; 7919 is prime to 10^10, so numbers never repeat)."""
    return f"{(user_id * 7919 + 20261128) % 10**10:010d}"


def face_token(user_id: int) -> str:
    return f"FT{(user_id * 104729 + 77) % 10**12:012d}"


def _credential_hash(kind: str, value: str) -> str:
    from parkos.access.services.credentials import credential_hash

    return credential_hash(kind, value)


EPOCH0 = int(datetime.combine(YEAR_START.date() - timedelta(days=2), time(0), tzinfo=UTC).timestamp())


def _clock() -> tuple[list[str], list[str]]:
    days = [(datetime.fromtimestamp(EPOCH0, UTC) + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(DAYS + 5)]
    clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
    return days, clock


class _Bulk(IndexesDeferred):
    """Millions of rows, fast (``generator/bulk.py``), with datetimes given as Unix times."""

    def __init__(self, ctx: Context, labels: list[str]) -> None:
        super().__init__(ctx, labels)
        self.clock: tuple[list[str], list[str]] | None = None

    def stamps(self, seconds: np.ndarray) -> list[Any]:
        """Unix times (-1: None) for ``insert``'s ``epochs`` columns: on SQLite the numbers themselves (the
        database formats them, in C), elsewhere the stored text."""
        if self.connection.vendor == "sqlite":
            return [None if s < 0 else s for s in seconds.tolist()]
        if self.clock is None:
            self.clock = _clock()
        return _stamps(seconds, *self.clock)


def _numpy_rng(ctx: Context) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(ctx.rng.getrandbits(64)))


# --- areas and gates ------------------------------------------------------------------------------
@part("access_gates", after=("buildings", "enterprises"),
      models=("access.AccessSettings", "access.Area", "access.Gate"),
      rows=lambda f: len(__import__("parkos.generator.parts.enterprises", fromlist=["PARKS"]).PARKS)
      + 4 * max(3, round(24 * f)))
def access_gates(ctx: Context) -> int:
    """Each park's settings (the defaults), a lobby per building with its opening hours and three gates
    (in, out, and a face gate supplied by one of the park's tenants when it has an AI or robotics one).
    Buildings get their floor area (innovation density is per 1,000 m²). Publishes ``gates`` (building id
    -> (in gate, out gate, face gate)), ``gate_park`` and ``building_area``."""
    rng = ctx.rng
    from parkos.enterprises.models import Building, Enterprise

    park_ids: list[int] = ctx.shared["park_ids"]
    building_park: dict[int, int] = ctx.shared["building_park"]
    for building_id, floors in ctx.shared["buildings"]:
        area = floors * rng.randrange(*FLOOR_AREA_PER_FLOOR, 100)
        Building.objects.using(ctx.using).filter(pk=building_id).update(floor_area_m2=area)
    vendors: dict[int, list[int]] = {}
    for pk, park_id in (Enterprise.objects.using(ctx.using).filter(industry__code__in=["ai", "robotics"])
                        .values_list("pk", "park_id").order_by("pk")):
        vendors.setdefault(park_id, []).append(pk)
    for pk, park_id in (Enterprise.objects.using(ctx.using).filter(industry__parent__code__in=["ai", "robotics"])
                        .values_list("pk", "park_id").order_by("pk")):
        vendors.setdefault(park_id, []).append(pk)
    written = ctx.insert("access.AccessSettings",
                         ["id", "park_id", "late_after", "passage_retention_days", "visitor_retention_days",
                          "reading_retention_days", "clock_skew_tolerance", "missing_exit_minutes"],
                         [(i, park_id, LATE_AFTER, RETENTION_DAYS, 30, 14, 120, MISSING_EXIT_MINUTES)
                          for i, park_id in enumerate(park_ids, start=1)])
    codes = dict(Building.objects.using(ctx.using).values_list("pk", "code"))
    areas: list[tuple[Any, ...]] = []
    gates: list[tuple[Any, ...]] = []
    by_building: dict[int, tuple[int, int, int]] = {}
    gate_park: dict[int, int] = {}
    building_area: dict[int, int] = {}
    opened = YEAR_START - timedelta(days=400)
    for building_id, _floors in ctx.shared["buildings"]:
        park_id = building_park[building_id]
        area_id = len(areas) + 1
        areas.append((area_id, park_id, building_id, f"{codes[building_id]} 大堂", LOBBY_OPENS, LOBBY_CLOSES, True, True))
        building_area[building_id] = area_id
        ids = []
        for name, direction in GATE_NAMES:
            gate_id = len(gates) + 1
            in_park = sorted(set(vendors.get(park_id, [])))
            vendor = rng.choice(in_park) if direction == "both" and in_park else None
            gates.append((gate_id, park_id, area_id, name, direction, vendor, True, opened, None, None))
            gate_park[gate_id] = park_id
            ids.append(gate_id)
        by_building[building_id] = (ids[0], ids[1], ids[2])
    written += ctx.insert("access.Area", ["id", "park_id", "building_id", "name", "opens_at", "closes_at",
                                          "open_on_weekends", "is_active"], areas)
    written += ctx.insert("access.Gate", ["id", "park_id", "area_id", "name", "direction", "vendor_enterprise_id",
                                          "is_active", "created_at", "last_seen_at", "clock_offset"], gates)
    ctx.shared["gates"] = by_building
    ctx.shared["gate_park"] = gate_park
    ctx.shared["building_area"] = building_area
    ctx.ids["gates"] = range(1, len(gates) + 1)
    return written


# --- who comes, and their cards -------------------------------------------------------------------
def _population(ctx: Context) -> dict[str, np.ndarray]:
    """Every member's home park and building and how often they come (arrays indexed by user id - 1)."""
    from parkos.enterprises.models import Enterprise

    rng = ctx.rng
    n = len(ctx.ids["members"])
    park_ids: list[int] = ctx.shared["park_ids"]
    building_park: dict[int, int] = ctx.shared["building_park"]
    in_park: dict[int, list[int]] = {}
    for building_id, floors in ctx.shared["buildings"]:
        in_park.setdefault(building_park[building_id], []).extend([building_id] * max(1, floors))
    home = dict(Enterprise.objects.using(ctx.using).values_list("pk", "building_id"))
    park = np.full(n, park_ids[0], dtype=np.int64)
    building = np.zeros(n, dtype=np.int64)
    kind = np.full(n, "visitor", dtype=object)
    for index, user_ids in enumerate(ctx.shared["staff"]):
        building_id = home[index + 1]
        for user_id in user_ids:
            building[user_id - 1] = building_id
            park[user_id - 1] = building_park[building_id]
            kind[user_id - 1] = "staff"
    for role, holders in ctx.shared["role_parks"].items():
        for user_id, park_id in holders.items():
            park[user_id - 1] = park_id or park_ids[0]
            building[user_id - 1] = rng.choice(in_park[int(park[user_id - 1])])
            if role in (Role.OPERATOR, Role.BUTLER, Role.MERCHANT):
                kind[user_id - 1] = "park"
    for i in np.flatnonzero(building == 0):
        building[i] = rng.choice(in_park[int(park[i])])
    joined = np.array([int(moment.timestamp()) for moment in ctx.shared["joined"]], dtype=np.int64)
    attendance = np.array([ATTENDANCE[k] for k in kind], dtype=np.float64)
    return {"park": park, "building": building, "attendance": attendance, "joined": joined,
            "staff": np.array([k != "visitor" for k in kind])}


@part("access_cards", after=("access_gates", "memberships", "roles"), models=("access.Credential",),
      rows=lambda f: round(max(1, round(25_000 * f)) * (1 + FACE_SHARE)))
def access_cards(ctx: Context) -> int:
    """A card for every member in their home park (issued when they joined), and a face token for some.
    Publishes ``access_population`` and ``cards`` (user id -> card credential id)."""
    rng = ctx.rng
    population = _population(ctx)
    ctx.shared["access_population"] = population
    joined = ctx.shared["joined"]
    rows: list[tuple[Any, ...]] = []
    cards: dict[int, int] = {}
    for user_id in ctx.ids["members"]:
        park_id = int(population["park"][user_id - 1])
        number = card_number(user_id)
        rows.append((len(rows) + 1, park_id, user_id, "card", _credential_hash("card", number), number[-4:], "",
                     None, joined[user_id - 1], None, None, None, joined[user_id - 1]))
        cards[user_id] = len(rows)
        if rng.random() < FACE_SHARE:
            rows.append((len(rows) + 1, park_id, user_id, "face", _credential_hash("face", face_token(user_id)),
                         rng.choice(FACE_VENDORS), "", None, joined[user_id - 1], None, None, None,
                         joined[user_id - 1]))
    ctx.shared["cards"] = cards
    return ctx.insert("access.Credential", ["id", "park_id", "user_id", "kind", "value_hash", "label", "salt",
                                            "last_window", "valid_from", "valid_until", "revoked_at", "created_by_id",
                                            "created_at"], rows)


# --- the year: presence, passages of the retention window, occupancy ------------------------------
def _presence_rows_estimate(f: float) -> int:
    members = max(1, round(25_000 * f))
    return round(members * 0.78 * 0.83 * 180 * (1 + 2.8 * PASSAGE_DAYS / DAYS * 1.3) + 24 * 365 * 16 * max(f, 0.05))


def day_spans(np_rng: np.random.Generator, people: np.ndarray, population: dict[str, np.ndarray], *,
              working: bool, other_building: np.ndarray, day_start: int) -> dict[str, np.ndarray]:
    """Everyone's intervals inside on one day, as arrays of shape (people, 3): up to three intervals each
    (arrival to departure; or split by a lunch outside; or by a meeting in another building), with
    ``valid`` marking the ones used. A passage is every end of an interval that was not inferred: an entry
    at its start unless ``entry_inferred``, an exit at its end unless ``exit_inferred``. Unix seconds."""
    n = len(people)
    home = population["building"][people]
    if working:
        arrive = population["arrive"][people] + np_rng.normal(0, ARRIVE_DAILY, n)
        stay = population["stay"][people] + np_rng.normal(0, STAY_DAILY, n)
        depart = arrive + np.maximum(stay, 2.0)
        late = np_rng.random(n) < population["late"][people]
        depart = np.where(late, np_rng.uniform(21.1, LATEST_DEPARTURE, n), depart)
        lunch = np_rng.random(n) < population["lunch"][people]
        meeting = ~lunch & (np_rng.random(n) < MEETING_SHARE) & (other_building[people] > 0)
    else:
        arrive = np_rng.uniform(9.5, 14.0, n)
        depart = arrive + np_rng.uniform(1.5, 6.0, n)
        lunch = np.zeros(n, dtype=bool)
        meeting = np.zeros(n, dtype=bool)
    arrive = np.clip(arrive, 6.2, 13.0)
    depart = np.clip(depart, arrive + 1.0, LATEST_DEPARTURE)
    lunch_out = np_rng.uniform(11.75, 12.5, n)
    lunch_in = lunch_out + np_rng.uniform(0.5, 1.25, n)
    lunch &= (arrive < lunch_out - 0.5) & (lunch_in < depart - 0.5)
    meet_out = np_rng.uniform(14.0, 16.0, n)
    meet_in = meet_out + np_rng.uniform(0.05, 0.15, n)
    meet_end = meet_in + np_rng.uniform(0.5, 1.5, n)
    meet_back = meet_end + np_rng.uniform(0.05, 0.15, n)
    meeting &= (arrive < meet_out - 0.4) & (meet_back < depart - 0.3)
    no_exit = np_rng.random(n) < MISSING_EXIT
    no_entry = ~no_exit & (np_rng.random(n) < MISSING_ENTRY)

    def at(hours: np.ndarray) -> np.ndarray:
        return day_start + np.round(hours * 3600).astype(np.int64)

    a, d = at(arrive), at(depart)
    start = np.zeros((n, 3), dtype=np.int64)
    end = np.zeros((n, 3), dtype=np.int64)
    building = np.repeat(home[:, None], 3, axis=1)
    start[:, 0], end[:, 0] = a, d
    start[lunch, 1], end[lunch, 1] = at(lunch_in)[lunch], d[lunch]
    end[lunch, 0] = at(lunch_out)[lunch]
    end[meeting, 0] = at(meet_out)[meeting]
    start[meeting, 1], end[meeting, 1] = at(meet_in)[meeting], at(meet_end)[meeting]
    building[meeting, 1] = other_building[people][meeting]
    start[meeting, 2], end[meeting, 2] = at(meet_back)[meeting], d[meeting]
    count = 1 + lunch + 2 * meeting
    valid = np.arange(3)[None, :] < count[:, None]
    rows = np.arange(n)
    last = count - 1
    cap = MISSING_EXIT_MINUTES * 60
    exit_inferred = np.zeros((n, 3), dtype=bool)
    entry_inferred = np.zeros((n, 3), dtype=bool)
    # The last exit was never read: nothing says when they left, so the interval is closed by inference
    # at the cap (every such interval starts before 17:00: the lobby's closing and midnight never cut it).
    end[rows[no_exit], last[no_exit]] = start[rows[no_exit], last[no_exit]] + cap
    exit_inferred[rows[no_exit], last[no_exit]] = True
    # The first entry was never read: opened by inference at the cap (every such exit is after 11:00, so
    # the lobby's opening and midnight never cut it).
    start[no_entry, 0] = end[no_entry, 0] - cap
    entry_inferred[no_entry, 0] = True
    return {"start": start, "end": end, "building": building, "valid": valid, "count": count,
            "entry_inferred": entry_inferred, "exit_inferred": exit_inferred}


def _stamps(seconds: np.ndarray, days: list[str], clock: list[str]) -> list[str | None]:
    """Unix times as the ORM stores aware datetimes (naive UTC, ``YYYY-MM-DD HH:MM:SS``); -1: None."""
    since = seconds - EPOCH0
    return [None if s < 0 else f"{days[x]} {clock[y]}"
            for s, x, y in zip(seconds.tolist(), (since // 86_400).tolist(), (since % 86_400).tolist(), strict=True)]


def presence_columns(spans: dict[str, np.ndarray], *, day_start: int) -> dict[str, Any]:
    """What presence_refresh makes of these intervals (its semantics, as arrays over people): the first
    entry read at a gate, the last exit when the day's last passage is one (-1: none), time inside, of
    which inferred, late (inside after ``LATE_AFTER``: every interval running past it ends with a passage
    read), passages."""
    start, end, valid = spans["start"], spans["end"], spans["valid"]
    entry_read = valid & ~spans["entry_inferred"]
    exit_read = valid & ~spans["exit_inferred"]
    length = np.where(valid, end - start, 0)
    late_at = day_start + LATE_AFTER.hour * 3600 + LATE_AFTER.minute * 60
    big = np.iinfo(np.int64).max
    first_in = np.where(entry_read, start, big).min(axis=1)
    ends_read = exit_read[np.arange(len(start)), spans["count"] - 1]
    last_out = np.where(ends_read, end[np.arange(len(start)), spans["count"] - 1], -1)
    return {
        "first_in": np.where(first_in == big, -1, first_in),
        "last_out": last_out,
        "seconds_inside": length.sum(axis=1),
        "inferred_seconds": np.where(spans["entry_inferred"] | spans["exit_inferred"], length, 0).sum(axis=1),
        "late": (np.where(valid, end, 0).max(axis=1) > late_at),
        "passages": entry_read.sum(axis=1) + exit_read.sum(axis=1),
        "updated": np.where(valid, end, 0).max(axis=1),
    }


def _intervals_json(spans: dict[str, np.ndarray]) -> tuple[list[str], list[str]]:
    """Each person's ``buildings`` and ``intervals`` as JSONField stores them (``json.dumps``'s spacing)."""
    inferred = spans["entry_inferred"] | spans["exit_inferred"]
    columns = []
    for j in range(3):
        columns.append([f"[{s}, {e}, {b}, {'true' if i else 'false'}]" for s, e, b, i in zip(
            spans["start"][:, j].tolist(), spans["end"][:, j].tolist(), spans["building"][:, j].tolist(),
            inferred[:, j].tolist(), strict=True)])
    intervals = [f"[{c0}]" if k == 1 else f"[{c0}, {c1}]" if k == 2 else f"[{c0}, {c1}, {c2}]"
                 for c0, c1, c2, k in zip(*columns, spans["count"].tolist(), strict=True)]
    home, other = spans["building"][:, 0].tolist(), spans["building"][:, 1].tolist()
    buildings = [f"[{h}]" if k < 3 else json.dumps(sorted({h, o}))
                 for h, o, k in zip(home, other, spans["count"].tolist(), strict=True)]
    return buildings, intervals


@part("access_presence", after=("access_cards",),
      models=("access.DailyPresence", "access.Passage", "access.OccupancyHour"), rows=_presence_rows_estimate)
def access_presence(ctx: Context) -> int:
    """The year day by day: who came (their attendance, fewer on weekends and holidays, nobody before
    they joined), their intervals, the day's presence rows, the passages when the day is inside the
    retention window, and the day's occupancy per building and hour."""
    np_rng = _numpy_rng(ctx)
    population: dict[str, np.ndarray] = ctx.shared["access_population"]
    gates: dict[int, tuple[int, int, int]] = ctx.shared["gates"]
    cards: dict[int, int] = ctx.shared["cards"]
    building_park: dict[int, int] = ctx.shared["building_park"]
    n = len(population["park"])
    # Each person's habits: when they arrive, how long they stay, how often they stay late or lunch outside.
    population["arrive"] = np.clip(np_rng.normal(ARRIVE_MEAN, ARRIVE_SPREAD, n), 7.0, 11.0)
    population["stay"] = np.clip(np_rng.normal(STAY_MEAN, STAY_SPREAD, n), 6.0, 11.5)
    # A long tail of late nights: most people rarely, some often (a beta with a mean of about 6%).
    population["late"] = np_rng.beta(0.6, 9.0, n)
    population["lunch"] = np_rng.beta(1.2, 1.2 / LUNCH_OUT_SHARE - 1.2, n)
    attendance = np.clip(population["attendance"] * np_rng.normal(1.0, 0.08, n), 0.0, 0.98)
    # The building someone has meetings in: another building of their park (0 when the park has one).
    by_park: dict[int, list[int]] = {}
    for building_id, park_id in sorted(building_park.items()):
        by_park.setdefault(park_id, []).append(building_id)
    other = np.zeros(n, dtype=np.int64)
    picks = np_rng.integers(0, 1 << 30, n)
    for i in range(n):
        choices = [b for b in by_park[int(population["park"][i])] if b != population["building"][i]]
        other[i] = choices[int(picks[i]) % len(choices)] if choices else 0
    buildings = sorted(building_park)
    row_of = np.zeros(max(buildings) + 1, dtype=np.int64)
    row_of[buildings] = np.arange(len(buildings))
    park_of = np.zeros(max(buildings) + 1, dtype=np.int64)
    park_of[buildings] = [building_park[b] for b in buildings]
    gate_of = np.zeros((max(buildings) + 1, 3), dtype=np.int64)  # building -> in, out, face gate
    for building_id, trio in gates.items():
        gate_of[building_id] = trio
    card_of = np.zeros(n + 1, dtype=np.int64)
    card_of[list(cards)] = list(cards.values())
    window_from = DAYS - PASSAGE_DAYS
    written = 0
    bulk = _Bulk(ctx, ["access.DailyPresence", "access.Passage", "access.OccupancyHour"])

    def produce() -> Generator[list[tuple[str, list[str], list[tuple[Any, ...]], tuple[str, ...]]], None,
                               tuple[int, int]]:
        presence_id = passage_id = occupancy_id = 0
        for offset in range(DAYS):
            day = YEAR_START.date() + timedelta(days=offset)
            day_start = int(datetime.combine(day, time(0), tzinfo=PARK_TZ).timestamp())
            working = day.weekday() < 5 and day not in HOLIDAYS
            chance = attendance if working else attendance * WEEKEND_VISIT
            came = (np_rng.random(n) < chance) & (population["joined"] < day_start + 8 * 3600)
            people = np.flatnonzero(came)
            if not len(people):
                continue
            batch: list[tuple[str, list[str], list[tuple[Any, ...]], tuple[str, ...]]] = []
            spans = day_spans(np_rng, people, population, working=working, other_building=other, day_start=day_start)
            p = presence_columns(spans, day_start=day_start)
            seen, intervals = _intervals_json(spans)
            m = len(people)
            ids = range(presence_id + 1, presence_id + m + 1)
            presence_id += m
            batch.append(("access.DailyPresence", PRESENCE_FIELDS, list(zip(
                ids, population["park"][people].tolist(), (people + 1).tolist(), [day.isoformat()] * m,
                bulk.stamps(p["first_in"]), bulk.stamps(p["last_out"]),
                p["seconds_inside"].tolist(), p["inferred_seconds"].tolist(), p["late"].tolist(), seen, intervals,
                p["passages"].tolist(), bulk.stamps(p["updated"]), strict=True)), PRESENCE_EPOCHS))

            # Occupancy: person-seconds per building and hour; people counted once per building and hour
            # (back from lunch within the hour is one person).
            valid = spans["valid"]
            start, end, where = spans["start"], spans["end"], spans["building"]
            person_seconds = np.zeros((len(buildings), 24), dtype=np.int64)
            people_count = np.zeros((len(buildings), 24), dtype=np.int64)
            for h in range(24):
                hour_start = day_start + h * 3600
                overlap = np.where(valid, np.minimum(end, hour_start + 3600) - np.maximum(start, hour_start), 0)
                overlap = np.maximum(overlap, 0)
                person_seconds[:, h] = np.bincount(row_of[where].ravel(), weights=overlap.ravel(),
                                                   minlength=len(buildings)).astype(np.int64)
                inside = overlap > 0
                at_home = inside[:, 0] | (inside[:, 1] & (where[:, 1] == where[:, 0])) | inside[:, 2]
                away = inside[:, 1] & (where[:, 1] != where[:, 0])
                people_count[:, h] = (np.bincount(row_of[where[:, 0]][at_home], minlength=len(buildings))
                                      + np.bincount(row_of[where[:, 1]][away], minlength=len(buildings)))
            rows, hours = np.nonzero(people_count)
            k = len(rows)
            batch.append(("access.OccupancyHour", ["id", "park_id", "building_id", "hour", "person_seconds",
                                                   "people"], list(zip(
                range(occupancy_id + 1, occupancy_id + k + 1), park_of[np.array(buildings)[rows]].tolist(),
                np.array(buildings)[rows].tolist(), bulk.stamps(day_start + hours * 3600),
                person_seconds[rows, hours].tolist(), people_count[rows, hours].tolist(), strict=True)), ("hour",)))
            occupancy_id += k

            if offset < window_from:
                yield batch
                continue
            # The passages of the day: every end of an interval that was not inferred, in order of person
            # and time; one passage in four goes through the lobby's face gate.
            who = np.repeat(people[:, None], 3, axis=1)
            entries = valid & ~spans["entry_inferred"]
            exits = valid & ~spans["exit_inferred"]
            moment = np.concatenate([start[entries], end[exits]])
            person = np.concatenate([who[entries], who[exits]])
            building_of = np.concatenate([where[entries], where[exits]])
            outward = np.concatenate([np.zeros(entries.sum(), dtype=bool), np.ones(exits.sum(), dtype=bool)])
            order = np.lexsort((moment, person))
            moment, person, building_of, outward = moment[order], person[order], building_of[order], outward[order]
            k = len(order)
            pks = np.arange(passage_id + 1, passage_id + k + 1)
            passage_id += k
            gate = np.where(pks % 4 == 0, gate_of[building_of, 2], np.where(outward, gate_of[building_of, 1],
                                                                             gate_of[building_of, 0]))
            stamps = bulk.stamps(moment)
            batch.append(("access.Passage", PASSAGE_FIELDS, list(zip(
                pks.tolist(), park_of[building_of].tolist(), gate.tolist(), [f"{pk:010d}" for pk in pks.tolist()],
                ["out" if o else "in" for o in outward.tolist()], stamps, stamps, card_of[person + 1].tolist(),
                (person + 1).tolist(), [None] * k, ["accepted"] * k, [""] * k, [None] * k, strict=True)),
                ("occurred_at", "received_at")))
            yield batch
        return presence_id, passage_id

    def consume(batch: list[tuple[str, list[str], list[tuple[Any, ...]], tuple[str, ...]]]) -> None:
        nonlocal written
        for label, fields, rows, epochs in batch:
            written += bulk.insert(label, fields, rows, epochs=epochs)

    with bulk:
        presence_id, passage_id = pipelined(produce, consume, fork=n >= PIPELINE_FROM)
    ctx.ids["presence"] = range(1, presence_id + 1)
    ctx.ids["passages"] = range(1, passage_id + 1)
    return written
