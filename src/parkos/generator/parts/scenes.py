"""Scenes, responses, 3,000,000 deals with their milestones, reviews and ledger rows.

The source park's scene board produced over three million transaction orders in a year, most of
them small tasks taken by many people at once ("test our app, ¥200 each", "30 guests for a launch").
So a scene here has a long tail of deals: most have a handful, a few have hundreds.

Ledger rows for generated deals (a documented shortcut, to stay inside the generator's budget): one
operation per deal, kind ``scenes.deal.generated``, keyed ``response/<id>/accept`` like the service's
acceptance, posting the deal's *net* position after the year in two entries:

    completed  deal:agreed -A, deal:paid +A
    cancelled  deal:agreed -A, deal:written_off +A
    active or disputed (nothing paid yet)  deal:agreed -A, deal:outstanding +A

so ``parkos ledger-check`` reconciles the generated park exactly like a live one (every deal's
balances equal its row; every operation balances and matches its digest). The per-step history
(accept, deliver, confirm …) and the deal timeline (DealEvent) are not generated; live deals have
both. Other parts that write the ledger start their ids after ``ctx.shared["ledger_next_ids"]``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

from parkos.core.ledger import digest_of
from parkos.enterprises.models import Industry
from parkos.generator.bulk import IndexesDeferred, pipelined
from parkos.generator.registry import YEAR_END, Context, part
from parkos.scenes.models import Deal, Milestone, Response, Scene

SCENES = 150_000
DEALS = 3_000_000
EXTRA_RESPONSES = 0.04  # responses that were declined, withdrawn or are still waiting
REVIEW_BY_PUBLISHER = 0.15
REVIEW_BY_PROVIDER = 0.10
CHUNK = 2_000  # scenes per batch of inserts
PIPELINE_FROM = 100_000  # deals: from this many on, rows are made in a second process (generator/bulk.py)

KIND_MIX = {Scene.Kind.CONTRACTOR: 30, Scene.Kind.PROCUREMENT: 18, Scene.Kind.PILOT: 12, Scene.Kind.LAUNCH: 10,
            Scene.Kind.PARTNERSHIP: 10, Scene.Kind.RECRUITMENT: 12, Scene.Kind.OTHER: 8}
TITLES = {
    Scene.Kind.CONTRACTOR: ["寻找{n}周 Python 外包开发", "小程序前端开发外包", "产品宣传视频剪辑", "官网改版设计",
                            "数据标注任务（{n}千条）", "App 可用性测试，每人{m}元", "技术文档翻译（中译英）"],
    Scene.Kind.PROCUREMENT: ["采购{n}台服务器", "办公家具批量采购", "园区活动物料印刷", "实验耗材年度采购", "GPU 算力租用{n}个月"],
    Scene.Kind.PILOT: ["为配送机器人寻找首个试点客户", "AI 质检系统寻找试点工厂", "医疗影像产品寻找合作医院",
                       "储能方案寻找试点园区楼宇"],
    Scene.Kind.LAUNCH: ["产品发布会需要场地与{h}位观众", "路演活动招募{h}位观众", "新品体验官招募{n}0人"],
    Scene.Kind.PARTNERSHIP: ["寻找渠道合作伙伴", "联合申报科研项目", "寻找{c}市场的分销合作方"],
    Scene.Kind.RECRUITMENT: ["招聘兼职算法实习生", "短期招募活动志愿者{n}名", "招募用户访谈对象"],
    Scene.Kind.OTHER: ["征集园区咖啡馆新菜单创意", "寻找羽毛球陪练", "征集年度报告封面设计"],
}
DESCRIPTIONS = ["需求明确，预算可谈，欢迎有相关经验的团队或个人响应。", "请在方案中写明报价、计划和工期。",
                "优先考虑园区内企业，可现场沟通。", "按里程碑验收付款，交付物需附说明文档。"]
PLANS = ["团队有三年相关经验，可按两个阶段交付。", "先做需求调研，再出方案，最后实施。", "个人开发者，可全职投入。",
         "我们服务过多家园区企业，可提供案例。", "可当天响应，按件计费。"]
TIMELINES = ["一周", "两周", "一个月", "三天", "按需"]
MILESTONE_TITLES = [("交付",), ("首期交付", "验收交付"), ("方案", "实施", "验收")]
REVIEW_TEXTS = ["准时交付，沟通顺畅", "质量很好，下次还合作", "整体满意", "付款及时，需求清晰", "略有延期，但结果不错", ""]
# Scene status mix; drafts and cancelled scenes have no deals.
STATUS_MIX = {Scene.Status.COMPLETED: 52, Scene.Status.CLOSED: 18, Scene.Status.OPEN: 20,
              Scene.Status.CANCELLED: 5, Scene.Status.DRAFT: 5}
AUDIENCE_MIX = {Scene.Audience.ANYONE: 80, Scene.Audience.ENTERPRISES: 10, Scene.Audience.MEMBERS: 7,
                Scene.Audience.INVITED: 3}

RESPONSE_FIELDS = ["id", "created_at", "updated_at", "scene_id", "responder_id", "enterprise_id", "price_fen",
                   "plan", "timeline", "status"]
DEAL_FIELDS = ["id", "created_at", "updated_at", "scene_id", "park_id", "response_id", "publisher_id", "provider_id",
               "title", "amount_fen", "paid_fen", "written_off_fen", "awarded_fen", "status",
               "cancel_requested_by_id", "disputed_by_id", "resolution", "resolution_reason", "closed_at"]
MILESTONE_FIELDS = ["id", "deal_id", "position", "title", "amount_fen", "due_on", "status", "payment"]
REVIEW_FIELDS = ["id", "deal_id", "author_id", "subject_id", "rating", "text", "created_at"]
OP_FIELDS = ["id", "scope", "key", "kind", "subject_type", "subject_id", "parties", "detail", "actor_id",
             "digest", "created_at"]
ENTRY_FIELDS = ["id", "operation_id", "subject_type", "subject_id", "account", "amount"]


def _utc(moment: datetime) -> datetime:
    """The naive UTC datetime Django's SQLite and PostgreSQL adapters would store for ``moment``."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _scene_count(factor: float) -> int:
    return max(4, round(SCENES * factor))


