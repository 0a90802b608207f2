"""Catalog benchmark: the butler's portfolio page and the order list at seed scale, in-process.

    python -m bench.catalog                # generate the parts it needs at seed scale into var/bench/catalog.sqlite3
    python -m bench.catalog --db PATH      # an existing generated park (`parkos generate --scale seed`)
    python -m bench.catalog --json         # the result as JSON on the last line (how `python -m bench` reads it)
    python -m bench.catalog --smoke        # small scale, few requests

Pages are requested in-process through Django's test client (full middleware, session, templates, one
SQLite connection), logged in as a butler with the largest portfolio (and as an enterprise admin for
the order list). Measured: the butler's portfolio page (``catalog:workspace`` when the workspace part
provides it, else ``enterprises:portfolio``), the policy × enterprise matrix (``catalog:policy_portfolio``),
and the order list (``catalog:order_list``, butler and enterprise scopes). Baselines in the same run and
the same client: the bare view (``core:bare``: no database, no template) and the raw SQL of the same
rows (the portfolio's enterprises; one page of the butler's orders). Query counts are taken for two
portfolio sizes (the butler's own, then the same butler given three times as many enterprises inside
a rolled-back transaction): they must be equal."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PARTS = ["service_orders"]  # and what it depends on


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    # In-process pages need no collected static files: plain storage instead of the manifest one.
    from django.conf import settings
    from django.contrib.staticfiles import storage
    from django.utils.functional import empty

    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    storage.staticfiles_storage._wrapped = empty  # type: ignore[attr-defined]


def _generate(db: Path, scale: str) -> float:
    """Migrate a fresh database and run only the generator parts the catalog needs."""
    from django.core.management import call_command
    from django.db import transaction

    from parkos.generator.registry import Context, ordered_parts

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    ctx = Context(seed=20261128, scale=scale, using="default")
    with transaction.atomic():
        for p in ordered_parts(PARTS):
            ctx.for_part(p.name)
            p.build(ctx)
    return time.perf_counter() - started


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _time(fn: Any, n: int) -> dict[str, float]:
    fn()  # warm caches (templates, jieba-free paths, SQLite pages)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50": round(statistics.median(samples), 2), "p95": round(_pct(samples, 95), 2)}


def run(n: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from parkos.accounts.models import User
    from parkos.catalog.models import ServiceOrder
    from parkos.enterprises.models import Enterprise, Membership

    top = (Enterprise.objects.filter(is_active=True, butler__isnull=False).values("butler_id")
           .annotate(n=Count("id")).order_by("-n").first())
    if top is None:
        raise SystemExit("no butler with a portfolio in this database")
    butler = User.objects.get(pk=top["butler_id"])
    busiest = ServiceOrder.objects.values("enterprise_id").annotate(n=Count("id")).order_by("-n").first()
    admin_id = (Membership.objects.filter(enterprise_id=busiest["enterprise_id"], role="admin", status="active")
                .values_list("user_id", flat=True).first()) if busiest else None
    try:
        portfolio_url, portfolio_name = reverse("catalog:workspace"), "catalog:workspace"
    except NoReverseMatch:
        portfolio_url, portfolio_name = reverse("enterprises:portfolio"), "enterprises:portfolio"
    pages = {
        "portfolio": portfolio_url,
        "policy_matrix": reverse("catalog:policy_portfolio"),
        "orders_butler": reverse("catalog:order_list") + "?scope=butler",
    }
    client = Client()
    client.force_login(butler)
    admin_client = Client()
    if admin_id:
        admin_client.force_login(User.objects.get(pk=admin_id))

    def get(c: Client, url: str) -> None:
        response = c.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")

    def raw_portfolio() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT e.id, e.name, e.stage, COUNT(o.id) FROM enterprises_enterprise e "
                           "LEFT JOIN catalog_serviceorder o ON o.enterprise_id = e.id "
                           "AND o.status IN ('submitted','accepted','in_progress','returned') "
                           "WHERE e.butler_id = %s AND e.is_active GROUP BY e.id ORDER BY e.name", [butler.pk])
            cursor.fetchall()

    def raw_orders() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT o.id, o.number, o.status, o.due_on, s.name_zh, e.name FROM catalog_serviceorder o "
                           "JOIN catalog_service s ON s.id = o.service_id JOIN enterprises_enterprise e "
                           "ON e.id = o.enterprise_id WHERE o.butler_id = %s "
                           "ORDER BY o.submitted_at DESC, o.id DESC LIMIT 20", [butler.pk])
            cursor.fetchall()
            cursor.execute("SELECT COUNT(*) FROM catalog_serviceorder WHERE butler_id = %s", [butler.pk])
            cursor.fetchall()

    result: dict[str, Any] = {
        "butler_portfolio": top["n"], "portfolio_page": portfolio_name, "requests": n,
        "orders": ServiceOrder.objects.count(), "enterprises": Enterprise.objects.count(),
        "bare": _time(lambda: get(client, reverse("core:bare")), n),
        "raw_portfolio": _time(raw_portfolio, n), "raw_orders": _time(raw_orders, n),
    }
    for key, url in pages.items():
        result[key] = _time(lambda url=url: get(client, url), n)
    if admin_id:
        result["orders_enterprise"] = _time(lambda: get(admin_client, reverse("catalog:order_list")), n)

    def queries(c: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            get(c, url)
        return len(captured)

    counts: dict[str, list[int]] = {key: [queries(client, url)] for key, url in pages.items()}
    sizes = [top["n"]]
    with transaction.atomic():
        # More enterprises of the butler's own park (a portfolio holds the parks where one is a butler).
        park_id = Enterprise.objects.filter(butler=butler).values_list("park_id", flat=True).first()
        extra = list(Enterprise.objects.filter(is_active=True, park_id=park_id).exclude(butler=butler)
                     .order_by("id").values_list("id", flat=True)[: 2 * top["n"]])
        Enterprise.objects.filter(pk__in=extra).update(butler=butler)
        ServiceOrder.objects.filter(enterprise_id__in=extra).update(butler=butler)
        sizes.append(top["n"] + len(extra))
        for key, url in pages.items():
            counts[key].append(queries(client, url))
        transaction.set_rollback(True)
    result["portfolio_sizes"] = sizes
    result["queries"] = counts
    result["queries_constant"] = all(len(set(v)) == 1 for v in counts.values())
    for key in ("portfolio", "policy_matrix", "orders_butler"):
        result[f"{key}_vs_bare_p50"] = round(result[key]["p50"] / max(result["bare"]["p50"], 0.001), 1)
    result["portfolio_vs_raw_p50"] = round(result["portfolio"]["p50"] / max(result["raw_portfolio"]["p50"], 0.001), 1)
    result["orders_vs_raw_p50"] = round(result["orders_butler"]["p50"] / max(result["raw_orders"]["p50"], 0.001), 1)
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "catalog", label, unit, budget)
        f.add(value)
        return f

    budget = Budget("<=", 100.0, "p95 ≤ 100 ms")
    size = result["butler_portfolio"]
    out = [
        fig("catalog.portfolio.p95", f"butler portfolio page ({size} enterprises): p95", "ms",
            result["portfolio"]["p95"], budget),
        fig("catalog.policy_matrix.p95", f"policy × enterprise matrix ({size} enterprises): p95", "ms",
            result["policy_matrix"]["p95"], budget),
        fig("catalog.orders.p95", "order list (butler): p95", "ms", result["orders_butler"]["p95"], budget),
        fig("catalog.bare.p50", "bare view, same client: p50", "ms", result["bare"]["p50"]),
        fig("catalog.portfolio.ratio", "portfolio page p50 / raw SQL p50", "×", result["portfolio_vs_raw_p50"]),
        fig("catalog.orders.ratio", "order list p50 / raw SQL p50", "×", result["orders_vs_raw_p50"]),
    ]
    for key, values in result["queries"].items():
        out.append(fig(f"catalog.queries.{key}", f"{key}: queries at {result['portfolio_sizes']} enterprises "
                       f"({'/'.join(map(str, values))})", "queries", max(values),
                       Budget("<=", min(values), "constant in the portfolio size")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catalog", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an existing generated SQLite park")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="small scale, few requests")
    parser.add_argument("--requests", type=int, default=None, help="requests per page (default 60; smoke 10)")
    args = parser.parse_args()
    n = args.requests or (10 if args.smoke else 60)
    generated = None
    db = args.db
    if db is None:
        db = ROOT / "var" / "bench" / ("catalog-small.sqlite3" if args.smoke else "catalog.sqlite3")
        db.parent.mkdir(parents=True, exist_ok=True)
        fresh = not db.exists()
        _setup(db)
        if fresh:
            generated = _generate(db, "small" if args.smoke else "seed")
    else:
        _setup(db)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    result = run(n)
    result["mode"] = "in-process Django test client"
    if generated is not None:
        result["generate_seconds"] = round(generated, 1)
    if not args.json:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
