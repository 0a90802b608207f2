"""Scenes benchmark: the scene board and a member's deal list over a seed-scale park, against the
bare SQL of the same page in the same run.

    parkos generate --scale seed                   # 150,000 scenes, 3,000,000 deals
    python -m bench.scenes --db var/parkos.sqlite3 --json [--smoke]

Each page is requested through Django's test client (the whole stack: middleware, session, the
selector with its permission filter, pagination with its count, template), cycling through filters
(kind, status, budget range, page 2; the current park by default, and every park with ``park=all``) for
the board and through the busiest members for the deal list. The baseline is the hand-written SQL for the same rows (one ``LIMIT 20`` query and one count)
on the same connection. Budget (DESIGN.md): pages p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUDGET_MS = 100.0


def _setup(db: Path | None) -> None:
    if db is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    # Pages rendered in-process: the plain static storage (no collectstatic manifest needed).
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _time(fn: Callable[[int], Any], n: int) -> list[float]:
    fn(0)  # warm caches and connections
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def run(*, smoke: bool) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from parkos.accounts.models import User
    from parkos.scenes.models import Deal, Scene

    n = 20 if smoke else 200
    scenes = Scene.objects.count()
    deals = Deal.objects.count()
    if not deals:
        raise SystemExit("no deals: generate a park first (parkos generate --scale seed)")
    from parkos.core.parks import park_default

    # The board shows the current park (the anonymous: the default park, by far the largest) unless park=all.
    default_park = park_default().pk
    board_urls = ["/scenes/", "/scenes/?kind=contractor", "/scenes/?status=completed&page=2",
                  "/scenes/?budget_min=1000&budget_max=20000", "/scenes/?kind=pilot&status=closed",
                  "/scenes/?park=all", "/scenes/?park=all&status=completed&page=2"]
    client = Client()

    def board(i: int) -> None:
        response = client.get(board_urls[i % len(board_urls)])
        assert response.status_code == 200, response.status_code

    def board_sql(i: int) -> None:
        where: list[str] = ["status = %s"]
        params: list[Any] = ["open"]
        url = board_urls[i % len(board_urls)]
        if "park=all" not in url:
            where.append("park_id = %s")
            params.append(default_park)
        if "kind=" in url:
            where.append("kind = %s")
            params.append(url.split("kind=")[1].split("&")[0])
        if "status=" in url:
            params[0] = url.split("status=")[1].split("&")[0]
        if "budget_min" in url:
            where.append("budget_fen BETWEEN %s AND %s")
            params += [100_000, 2_000_000]
        offset = 20 if "page=2" in url else 0
        sql_where = " AND ".join(where) + " AND audience != 'invited'"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM scenes_scene WHERE {sql_where}", params)
            cursor.fetchone()
            cursor.execute(
                "SELECT s.id, s.title, s.kind, s.budget_fen, s.deadline, u.display_name FROM scenes_scene s "
                f"JOIN accounts_user u ON u.id = s.publisher_id WHERE {sql_where.replace('status', 's.status')} "
                "ORDER BY s.published_at DESC, s.id DESC LIMIT 20 OFFSET %s", [*params, offset])
            cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute("SELECT provider_id, COUNT(*) c FROM scenes_deal GROUP BY provider_id ORDER BY c DESC LIMIT 10")
        busiest = [row[0] for row in cursor.fetchall()]
    members = list(User.objects.filter(pk__in=busiest))
    clients = []
    for member in members:
        c = Client()
        c.force_login(member)
        clients.append(c)

    def deal_list(i: int) -> None:
        response = clients[i % len(clients)].get("/scenes/deals/" + ("?page=2" if i % 3 == 2 else ""))
        assert response.status_code == 200, response.status_code

    def deal_sql(i: int) -> None:
        uid = members[i % len(members)].pk
        offset = 20 if i % 3 == 2 else 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM scenes_deal WHERE publisher_id = %s OR provider_id = %s",
                           [uid, uid])
            cursor.fetchone()
            cursor.execute(
                "SELECT d.id, d.title, d.amount_fen, d.status, d.created_at, p.display_name, q.display_name "
                "FROM scenes_deal d JOIN accounts_user p ON p.id = d.publisher_id "
                "JOIN accounts_user q ON q.id = d.provider_id WHERE d.id IN (SELECT id FROM scenes_deal "
                "WHERE publisher_id = %s UNION SELECT id FROM scenes_deal WHERE provider_id = %s) "
                "ORDER BY d.created_at DESC, d.id DESC LIMIT 20 OFFSET %s", [uid, uid, offset])
            cursor.fetchall()

    result: dict[str, Any] = {"scenes": scenes, "deals": deals, "requests": n,
                              "member_deals": Deal.objects.filter(provider=members[0]).count()}
    for name, page, base in (("board", board, board_sql), ("deals", deal_list, deal_sql)):
        page_ms, base_ms = _time(page, n), _time(base, n)
        result[f"{name}_p50_ms"] = round(statistics.median(page_ms), 2)
        result[f"{name}_p95_ms"] = round(_pct(page_ms, 95), 2)
        result[f"{name}_sql_p95_ms"] = round(_pct(base_ms, 95), 2)
        result[f"{name}_ratio_p95"] = round(_pct(page_ms, 95) / max(_pct(base_ms, 95), 1e-6), 2)
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "scenes", label, unit, budget)
        f.add(value)
        return f

    size = f"{result['scenes']:,} scenes, {result['deals']:,} deals"
    return [
        fig("scenes.board.p95", f"scene board page p95 ({size})", "ms", result["board_p95_ms"],
            Budget("<=", BUDGET_MS, "p95 ≤ 100 ms")),
        fig("scenes.board.sql.p95", "scene board, bare SQL p95", "ms", result["board_sql_p95_ms"]),
        fig("scenes.board.ratio", "scene board page / bare SQL (p95)", "×", result["board_ratio_p95"]),
        fig("scenes.deals.p95", f"a member's deal list p95 ({result['member_deals']:,} deals)", "ms",
            result["deals_p95_ms"], Budget("<=", BUDGET_MS, "p95 ≤ 100 ms")),
        fig("scenes.deals.sql.p95", "deal list, bare SQL p95", "ms", result["deals_sql_p95_ms"]),
        fig("scenes.deals.ratio", "deal list page / bare SQL (p95)", "×", result["deals_ratio_p95"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scenes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a generated SQLite park")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="a few requests only")
    args = parser.parse_args()
    _setup(args.db)
    result = run(smoke=args.smoke)
    if args.json:
        print(json.dumps(result))
        return 0
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
