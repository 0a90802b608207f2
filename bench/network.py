"""Matching benchmark (资本对接) over the generated park: the matcher against popularity, offline, and the
time of a matching request.

    python -m bench.network --db PATH [--json] [--smoke]     # PATH: a generated park (`parkos generate`)
    BENCH_SCALE=seed python -m bench                          # as one of the domains of the whole bench

1. Offline (leave-last-out): for every investor with at least two enterprises in their history, the last
   enterprise they invested in (by the round's date) is hidden — every investment of theirs in it is
   removed, so the row counts neither for their history nor for the enterprise's popularity —; the
   matcher (``parkos.network.services.matching.rank_enterprises``, the very function the pages call)
   proposes 10 enterprises from what remains, and so does the popularity baseline (the most-invested
   enterprises, the same exclusions), in the same run. Reported: hit-rate@10 and MRR@10 of both and
   their ratios (the matcher must beat popularity clearly: ratio ≥ 1.5), and the matcher with the
   thesis alone (no history, no co-investors) to show what each half brings.
2. Latency: ``enterprises_for_investor`` (an investor's matches, database reads included) for a sample of
   investors and ``investors_for_enterprise`` for a sample of enterprises, p50/p95 in milliseconds, with
   the bare baseline of the same run: the popularity list as one SQL query (GROUP BY, ORDER BY, LIMIT 10).
   Budget: p95 ≤ 100 ms (DESIGN.md's pages).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

RATIO_BUDGET = 1.5
P95_BUDGET_MS = 100.0


def _setup(db: Path | None) -> None:
    if db is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    os.environ.setdefault("SCHEDULER", "0")
    import django

    django.setup()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def histories() -> dict[int, list[int]]:
    """Each investor's enterprises in the order they first invested in them (by the round's date)."""
    from parkos.network.models import FinancingInvestor

    out: dict[int, list[int]] = defaultdict(list)
    for investor_id, enterprise_id in (FinancingInvestor.objects.filter(investor__isnull=False)
                                       .order_by("record__announced_on", "record_id", "id")
                                       .values_list("investor_id", "record__enterprise_id")):
        if enterprise_id not in out[investor_id]:
            out[investor_id].append(enterprise_id)
    return dict(out)


def evaluate(*, k: int = 10) -> dict[str, Any]:
    """Hit-rate@k and MRR@k of the matcher and of popularity on the current database (the leave-last-out
    protocol of the module's docstring)."""
    from parkos.network.models import Investor
    from parkos.network.services import matching

    started = time.perf_counter()
    base = matching.snapshot_load()
    investors = {d.id: d for d in matching.investor_docs(Investor.objects.all())}
    load_seconds = time.perf_counter() - started
    hist = histories()
    test = {i: h for i, h in hist.items() if len(h) >= 2 and i in investors}
    scores = {"matcher": [0, 0.0], "popular": [0, 0.0], "thesis": [0, 0.0]}
    per_investor: list[float] = []
    for investor_id, h in sorted(test.items()):
        hidden = h[-1]
        if hidden not in base.enterprises:
            continue
        kept = [inv for inv in base.investments if not (inv.investor_id == investor_id and inv.enterprise_id == hidden)]
        snap = matching.Snapshot(enterprises=base.enterprises, vectors=base.vectors, idf=base.idf, investments=kept,
                                 top_of=base.top_of)
        doc = investors[investor_id]
        began = time.perf_counter()
        ranked = [m.enterprise.id for m in matching.rank_enterprises(snap, doc, k=k, reasons=False)
                  if m.enterprise is not None]
        per_investor.append((time.perf_counter() - began) * 1000)
        owned = set(h[:-1])
        popular = matching.popularity_baseline(snap, exclude=owned, k=k)
        # The thesis alone: the same investor with no history (nobody's co-investor either).
        alone = matching.Snapshot(enterprises=base.enterprises, vectors=base.vectors, idf=base.idf,
                                  investments=[inv for inv in kept if inv.investor_id != investor_id
                                               and (doc.fund_id is None or inv.fund_id != doc.fund_id)])
        thesis = [m.enterprise.id for m in matching.rank_enterprises(alone, doc, exclude=owned, k=k,
                                                                     reasons=False) if m.enterprise is not None]
        for name, ranking in (("matcher", ranked), ("popular", popular), ("thesis", thesis)):
            if hidden in ranking:
                scores[name][0] += 1
                scores[name][1] += 1.0 / (ranking.index(hidden) + 1)
    n = max(1, sum(1 for i, h in test.items() if h[-1] in base.enterprises))
    hit, mrr = scores["matcher"][0] / n, scores["matcher"][1] / n
    pop_hit, pop_mrr = scores["popular"][0] / n, scores["popular"][1] / n
    return {
        "investors": n, "enterprises": len(base.enterprises), "investments": len(base.investments),
        "load_seconds": load_seconds, "rank_ms": _pct(per_investor, 50),
        "hit_rate": hit, "mrr": mrr, "pop_hit_rate": pop_hit, "pop_mrr": pop_mrr,
        "hit_ratio": hit / pop_hit if pop_hit else None, "mrr_ratio": mrr / pop_mrr if pop_mrr else None,
        "thesis_hit_rate": scores["thesis"][0] / n, "thesis_mrr": scores["thesis"][1] / n,
    }


def latency(*, samples: int = 40) -> dict[str, Any]:
    """p50/p95 of the two matching reads through the services (queries included), and of the bare
    popularity query, in the same run."""
    from django.db.models import Count

    from parkos.accounts.models import Role, User
    from parkos.enterprises.models import Enterprise
    from parkos.network.models import FinancingInvestor, Investor
    from parkos.network.services import matching

    investors = list(Investor.objects.exclude(thesis="").select_related("user").order_by("id")[:samples])
    operator = User.objects.filter(role_grants__role=Role.OPERATOR, role_grants__park__isnull=True).first()
    enterprises = list(Enterprise.objects.filter(is_active=True).order_by("id")[:samples])
    matching.snapshot_load()  # warm: jieba's dictionary and the segmented texts, once per process
    as_investor, as_enterprise, bare = [], [], []
    for inv in investors:
        began = time.perf_counter()
        matching.enterprises_for_investor(viewer=inv.user, investor=inv, limit=10)
        as_investor.append((time.perf_counter() - began) * 1000)
    for e in enterprises if operator is not None else []:
        began = time.perf_counter()
        matching.investors_for_enterprise(viewer=operator, enterprise=e, limit=10)
        as_enterprise.append((time.perf_counter() - began) * 1000)
    for _ in range(max(len(investors), 10)):
        began = time.perf_counter()
        list(FinancingInvestor.objects.values("record__enterprise_id").annotate(n=Count("id")).order_by("-n")[:10])
        bare.append((time.perf_counter() - began) * 1000)
    return {"investor_p50": _pct(as_investor, 50), "investor_p95": _pct(as_investor, 95),
            "enterprise_p50": _pct(as_enterprise, 50), "enterprise_p95": _pct(as_enterprise, 95),
            "bare_p50": _pct(bare, 50), "bare_p95": _pct(bare, 95), "samples": len(as_investor)}


def run(*, smoke: bool = False) -> dict[str, Any]:
    return {"offline": evaluate(), "latency": latency(samples=10 if smoke else 40)}


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float | None, budget: Budget | None = None) -> Figure:
        f = Figure(key, "network", label, unit, budget)
        f.add(float("nan") if value is None else value)
        return f

    o, lat = result["offline"], result["latency"]
    n = f"{o['investors']:,} investors, {o['enterprises']:,} enterprises"
    ratio = Budget(">=", RATIO_BUDGET, f"≥ {RATIO_BUDGET:g}× popularity")
    p95 = Budget("<=", P95_BUDGET_MS, "p95 ≤ 100 ms")
    return [
        fig("network.match.hit", f"matching: hit-rate@10 ({n})", "%", 100 * o["hit_rate"]),
        fig("network.match.pop.hit", "popularity baseline: hit-rate@10", "%", 100 * o["pop_hit_rate"]),
        fig("network.match.hit.ratio", "hit-rate@10 / popularity", "×", o["hit_ratio"], ratio),
        fig("network.match.mrr", "matching: MRR@10 (× 100)", "%", 100 * o["mrr"]),
        fig("network.match.pop.mrr", "popularity baseline: MRR@10 (× 100)", "%", 100 * o["pop_mrr"]),
        fig("network.match.mrr.ratio", "MRR@10 / popularity", "×", o["mrr_ratio"], ratio),
        fig("network.match.thesis.hit", "thesis alone (no history): hit-rate@10", "%", 100 * o["thesis_hit_rate"]),
        fig("network.match.investor.p95", "an investor's matches (service, reads included): p95", "ms",
            lat["investor_p95"], p95),
        fig("network.match.enterprise.p95", "an enterprise's matches: p95", "ms", lat["enterprise_p95"], p95),
        fig("network.match.bare.p95", "baseline: the popularity query alone: p95", "ms", lat["bare_p95"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.network", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a generated park (SQLite)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="a quick run (fewer latency samples)")
    args = parser.parse_args()
    _setup(args.db)
    result = run(smoke=args.smoke)
    if args.json:
        print(json.dumps(result))
        return 0
    from bench.report import table, write

    figs = figures(result)
    sys.stdout.write(table(figs) + "\n")
    path = write(figs, {"scenario": "network", "smoke": args.smoke}, {"bench.network": [result]})
    print(f"Results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
