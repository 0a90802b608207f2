"""Bookings benchmark over the generated park: the day's grid of a building, and a rush for the same rooms at 9:00.

    python -m bench.bookings --db PATH [--json] [--smoke]     # PATH: a generated park (`parkos generate`)

Both run against the embedded server (`parkos serve`, as `make demo` starts it), with the bare endpoint
(`GET /bare/`: no database, no template) measured on the same threads in the same server run as the baseline.

1. Grid: THREADS members at once (each their own session, staff of the default park's enterprises) load the
   availability grid of the building with the most rooms for its busiest generated day, one request after
   the other: the page `GET /bookings/grid/?building=<id>&day=YYYY-MM-DD` (p50/p95 and requests/s), then the
   JSON of the same grid `GET /api/v1/bookings/grid?building=<id>&day=...` (a personal access token each).
2. Booking rush: SLOTS popular slots (a room from 9:00 to 10:00 on the coming working days, free before the
   run) and MEMBERS members of different enterprises (each their own personal access token; enterprises whose
   plan charges overage, so credits never refuse them) released at once on THREADS connections: each member
   tries their own slot first, then others in their own order, `POST /api/v1/bookings` until one is theirs
   (201) or TRIES answered 409 ``overlap``. Attempts per second, p50/p95, and the check that matters: every
   slot ends with exactly one active booking (no double booking), and as many 201s as slots.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

THREADS = 4  # clients at once on the grid (the server has 3 workers on 2 cores)
RUSH_THREADS = 8  # members at once in the rush
TRIES = 5  # slots a member tries before giving up


def _setup(db: Path) -> None:
    from bench import servers

    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    servers.VAR.mkdir(parents=True, exist_ok=True)
    os.environ["PARKOS_VAR_DIR"] = str(servers.VAR)  # the server's (its secret key signs the sessions)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    os.environ.setdefault("RATELIMIT_ENABLE", "0")
    os.environ.setdefault("SCHEDULER", "0")
    import django

    django.setup()
    from django.urls import reverse

    reverse("core:bare")  # load the URLconf (the whole API's schemas) before anything is timed


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _summary(latencies: list[float], seconds: float) -> dict[str, Any]:
    return {"n": len(latencies), "seconds": seconds, "per_second": len(latencies) / seconds if seconds else 0.0,
            "p50_ms": statistics.median(latencies), "p95_ms": _pct(latencies, 95)}


def _request(conn: http.client.HTTPConnection, method: str, path: str, *, token: str | None = None,
             cookie: str | None = None, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    """One request on a kept-alive connection, opened again once if the server closed it while it sat idle
    (the bookings carry their idempotency key, so a retry never books twice)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    for attempt in (1, 2):
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --- who and what -------------------------------------------------------------------------------------------

def _staff(n: int, *, overage: bool) -> list[Any]:
    """``n`` active staff of the default park's enterprises, one per enterprise as long as there are enough
    (then more per enterprise); with ``overage``, of enterprises whose plan charges what credits do not cover."""
    from parkos.accounts.models import User
    from parkos.bookings.models import EnterprisePlan
    from parkos.core.parks import park_default
    from parkos.enterprises.models import Membership

    park = park_default()
    enterprises = list(EnterprisePlan.objects.filter(enterprise__park=park, enterprise__is_active=True,
                                                     **({"plan__allow_overage": True} if overage else {}))
                       .order_by("enterprise_id").values_list("enterprise_id", flat=True))
    staff: dict[int, list[int]] = {}
    for enterprise, user in (Membership.objects.filter(enterprise_id__in=enterprises, status="active",
                                                       user__is_active=True)
                             .order_by("enterprise_id", "pk").values_list("enterprise_id", "user_id")):
        staff.setdefault(enterprise, []).append(user)
    chosen: list[int] = []
    depth = 0
    while len(chosen) < n and any(len(people) > depth for people in staff.values()):
        chosen += [people[depth] for people in staff.values() if len(people) > depth][:n - len(chosen)]
        depth += 1
    if not chosen:
        raise SystemExit("bench.bookings needs a generated park (`parkos generate`): no staff on a credit plan")
    users = User.objects.in_bulk(chosen)
    return [users[pk] for pk in chosen]


