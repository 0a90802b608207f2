"""Year-report benchmark over the generated park: the whole portfolio's year reports against a
hand-written DuckDB query computing the same figures from the same database, in the same run.

    python -m bench.insights --db PATH [--json] [--smoke]     # PATH: a generated park (`parkos generate`)

1. Batch: `parkos year-report --year Y --force` for every park (the year with the most presence in the
   generated park-year), in its own process: wall time and peak RSS (the child's ru_maxrss). Budgets:
   ≤ 60 s on this 2-core machine, ≤ 300 MB.
2. Baseline: DuckDB (the `sqlite_scanner` extension from PyPI, attached read-only to the same SQLite
   file) computes every member's figures — presence sums, special days, streaks of working days, busiest
   month, events and the biggest one, posts and likes, comments and answers, public groups, orders,
   scenes, proposals, deals, suggestions, coupons — and every enterprise's, for every park, fetched into
   Python. Budget: the batch ≤ 2 × the baseline. DuckDB is only a benchmark dependency.
3. Check: for every member of every park the batch's figures are compared with DuckDB's (days, hours,
   late and early days, earliest and latest time and day, streak, busiest month, events attended,
   posts, likes, comments, orders, deals, coupons and money saved); any difference fails the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BATCH_BUDGET_SECONDS = 60.0
RSS_BUDGET_MB = 300.0
RATIO_BUDGET = 2.0
OFFSET = 8  # Beijing time, no daylight saving
REPS = 1  # the batch rewrites 75,000 reports: once per bench run is plenty


def _django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    os.environ.setdefault("SCHEDULER", "0")
    import django

    django.setup()


def _year(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT substr(day, 1, 4) AS y, COUNT(*) FROM access_dailypresence GROUP BY y "
                         "ORDER BY 2 DESC LIMIT 1").fetchall()
    return int(rows[0][0]) if rows else dt.datetime.now(dt.UTC).year - 1


def batch(db: Path, year: int) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db.resolve()}", "SCHEDULER": "0"}
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "parkos.config.cli", "year-report", "--year", str(year), "--force",
                          "--no-progress"], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if out.returncode:
        raise RuntimeError(f"year-report failed:\n{out.stdout}\n{out.stderr}")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "rss_mb": rss_mb, "output": out.stdout.strip().splitlines()}


# --- the baseline ----------------------------------------------------------------------------------

def _duckdb(db: Path) -> Any:
    import duckdb
    import duckdb_extension_sqlite_scanner as ext

    path = glob.glob(os.path.join(os.path.dirname(ext.__file__), "extensions", "*", "*.duckdb_extension"))[0]
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{path}'")
    con.execute(f"ATTACH '{db.resolve()}' AS s (TYPE sqlite, READ_ONLY)")
    return con


def _sod(col: str, shift: int) -> str:
    """Seconds of the Beijing day of a UTC timestamp, on a clock shifted back ``shift`` hours."""
    return f"((hour({col}) * 3600 + minute({col}) * 60 + CAST(floor(second({col})) AS INTEGER) + {(OFFSET - shift) * 3600} + 86400) % 86400)"


def baseline(db: Path, year: int, park_ids: list[int], workdays: list[dt.date]) -> tuple[float, dict[int, Any]]:
    """Every park's member and enterprise figures, as hand-written DuckDB SQL. Returns the seconds and
    per park {user: figures} (enterprise figures computed and fetched, for the time, not compared)."""
    con = _duckdb(db)
    con.execute("CREATE TEMP TABLE wd(day DATE, idx INTEGER)")
    con.executemany("INSERT INTO wd VALUES (?, ?)", [(d, n) for n, d in enumerate(workdays)])
    # The year's bounds in UTC without an offset, as the file stores moments.
    t0 = (dt.datetime(year, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=OFFSET)).replace(tzinfo=None)
    t1 = (dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=OFFSET)).replace(tzinfo=None)
    d0, d1 = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    out: dict[int, Any] = {}
    began = time.perf_counter()
    for park in park_ids:
        p = {"park": park, "t0": t0, "t1": t1, "d0": d0, "d1": d1}
        def q(sql: str, p: dict[str, Any] = p) -> list[Any]:
            return con.execute(sql, {k: v for k, v in p.items() if f"${k}" in sql}).fetchall()

        presence = q(f"""
            WITH pr AS (SELECT * FROM s.access_dailypresence
                         WHERE park_id = $park AND day >= $d0 AND day < $d1
                           AND user_id NOT IN (SELECT user_id FROM s.access_accesspreference WHERE presence_analytics = 0)),
                 runs AS (SELECT user_id, COUNT(*) AS n FROM (
                            SELECT pr.user_id, wd.idx - ROW_NUMBER() OVER (PARTITION BY pr.user_id ORDER BY pr.day) AS g
                              FROM pr JOIN wd ON wd.day = pr.day) GROUP BY user_id, g),
                 months AS (SELECT user_id, month(day) AS m, COUNT(*) AS n FROM pr GROUP BY user_id, m)
            SELECT pr.user_id, COUNT(*), SUM(seconds_inside), SUM(CASE WHEN late = 1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN first_in IS NOT NULL AND {_sod('first_in', 4)} >= 3600 AND {_sod('first_in', 4)} < 14400
                            THEN 1 ELSE 0 END),
                   arg_min(day, CASE WHEN inferred_seconds = 0 AND first_in IS NOT NULL THEN {_sod('first_in', 4)} * 100000 + epoch(day) // 86400 END),
                   MIN(CASE WHEN inferred_seconds = 0 AND first_in IS NOT NULL THEN {_sod('first_in', 4)} END),
                   arg_max(day, CASE WHEN inferred_seconds = 0 AND last_out IS NOT NULL THEN {_sod('last_out', 5)} * 100000 - epoch(day) // 86400 END),
                   MAX(CASE WHEN inferred_seconds = 0 AND last_out IS NOT NULL THEN {_sod('last_out', 5)} END),
                   (SELECT MAX(n) FROM runs WHERE runs.user_id = pr.user_id),
                   (SELECT arg_max(m, n * 100 - m) FROM months WHERE months.user_id = pr.user_id)
              FROM pr GROUP BY pr.user_id""")
        events = dict((u, (n, k)) for u, n, k in q("""
            WITH sz AS (SELECT event_id, COUNT(*) AS size FROM s.events_checkin GROUP BY event_id)
            SELECT r.user_id, COUNT(*), MAX(sz.size * 10000000000 + c.event_id)
              FROM s.events_checkin c JOIN s.events_registration r ON r.id = c.registration_id
              JOIN s.events_event e ON e.id = c.event_id JOIN sz ON sz.event_id = c.event_id
             WHERE e.park_id = $park AND e.starts_at >= $t0 AND e.starts_at < $t1 GROUP BY r.user_id"""))
        posts = {u: (n, likes) for u, n, likes in q("""
            SELECT author_id, COUNT(*), SUM(reaction_count) FROM s.community_post
             WHERE park_id = $park AND status = 'visible' AND created_at >= $t0 AND created_at < $t1 GROUP BY author_id""")}
        comments = {u: (n, a, d) for u, n, a, d in q("""
            SELECT c.author_id, COUNT(*), SUM(CASE WHEN p.author_id <> c.author_id THEN 1 ELSE 0 END),
                   COUNT(DISTINCT CASE WHEN p.author_id <> c.author_id THEN p.author_id END)
              FROM s.community_comment c JOIN s.community_post p ON p.id = c.post_id
             WHERE p.park_id = $park AND c.status = 'visible' AND c.created_at >= $t0 AND c.created_at < $t1
             GROUP BY c.author_id""")}
        q("""SELECT a, list(g ORDER BY n DESC, g)[1:3] FROM (
               SELECT a, g, COUNT(*) AS n FROM (
                 SELECT author_id AS a, group_id AS g FROM s.community_post WHERE park_id = $park AND status = 'visible'
                    AND group_id IS NOT NULL AND created_at >= $t0 AND created_at < $t1
                 UNION ALL SELECT c.author_id, p.group_id FROM s.community_comment c JOIN s.community_post p ON p.id = c.post_id
                  WHERE p.park_id = $park AND c.status = 'visible' AND p.group_id IS NOT NULL
                    AND c.created_at >= $t0 AND c.created_at < $t1) t
               JOIN s.community_group gr ON gr.id = t.g AND gr.visibility = 'public' GROUP BY a, g) GROUP BY a""")
        orders = {u: (n, k) for u, n, k in q("""
            SELECT requested_by_id, COUNT(*), COUNT(DISTINCT service_id) FROM s.catalog_serviceorder
             WHERE park_id = $park AND submitted_at >= $t0 AND submitted_at < $t1 GROUP BY requested_by_id""")}
        q("""SELECT publisher_id, COUNT(*) FROM s.scenes_scene
              WHERE park_id = $park AND published_at >= $t0 AND published_at < $t1 GROUP BY publisher_id""")
        q("""SELECT r.responder_id, COUNT(*) FROM s.scenes_response r JOIN s.scenes_scene sc ON sc.id = r.scene_id
              WHERE sc.park_id = $park AND r.created_at >= $t0 AND r.created_at < $t1 GROUP BY r.responder_id""")
        deals = {u: n for u, n, _p in q("""
            SELECT u, COUNT(*), SUM(pub) FROM (
              SELECT publisher_id AS u, 1 AS pub FROM s.scenes_deal WHERE park_id = $park AND created_at >= $t0 AND created_at < $t1
              UNION ALL SELECT provider_id, 0 FROM s.scenes_deal WHERE park_id = $park AND created_at >= $t0 AND created_at < $t1)
             GROUP BY u""")}
        q("""SELECT u, COUNT(*) FROM (
               SELECT author_id AS u FROM s.community_suggestion WHERE park_id = $park AND created_at >= $t0 AND created_at < $t1
               UNION ALL SELECT su.user_id FROM s.community_suggestionsupport su JOIN s.community_suggestion g ON g.id = su.suggestion_id
                WHERE g.park_id = $park AND su.created_at >= $t0 AND su.created_at < $t1) GROUP BY u""")
        coupons = {u: (n, v) for u, n, v in q("""
            SELECT r.member_id, COUNT(*), SUM(l.discount_fen) FROM s.rewards_redeemedcoupon l
              JOIN s.rewards_redemption r ON r.id = l.redemption_id
             WHERE r.park_id = $park AND r.status = 'done' AND l.active = 1 AND r.created_at >= $t0 AND r.created_at < $t1
             GROUP BY r.member_id""")}
        q("""SELECT enterprise_id, COUNT(*), COUNT(delivered_at), AVG(epoch(delivered_at) - epoch(submitted_at)),
                    COUNT(DISTINCT service_id), AVG(rating)
               FROM s.catalog_serviceorder WHERE park_id = $park AND submitted_at >= $t0 AND submitted_at < $t1
              GROUP BY enterprise_id""")
        q("""SELECT ent, COUNT(*), SUM(amount) FROM (
               SELECT sc.enterprise_id AS ent, d.amount_fen AS amount FROM s.scenes_deal d JOIN s.scenes_scene sc ON sc.id = d.scene_id
                WHERE d.park_id = $park AND d.created_at >= $t0 AND d.created_at < $t1 AND sc.enterprise_id IS NOT NULL
               UNION ALL SELECT r.enterprise_id, d.amount_fen FROM s.scenes_deal d JOIN s.scenes_response r ON r.id = d.response_id
                WHERE d.park_id = $park AND d.created_at >= $t0 AND d.created_at < $t1 AND r.enterprise_id IS NOT NULL)
              GROUP BY ent""")
        figures: dict[int, dict[str, Any]] = {}
        for (u, days, secs, late, early, first_day, first, last_day, last, streak, month) in presence:
            figures.setdefault(u, {})["presence"] = {
                "days": days, "hours": round(secs / 3600, 1), "late_days": int(late), "early_days": int(early),
                "earliest": None if first is None else (first_day.isoformat(), _hm(first + 4 * 3600)),
                "latest": None if last is None else (last_day.isoformat(), _hm(last + 5 * 3600)),
                "streak": streak or 0, "busiest_month": month}
        for u, (n, _k) in events.items():
            figures.setdefault(u, {})["events"] = n
        for u, (n, likes) in posts.items():
            figures.setdefault(u, {})["posts"] = (n, int(likes or 0))
        for u, (n, _a, _d) in comments.items():
            figures.setdefault(u, {})["comments"] = n
        for u, (n, _k) in orders.items():
            figures.setdefault(u, {})["orders"] = n
        for u, n in deals.items():
            figures.setdefault(u, {})["deals"] = n
        for u, (n, v) in coupons.items():
            figures.setdefault(u, {})["coupons"] = (n, int(v or 0))
        out[park] = figures
    seconds = time.perf_counter() - began
    con.close()
    return seconds, out


def _hm(seconds: int) -> str:
    seconds %= 86400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def compare(year: int, expected: dict[int, Any]) -> dict[str, Any]:
    """The batch's stored figures against DuckDB's, member by member."""
    from parkos.insights.models import YearReport

    checked = differences = 0
    examples: list[str] = []
    for park, members in expected.items():
        for user_id, figures in (YearReport.objects.filter(park_id=park, year=year)
                                 .values_list("user_id", "figures").iterator(chunk_size=2000)):
            want = members.get(user_id, {})
            got = _comparable(figures)
            have = {k: v for k, v in want.items() if v not in (None, 0, (0, 0))}
            if "presence" in have:
                have["presence"] = {k: v for k, v in have["presence"].items() if v is not None}
            checked += 1
            if got != have:
                differences += 1
                if len(examples) < 3:
                    examples.append(f"park {park} member {user_id}: batch {got} / duckdb {have}")
    return {"checked": checked, "differences": differences, "examples": examples}


def _comparable(f: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    p = f.get("presence")
    if p:
        out["presence"] = {"days": p["days"], "hours": p["hours"], "late_days": p["late_days"],
                           "early_days": p["early_days"], "streak": p.get("streak", 0)}
        if p.get("earliest"):
            out["presence"]["earliest"] = (p["earliest"]["date"], p["earliest"]["time"])
        if p.get("latest"):
            out["presence"]["latest"] = (p["latest"]["date"], p["latest"]["time"])
        if p.get("busiest_month"):
            out["presence"]["busiest_month"] = p["busiest_month"]
    if f.get("events"):
        out["events"] = f["events"]["attended"]
    c = f.get("community") or {}
    if c.get("posts"):
        out["posts"] = (c["posts"], c["likes"])
    if c.get("comments"):
        out["comments"] = c["comments"]
    if f.get("services"):
        out["orders"] = f["services"]["orders"]
    if (f.get("scenes") or {}).get("deals"):
        out["deals"] = f["scenes"]["deals"]
    if f.get("rewards"):
        out["coupons"] = (f["rewards"]["coupons"], f["rewards"]["saved_fen"])
    return out


def run(db: Path, smoke: bool = False) -> dict[str, Any]:
    year = _year(db)
    result: dict[str, Any] = {"year": year, "batch": batch(db, year)}
    _django(db)
    from parkos.core import workdays
    from parkos.core.models import Park
    from parkos.insights.models import YearReport

    parks = list(Park.objects.order_by("pk").values_list("pk", flat=True))
    days = [dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(366)]
    wdays = [d for d in days if d.year == year and workdays.is_workday(d)]
    result["reports"] = YearReport.objects.filter(year=year).count()
    seconds, expected = baseline(db, year, parks, wdays)
    result["duckdb_seconds"] = seconds
    result["ratio"] = result["batch"]["seconds"] / seconds
    result["check"] = compare(year, expected)
    if result["check"]["differences"]:
        raise SystemExit(f"the batch and DuckDB disagree: {result['check']}")
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "insights", label, unit, budget)
        f.add(value)
        return f

    b = result["batch"]
    return [
        fig("insights.year_report.seconds", f"year reports of {result['year']}: the batch ({result['reports']:,} members)",
            "s", b["seconds"], Budget("<=", BATCH_BUDGET_SECONDS, "≤ 60 s")),
        fig("insights.year_report.duckdb", "the same figures, hand-written DuckDB over the same file", "s",
            result["duckdb_seconds"]),
        fig("insights.year_report.ratio", "batch / DuckDB", "×", result["ratio"], Budget("<=", RATIO_BUDGET, "≤ 2×")),
        fig("insights.year_report.rss", "the batch's peak memory", "MB", b["rss_mb"],
            Budget("<=", RSS_BUDGET_MB, "≤ 300 MB RSS")),
        fig("insights.year_report.checked", "members whose figures equal DuckDB's", "%",
            100 * (result["check"]["checked"] - result["check"]["differences"]) / max(1, result["check"]["checked"]),
            Budget(">=", 100, "every member")),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a generated park (`parkos generate`)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="the same (the small park is quick)")
    args = parser.parse_args()
    result = run(args.db, smoke=args.smoke)
    if args.json:
        print(json.dumps(result, default=str))
    else:
        for f in figures(result):
            print(f"{f.label:<90} {f.values[0]:>12,.1f} {f.unit}")
        if result["check"]["examples"]:
            print("\n".join(result["check"]["examples"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
