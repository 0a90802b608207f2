"""Recommender benchmark: the resource-linking recommender against popularity, offline.

    python -m bench.recommend                  # synthesised histories (documented below)
    python -m bench.recommend --db PATH        # the generated park's order histories, if it has them
    python -m bench.recommend --json [--smoke]

Protocol (leave-last-out): for every enterprise with at least 3 orders, its last order (by time) is
hidden; the model is fitted on everything else; each enterprise gets 10 proposals (excluding what
it already ordered); a hit is the hidden service among them. Reported: hit-rate@10 and MRR@10 of
the recommender, of the popularity baseline (the 10 most-ordered services park-wide, same
exclusions) computed in the same run, their ratios, each signal alone, and implicit's ALS on the
same split for comparison. Newcomers are measured too: each enterprise's first order, predicted from
its profile alone (stated needs, industry and stage), against popularity. Fit and per-enterprise latency are timed too.

Synthesised histories (used when the park has no orders, or without --db): 600 services in 14
categories (names and descriptions from realistic Chinese service words); 2,000 enterprises over
8 industries and 7 stages. Each enterprise has two needs (categories) drawn from its industry's
and stage's preferences, and states one of them in its profile text 60% of the time. Its orders
(8 to 30, about 20 a year) come one after another: 35% continue a bundle it started (services
ordered together in sequence, e.g. company registration → bank account → bookkeeping), 35%
follow its needs (a service of a needed category, popular ones more likely), 20% follow the
park-wide popularity curve (Zipf), 10% are uniform noise. Nothing repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261128
INDUSTRIES = ["ai", "biotech", "software", "hardware", "newenergy", "fintech", "culture", "manufacturing"]
STAGES = ["seed", "angel", "series_a", "series_b", "series_c", "pre_ipo", "listed"]
# category -> service words (the demo catalog's vocabulary)
CATEGORIES: dict[str, list[str]] = {
    "registration": ["工商注册", "地址变更", "股权变更", "经营范围变更", "注销登记", "银行开户"],
    "legal": ["合同审查", "法律顾问", "劳动仲裁", "股权架构设计", "合规审查", "知识产权诉讼"],
    "tax": ["代理记账", "税务申报", "财务审计", "高企财务专项审计", "研发费用加计扣除", "发票代开"],
    "ip": ["商标注册", "专利申请", "软件著作权登记", "专利年费代缴", "知识产权贯标", "商标续展"],
    "talent": ["人才引进落户", "外籍人才签证", "工作许可办理", "人才公寓申请", "海外人才补贴申报", "子女入学协调"],
    "hr": ["社保代缴", "招聘会展位", "员工体检", "猎头招聘", "薪酬体系设计", "劳动合同模板"],
    "policy": ["高新技术企业认定", "专精特新申报", "租金补贴申报", "研发补贴申报", "科技型中小企业评价", "首台套申报"],
    "capital": ["融资路演", "商业计划书辅导", "投资人对接", "财务尽职调查", "股权激励方案", "债权融资对接"],
    "space": ["工位租赁", "会议室预订", "装修报建", "办公家具租赁", "实验室租赁", "仓储空间"],
    "housing": ["人才公寓入住", "租房补贴", "短租公寓", "宿舍管理", "搬家服务", "公寓维修"],
    "market": ["展会参展", "品牌设计", "新品发布会", "渠道对接", "政府采购对接", "媒体宣传"],
    "global": ["跨境法律咨询", "海外公司注册", "出口退税", "海外市场调研", "国际认证", "外汇登记"],
    "lab": ["检测认证", "大型仪器共享", "中试基地对接", "算力资源申请", "样品测试", "洁净车间租用"],
    "life": ["食堂团餐", "班车服务", "健身房会员", "员工活动策划", "快递收发", "停车办理"],
}
VARIANTS = ["", "咨询", "代办", "加急", "全程托管", "基础版", "专业版"]
DESCRIPTION = "园区为入驻企业提供{word}服务，由专业顾问跟进，按约定时限交付。"
NEED_TEXT = ["我们正在寻找{word}方面的支持。", "近期计划推进{word}，希望管家协助。", "需要{word}相关服务。"]
# industry -> categories it leans to; stage -> categories it leans to
INDUSTRY_LEAN = {
    "ai": ["ip", "lab", "talent", "capital"], "biotech": ["lab", "policy", "ip", "global"],
    "software": ["ip", "hr", "tax", "market"], "hardware": ["lab", "global", "market", "space"],
    "newenergy": ["policy", "lab", "capital", "space"], "fintech": ["legal", "tax", "capital", "hr"],
    "culture": ["market", "ip", "legal", "life"], "manufacturing": ["space", "global", "hr", "policy"],
}
STAGE_LEAN = {
    "seed": ["registration", "space", "tax"], "angel": ["registration", "capital", "ip"],
    "series_a": ["capital", "hr", "talent"], "series_b": ["policy", "hr", "market"],
    "series_c": ["market", "global", "legal"], "pre_ipo": ["legal", "tax", "capital"],
    "listed": ["global", "legal", "housing"],
}


def synthesise(*, enterprises: int, seed: int = SEED) -> dict[str, Any]:
    """Services, enterprise profiles and ordered histories drawn from the model in the docstring."""
    from parkos.catalog.recommend import Profile, ServiceDoc

    rng = random.Random(seed)
    services: list[ServiceDoc] = []
    by_category: dict[str, list[int]] = defaultdict(list)
    sid = 0
    for cat, words in CATEGORIES.items():
        for word in words:
            for variant in VARIANTS:
                if len(services) >= 600:
                    break
                sid += 1
                services.append(ServiceDoc(id=sid, name=f"{word}{variant}", text=DESCRIPTION.format(word=word),
                                           tags=(word,)))
                by_category[cat].append(sid)
    all_ids = [s.id for s in services]
    # A park-wide popularity curve (Zipf over a shuffled order) and, inside categories, a lean to the first.
    ranked = all_ids[:]
    rng.shuffle(ranked)
    zipf = {s: 1.0 / (r + 1) ** 0.9 for r, s in enumerate(ranked)}
    bundles = []
    for _ in range(90):
        size = rng.choice([2, 3, 3, 4])
        cats = rng.sample(list(CATEGORIES), 2)
        bundles.append([rng.choice(by_category[rng.choice(cats)]) for _ in range(size)])
    bundle_of: dict[int, list[list[int]]] = defaultdict(list)
    for b in bundles:
        bundle_of[b[0]].append(b)
    profiles: dict[int, Profile] = {}
    histories: dict[int, list[int]] = {}
    for e in range(1, enterprises + 1):
        industry, stage = rng.choice(INDUSTRIES), rng.choice(STAGES)
        pool = INDUSTRY_LEAN[industry] + STAGE_LEAN[stage]
        needs = rng.sample(pool, 2)
        need_word = rng.choice(CATEGORIES[needs[0]])
        text = rng.choice(NEED_TEXT).format(word=need_word) if rng.random() < 0.6 else ""
        profiles[e] = Profile(industry=industry, stage=stage, needs=text)
        owned: list[int] = []
        queue: list[int] = []
        for _ in range(rng.randint(8, 30)):
            pick = None
            for _try in range(20):
                roll = rng.random()
                if queue and roll < 0.35:
                    pick = queue.pop(0)
                elif roll < 0.70:
                    cat = rng.choice(needs)
                    items = by_category[cat]
                    pick = rng.choices(items, weights=[zipf[s] + 0.02 for s in items])[0]
                elif roll < 0.90:
                    pick = rng.choices(ranked[:200], weights=[zipf[s] for s in ranked[:200]])[0]
                else:
                    pick = rng.choice(all_ids)
                if pick not in owned:
                    break
                pick = None
            if pick is None:
                continue
            owned.append(pick)
            if pick in bundle_of and not queue:
                queue = [s for s in rng.choice(bundle_of[pick])[1:] if s not in owned]
        histories[e] = owned
    return {"services": services, "profiles": profiles, "histories": histories}


def from_database() -> dict[str, Any] | None:
    """The generated park's histories, or None when it has too few orders to measure."""
    from parkos.catalog.models import Service, ServiceOrder
    from parkos.catalog.recommend import Profile, ServiceDoc
    from parkos.enterprises.models import Enterprise

    rows = list(ServiceOrder.objects.exclude(status__in=("cancelled", "rejected"))
                .order_by("submitted_at", "id").values_list("enterprise_id", "service_id"))
    if len(rows) < 200:
        return None
    histories: dict[int, list[int]] = defaultdict(list)
    for e, s in rows:
        if s not in histories[e]:
            histories[e].append(s)
    services = [ServiceDoc(id=s.pk, name=s.name_zh, text=f"{s.description_zh} {' '.join(s.tags or [])}",
                           eligibility=s.eligibility if isinstance(s.eligibility, dict) else {},
                           tags=tuple(str(t) for t in s.tags or []))
                for s in Service.objects.filter(is_active=True)]
    profiles = {
        e.pk: Profile(industry=(e.industry.parent.code if e.industry.parent_id else e.industry.code),  # type: ignore[union-attr]
                      stage=e.stage, needs=" ".join(x for x in (e.needs, " ".join(e.tags or [])) if x),
                      in_park=bool(e.building_id))
        for e in Enterprise.objects.select_related("industry__parent")
    }
    return {"services": services, "profiles": profiles, "histories": dict(histories)}