def _deal_count(factor: float) -> int:
    return max(10, round(DEALS * factor))


@part("scenes", after=("memberships",), models=("scenes.Scene",), rows=_scene_count)
def scenes(ctx: Context) -> int:
    rng = ctx.rng
    n = _scene_count(ctx.factor)
    members = list(ctx.ids["members"])
    joined: list[datetime] = ctx.shared["joined"]
    employer: dict[int, int] = {}
    for index, users in enumerate(ctx.shared["staff"]):
        for user in users:
            employer[user] = index + 1
    ctx.shared["employer"] = employer
    # A scene is published from its publisher's enterprise's park (park 1, the default, without one).
    enterprise_park: dict[int, int] = ctx.shared.get("enterprise_park", {})
    industries = list(Industry.objects.using(ctx.using).filter(parent__isnull=True).values_list("id", flat=True))
    kinds, kind_w = list(KIND_MIX), list(KIND_MIX.values())
    statuses, status_w = list(STATUS_MIX), list(STATUS_MIX.values())
    audiences, audience_w = list(AUDIENCE_MIX), list(AUDIENCE_MIX.values())
    # Publishers: busy people publish more (the same long tail as everywhere in the park).
    weights = [min(a, 200.0) for a in ctx.shared.get("activity", [1.0] * len(members))]
    publishers = rng.choices(members, weights=weights, k=n)
    moments = sorted(ctx.moment() for _ in range(min(n, 20_000)))
    rows = []
    meta: list[tuple[int, str, int, datetime, str, int, int]] = []
    for i in range(1, n + 1):
        publisher = publishers[i - 1]
        kind = rng.choices(kinds, weights=kind_w)[0]
        status = rng.choices(statuses, weights=status_w)[0]
        published = rng.choice(moments)
        if status == Scene.Status.OPEN:  # open scenes are the recent ones
            published = YEAR_END - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23))
        published = max(published, joined[publisher - 1] + timedelta(hours=1))
        created = published - timedelta(hours=rng.randint(1, 72))
        title = rng.choice(TITLES[kind]).format(n=rng.randint(1, 9), m=rng.choice([100, 200, 300]),
                                               h=rng.choice([50, 100, 200, 300]), c=rng.choice(["华东", "华南", "海外"]))
        budget = int(math.exp(rng.gauss(8.3, 1.3))) // 100 * 100 + 100  # yuan: median ~4,000
        monetary = rng.random() < 0.9
        enterprise = employer.get(publisher) if rng.random() < 0.5 else None
        deadline = (published + timedelta(days=rng.randint(7, 60))).date()
        park = enterprise_park.get(employer.get(publisher, 0), 1)
        rows.append((
            i, park, created, published if status != Scene.Status.DRAFT else created, publisher, enterprise, kind,
            title, rng.choice(DESCRIPTIONS), budget * 100 if monetary else None,
            "" if monetary else rng.choice(["展位一个", "联合署名", "产品免费试用一年"]), deadline,
            rng.choices(audiences, weights=audience_w)[0], rng.choice(industries) if industries else None,
            status, None if status == Scene.Status.DRAFT else published,
        ))
        meta.append((i, status, publisher, published, title, budget * 100 if monetary else 50_000, park))
    ctx.shared["scene_meta"] = meta
    ctx.ids["scenes"] = range(1, n + 1)
    return ctx.insert("scenes.Scene", [
        "id", "park_id", "created_at", "updated_at", "publisher_id", "enterprise_id", "kind", "title", "description",
        "budget_fen", "reward_text", "deadline", "audience", "industry_id", "status", "published_at"], rows)