def _tokens(users: list[Any], stamp: str) -> list[str]:
    from parkos.accounts.services import token_create

    return [token_create(actor=u, name=f"bench bookings {stamp}", expires_in_days=1)[1] for u in users]


def _sessions(users: list[Any]) -> list[str]:
    """A logged-in session per member (made here, stored where the server reads them: the database)."""
    from django.conf import settings
    from django.test import Client

    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
    return cookies


def _busiest() -> tuple[int, dt.date, int]:
    """The default park's building with the most rooms and venues, its busiest generated day, and how many
    active bookings that day has."""
    from django.db.models import Count
    from django.utils import timezone

    from parkos.bookings.models import ACTIVE, Booking, Place, PlaceKind
    from parkos.core.parks import park_default

    park = park_default()
    top = (Place.objects.filter(park=park, is_active=True, building__isnull=False).exclude(kind=PlaceKind.DESK)
           .values("building_id").annotate(n=Count("pk")).order_by("-n", "building_id").first())
    if top is None:
        raise SystemExit("bench.bookings needs a generated park with rooms (`parkos generate`)")
    days = Counter(timezone.localtime(start).date() for start in Booking.objects.filter(
        place__building_id=top["building_id"], status__in=ACTIVE).exclude(place__kind=PlaceKind.DESK)
        .values_list("starts_at", flat=True))
    today = timezone.localdate()
    # The grid page shows a year either way of today.
    days = Counter({d: n for d, n in days.items() if abs((d - today).days) <= 365})
    day, bookings = days.most_common(1)[0] if days else (today, 0)
    return int(top["building_id"]), day, bookings


def _free_slots(n: int) -> list[dict[str, Any]]:
    """``n`` (room, 9:00–10:00 on a coming working day) pairs nothing active holds: rooms of the default park
    any tenant may book, without approval; the soonest days first, then the rooms in order."""
    from django.utils import timezone

    from parkos.bookings.models import Place, PlaceKind
    from parkos.bookings.services.booking import overlapping
    from parkos.core.parks import park_default
    from parkos.core.workdays import park_calendar

    park = park_default()
    calendar = park_calendar(park)
    rooms = list(Place.objects.filter(park=park, kind=PlaceKind.MEETING_ROOM, is_active=True, audience="tenants",
                                      needs_approval=False, min_minutes__lte=60, max_minutes__gte=60)
                 .order_by("building__code", "floor", "pk"))
    if not rooms:
        raise SystemExit("bench.bookings needs a generated park with meeting rooms (`parkos generate`)")
    today = timezone.localdate()
    slots: list[dict[str, Any]] = []
    for ahead in range(1, 90):
        day = today + dt.timedelta(days=ahead)
        if not calendar.is_workday(day):
            continue
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        end = start + dt.timedelta(hours=1)
        for room in rooms:
            if ahead > room.max_days_ahead or room.open_all_day:
                continue
            if overlapping(room, start, end + dt.timedelta(minutes=room.buffer_minutes)).exists():
                continue
            slots.append({"place": room.pk, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
                          "buffer": room.buffer_minutes})
            if len(slots) == n:
                return slots
    if not slots:
        raise SystemExit("bench.bookings: no free 9:00 slot in the coming weeks")
    return slots


# --- 1. the grid ---------------------------------------------------------------------------------------------