def evaluate(data: dict[str, Any], *, with_als: bool = True) -> dict[str, Any]:
    from parkos.catalog.recommend import INDUSTRY_TERMS, fit, popularity_baseline, recommend

    histories: dict[int, list[int]] = data["histories"]
    profiles = data["profiles"]
    test = {e: h for e, h in histories.items() if len(h) >= 3 and e in profiles}
    train_pairs = [(e, s) for e, h in histories.items() for s in (h[:-1] if e in test else h)]
    started = time.perf_counter()
    model = fit(interactions=train_pairs, profiles=profiles, services=data["services"])
    fit_seconds = time.perf_counter() - started

    def score(ranker: Any) -> tuple[float, float]:
        hits = 0
        rr = 0.0
        for e, h in test.items():
            ranked = ranker(e, h[:-1])
            if h[-1] in ranked:
                hits += 1
                rr += 1.0 / (ranked.index(h[-1]) + 1)
        return hits / len(test), rr / len(test)

    def ours(signals: Any = None) -> Any:
        return lambda e, hist: [c.service_id for c in recommend(model, profile=profiles[e], history=hist,
                                                                exclude=hist, k=10, signals=signals)]

    started = time.perf_counter()
    hit, mrr = score(ours())
    per_enterprise_ms = (time.perf_counter() - started) / len(test) * 1000
    pop_hit, pop_mrr = score(lambda e, hist: popularity_baseline(model, exclude=hist, k=10))
    result: dict[str, Any] = {
        "enterprises": len(test), "services": len(data["services"]), "train_orders": len(train_pairs),
        "fit_seconds": fit_seconds, "recommend_ms": per_enterprise_ms,
        "hit_rate": hit, "mrr": mrr, "pop_hit_rate": pop_hit, "pop_mrr": pop_mrr,
        "hit_ratio": hit / pop_hit if pop_hit else None, "mrr_ratio": mrr / pop_mrr if pop_mrr else None,
        "signals": {},
    }
    # Newcomers: the first order of each enterprise, with no history at all (needs and peers only).
    cold_hit = cold_rr = cold_pop_hit = cold_pop_rr = 0.0
    for e, h in test.items():
        ranked = [c.service_id for c in recommend(model, profile=profiles[e], k=10)]
        base = popularity_baseline(model, k=10)
        if h[0] in ranked:
            cold_hit += 1
            cold_rr += 1.0 / (ranked.index(h[0]) + 1)
        if h[0] in base:
            cold_pop_hit += 1
            cold_pop_rr += 1.0 / (base.index(h[0]) + 1)
    n = len(test)
    # The case a butler reported (a medical-device registration test proposed to a solar start-up): proposals
    # of a service made for another industry, counted over every enterprise's ten. The budget is none.
    by_id = {d.id: d for d in model.docs}
    result["off_industry"] = sum(
        1 for e, h in test.items()
        for c in recommend(model, profile=profiles[e], history=h[:-1], exclude=h[:-1], k=10)
        if by_id[c.service_id].industries and profiles[e].industry not in by_id[c.service_id].industries
        and not any(t in profiles[e].needs for code in by_id[c.service_id].industries for t in INDUSTRY_TERMS[code]))
    result["cold"] = {"hit_rate": cold_hit / n, "mrr": cold_rr / n, "pop_hit_rate": cold_pop_hit / n,
                      "pop_mrr": cold_pop_rr / n}
    for signal in ("also", "peers", "need"):
        s_hit, s_mrr = score(ours([signal]))
        result["signals"][signal] = {"hit_rate": s_hit, "mrr": s_mrr}
    if with_als:
        result["als"] = _als(model, test, train_pairs)
    return result


