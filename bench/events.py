"""Events benchmark: registering under a rush — throughput and latency of the registration endpoint.

    python -m bench.events                 # a fresh SQLite park in var/bench/events.sqlite3
    python -m bench.events --db PATH       # an existing park (e.g. `parkos generate --scale seed`)
    python -m bench.events --json [--smoke]

In-process, with threads (not over HTTP): each of THREADS threads drives Django's test client through
the whole stack (middleware, session, Ninja, the service under the event's row lock, the database), so
the figure is the endpoint's own cost without a load balancer or socket in between. RUSH members
register at once for an event of RUSH/5 seats; every request is `POST /api/v1/events/{id}/registration`.

Baselines in the same run, on the same threads and database:
- the bare endpoint (`GET /bare/`, no database) — the budget "an endpoint's top throughput ≥ 50% of a bare
  endpoint on the same server" is checked against it;
- a plain INSERT in its own transaction (what one write costs at the least on this database).
The check at the end verifies the rush outcome: exactly the capacity confirmed, the rest waitlisted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    os.environ.setdefault("RATELIMIT_ENABLE", "0")
    import django

    django.setup()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _drive(n: int, action: Callable[[int], None]) -> dict[str, float]:
    """Run ``action(i)`` for i in 0..n-1 on THREADS threads, all released at once; latency per call."""
    from django.db import connections

    latencies: list[float] = []
    lock = threading.Lock()
    gate = threading.Barrier(THREADS)
    seen: set[str] = set()

    def one(i: int) -> None:
        name = threading.current_thread().name
        if name not in seen:
            seen.add(name)
            gate.wait(timeout=60)
        started = time.perf_counter()
        action(i)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(one, range(n)))
        list(pool.map(lambda _i: connections.close_all(), range(THREADS)))
    wall = time.perf_counter() - started
    return {"n": n, "seconds": wall, "per_second": n / wall, "p50_ms": statistics.median(latencies),
            "p95_ms": _pct(latencies, 95), "p99_ms": _pct(latencies, 99)}


def run(*, rush: int) -> dict[str, Any]:
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from parkos.accounts.models import Role, User, UserRole
    from parkos.core.parks import park_default
    from parkos.events.models import Event, Registration

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    stamp = int(time.time())
    password = make_password(None)
    User.objects.bulk_create([User(email=f"rush{stamp}-{i}@bench.parkos", display_name=f"抢票{i}", password=password)
                              for i in range(rush)])
    people = list(User.objects.filter(email__startswith=f"rush{stamp}-").order_by("pk"))
    operator = User.objects.create(email=f"rush{stamp}-op@bench.parkos", display_name="bench operator",
                                   password=password)
    UserRole.objects.create(user=operator, role=Role.OPERATOR)
    start = timezone.now() + timedelta(days=3)
    # In the default park (the seed-scale one of a generated portfolio); its registrations copy the park.
    event = Event.objects.create(title=f"抢票压测 {stamp}", starts_at=start, ends_at=start + timedelta(hours=2),
                                 place="bench", capacity=max(1, rush // 5), created_by=operator, park=park_default())
    clients = []
    for user in people:  # sessions are made before the clock starts
        client = Client()
        client.force_login(user)
        clients.append(client)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_events_baseline (id INTEGER PRIMARY KEY, user_id INTEGER, "
                       "at TEXT)")

    url = f"/api/v1/events/{event.pk}/registration"
    failures: list[int] = []

    def register(i: int) -> None:
        response = clients[i].post(url, {}, content_type="application/json")
        if response.status_code != 200:
            failures.append(response.status_code)

    def bare(i: int) -> None:
        clients[i].get("/bare/")

    def insert(i: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_events_baseline (user_id, at) VALUES (%s, %s)",
                           [people[i].pk, timezone.now().isoformat()])

    _drive(min(50, rush), bare)  # warm-up: imports, URL resolver, templates
    out: dict[str, Any] = {"vendor": connection.vendor, "threads": THREADS, "rush": rush, "capacity": event.capacity,
                           "mode": "in-process, threads, django.test.Client"}
    out["bare"] = _drive(rush, bare)
    out["insert"] = _drive(rush, insert)
    out["register"] = _drive(rush, register)
    statuses = dict.fromkeys(Registration.Status.values, 0)
    for status in Registration.objects.filter(event=event).values_list("status", flat=True):
        statuses[status] += 1
    out["outcome"] = statuses
    out["failures"] = len(failures)
    out["outcome_ok"] = (statuses["confirmed"] == event.capacity and statuses["waitlisted"] == rush - event.capacity
                         and not failures
                         # every registration carries its event's park (the key a distributor shards by)
                         and not Registration.objects.filter(event=event).exclude(park_id=event.park_id).exists())
    out["ratio_to_bare"] = out["register"]["per_second"] / out["bare"]["per_second"]
    out["ratio_to_insert"] = out["register"]["per_second"] / out["insert"]["per_second"]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_events_baseline")
    return out


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "events", label, unit, budget)
        f.add(value)
        return f

    rush = f"{result['rush']} members, {result['capacity']} seats, {result['threads']} threads"
    return [
        fig("events.register.rps", f"registration rush ({rush}): throughput", "req/s", result["register"]["per_second"]),
        fig("events.register.p95", "registration rush: p95", "ms", result["register"]["p95_ms"],
            Budget("<=", 100, "p95 ≤ 100 ms")),
        fig("events.bare.rps", "bare endpoint, same threads: throughput", "req/s", result["bare"]["per_second"]),
        fig("events.insert.rps", "plain INSERT transaction, same threads", "req/s", result["insert"]["per_second"]),
        fig("events.ratio", "registration / bare throughput", "%", 100 * result["ratio_to_bare"],
            Budget(">=", 50, "≥ 50% of bare")),
        fig("events.outcome", "rush outcome exact (1 = capacity confirmed, rest waitlisted)", "",
            1.0 if result["outcome_ok"] else 0.0, Budget(">=", 1, "exact")),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an existing SQLite park (rush members and the event are added)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="a small rush (200 members)")
    parser.add_argument("--rush", type=int, default=0, help="members in the rush (default 1,000; 200 with --smoke)")
    args = parser.parse_args()
    rush = args.rush or (200 if args.smoke else 1000)
    db = args.db
    if db is None:
        var = ROOT / "var" / "bench"
        var.mkdir(parents=True, exist_ok=True)
        db = var / "events.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ.setdefault("PARKOS_VAR_DIR", str(var))
        sys.stderr.write(f"bench.events: a fresh park in {db}\n")
        _setup(db)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    else:
        _setup(db)
    result = run(rush=rush)
    if args.json:
        print(json.dumps(result))
        return 0
    from bench.report import table

    print(table(figures(result)))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
