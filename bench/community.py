"""Community benchmark: the park feed and a group's feed over a generated seed-scale park.

    parkos generate --scale seed            # into the database DATABASE_URL names
    python -m bench.community --db PATH     # then measure (add --json for `python -m bench`)

Measured in-process, in the same run:
- ``feed_park`` (latest, first page and pages reached by cursor), ``feed_park`` hot, ``feed_group`` for
  the busiest public group: the selectors as the pages and the API call them (permission filter,
  joins, images, the viewer's reactions, counts by kind), for a logged-in member. The park feed is the
  default (largest) park's, as its pages show it: its posts merged with the portfolio-wide ones (issue
  14); also a small park's and every park's (the API without ``?park=``);
- the whole park-feed page (``GET /community/``) and ``GET /api/v1/community/feed`` through Django's
  test client (middleware, session, template or JSON), a logged-in member;
- the baseline: a hand-written SQL query of the same page of posts (``SELECT … JOIN users … ORDER BY
  created_at DESC, id DESC LIMIT 21``) on the same connection. Ratios are selector p95 / baseline p95.
Budget (DESIGN.md): web and API pages p95 ≤ 100 ms.
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

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 100.0


def _setup(db: Path | None) -> None:
    if db is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    import django

    django.setup()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _time(fn: Callable[[], Any], n: int) -> dict[str, float]:
    fn()  # warm
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(out), "p95_ms": _pct(out, 95), "n": n}


def run(*, n: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from parkos.community.models import Group, GroupMembership, Post
    from parkos.community.selectors import posts as selectors

    posts = Post.objects.count()
    if not posts:
        raise SystemExit("bench.community: no posts; run `parkos generate --scale seed` first")
    group = (Group.objects.filter(visibility="public").order_by("-post_count", "id").first())
    assert group is not None
    viewer_id = (GroupMembership.objects.filter(group=group, status="active").order_by("id")
                 .values_list("user_id", flat=True).first())
    from parkos.accounts.models import User

    assert viewer_id is not None
    viewer = User.objects.get(pk=viewer_id)
    from parkos.core.parks import park_default, park_list

    park = park_default()
    small = next((p for p in park_list() if p.pk != park.pk), park)
    cursors: list[str | None] = [None]
    page = selectors.feed_park(viewer=viewer, park=park)
    for _ in range(4):  # pages 2..5 reached by cursor, as "load more" does
        cursors.append(page.next_cursor)
        page = selectors.feed_park(viewer=viewer, park=park, cursor=page.next_cursor)
    it = iter(range(10**9))

    def latest() -> None:
        selectors.feed_park(viewer=viewer, park=park, cursor=cursors[next(it) % len(cursors)])

    def hot() -> None:
        selectors.feed_park(viewer=viewer, park=park, order="hot")

    def latest_small() -> None:
        selectors.feed_park(viewer=viewer, park=small)

    def latest_all() -> None:
        selectors.feed_park(viewer=viewer)

    def group_feed() -> None:
        selectors.feed_group(viewer=viewer, group=group)

    sql = ("SELECT p.id, p.body_html, p.topic, p.tags, p.reaction_count, p.comment_count, p.created_at, "
           "u.id, u.display_name FROM community_post p JOIN accounts_user u ON u.id = p.author_id "
           "WHERE p.status = 'visible' AND p.in_park_feed ORDER BY p.created_at DESC, p.id DESC LIMIT 21")

    def baseline() -> None:
        with connection.cursor() as cur:
            cur.execute(sql)
            cur.fetchall()

    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(viewer)
    client.cookies["parkos_park"] = park.code  # the page shows the current park's feed

    def page_html() -> None:
        r = client.get("/community/")
        assert r.status_code == 200

    def page_api() -> None:
        r = client.get("/api/v1/community/feed", {"park": park.code})
        assert r.status_code == 200

    out: dict[str, Any] = {"posts": posts, "group_posts": group.post_count, "vendor": connection.vendor}
    for key, fn in (("baseline", baseline), ("latest", latest), ("hot", hot), ("latest_small", latest_small),
                    ("latest_all", latest_all), ("group", group_feed), ("page", page_html), ("api", page_api)):
        out[key] = _time(fn, n)
    for key in ("latest", "hot", "latest_small", "latest_all", "group", "page", "api"):
        out[f"ratio_{key}"] = out[key]["p95_ms"] / out["baseline"]["p95_ms"] if out["baseline"]["p95_ms"] else None
    return out


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "community", label, unit, budget)
        f.add(value)
        return f

    budget = Budget("<=", BUDGET_MS, "p95 ≤ 100 ms")
    posts = f"{result['posts']:,} posts"
    return [
        fig("community.feed.p95", f"park feed, latest (feed_park, {posts}): p95", "ms", result["latest"]["p95_ms"],
            budget),
        fig("community.hot.p95", "park feed, hot: p95", "ms", result["hot"]["p95_ms"], budget),
        fig("community.small.p95", "a small park's feed, latest: p95", "ms", result["latest_small"]["p95_ms"], budget),
        fig("community.all.p95", "every park's feed, latest: p95", "ms", result["latest_all"]["p95_ms"], budget),
        fig("community.group.p95", f"group feed ({result['group_posts']:,} posts): p95", "ms",
            result["group"]["p95_ms"], budget),
        fig("community.page.p95", "GET /community/ in-process: p95", "ms", result["page"]["p95_ms"], budget),
        fig("community.api.p95", "GET /api/v1/community/feed in-process: p95", "ms", result["api"]["p95_ms"], budget),
        fig("community.raw.p95", "hand-written SQL of the same page: p95", "ms", result["baseline"]["p95_ms"]),
        fig("community.ratio", "park feed p95 / SQL p95", "×", result["ratio_latest"] or 0.0),
        fig("community.page.ratio", "GET /community/ p95 / SQL p95", "×", result["ratio_page"] or 0.0),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.community", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a generated SQLite park (default: DATABASE_URL)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    if args.db is None and not os.environ.get("DATABASE_URL"):
        parser.error("pass --db PATH (a park made by `parkos generate --scale seed`) or set DATABASE_URL")
    _setup(args.db)
    from django.conf import settings
    from django.test.utils import override_settings

    # Pages are rendered in-process without collectstatic: plain static URLs instead of the manifest.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        result = run(n=30 if args.smoke else 200)
    if args.json:
        print(json.dumps(result))
        return 0
    from bench.report import table

    print(table(figures(result)))
    print(json.dumps(result, indent=1))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