def _als(model: Any, test: dict[int, list[int]], train_pairs: list[tuple[int, int]]) -> dict[str, float]:
    """implicit's ALS on the same split (the alternative the recommender was measured against)."""
    import numpy as np
    from scipy import sparse

    try:
        from implicit.als import AlternatingLeastSquares
    except ImportError:  # pragma: no cover - implicit is a dependency, but the bench should not die on it
        return {}
    ents = sorted({e for e, _ in train_pairs})
    row = {e: i for i, e in enumerate(ents)}
    pairs = {(row[e], model.column[s]) for e, s in train_pairs if s in model.column}
    r, c = zip(*pairs, strict=True)
    matrix = sparse.csr_matrix((np.full(len(r), 20.0, dtype=np.float32), (r, c)),
                               shape=(len(ents), len(model.service_ids)))
    started = time.perf_counter()
    als = AlternatingLeastSquares(factors=32, regularization=0.05, iterations=15, random_state=SEED)
    als.fit(matrix, show_progress=False)
    fit_seconds = time.perf_counter() - started
    hits, rr = 0, 0.0
    for e, h in test.items():
        if e not in row:
            continue
        ids, _scores = als.recommend(row[e], matrix[row[e]], N=10, filter_already_liked_items=True)
        ranked = [int(model.service_ids[i]) for i in ids]
        if h[-1] in ranked:
            hits += 1
            rr += 1.0 / (ranked.index(h[-1]) + 1)
    return {"hit_rate": hits / len(test), "mrr": rr / len(test), "fit_seconds": fit_seconds}


