"""Dashboards benchmark over the generated park: the rollup of the whole park-year, then the operators' dashboard
page and the big screen's figures through the real server.

    python -m bench.dashboards --db PATH [--json] [--smoke]     # PATH: a generated park (`parkos generate`)

1. Rollup: ``insights.services.rollups.rollups_update`` over the generated year of every park (each timed; the
   default park, the largest, is the figure), in-process. Baseline in the same run: one hand-written grouped SQL
   statement over the same year of the largest source table (the default park's daily presence: members and
   seconds per day), so the ratio says what the twenty-odd statements and the replacement of the rows cost
   against one plain scan.
2. Dashboard page: the embedded server (`parkos serve`, as `make demo` starts it), THREADS clients at once, each
   a logged-in portfolio operator's session:
   - ``page``: the default park's dashboard over the generated year's last 30 days
     (`GET /insights/dashboard/?park=<code>&start=…&end=…`, the page's default length), every operator the
     same period, as operators use it: the page's sections are computed once per period until the rollups
     run again (a web worker's cache), so this is mostly the cached page; budget p95 ≤ 100 ms;
   - ``fresh``: every request a period nobody asked for yet (28 to 31 days ending on a different day of the
     year), so each one reads the rollups and draws the sections: the page's cost when it is not cached;
   - ``year``: the generated year (366 days, by week), for information;
   - ``screen``: the big screen's JSON (`GET /insights/screen/data/?park=<code>`).
   Baseline: the bare endpoint (`GET /bare/`: no database, no template) on the same threads in the same
   server run; the page's throughput against it is the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

THREADS = 4  # clients at once (the server has 3 workers on 2 cores)


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


def _year() -> tuple[dt.date, dt.date]:
    """The generated park-year (first and last day), from the default park's daily presence."""
    from django.db.models import Max, Min

    from parkos.access.models import DailyPresence
    from parkos.core.parks import park_default

    span = DailyPresence.objects.filter(park=park_default()).aggregate(first=Min("day"), last=Max("day"))
    if span["first"] is None:
        raise SystemExit("bench.dashboards needs a generated park (`parkos generate`): no daily presence")
    return span["first"], span["last"]


# --- 1. the rollup ------------------------------------------------------------------------------------------

def rollup(first: dt.date, last: dt.date) -> dict[str, Any]:
    from django.db import connection

    from parkos.access.models import DailyPresence
    from parkos.core.models import Park
    from parkos.core.parks import park_default
    from parkos.insights.services.rollups import rollups_update

    default = park_default()
    parks: dict[str, Any] = {}
    for park in Park.objects.filter(is_active=True).order_by("position", "id"):
        started = time.perf_counter()
        rows = rollups_update(park=park, start=first, end=last)
        parks[park.code] = {"seconds": time.perf_counter() - started, "rows": rows,
                            "presence": DailyPresence.objects.filter(park=park, day__gte=first, day__lte=last).count()}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT day, COUNT(*), SUM(seconds_inside) FROM access_dailypresence "
                       "WHERE park_id = %s AND day >= %s AND day <= %s GROUP BY day",
                       [default.pk, first.isoformat(), last.isoformat()])
        days = len(cursor.fetchall())
        sql_seconds = time.perf_counter() - started
    mine = parks[default.code]
    return {"first": first.isoformat(), "last": last.isoformat(), "park": default.code, "parks": parks,
            "seconds": mine["seconds"], "rows": mine["rows"], "presence_rows": mine["presence"], "sql_days": days,
            "sql_seconds": sql_seconds, "ratio": mine["seconds"] / max(sql_seconds, 1e-6),
            "all_seconds": sum(p["seconds"] for p in parks.values())}


# --- 2. the pages -------------------------------------------------------------------------------------------

def _operator() -> Any:
    """A portfolio operator of the generated park (one is made if the park has none)."""
    from parkos.accounts.models import Role, User, UserRole

    role = UserRole.objects.filter(role=Role.OPERATOR, park__isnull=True, user__is_active=True).first()
    if role is not None:
        return role.user
    user = User.objects.create_user(email=f"bench-operator-{time.time():.0f}@gen.parkos", password=None,
                                    display_name="压测运营")
    UserRole.objects.create(user=user, role=Role.OPERATOR, park=None)
    return user


def _sessions(user: Any, n: int) -> list[str]:
    from django.conf import settings
    from django.test import Client

    cookies = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
    return cookies