def grid(db: Path, requests: int) -> dict[str, Any]:
    from bench import servers

    if not (servers.VAR / "static" / "staticfiles.json").exists():  # `python -m bench` collects them first
        servers.parkos("collectstatic", "--noinput", "-v", "0", db=db)
    building, day, bookings = _busiest()
    users = _staff(THREADS, overage=False)
    cookies = _sessions(users)
    tokens = _tokens(users, f"{time.time():.0f}")
    page = f"/bookings/grid/?building={building}&day={day.isoformat()}"
    api = f"/api/v1/bookings/grid?building={building}&day={day.isoformat()}"
    lock = threading.Lock()
    samples: dict[str, list[float]] = {"page": [], "api": [], "bare": []}
    statuses: Counter[str] = Counter()
    with servers.running("serve", db) as (port, _proc):
        local = threading.local()

        def conn() -> http.client.HTTPConnection:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return local.conn  # type: ignore[no-any-return]

        def worker(kind: str, client: int, count: int) -> None:
            for _ in range(count):
                t0 = time.perf_counter()
                if kind == "page":
                    status, _body = _request(conn(), "GET", page, cookie=cookies[client])
                elif kind == "api":
                    status, _body = _request(conn(), "GET", api, token=tokens[client])
                else:
                    status, _body = _request(conn(), "GET", "/bare/")
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    samples[kind].append(elapsed)
                    statuses[f"{kind} {status}"] += 1

        per = max(1, requests // THREADS)
        timings = {}
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for kind in ("page", "api", "bare"):  # warm-up: imports, templates, the URL resolver
                list(pool.map(lambda c, k=kind: worker(k, c, 5), range(THREADS)))
                samples[kind].clear()
            for kind in ("page", "api", "bare"):
                started = time.perf_counter()
                list(pool.map(lambda c, k=kind: worker(k, c, per), range(THREADS)))
                timings[kind] = time.perf_counter() - started
    bad = {k: v for k, v in statuses.items() if not k.endswith(" 200")}
    if bad:
        raise RuntimeError(f"grid: unexpected answers {bad}")
    from parkos.bookings.models import Place

    rows = Place.objects.filter(building_id=building, is_active=True).exclude(kind="desk").count()
    return {"building": building, "day": day.isoformat(), "rooms": rows, "bookings": bookings,
            **{kind: _summary(samples[kind], timings[kind]) for kind in samples}}


# --- 2. the rush ---------------------------------------------------------------------------------------------

def rush(db: Path, n_slots: int, n_members: int) -> dict[str, Any]:
    from bench import servers

    stamp = f"{time.time():.0f}"
    slots = _free_slots(n_slots)
    users = _staff(n_members, overage=True)
    tokens = _tokens(users, stamp)
    rng = random.Random(stamp)
    plans = []  # each member's order of slots: their own first, then others
    for i in range(len(users)):
        others = [k for k in range(len(slots)) if k != i % len(slots)]
        rng.shuffle(others)
        plans.append([i % len(slots), *others][:TRIES])
    lock = threading.Lock()
    latencies: list[float] = []
    bare: list[float] = []
    answers: Counter[str] = Counter()
    made: list[int] = []
    errors: list[str] = []
    with servers.running("serve", db) as (port, _proc):
        local = threading.local()

        def conn() -> http.client.HTTPConnection:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return local.conn  # type: ignore[no-any-return]

        together = min(RUSH_THREADS, len(users))
        gate = threading.Barrier(together)

        def member(i: int) -> None:
            if i < together:
                gate.wait(timeout=120)  # the first members of every connection start together
            for k in plans[i]:
                slot = slots[k]
                body = {"place": slot["place"], "starts_at": slot["starts_at"], "ends_at": slot["ends_at"],
                        "title": "抢会议室", "attendees": 1, "key": f"bench-{stamp}-{i}-{k}"}
                t0 = time.perf_counter()
                status, reply = _request(conn(), "POST", "/api/v1/bookings", token=tokens[i], body=body)
                elapsed = (time.perf_counter() - t0) * 1000
                code = json.loads(reply).get("code", "") if status >= 300 and reply.startswith(b"{") else ""
                with lock:
                    latencies.append(elapsed)
                    answers[f"{status} {code}".strip()] += 1
                    if status == 201:
                        made.append(k)
                    elif code != "overlap" and len(errors) < 5:
                        errors.append(f"HTTP {status}: {reply[:300]!r}")
                if status == 201:
                    return

        def bare_worker(count: int) -> None:
            for _ in range(count):
                t0 = time.perf_counter()
                status, _reply = _request(conn(), "GET", "/bare/")
                with lock:
                    bare.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise RuntimeError(f"bare: HTTP {status}")

        with ThreadPoolExecutor(max_workers=RUSH_THREADS) as pool:
            list(pool.map(bare_worker, [20] * RUSH_THREADS))  # warm-up
            bare.clear()
            started = time.perf_counter()
            list(pool.map(member, range(len(users))))
            rush_seconds = time.perf_counter() - started
            started = time.perf_counter()
            list(pool.map(bare_worker, [max(1, len(latencies) // RUSH_THREADS)] * RUSH_THREADS))
            bare_seconds = time.perf_counter() - started
    if errors:
        print("\n".join(errors), file=sys.stderr)
    held = _held(slots)
    return {"slots": len(slots), "members": len(users), "threads": RUSH_THREADS, "attempts": len(latencies),
            "booked": len(made), "answers": dict(answers), "held": held,
            "slots_held_once": sum(1 for n in held if n == 1), "double_booked": sum(1 for n in held if n > 1),
            **_summary(latencies, rush_seconds), "bare": _summary(bare, bare_seconds)}


def _held(slots: list[dict[str, Any]]) -> list[int]:
    """Active bookings of each slot's place that overlap the slot (buffer included), after the rush."""
    from parkos.bookings.models import Place
    from parkos.bookings.services.booking import overlapping
    from parkos.bookings.services.times import clean_moment

    out = []
    for slot in slots:
        place = Place.objects.get(pk=slot["place"])
        start = clean_moment(slot["starts_at"], field="starts_at")
        end = clean_moment(slot["ends_at"], field="ends_at") + dt.timedelta(minutes=slot["buffer"])
        out.append(overlapping(place, start, end).count())
    return out


def run(db: Path, *, smoke: bool) -> dict[str, Any]:
    _setup(db)
    result: dict[str, Any] = {"smoke": smoke, "threads": THREADS}
    result["grid"] = grid(db, 80 if smoke else 1_000)
    result["rush"] = rush(db, 4 if smoke else 20, 24 if smoke else 160)
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "bookings", label, unit, budget)
        f.add(value)
        return f

    g, r = result["grid"], result["rush"]
    where = f"{g['rooms']} places, {g['bookings']} bookings that day, {THREADS} members at once"
    p95 = Budget("<=", 100, "p95 ≤ 100 ms")
    half = Budget(">=", 50, "≥ 50% of bare")
    return [
        fig("bookings.grid.p95", f"grid page of a building's day: p95 ({where})", "ms", g["page"]["p95_ms"], p95),
        fig("bookings.grid.p50", "grid page: p50", "ms", g["page"]["p50_ms"]),
        fig("bookings.grid.rate", "grid page: throughput", "req/s", g["page"]["per_second"]),
        fig("bookings.grid.api.p95", "grid JSON (API): p95", "ms", g["api"]["p95_ms"], p95),
        fig("bookings.grid.api.rate", "grid JSON (API): throughput", "req/s", g["api"]["per_second"]),
        fig("bookings.grid.bare", "bare endpoint, same threads: throughput", "req/s", g["bare"]["per_second"]),
        fig("bookings.grid.ratio", "grid page / bare throughput", "%",
            100 * g["page"]["per_second"] / g["bare"]["per_second"], half),
        fig("bookings.rush.held", f"rush: slots held by exactly one booking ({r['slots']} slots, {r['members']} "
            f"members, {r['threads']} at once)", "%", 100 * r["slots_held_once"] / max(1, r["slots"]),
            Budget(">=", 100, "every slot booked once")),
        fig("bookings.rush.double", "rush: slots booked twice", "slots", r["double_booked"],
            Budget("<=", 0, "no double booking")),
        fig("bookings.rush.rate", "rush: booking attempts through the API", "attempts/s", r["per_second"]),
        fig("bookings.rush.p95", "rush: attempt p95 (201 or 409)", "ms", r["p95_ms"], p95),
        fig("bookings.rush.p50", "rush: attempt p50", "ms", r["p50_ms"]),
        fig("bookings.rush.bare", "bare endpoint, same threads: throughput", "req/s", r["bare"]["per_second"]),
        fig("bookings.rush.ratio", "rush attempts / bare throughput", "%",
            100 * r["per_second"] / r["bare"]["per_second"], half),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bookings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a generated park (`parkos generate`)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="80 grid requests, 4 slots for 24 members (CI, < 1 min)")
    args = parser.parse_args()
    result = run(args.db, smoke=args.smoke)
    if args.json:
        print(json.dumps(result))
    else:
        for f in figures(result):
            print(f"{f.label:<100} {f.median:>12,.1f} {f.unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
