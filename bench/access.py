"""Gates benchmark over the generated park: passage ingestion through the API, the decision endpoint,
and daily presence for a day of the whole park.

    python -m bench.access --db PATH [--json] [--smoke]     # PATH: a generated park (`parkos generate`)

1. Ingestion: the embedded server (`parkos serve`, as `make demo` starts it) takes a morning rush of
   card passages as the gates post them: `POST /api/v1/access/passages`, batches of 100, each gate with
   its own device key, THREADS gates posting at once. Baseline in the same run: a plain bulk INSERT of
   the same rows (batches of 100, one transaction each, one connection). The issue's floor: ten times a
   morning rush of 25,000 arrivals in an hour, ~70 passages/s.
2. Decisions: `POST /api/v1/access/decisions` for random cards, p50/p95/p99 (DESIGN: API p95 ≤ 100 ms).
3. Presence: a day's passages of the park's members (up to 25,000; in and out, a lunch outside for some)
   stored as ingestion stores them, then `presence_refresh` over the whole day's batch, against a plain
   set-based baseline (one GROUP BY per member into a table: first in, last out, count).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import sqlite3
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
THREADS = 4  # gates posting at once (the server has 3 workers on 2 cores)
BATCH = 100
FLOOR = 25_000 * 10 / 3600  # ten morning rushes of 25,000 arrivals an hour, per second


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    os.environ.setdefault("RATELIMIT_ENABLE", "0")
    import django

    django.setup()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _park() -> dict[str, Any]:
    """The default park's gates (with a fresh device key each, issued by a portfolio operator) and its
    members' card numbers (the generator's numbering)."""
    from parkos.access.models import Area, Credential, Gate
    from parkos.access.services.gates import device_key_issue
    from parkos.accounts.models import Role, User
    from parkos.core.parks import park_default
    from parkos.generator.parts.access import card_number

    park = park_default()
    operator = User.objects.filter(role_grants__role=Role.OPERATOR, role_grants__park__isnull=True).order_by("pk").first()
    if operator is None:
        raise SystemExit("bench.access needs a generated park (`parkos generate`): no portfolio operator found")
    # The bench runs at any hour of the day: its park's lobbies are opened round the clock first, so the
    # rush and the decisions take the whole path (an area closed at 2 a.m. refuses before any lookup).
    Area.objects.filter(park=park).update(opens_at=None, closes_at=None, open_on_weekends=True)
    gates = list(Gate.objects.filter(park=park, direction=Gate.Directions.IN).order_by("pk"))
    if not gates:
        raise SystemExit("bench.access needs a generated park with gates (`parkos generate`)")
    keys = {gate.pk: device_key_issue(actor=operator, gate=gate)[1] for gate in gates}
    users = sorted(Credential.objects.filter(park=park, kind=Credential.Kind.CARD, revoked_at__isnull=True)
                   .values_list("user_id", flat=True))
    return {"park_id": park.pk, "gates": [g.pk for g in gates], "keys": keys,
            "cards": {u: card_number(u) for u in users}}


def _post(conn: http.client.HTTPConnection, path: str, key: str, body: dict[str, Any]) -> tuple[int, bytes]:
    conn.request("POST", path, body=json.dumps(body), headers={"Authorization": f"Bearer {key}",
                                                               "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def _rush(park: dict[str, Any], n: int, at: dt.datetime, tag: str) -> dict[int, list[list[dict[str, Any]]]]:
    """n arrivals over the morning hour before ``at``, each member's at their building's gate: batches of
    BATCH per gate, in time order."""
    rng = random.Random(16)
    users = list(park["cards"])
    chosen = rng.sample(users, min(n, len(users))) if n <= len(users) else [rng.choice(users) for _ in range(n)]
    per_gate: dict[int, list[dict[str, Any]]] = {}
    park["rush_users"] = {f"bench-{tag}-{i}": user for i, user in enumerate(chosen)}
    for i, user in enumerate(chosen):
        gate = park["gates"][user % len(park["gates"])]
        when = at - dt.timedelta(seconds=rng.randrange(3600))
        per_gate.setdefault(gate, []).append({"event_id": f"bench-{tag}-{i}", "kind": "card",
                                              "credential": park["cards"][user], "direction": "in",
                                              "occurred_at": when.isoformat()})
    return {gate: [sorted(events, key=lambda e: e["occurred_at"])[k:k + BATCH] for k in range(0, len(events), BATCH)]
            for gate, events in per_gate.items()}


def ingestion(db: Path, park: dict[str, Any], n: int, decisions: int) -> dict[str, Any]:
    from bench import servers

    now = dt.datetime.now(dt.UTC)
    batches = _rush(park, n, now - dt.timedelta(minutes=5), f"{now:%H%M%S}")
    work = [(gate, batch) for gate, items in batches.items() for batch in items]
    total = sum(len(b) for _g, b in work)
    results: dict[str, int] = {}
    lock = threading.Lock()
    latencies: list[float] = []
    with servers.running("serve", db) as (port, _proc):
        local = threading.local()

        def conn() -> http.client.HTTPConnection:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return local.conn  # type: ignore[no-any-return]

        def send(item: tuple[int, list[dict[str, Any]]]) -> None:
            gate, batch = item
            status, body = _post(conn(), "/api/v1/access/passages", park["keys"][gate], {"gate": gate, "events": batch})
            if status != 200:
                raise RuntimeError(f"passages: HTTP {status}: {body[:300]!r}")
            with lock:
                for r in json.loads(body)["results"]:
                    results[r["result"]] = results.get(r["result"], 0) + 1

        # One gate's batches go in order from one thread (as its device sends them); gates run at once.
        by_gate: dict[int, list[tuple[int, list[dict[str, Any]]]]] = {}
        for item in work:
            by_gate.setdefault(item[0], []).append(item)

        def gate_worker(items: list[tuple[int, list[dict[str, Any]]]]) -> None:
            for item in items:
                send(item)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(gate_worker, by_gate.values()))
        api_seconds = time.perf_counter() - started

        rng = random.Random(7)
        users = list(park["cards"])

        def decide(_i: int) -> None:
            gate = rng.choice(park["gates"])
            t0 = time.perf_counter()
            status, body = _post(conn(), "/api/v1/access/decisions", park["keys"][gate], {
                "gate": gate, "kind": "card", "credential": park["cards"][rng.choice(users)], "direction": "in"})
            if status != 200:
                raise RuntimeError(f"decisions: HTTP {status}: {body[:300]!r}")
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(decide, range(20)))  # warm-up
            latencies.clear()
            started = time.perf_counter()
            list(pool.map(decide, range(decisions)))
            decision_seconds = time.perf_counter() - started

    # Baseline: the same rows, plain INSERTs in batches of 100 (one transaction each), same database.
    rows = []
    for gate, batch in work:
        for e in batch:
            rows.append((park["park_id"], gate, "base-" + e["event_id"], "in",
                         e["occurred_at"].replace("T", " ")[:19], now.strftime("%Y-%m-%d %H:%M:%S"),
                         park["rush_users"][e["event_id"]], "accepted", ""))
    with sqlite3.connect(db, timeout=30) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        for k in range(0, len(rows), BATCH):
            raw.executemany("INSERT INTO access_passage (park_id, gate_id, event_id, direction, occurred_at, "
                            "received_at, user_id, result, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            rows[k:k + BATCH])
            raw.commit()
        insert_seconds = time.perf_counter() - started
        raw.execute("DELETE FROM access_passage WHERE event_id LIKE 'base-%'")
        raw.commit()
    return {"passages": total, "api_seconds": api_seconds, "api_per_second": total / api_seconds,
            "insert_per_second": total / insert_seconds, "results": results,
            "decisions": {"n": decisions, "per_second": decisions / decision_seconds,
                          "p50_ms": statistics.median(latencies), "p95_ms": _pct(latencies, 95),
                          "p99_ms": _pct(latencies, 99)}}


def presence(park: dict[str, Any], members: int) -> dict[str, Any]:
    """A day's passages of ``members`` members (stored as ingestion stores them), then presence_refresh
    over the day's whole batch, against a set-based baseline of the same day."""
    from django.db import connection, transaction
    from django.utils import timezone

    from parkos.access.models import Passage
    from parkos.access.services.presence import presence_refresh

    rng = random.Random(25)
    day = timezone.localdate() - dt.timedelta(days=1)
    base = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
    users = list(park["cards"])[:members]
    gates = park["gates"]
    rows = []
    for user in users:
        arrive = base + dt.timedelta(hours=rng.uniform(7.5, 10.5))
        moves = [(arrive, "in")]
        if rng.random() < 0.35:
            out = base + dt.timedelta(hours=rng.uniform(11.8, 12.4))
            moves += [(out, "out"), (out + dt.timedelta(minutes=rng.randint(30, 70)), "in")]
        if rng.random() > 0.03:  # a few missing exits
            moves.append((arrive + dt.timedelta(hours=rng.uniform(8, 11)), "out"))
        for k, (when, direction) in enumerate(moves):
            rows.append(Passage(park_id=park["park_id"], gate_id=gates[user % len(gates)], direction=direction,
                                event_id=f"day-{day:%Y%m%d}-{user}-{k}", occurred_at=when, received_at=when,
                                user_id=user, result=Passage.Result.ACCEPTED))
    Passage.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    user_days = {(u, day) for u in users}
    with transaction.atomic():
        started = time.perf_counter()
        written = presence_refresh(park_id=park["park_id"], user_days=user_days)
        refresh_seconds = time.perf_counter() - started
    start, end = base, base + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_presence_baseline")
        started = time.perf_counter()
        cursor.execute(
            "CREATE TABLE bench_presence_baseline AS SELECT user_id, MIN(CASE WHEN direction = 'in' THEN occurred_at END) "
            "AS first_in, MAX(CASE WHEN direction = 'out' THEN occurred_at END) AS last_out, COUNT(*) AS passages "
            "FROM access_passage WHERE park_id = %s AND result = 'accepted' AND occurred_at >= %s AND occurred_at < %s "
            "GROUP BY user_id", [park["park_id"], start, end])
        baseline_seconds = time.perf_counter() - started
        cursor.execute("SELECT COUNT(*) FROM bench_presence_baseline")
        baseline_rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_presence_baseline")
    return {"members": len(users), "passages": len(rows), "rows": written, "refresh_seconds": refresh_seconds,
            "baseline_seconds": baseline_seconds, "baseline_rows": baseline_rows,
            "ratio": refresh_seconds / baseline_seconds}


