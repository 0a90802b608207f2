"""Rewards benchmark over the generated park: a redemption rush at the merchants' tills, and the overtime
rule run over a week of the park's presence.

    python -m bench.rewards --db PATH [--json] [--smoke]     # PATH: a generated park (`parkos generate`)

1. Redemption rush: the embedded server (`parkos serve`, as `make demo` starts it) and THREADS merchant
   terminals at once, each a different merchant of the default park with its own cashier (a personal
   access token), each redeeming its own coupons (fresh ones, issued for the run through coupons_issue to
   generated members) by scanning their rotating QR codes: `POST /api/v1/rewards/merchants/{id}/redemptions`,
   one coupon a checkout, one request after the other per terminal. Redemptions/s and p50/p95, against the
   bare endpoint (`GET /bare/`: no database, no template) with the same threads in the same server run.
2. Rule run: the park's overtime rule ("after 21:00 on at least 3 working days") run in-process with
   `issuing_rules.rule_run` over the generated week with the most late evenings (a fresh rule and coupon
   each time, so it issues for real), against the same eligibility as one hand-written SQL query (the
   grouped count of late working days per member). Budget: seconds, not minutes.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

THREADS = 4  # terminals at once (the server has 3 workers on 2 cores)
RULE_BUDGET_SECONDS = 10.0  # "seconds, not minutes" for a week of 25,000 members


def _setup(db: Path) -> None:
    from bench import servers

    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    servers.VAR.mkdir(parents=True, exist_ok=True)
    os.environ["PARKOS_VAR_DIR"] = str(servers.VAR)  # the server's: its secret key signs the coupons' QR codes
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


def _operator(park: Any) -> Any:
    from parkos.accounts.models import Role, User

    operator = (User.objects.filter(role_grants__role=Role.OPERATOR, role_grants__park=park).order_by("pk").first()
                or User.objects.filter(role_grants__role=Role.OPERATOR, role_grants__park__isnull=True)
                .order_by("pk").first())
    if operator is None:
        raise SystemExit("bench.rewards needs a generated park (`parkos generate`): no operator found")
    return operator


def _template(park: Any, operator: Any, name: str, count: int, value_fen: int) -> Any:
    """A fresh active coupon for the run: ``value_fen`` off, no minimum, every merchant, 7 days."""
    from parkos.rewards.models import CouponTemplate

    return CouponTemplate.objects.create(
        park=park, name=name, kind="amount_off", value_fen=value_fen, valid_days=7, budget_count=count,
        budget_fen=count * value_fen, status=CouponTemplate.Status.ACTIVE, created_by=operator)


def _terminals(n_coupons: int) -> dict[str, Any]:
    """THREADS merchants of the default park, a cashier's token each, and each its own fresh coupons."""
    from parkos.accounts.services import token_create
    from parkos.core.parks import park_default
    from parkos.rewards.models import Coupon, Merchant, MerchantStaff
    from parkos.rewards.services.issuing import coupons_issue

    park = park_default()
    operator = _operator(park)
    merchants = list(Merchant.objects.filter(park=park, active=True).order_by("pk")[:THREADS])
    if not merchants:
        raise SystemExit("bench.rewards needs a generated park with merchants (`parkos generate`)")
    stamp = f"{time.time():.0f}"
    terminals = []
    for merchant in merchants:
        staff = MerchantStaff.objects.filter(merchant=merchant).select_related("user").order_by("-role", "pk").first()
        if staff is None:
            raise SystemExit(f"bench.rewards: merchant {merchant.pk} has no staff")
        _token, raw = token_create(actor=staff.user, name=f"bench till {stamp}", expires_in_days=1)
        terminals.append({"merchant": merchant.pk, "token": raw, "coupons": []})
    from parkos.accounts.models import User
    from parkos.generator.parts.accounts import EMAIL_DOMAIN

    # Members who work no till (a cashier cannot redeem their own coupon at their own till).
    members = list(User.objects.filter(is_active=True, email__endswith=f"@{EMAIL_DOMAIN}")
                   .exclude(pk__in=MerchantStaff.objects.values("user_id")).order_by("pk")
                   .values_list("pk", flat=True)[:max(n_coupons, 1)])
    per = max(1, n_coupons // len(terminals))
    template = _template(park, operator, f"压测券{stamp}", per * len(terminals), 1000)
    recipients = [(members[i % len(members)], f"bench:{stamp}:{i}") for i in range(per * len(terminals))]
    result = coupons_issue(template=template, recipients=recipients, key=f"bench:{stamp}", source="grant",
                           target="bench", actor=operator)
    coupons = list(Coupon.objects.filter(batch=result.batch).order_by("pk").values_list("code", "owner_id"))
    for i, coupon in enumerate(coupons):  # different coupons per terminal
        terminals[i % len(terminals)]["coupons"].append(coupon)
    return {"terminals": terminals, "coupons": len(coupons), "template": template.pk}


def _request(conn: http.client.HTTPConnection, method: str, path: str, token: str | None = None,
             body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    """One request on a kept-alive connection. A connection the server closed while it sat idle (a
    terminal that finished early waits for the others) is opened again once, as any HTTP client does; the
    redemptions carry their idempotency key, so a retry never redeems twice."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
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


def redemption_body(code: str, owner_id: int, key: str) -> dict[str, Any]:
    """The till's request for one scanned coupon (api/till.py): the bill, the scanned QR code, a key."""
    from parkos.rewards.codes import coupon_code_current

    return {"bill_fen": 3000, "codes": [coupon_code_current(code=code, owner_id=owner_id)], "key": key}


def rush(db: Path, n_coupons: int) -> dict[str, Any]:
    from bench import servers

    setup = _terminals(n_coupons)
    terminals = setup["terminals"]
    lock = threading.Lock()
    latencies: list[float] = []
    bare: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    with servers.running("serve", db) as (port, _proc):
        local = threading.local()

        def conn() -> http.client.HTTPConnection:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return local.conn  # type: ignore[no-any-return]

        def terminal(t: dict[str, Any]) -> None:
            path = f"/api/v1/rewards/merchants/{t['merchant']}/redemptions"
            for code, owner in t["coupons"]:
                body = redemption_body(code, owner, f"bench-{code}")
                t0 = time.perf_counter()
                status, reply = _request(conn(), "POST", path, t["token"], body)
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status >= 300 and len(errors) < 5:
                        errors.append(f"HTTP {status}: {reply[:300]!r}")

        def bare_worker(count: int) -> None:
            for _ in range(count):
                t0 = time.perf_counter()
                status, _reply = _request(conn(), "GET", "/bare/")
                with lock:
                    bare.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise RuntimeError(f"bare: HTTP {status}")

        per_thread = max(1, setup["coupons"] // len(terminals))
        with ThreadPoolExecutor(max_workers=len(terminals)) as pool:
            list(pool.map(bare_worker, [20] * len(terminals)))  # warm-up: imports, URL resolver
            bare.clear()
            started = time.perf_counter()
            list(pool.map(terminal, terminals))
            rush_seconds = time.perf_counter() - started
            started = time.perf_counter()
            list(pool.map(bare_worker, [per_thread] * len(terminals)))
            bare_seconds = time.perf_counter() - started
    ok = sum(n for status, n in statuses.items() if status < 300)
    if errors:
        print("\n".join(errors), file=sys.stderr)
    from parkos.rewards.models import Coupon

    used = Coupon.objects.filter(template_id=setup["template"], status=Coupon.Status.USED).count()
    return {"terminals": len(terminals), "coupons": setup["coupons"], "redeemed": ok, "used": used,
            "statuses": {str(k): v for k, v in statuses.items()}, "seconds": rush_seconds,
            "per_second": len(latencies) / rush_seconds, "p50_ms": statistics.median(latencies),
            "p95_ms": _pct(latencies, 95), "bare": {"n": len(bare), "per_second": len(bare) / bare_seconds,
                                                    "p50_ms": statistics.median(bare), "p95_ms": _pct(bare, 95)}}


def rule_run() -> dict[str, Any]:
    """The overtime rule over the generated week with the most late evenings of the default park."""
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from parkos.access.models import DailyPresence
    from parkos.core.parks import park_default
    from parkos.rewards.models import IssuingRule
    from parkos.rewards.services import eligibility
    from parkos.rewards.services.issuing_rules import rule_run as run_rule

    park = park_default()
    operator = _operator(park)
    weeks: dict[dt.date, int] = {}
    for row in DailyPresence.objects.filter(park=park, late=True).values("day").order_by().annotate(n=Count("id")):
        monday = row["day"] - dt.timedelta(days=row["day"].weekday())
        weeks[monday] = weeks.get(monday, 0) + row["n"]
    today = timezone.localdate()
    if not any(w + dt.timedelta(days=6) < today for w in weeks):
        raise SystemExit("bench.rewards needs a generated park with presence (`parkos generate`)")
    monday = max((w for w in weeks if w + dt.timedelta(days=6) < today), key=lambda w: (weeks[w], w))
    year, week, _ = monday.isocalendar()
    period_key = f"{year}-W{week:02d}"
    members = DailyPresence.objects.filter(park=park, day__range=(monday, monday + dt.timedelta(days=6))) \
        .values("user_id").distinct().count()
    stamp = f"{time.time():.0f}"
    template = _template(park, operator, f"压测加班券{stamp}", 100_000, 2000)
    rule = IssuingRule.objects.create(park=park, name=f"压测加班规则{stamp}", kind="overtime", template=template,
                                      params={"min_days": 3}, period="weekly", active=True, created_by=operator)
    started = time.perf_counter()
    run = run_rule(rule=rule, period_key=period_key)
    run_seconds = time.perf_counter() - started
    if run.status not in ("done", "budget"):
        raise RuntimeError(f"rule run failed: {run.error}")

    # Baseline: the same eligibility, one hand-written query (late working days per member, ≥ 3).
    working = eligibility.working_days(park, monday, monday + dt.timedelta(days=6))
    marks = ", ".join(["%s"] * len(working))
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(f"SELECT user_id, COUNT(*) AS n FROM access_dailypresence WHERE park_id = %s AND late = %s "
                       f"AND day IN ({marks}) GROUP BY user_id HAVING COUNT(*) >= %s ORDER BY n DESC, user_id",
                       [park.pk, True, *[d.isoformat() for d in working], 3])
        eligible_sql = len(cursor.fetchall())
        sql_seconds = time.perf_counter() - started
    return {"week": period_key, "members_in_week": members, "eligible": run.eligible, "issued": run.issued,
            "eligible_sql": eligible_sql, "seconds": run_seconds, "sql_seconds": sql_seconds,
            "ratio": run_seconds / max(sql_seconds, 1e-6)}


def run(db: Path, *, smoke: bool) -> dict[str, Any]:
    _setup(db)
    result: dict[str, Any] = {"smoke": smoke, "threads": THREADS}
    result["rush"] = rush(db, 200 if smoke else 2_000)
    result["rule"] = rule_run()
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "rewards", label, unit, budget)
        f.add(value)
        return f

    r, rule = result["rush"], result["rule"]
    return [
        fig("rewards.rush.redeemed", f"rush checkouts redeemed ({r['coupons']:,} coupons, {r['terminals']} tills)",
            "%", 100 * r["used"] / max(1, r["coupons"]), Budget(">=", 100, "every coupon redeemed, once")),
        fig("rewards.rush.rate", f"redemptions through the API ({r['terminals']} tills at once)", "redemptions/s",
            r["per_second"]),
        fig("rewards.rush.p95", "redemption: p95", "ms", r["p95_ms"], Budget("<=", 100, "p95 ≤ 100 ms")),
        fig("rewards.rush.p50", "redemption: p50", "ms", r["p50_ms"]),
        fig("rewards.rush.bare", "bare endpoint, same threads: throughput", "req/s", r["bare"]["per_second"]),
        fig("rewards.rush.ratio", "redemptions / bare throughput", "%", 100 * r["per_second"] / r["bare"]["per_second"],
            Budget(">=", 50, "≥ 50% of bare")),
        fig("rewards.rule.seconds", f"overtime rule run over {rule['week']} ({rule['members_in_week']:,} members, "
            f"{rule['issued']:,} coupons)", "s", rule["seconds"],
            Budget("<=", RULE_BUDGET_SECONDS, f"≤ {RULE_BUDGET_SECONDS:.0f} s (seconds, not minutes)")),
        fig("rewards.rule.sql", "the same eligibility, one hand-written SQL query", "s", rule["sql_seconds"]),
        fig("rewards.rule.ratio", "rule run / SQL eligibility", "×", rule["ratio"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rewards", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a generated park (`parkos generate`)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="200 redemptions (CI, < 1 min)")
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