def run(*, db: Path | None, smoke: bool) -> dict[str, Any]:
    data = from_database() if db is not None else None
    mode = "generated park"
    if data is None:
        data = synthesise(enterprises=400 if smoke else 2000)
        mode = "synthesised histories"
    result = evaluate(data, with_als=not smoke)
    result["mode"] = mode
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float, budget: Budget | None = None) -> Figure:
        f = Figure(key, "recommend", label, unit, budget)
        f.add(value)
        return f

    n = f"{result['enterprises']:,} enterprises, {result['mode']}"
    out = [
        fig("recommend.hit", f"hit-rate@10 ({n})", "%", 100 * result["hit_rate"]),
        fig("recommend.pop.hit", "popularity baseline: hit-rate@10", "%", 100 * result["pop_hit_rate"]),
        fig("recommend.hit.ratio", "hit-rate@10 / popularity", "×", result["hit_ratio"] or 0.0),
        fig("recommend.mrr", "MRR@10", "", result["mrr"]),
        fig("recommend.pop.mrr", "popularity baseline: MRR@10", "", result["pop_mrr"]),
        fig("recommend.mrr.ratio", "MRR@10 / popularity", "×", result["mrr_ratio"] or 0.0),
        fig("recommend.fit", "model fit", "s", result["fit_seconds"]),
        fig("recommend.latency", "proposals for one enterprise", "ms", result["recommend_ms"]),
        fig("recommend.off_industry", "proposals of another industry's service", "", result["off_industry"],
            Budget("<=", 0, "none")),
    ]
    cold = result.get("cold")
    if cold:
        out.append(fig("recommend.cold.hit", "newcomers (no history): hit-rate@10", "%", 100 * cold["hit_rate"]))
        out.append(fig("recommend.cold.pop.hit", "newcomers: popularity hit-rate@10", "%", 100 * cold["pop_hit_rate"]))
    if result.get("als"):
        out.append(fig("recommend.als.hit", "implicit ALS, same split: hit-rate@10", "%", 100 * result["als"]["hit_rate"]))
    return out


def _setup(db: Path | None) -> None:
    if db is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    import django

    django.setup()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recommend", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a generated park (SQLite) whose order histories to use")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="a small, quick run")
    args = parser.parse_args()
    if args.db is None and not os.environ.get("DATABASE_URL"):
        var = ROOT / "var" / "bench"
        var.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("PARKOS_VAR_DIR", str(var))
    _setup(args.db)
    result = run(db=args.db, smoke=args.smoke)
    if args.json:
        print(json.dumps(result))
        return 0
    from bench.report import table

    sys.stdout.write(table(figures(result)) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