def _deals_per_scene(ctx: Context, meta: list[Any], total: int) -> list[int]:
    """A Pareto long tail over the scenes that can have deals, summing to ``total``."""
    rng = ctx.rng
    eligible = [i for i, m in enumerate(meta) if m[1] in (Scene.Status.COMPLETED, Scene.Status.CLOSED,
                                                           Scene.Status.OPEN)]
    counts = [0] * len(meta)
    weights = [min(rng.paretovariate(1.1), 60.0) for _ in eligible]
    scale = total / sum(weights)
    assigned = 0
    for index, w in zip(eligible, weights, strict=True):
        counts[index] = max(1, int(w * scale))
        assigned += counts[index]
    # Settle the rounding on random eligible scenes, so the total is exact.
    while assigned != total:
        index = rng.choice(eligible)
        if assigned < total:
            counts[index] += 1
            assigned += 1
        elif counts[index] > 1:
            counts[index] -= 1
            assigned -= 1
    return counts


@part("scene_deals", after=("scenes",),
      models=("scenes.Response", "scenes.Deal", "scenes.Milestone", "scenes.Review", "core.LedgerOperation",
              "core.LedgerEntry"),
      rows=lambda f: round(_deal_count(f) * 6.5))  # responses, deals, milestones, reviews, ledger ops and entries