def _get(conn: http.client.HTTPConnection, path: str, cookie: str | None) -> tuple[int, bytes]:
    for attempt in (1, 2):
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def pages(db: Path, first: dt.date, last: dt.date, requests: int) -> dict[str, Any]:
    from bench import servers
    from parkos.core.parks import park_default

    # Always collected: a manifest from an older run would lack this page's files (and the page would fail).
    servers.parkos("collectstatic", "--noinput", "-v", "0", db=db)
    code = park_default().code
    month = f"/insights/dashboard/?park={code}&start={(last - dt.timedelta(days=29)).isoformat()}&end={last.isoformat()}"
    year = f"/insights/dashboard/?park={code}&start={max(first, last - dt.timedelta(days=365)).isoformat()}" \
           f"&end={last.isoformat()}"
    screen = f"/insights/screen/data/?park={code}"
    cookies = _sessions(_operator(), THREADS)
    targets = {"page": month, "fresh": "", "year": year, "screen": screen, "bare": "/bare/"}
    fresh = iter(range(1_000_000))

    def fresh_url() -> str:
        """A period not asked for before in this run: 28–31 days ending on one of the year's days."""
        n = next(fresh)
        end = last - dt.timedelta(days=n % 330)
        start = end - dt.timedelta(days=27 + (n // 330) % 4)
        return f"/insights/dashboard/?park={code}&start={start.isoformat()}&end={end.isoformat()}"
    lock = threading.Lock()
    samples: dict[str, list[float]] = {k: [] for k in targets}
    statuses: Counter[str] = Counter()
    sizes: dict[str, int] = {}
    with servers.running("serve", db) as (port, _proc):
        local = threading.local()

        def conn() -> http.client.HTTPConnection:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return local.conn  # type: ignore[no-any-return]

        def worker(kind: str, client: int, count: int) -> None:
            for _ in range(count):
                if kind == "fresh":
                    with lock:
                        url = fresh_url()
                else:
                    url = targets[kind]
                t0 = time.perf_counter()
                status, body = _get(conn(), url, None if kind == "bare" else cookies[client])
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    samples[kind].append(elapsed)
                    statuses[f"{kind} {status}"] += 1
                    sizes[kind] = len(body)

        per = max(1, requests // THREADS)
        timings = {}
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for kind in targets:  # warm-up: imports, templates, the URL resolver, the page cache of SQLite
                list(pool.map(lambda c, k=kind: worker(k, c, 5), range(THREADS)))
                samples[kind].clear()
            for kind in targets:
                count = per if kind not in ("year", "fresh") else max(1, per // 4)
                started = time.perf_counter()
                list(pool.map(lambda c, k=kind, n=count: worker(k, c, n), range(THREADS)))
                timings[kind] = time.perf_counter() - started
    bad = {k: v for k, v in statuses.items() if not k.endswith(" 200")}
    if bad:
        raise RuntimeError(f"dashboards: unexpected answers {bad}")
    return {"park": code, "urls": targets, "bytes": sizes,
            **{kind: _summary(samples[kind], timings[kind]) for kind in targets}}


def run(db: Path, *, smoke: bool) -> dict[str, Any]:
    _setup(db)
    first, last = _year()
    result: dict[str, Any] = {"smoke": smoke, "threads": THREADS}
    result["rollup"] = rollup(first, last)
    result["pages"] = pages(db, first, last, 80 if smoke else 1_000)
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "dashboards", label, unit, budget)
        f.add(value)
        return f

    r, p = result["rollup"], result["pages"]
    p95 = Budget("<=", 100, "p95 ≤ 100 ms")
    half = Budget(">=", 50, "≥ 50% of bare")
    return [
        fig("dashboards.page.p95", f"dashboard page, 30 days of a park: p95 ({THREADS} operators at once, the same "
            f"period)", "ms", p["page"]["p95_ms"], p95),
        fig("dashboards.page.p50", "dashboard page: p50", "ms", p["page"]["p50_ms"]),
        fig("dashboards.page.rate", "dashboard page: throughput", "req/s", p["page"]["per_second"]),
        fig("dashboards.page.bare", "bare endpoint, same threads: throughput", "req/s", p["bare"]["per_second"]),
        fig("dashboards.page.ratio", "dashboard page / bare throughput", "%",
            100 * p["page"]["per_second"] / p["bare"]["per_second"], half),
        fig("dashboards.fresh.p95", "dashboard page, a period not asked for before (computed): p95", "ms",
            p["fresh"]["p95_ms"], p95),
        fig("dashboards.fresh.p50", "dashboard page, a period not asked for before: p50", "ms", p["fresh"]["p50_ms"]),
        fig("dashboards.fresh.ratio", "dashboard page, not cached / bare throughput", "%",
            100 * p["fresh"]["per_second"] / p["bare"]["per_second"], half),
        fig("dashboards.year.p95", "dashboard page, the whole year (by week): p95", "ms", p["year"]["p95_ms"]),
        fig("dashboards.screen.p95", "big screen's figures (JSON): p95", "ms", p["screen"]["p95_ms"], p95),
        fig("dashboards.rollup.seconds", f"rollup of the park-year ({r['first']} to {r['last']}, "
            f"{r['presence_rows']:,} days of presence, {r['rows']:,} figures)", "s", r["seconds"]),
        fig("dashboards.rollup.all", f"rollup of every park's year ({len(r['parks'])} parks)", "s", r["all_seconds"]),
        fig("dashboards.rollup.sql", "one grouped SQL scan of the same year's presence", "s", r["sql_seconds"]),
        fig("dashboards.rollup.ratio", "rollup / one SQL scan", "×", r["ratio"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboards", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a generated park (`parkos generate`)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="80 page requests a kind (CI, < 1 min)")
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