def run(db: Path, *, smoke: bool) -> dict[str, Any]:
    _setup(db)
    park = _park()
    result: dict[str, Any] = {"smoke": smoke, "threads": THREADS, "members_with_cards": len(park["cards"])}
    result["ingestion"] = ingestion(db, park, 2_000 if smoke else 20_000, 200 if smoke else 2_000)
    result["presence"] = presence(park, 2_000 if smoke else 25_000)
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "access", label, unit, budget)
        f.add(value)
        return f

    ing, dec, pre = result["ingestion"], result["ingestion"]["decisions"], result["presence"]
    accepted = 100 * ing["results"].get("accepted", 0) / max(1, ing["passages"])
    return [
        fig("access.ingest.accepted", "rush passages accepted (the cards of the generated park)", "%", accepted,
            Budget(">=", 99, "every card known")),
        fig("access.ingest.rate", f"passages through the API ({ing['passages']:,}, batches of {BATCH}, "
            f"{result['threads']} gates at once)", "passages/s", ing["api_per_second"],
            Budget(">=", round(FLOOR), f"≥ {FLOOR:.0f}/s (10 × 25,000 arrivals an hour)")),
        fig("access.ingest.insert", "plain bulk INSERT of the same rows", "passages/s", ing["insert_per_second"]),
        fig("access.ingest.ratio", "API ingestion / plain INSERT", "%", 100 * ing["api_per_second"] / ing["insert_per_second"]),
        fig("access.decide.p95", f"decision endpoint ({dec['n']:,} cards): p95", "ms", dec["p95_ms"],
            Budget("<=", 100, "p95 ≤ 100 ms")),
        fig("access.decide.p50", "decision endpoint: p50", "ms", dec["p50_ms"]),
        fig("access.presence.seconds", f"presence_refresh of a day ({pre['members']:,} members, "
            f"{pre['passages']:,} passages)", "s", pre["refresh_seconds"]),
        fig("access.presence.baseline", "set-based SQL of the same day (first in, last out, count)", "s",
            pre["baseline_seconds"]),
        fig("access.presence.ratio", "presence_refresh / set-based SQL", "×", pre["ratio"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.access", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a generated park (`parkos generate`)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="2,000 passages and 2,000 members (CI, < 1 min)")
    args = parser.parse_args()
    result = run(args.db, smoke=args.smoke)
    if args.json:
        print(json.dumps(result))
    else:
        for f in figures(result):
            print(f"{f.label:<90} {f.median:>12,.1f} {f.unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