def scene_deals(ctx: Context) -> int:
    meta = ctx.shared["scene_meta"]
    members = list(ctx.ids["members"])
    n_members = len(members)
    employer: dict[int, int] = ctx.shared["employer"]
    total = _deal_count(ctx.factor)
    per_scene = _deals_per_scene(ctx, meta, total)
    max_per_scene = max(2, n_members - 2)
    offsets = [timedelta(hours=h, minutes=m) for h in range(2, 24 * 25, 7) for m in (0, 17, 41)]
    S, C, A, D = Deal.Status.COMPLETED, Deal.Status.CANCELLED, Deal.Status.ACTIVE, Deal.Status.DISPUTED
    mixes = {
        Scene.Status.COMPLETED: ([S, C], [95, 5]),
        Scene.Status.CLOSED: ([S, A, C, D], [70, 20, 6, 4]),
        Scene.Status.OPEN: ([A, S, D, C], [70, 22, 3, 5]),
    }
    ids = {"response": 0, "deal": 0, "milestone": 0, "review": 0}
    last_entry = 0
    written = 0
    year_end = _utc(YEAR_END)
    bulk = IndexesDeferred(ctx, ["scenes.Response", "scenes.Deal", "scenes.Milestone", "scenes.Review",
                       "core.LedgerOperation", "core.LedgerEntry"])
    labels = [("scenes.Response", RESPONSE_FIELDS), ("scenes.Deal", DEAL_FIELDS), ("scenes.Milestone", MILESTONE_FIELDS),
              ("scenes.Review", REVIEW_FIELDS)]

    def produce() -> Generator[list[list[tuple[Any, ...]]], None, dict[str, int]]:
        for start in range(0, len(meta), CHUNK):
            yield _chunk(ctx, meta, start, per_scene, ids, offsets, mixes, year_end, employer, members,
                         max_per_scene)
        return ids

    def consume(tables: list[list[tuple[Any, ...]]]) -> None:
        nonlocal written, last_entry
        for (label, fields), rows in zip(labels, tables, strict=True):
            written += bulk.insert(label, fields, rows)
        ops, entries, last_entry = _ledger(tables[1], last_entry)
        written += bulk.insert("core.LedgerOperation", OP_FIELDS, ops)
        written += bulk.insert("core.LedgerEntry", ENTRY_FIELDS, entries)

    with bulk:
        final = pipelined(produce, consume, fork=total >= PIPELINE_FROM)
    ctx.ids["deals"] = range(1, final["deal"] + 1)
    ctx.shared["ledger_next_ids"] = (final["deal"] + 1, last_entry + 1)
    return written


