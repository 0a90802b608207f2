"""Search benchmark: index build time and query latency over a seed-scale index, against the raw engine.

    python -m bench.search                 # synthesise a seed-scale index in var/bench/search.sqlite3
    python -m bench.search --db PATH       # index an existing park (e.g. `parkos generate --scale seed`)
    python -m bench.search --json          # figures as JSON on stdout (how `python -m bench` reads them)

Synthesised mode builds 600 "service", 1,200 "enterprise" and 25,000 "person" documents from the demo
word lists through the real indexing path (segmentation, normalisation, bulk insert, engine triggers);
services do not exist yet, so their documents are made up for the benchmark only. With --db, the
registered sources (enterprises, public profiles) are reindexed with `services.reindex`.

The index spans a portfolio (issue 14): three parks, the first by far the largest. Enterprise documents
belong to a park (70/20/10 %), a tenth of the services are park-only, people are portfolio-wide.

Query latency is the whole ``search()`` selector as a page calls it (parse, permission filter, facets
by kind and by park, one page of hits, snippets) for a logged-in member, over every park and again
filtered to the default park (``?park=``); the baseline is the bare engine query for the same
terms (`MATCH ... ORDER BY rank LIMIT 10`, no filter, no facets, no snippets) in the same run.
Budget (DESIGN.md): search p95 ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCALE = {"service": 600, "enterprise": 1200, "person": 25000}
BUDGET_MS = 30.0
EXTRA_QUERIES = ["法务", "财税", "签证", "加班券", "企业管家", "机器人", "北京", "人工智能", "Python", "robot",
                 "协作", "张", "王伟", "科技有限公司", "工商注册", "知识产权代理", "東升盃", "数据 分析", "投融资 路演"]
SERVICE_WORDS = ["工商注册", "代理记账", "财税筹划", "法务咨询", "合同审查", "商标注册", "专利申请", "签证办理",
                 "人才公寓申请", "会议室预订", "高企认定辅导", "融资路演", "政策申报", "员工体检", "法律顾问"]


def _setup(db: Path | None) -> None:
    if db is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    import django

    django.setup()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def synthesise() -> dict[str, float]:
    """Write the seed-scale documents through the real indexing path; returns seconds per stage."""
    from parkos.demo import words
    from parkos.search.models import SearchDocument
    from parkos.search.registry import IndexDoc
    from parkos.search.services import _write, document_build

    rng = random.Random(20261128)
    SearchDocument.objects.all().delete()
    parks = _portfolio()
    timings: dict[str, float] = {}
    for kind, n in SCALE.items():
        started = time.perf_counter()
        rows = []
        for i in range(1, n + 1):
            if kind == "service":
                word = rng.choice(SERVICE_WORDS)
                doc = IndexDoc(title=f"{word}（{rng.choice(words.NAME_PREFIX)}服务商）", url=f"/services/{i}/",
                               body=f"为园区企业提供{word}，{rng.choice(words.NEEDS)}。",
                               tags=rng.sample(words.INDUSTRY_TAGS["services"], 2), boost=1.2)
            elif kind == "enterprise":
                top = rng.choice(list(words.INDUSTRY_WORDS))
                prefix, word = rng.choice(words.NAME_PREFIX), rng.choice(words.INDUSTRY_WORDS[top])
                tags = rng.sample(words.INDUSTRY_TAGS[top], 2)
                doc = IndexDoc(title=f"{rng.choice(words.CITIES)}{prefix}{word}有限公司{i}", url=f"/enterprises/{i}/",
                               body=rng.choice(words.DESCRIPTIONS).format(name=prefix + word, tag=tags[0],
                                                                          industry=top, city="北京")
                               + "\n" + rng.choice(words.NEEDS),
                               tags=tags, names=[prefix + word], keywords=[f"{prefix} Technology"], boost=1.3)
            else:
                skills = rng.sample(words.SKILLS, rng.randint(1, 4))
                interests = rng.sample(words.INTERESTS, rng.randint(1, 3))
                name = words.person_name(rng)
                doc = IndexDoc(title=name, url=f"/accounts/members/{i}/", names=[name],
                               body=rng.choice(words.BIO_OPENERS).format(n=rng.randint(1, 8), skill=skills[0],
                                                                         interest=interests[0]),
                               tags=[*skills, *interests], visibility="members")
            if kind == "enterprise":
                park_id: int | None = rng.choices(parks, weights=(70, 20, 10))[0]
            elif kind == "service":
                park_id = rng.choice(parks) if rng.random() < 0.1 else None  # park-only services
            else:
                park_id = None  # people: portfolio-wide
            rows.append(document_build(kind=kind, object_id=i, doc=doc, park_id=park_id))
            if len(rows) == 1000:
                _write(kind, [r.object_id for r in rows], rows)
                rows = []
        if rows:
            _write(kind, [r.object_id for r in rows], rows)
        timings[kind] = time.perf_counter() - started
    return timings


def _portfolio() -> list[int]:
    """The default park and two smaller ones (ids of core.Park rows: documents reference them)."""
    from parkos.core.models import Park
    from parkos.core.parks import park_default

    ids = [park_default().pk]
    for code, name in (("bench-2", "二园"), ("bench-3", "三园")):
        ids.append(Park.objects.get_or_create(code=code, defaults={"name": name})[0].pk)
    return ids


def queries() -> list[str]:
    from parkos.search.relevance import load

    return [q["q"] for q in load()] + EXTRA_QUERIES


def measure(reps: int) -> dict[str, Any]:
    from django.db import connection

    from parkos.accounts.models import User
    from parkos.core.parks import park_default
    from parkos.search.backends import raw_fts
    from parkos.search.selectors import search
    from parkos.search.text import parse_query

    viewer = User.objects.filter(is_active=True).order_by("pk").first()
    if viewer is None:
        viewer = User.objects.create(email="bench-search@bench.parkos", display_name="bench")
    qs = queries()
    search(viewer=viewer, q="预热园区企业")  # the first search loads jieba (once per process), not measured
    park = park_default()
    full: list[float] = []
    in_park: list[float] = []
    raw: list[float] = []
    for _rep in range(reps):
        for q in qs:
            started = time.perf_counter()
            search(viewer=viewer, q=q)
            full.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            search(viewer=viewer, q=q, park=park)
            in_park.append((time.perf_counter() - started) * 1000)
            parsed = parse_query(q)
            if parsed.empty:
                continue
            started = time.perf_counter()
            raw_fts(parsed)
            raw.append((time.perf_counter() - started) * 1000)
    return {
        "vendor": connection.vendor, "queries": len(qs), "reps": reps,
        "search_p50_ms": statistics.median(full), "search_p95_ms": _pct(full, 95), "search_p99_ms": _pct(full, 99),
        "search_park_p50_ms": statistics.median(in_park), "search_park_p95_ms": _pct(in_park, 95),
        "raw_p50_ms": statistics.median(raw), "raw_p95_ms": _pct(raw, 95),
    }


def run(*, db: Path | None, reps: int) -> dict[str, Any]:
    from django.core.management import call_command

    from parkos.search.models import SearchDocument
    from parkos.search.text import tokenizer

    out: dict[str, Any] = {}
    started = time.perf_counter()
    tokenizer()  # jieba's dictionary, once per process: reported on its own, not in the build time
    out["jieba_load_seconds"] = time.perf_counter() - started
    if db is None:
        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        out["build_seconds_by_kind"] = synthesise()
        out["mode"] = "synthesised"
    else:
        from parkos.search.services import reindex

        started = time.perf_counter()
        out["indexed"] = reindex(fresh=True)
        out["mode"] = "reindex of an existing park"
    out["build_seconds"] = time.perf_counter() - started
    out["documents"] = SearchDocument.objects.count()
    out.update(measure(reps))
    out["ratio_p95"] = out["search_p95_ms"] / out["raw_p95_ms"] if out["raw_p95_ms"] else None
    return out


def figures(result: dict[str, Any]) -> list[Any]:
    """The figures in bench.report's form (used by `python -m bench`)."""
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "search", label, unit, budget)
        f.add(value)
        return f

    docs = f"{result['documents']:,} docs"
    return [
        fig("search.build", f"index build ({docs}, {result['mode']})", "s", result["build_seconds"]),
        fig("search.jieba", "jieba dictionary load (once per process)", "s", result["jieba_load_seconds"]),
        fig("search.p50", "search(): p50", "ms", result["search_p50_ms"]),
        fig("search.p95", "search(): p95", "ms", result["search_p95_ms"], Budget("<=", BUDGET_MS, "p95 ≤ 30 ms")),
        fig("search.park.p95", "search(park=default park): p95", "ms", result["search_park_p95_ms"],
            Budget("<=", BUDGET_MS, "p95 ≤ 30 ms")),
        fig("search.raw.p95", "raw engine query, same terms: p95", "ms", result["raw_p95_ms"]),
        fig("search.ratio", "search() p95 / raw p95", "×", result["ratio_p95"] or 0.0),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an existing SQLite park to reindex and query")
    parser.add_argument("--reps", type=int, default=5, help="passes over the query set (default 5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--synthesise", action="store_true",
                        help="with DATABASE_URL set: replace that database's search index with synthetic documents")
    args = parser.parse_args()
    db = args.db
    if db is None and not os.environ.get("DATABASE_URL"):
        var = ROOT / "var" / "bench"
        var.mkdir(parents=True, exist_ok=True)
        db = var / "search.sqlite3"
        db.unlink(missing_ok=True)
        os.environ.setdefault("PARKOS_VAR_DIR", str(var))
        sys.stderr.write(f"bench.search: synthesising a seed-scale index in {db}\n")
        _setup(db)
        result = run(db=None, reps=args.reps)
    else:
        if db is None and not args.synthesise:
            parser.error("DATABASE_URL is set: pass --db PATH, or --synthesise to overwrite that database's index")
        _setup(db)
        result = run(db=db, reps=args.reps)
    if args.json:
        print(json.dumps(result))
        return 0
    from bench.report import table

    print(table(figures(result)))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