def _chunk(ctx: Context, meta: list[Any], start: int, per_scene: list[int], ids: dict[str, int],
           offsets: list[timedelta], mixes: dict[Any, Any], year_end: datetime, employer: dict[int, int],
           members: list[int], max_per_scene: int) -> list[list[tuple[Any, ...]]]:
    """The rows of scenes ``start`` .. ``start + CHUNK``: responses, deals, milestones and reviews (in that
    order); ``_ledger`` derives the deals' ledger rows from them."""
    rng = ctx.rng
    n_members = len(members)
    S, C, A, D = Deal.Status.COMPLETED, Deal.Status.CANCELLED, Deal.Status.ACTIVE, Deal.Status.DISPUTED
    extra_status = [Response.Status.DECLINED, Response.Status.WITHDRAWN, Response.Status.SUBMITTED,
                    Response.Status.SHORTLISTED]
    responses: list[tuple[Any, ...]] = []
    deals: list[tuple[Any, ...]] = []
    milestones: list[tuple[Any, ...]] = []
    reviews: list[tuple[Any, ...]] = []
    for index in range(start, min(start + CHUNK, len(meta))):
        scene_id, scene_status, publisher, published, title, base, park = meta[index]
        published = _utc(published)
        k = min(per_scene[index], max_per_scene)
        extra = int(k * EXTRA_RESPONSES + rng.random()) if scene_status != Scene.Status.DRAFT else 0
        if scene_status in (Scene.Status.CANCELLED, Scene.Status.DRAFT):
            k, extra = 0, (rng.randint(0, 3) if scene_status == Scene.Status.CANCELLED else 0)
        if not k and not extra:
            continue
        people: set[int] = set()
        while len(people) < min(k + extra, n_members - 1):
            person = members[rng.randrange(n_members)]
            if person != publisher:
                people.add(person)
        takers = sorted(people)
        rng.shuffle(takers)
        statuses, status_w = mixes.get(scene_status, ([A], [1]))
        deal_statuses = rng.choices(statuses, weights=status_w, k=k) if k else []
        for j, responder in enumerate(takers):
            ids["response"] += 1
            rid = ids["response"]
            at = min(published + offsets[rng.randrange(len(offsets))], year_end)
            amount = base * rng.choice((8, 9, 10, 10, 10, 11)) // 1000 * 100  # around the budget, whole yuan
            is_deal = j < k
            at_s = str(at)
            responses.append((rid, at_s, at_s, scene_id, responder, employer.get(responder), amount,
                              PLANS[rid % len(PLANS)], TIMELINES[rid % len(TIMELINES)],
                              Response.Status.ACCEPTED if is_deal else extra_status[rid % 4]))
            if not is_deal:
                continue
            ids["deal"] += 1
            did = ids["deal"]
            status = deal_statuses[j]
            made = at + timedelta(hours=3)
            closed = min(made + offsets[rng.randrange(len(offsets))], year_end) \
                if status in (S, C) else None
            paid = amount if status == S else 0
            written_off = amount if status == C else 0
            made_s = str(made)
            closed_s = str(closed) if closed else None
            deals.append((did, made_s, closed_s or made_s, scene_id, park, rid, publisher, responder, title, amount, paid,
                          written_off, 0, status, responder if status == C else None,
                          publisher if status == D else None, "", "", closed_s))
            parts = MILESTONE_TITLES[0] if amount < 200_000 or rng.random() < 0.55 else MILESTONE_TITLES[1]
            first = amount if len(parts) == 1 else amount * 4 // 10
            for position, m_title in enumerate(parts, start=1):
                ids["milestone"] += 1
                m_amount = first if position == 1 else amount - first
                if status == S:
                    m_status, payment = Milestone.Status.ACCEPTED, Milestone.Payment.CONFIRMED
                elif status == D or (status == A and position == 1 and rng.random() < 0.5):
                    m_status, payment = Milestone.Status.DELIVERED, Milestone.Payment.UNPAID
                else:
                    m_status, payment = Milestone.Status.PENDING, Milestone.Payment.UNPAID
                milestones.append((ids["milestone"], did, position, m_title, m_amount,
                                   str((made + timedelta(days=7 * position)).date()), m_status, payment))
            if status == S:
                if rng.random() < REVIEW_BY_PUBLISHER:
                    ids["review"] += 1
                    reviews.append((ids["review"], did, publisher, responder, rng.choice((5, 5, 5, 4, 4, 3, 2)),
                                    REVIEW_TEXTS[ids["review"] % len(REVIEW_TEXTS)], closed_s))
                if rng.random() < REVIEW_BY_PROVIDER:
                    ids["review"] += 1
                    reviews.append((ids["review"], did, responder, publisher, rng.choice((5, 5, 4, 4, 3)),
                                    REVIEW_TEXTS[ids["review"] % len(REVIEW_TEXTS)], closed_s))
    return [responses, deals, milestones, reviews]


def _ledger(deals: list[tuple[Any, ...]], entry_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """The ledger operation and entries of each deal (see the module's docstring), entries numbered after
    ``entry_id``; returns them and the last entry id. Made where the rows are written, beside the
    process that makes the deals (``pipelined``): the digests are a good part of the work."""
    S, C = Deal.Status.COMPLETED, Deal.Status.CANCELLED
    ops: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for deal in deals:
        did, made_s, rid, publisher, responder, amount, status = (deal[0], deal[1], deal[5], deal[6], deal[7],
                                                                   deal[9], deal[13])
        account = "deal:paid" if status == S else "deal:written_off" if status == C else "deal:outstanding"
        parties = (publisher, responder) if publisher < responder else (responder, publisher)
        # "deal:agreed" sorts before every other account: the lines are already in digest order.
        lines = [f"deal:agreed\x1f{-amount}\x1fscenes.deal\x1f{did}",
                 f"{account}\x1f{amount}\x1fscenes.deal\x1f{did}"] if amount else []
        ops.append((did, "scenes", f"response/{rid}/accept", "scenes.deal.generated", "scenes.deal", did,
                    f"[{parties[0]}, {parties[1]}]", "{}", publisher,
                    digest_of("scenes.deal.generated", ("scenes.deal", did), lines, parties, {}), made_s))
        if amount:
            entries.append((entry_id + 1, did, "scenes.deal", did, "deal:agreed", -amount))
            entries.append((entry_id + 2, did, "scenes.deal", did, account, amount))
            entry_id += 2
    return ops, entries, entry_id
