"""The catalog of the generated park: categories, providers and their staff, the 600 services (the
same templates as the demo, ``catalog/catalog_data.py``), the policies with each enterprise's facts,
and a year of service orders with their timelines.

How enterprises order (the signal the recommender learns from; ``bench/recommend.py`` reads it):

- **Volume**: about 20 orders per enterprise over the year (1,200 enterprises → ~24,000 orders). An
  enterprise orders in proportion to its size (headcount band: ×0.6 for 1–9 people up to ×2 for 200+)
  and only from the day it joined the park.
- **Needs by stage**: each stage weighs the top categories differently (``STAGE_NEEDS``): a seed
  company registers, keeps books, rents desks and protects its first patents; a Series B company
  recruits, certifies, applies for subsidies and expands its market; a listed one buys legal, audit
  and internationalisation.
- **Needs by industry**: ``INDUSTRY_BOOST`` multiplies those weights (AI → compute and patents,
  medtech → labs and testing, culture → brand and copyright …).
- **Popular templates**: everyday services (bookkeeping, meeting rooms, contract review …) weigh 3×.
- **Bundles**: ordering the first service of a ``BUNDLES`` sequence leads, with probability 0.55 for
  each next step, to ordering the next ones 5–40 days later (patent → software copyright → high-tech
  certification → special audit → R&D deduction; work permit → residence permit → landing package →
  talent apartment; …). These co-occurrences are what item-to-item methods should find.
- **Loyalty**: among a template's services (variants, providers), an enterprise sticks to one it
  picked once (80%), so provider-level preferences exist too.
- Eligibility (stages, industries) of a service is respected.

Timelines come from ``catalog_data.order_timeline`` (accept, assign, start, return/supply, deliver,
confirm, rate; cancellations and rejections), cut at the end of the park-year; ratings drop when an
order was late, and a few providers are slower than others (``slowness``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from parkos.accounts.models import Role
from parkos.catalog import catalog_data
from parkos.catalog.data.policies import POLICIES
from parkos.catalog.eligibility import rules_validate
from parkos.catalog.models import RevenueBand
from parkos.enterprises.models import Building, Enterprise, Industry
from parkos.generator.registry import YEAR_END, YEAR_START, Context, part

ORDERS_PER_ENTERPRISE_YEAR = 20
SIZE_FACTOR = {"1-9": 0.6, "10-49": 1.0, "50-199": 1.5, "200-999": 2.0, "1000+": 2.0}
STAGE_NEEDS: dict[str, dict[str, float]] = {
    "seed": {"registration": 6, "finance": 5, "space": 5, "ip": 4, "policy": 3, "capital": 3, "legal": 2, "hr": 2,
             "housing": 1, "talent": 1, "tech": 2, "life": 2, "market": 1, "intl": 0.5},
    "angel": {"registration": 3, "finance": 5, "space": 4, "ip": 5, "policy": 4, "capital": 4, "legal": 3, "hr": 3,
              "housing": 2, "talent": 2, "tech": 3, "life": 2, "market": 2, "intl": 0.5},
    "series_a": {"registration": 2, "finance": 4, "space": 3, "ip": 5, "policy": 5, "capital": 3, "legal": 4, "hr": 5,
                 "housing": 3, "talent": 3, "tech": 3, "life": 3, "market": 3, "intl": 1},
    "series_b": {"registration": 1.5, "finance": 4, "space": 2, "ip": 4, "policy": 5, "capital": 2, "legal": 4,
                 "hr": 6, "housing": 3, "talent": 4, "tech": 3, "life": 3, "market": 5, "intl": 2},
    "series_c": {"registration": 1, "finance": 4, "space": 2, "ip": 3, "policy": 4, "capital": 2, "legal": 5, "hr": 5,
                 "housing": 3, "talent": 4, "tech": 2, "life": 3, "market": 5, "intl": 4},
    "pre_ipo": {"registration": 1, "finance": 6, "space": 1, "ip": 3, "policy": 3, "capital": 3, "legal": 6, "hr": 4,
                "housing": 2, "talent": 3, "tech": 2, "life": 3, "market": 4, "intl": 4},
    "listed": {"registration": 1, "finance": 6, "space": 1, "ip": 3, "policy": 2, "capital": 2, "legal": 6, "hr": 4,
               "housing": 2, "talent": 4, "tech": 2, "life": 4, "market": 4, "intl": 5},
}
INDUSTRY_BOOST: dict[str, dict[str, float]] = {
    "ai": {"tech": 2.0, "ip": 1.4, "talent": 1.3},
    "robotics": {"tech": 1.8, "ip": 1.5, "market": 1.2},
    "medtech": {"tech": 2.2, "policy": 1.3, "legal": 1.2},
    "energy": {"tech": 1.5, "policy": 1.4, "capital": 1.2},
    "software": {"ip": 1.5, "hr": 1.3, "market": 1.2},
    "services": {"legal": 1.3, "finance": 1.3},
    "materials": {"tech": 1.8, "ip": 1.3},
    "manufacturing": {"tech": 1.5, "space": 1.4, "policy": 1.3},
    "culture": {"market": 2.5, "ip": 1.2, "tech": 0.3},
    "other": {"life": 1.5, "tech": 0.4},
}
POPULAR = ("代理记账与纳税申报", "会议室预订", "合同审查与起草", "社保公积金代缴", "发明专利申请", "报修与物业服务",
           "商标注册申请", "软件著作权登记", "共享实验室预约", "GPU 算力租赁", "技术岗位招聘")
BUNDLES: list[tuple[str, ...]] = [
    ("公司设立登记代办", "银行开户与税务报到", "代理记账与纳税申报", "社保公积金代缴"),
    ("发明专利申请", "软件著作权登记", "高新技术企业认定申报", "高新技术企业专项审计", "研发费用加计扣除鉴证"),
    ("外国人工作许可", "外国人居留许可", "外籍人才落地服务包", "人才公寓申请"),
    ("商业计划书打磨", "融资顾问（FA）", "投资交易法律服务", "年度财务审计"),
    ("工作居住证办理", "人才引进落户申报", "人才公寓申请"),
    ("技术岗位招聘", "社保公积金代缴", "薪酬核算与个税申报"),
    ("外资企业入华落地", "公司设立登记代办", "外国人工作许可"),
    ("出海市场准入与合规", "海外渠道与本地化", "展会参展服务"),
    ("产品检测与认证", "首台（套）与首版次申报"),
    ("GPU 算力租赁", "算力券申领"),
    ("专利检索与 FTO 分析", "发明专利申请", "PCT 国际专利申请"),
    ("品牌策划与 VI 设计", "商标注册申请", "新媒体运营与内容代运营"),
    ("办公室租赁", "装修报审与入驻验收", "停车位申请"),
]
BUNDLE_FOLLOW = 0.55
LOYALTY = 0.8
STAGE_REVENUE = {"seed": 0, "angel": 1, "series_a": 2, "series_b": 3, "series_c": 3, "pre_ipo": 4, "listed": 5}
STAGE_PATENTS = {"seed": 1, "angel": 2, "series_a": 4, "series_b": 8, "series_c": 12, "pre_ipo": 20, "listed": 40}


DEFAULT_PARK_ID = 1
# The smaller parks each offer a few services of their own (the last ones of the catalog): the catalog
# keeps its size, the parks differ a little.
PARK_ONLY_PER_PARK = 2


def park_only_services(n_services: int, park_ids: list[int]) -> dict[int, int]:
    """Service id -> the park it is offered in only (every other service is portfolio-wide)."""
    local: dict[int, int] = {}
    others = [p for p in sorted(park_ids) if p != DEFAULT_PARK_ID]
    for k, park_id in enumerate(others):
        for j in range(PARK_ONLY_PER_PARK):
            service_id = n_services - k * PARK_ONLY_PER_PARK - j
            if service_id > 1:
                local[service_id] = park_id
    return local


def _template_of(name: str) -> str:
    """The template name a service name starts with (variant and package suffixes dropped)."""
    for mark in ("（", "·"):
        if mark in name:
            name = name.split(mark, 1)[0]
    return name


@part("catalog", after=("enterprises", "roles"),
      models=("catalog.Category", "catalog.Provider", "catalog.ProviderMember", "catalog.Service", "catalog.Policy",
              "catalog.EnterpriseFacts"),
      rows=lambda f: len(catalog_data.categories()) + len(catalog_data.providers()) + 600 + len(POLICIES)
      + max(1, round(1200 * f)))
def catalog(ctx: Context) -> int:
    rng = ctx.rng
    now = YEAR_START
    total = 0
    cats = catalog_data.categories()
    cat_ids = {code: i for i, (code, *_rest) in enumerate(cats, start=1)}
    total += ctx.insert("catalog.Category", ["id", "parent_id", "code", "name_zh", "name_en", "position"],
                        [(cat_ids[c], cat_ids[p] if p else None, c, zh, en, i) for i, (c, zh, en, p) in enumerate(cats)])
    provs = catalog_data.providers()
    prov_ids = {p[0]: i for i, p in enumerate(provs, start=1)}
    total += ctx.insert(
        "catalog.Provider", ["id", "created_at", "updated_at", "name", "name_en", "is_park", "description",
                             "contact_phone", "contact_email", "enterprise_id", "is_active"],
        [(prov_ids[p[0]], now, now, p[0], p[1], p[2], p[3], p[4], p[5], None, True) for p in provs])
    # Provider staff: the park's provider-role holders, spread over the registered providers.
    staff = ctx.shared["role_holders"].get(Role.PROVIDER, [])
    outside = [pid for name, pid in prov_ids.items() if not provs[pid - 1][2]]
    members = [(i, outside[(i - 1) % len(outside)], user) for i, user in enumerate(staff, start=1)]
    total += ctx.insert("catalog.ProviderMember", ["id", "provider_id", "user_id"], members)
    ctx.shared["provider_staff"] = {pid: user for _i, pid, user in reversed(members)}

    specs = catalog_data.services(ctx.count(catalog_data.CATALOG_SIZE, minimum=60))
    local = park_only_services(len(specs), ctx.shared.get("park_ids") or [DEFAULT_PARK_ID])
    total += ctx.insert(
        "catalog.Service", ["id", "created_at", "updated_at", "code", "category_id", "provider_id", "name_zh", "name_en",
                            "description_zh", "description_en", "pricing", "price", "sla_days", "materials", "materials_en", "fields",
                            "eligibility", "tags", "is_active", "park_id"],
        [(i, now, now, s.code, cat_ids[s.category], prov_ids[s.provider], s.name_zh, s.name_en, s.description_zh,
          s.description_en, s.pricing, s.price, s.sla_days, s.materials, s.materials_en, s.fields, s.eligibility, s.tags, True,
          local.get(i))
         for i, s in enumerate(specs, start=1)])
    ctx.shared["catalog_specs"] = specs
    ctx.shared["catalog_service_park"] = local
    ctx.shared["catalog_provider_park"] = {prov_ids[p[0]]: p[2] for p in provs}
    ctx.shared["catalog_provider_ids"] = prov_ids
    ctx.ids["services"] = range(1, len(specs) + 1)

    by_name: dict[str, int] = {}
    for i, s in sorted(enumerate(specs, start=1), key=lambda x: (not provs[prov_ids[x[1].provider] - 1][2], x[1].code)):
        if i not in local:  # the portfolio's policies apply through a portfolio-wide service
            by_name.setdefault(s.name_zh, i)
    industries = set(Industry.objects.using(ctx.using).values_list("code", flat=True))
    buildings = set(Building.objects.using(ctx.using).values_list("code", flat=True))
    rows = []
    for i, spec in enumerate(POLICIES, start=1):
        kept = [r for r in spec["rules"] if r["field"] != "building" or set(r["value"]) <= buildings]
        rows.append((i, now, now, spec["code"], spec["title"], spec["issuer"], spec["summary"], spec["benefit"],
                     dt.date.fromisoformat(spec["deadline"]) if spec["deadline"] else None, spec.get("link", ""),
                     rules_validate(kept, industries=industries, buildings=buildings),
                     by_name.get(spec["service"]) if spec["service"] else None, True))
    total += ctx.insert("catalog.Policy", ["id", "created_at", "updated_at", "code", "title", "issuer", "summary",
                                           "benefit", "deadline", "link", "rules", "service_id", "is_active"], rows)

    # Facts: revenue grows with the stage, patents with the stage and the industry's habits.
    bands = RevenueBand.values
    facts = []
    enterprises = list(Enterprise.objects.using(ctx.using).order_by("id").values_list("id", "stage", "industry__code"))
    for pk, stage, industry in enterprises:
        if rng.random() < 0.12:
            band = ""  # not given
        else:
            band = bands[max(0, min(len(bands) - 1, STAGE_REVENUE.get(stage, 1) + rng.choice([-1, 0, 0, 1])))]
        heavy = 1.5 if (industry or "").split("-")[0] in ("ai", "robotics", "medtech", "materials") else 0.7
        patents = max(0, int(rng.expovariate(1 / (STAGE_PATENTS.get(stage, 2) * heavy))))
        facts.append((pk, now, now, pk, band, patents, patents >= 4 and rng.random() < 0.6, None))
    total += ctx.insert("catalog.EnterpriseFacts", ["id", "created_at", "updated_at", "enterprise_id", "revenue_band",
                                                    "patents", "high_tech", "updated_by_id"], facts)
    return total


@part("service_orders", after=("catalog", "memberships"), models=("catalog.ServiceOrder", "catalog.OrderEvent"),
      rows=lambda f: round(max(1, round(1200 * f)) * ORDERS_PER_ENTERPRISE_YEAR * 6.5))
def service_orders(ctx: Context) -> int:
    rng = ctx.rng
    specs: list[catalog_data.ServiceSpec] = ctx.shared["catalog_specs"]
    prov_ids: dict[str, int] = ctx.shared["catalog_provider_ids"]
    park = ctx.shared["catalog_provider_park"]
    provider_staff: dict[int, int] = ctx.shared["provider_staff"]
    service_park: dict[int, int] = ctx.shared.get("catalog_service_park", {})
    # An order is in its enterprise's park (every enterprise in the default park until the enterprises
    # part publishes the portfolio).
    enterprise_park: dict[int, int] = ctx.shared.get("enterprise_park", {})
    # Some providers are slower than their SLA promises; the park's own centre is on time.
    slowness = {pid: 1.0 if park[pid] else rng.choice([0.8, 0.9, 1.0, 1.0, 1.1, 1.3, 1.5]) for pid in park}
    by_template: dict[str, list[int]] = {}
    for i, s in enumerate(specs, start=1):
        by_template.setdefault(_template_of(s.name_zh), []).append(i)
    templates = sorted(by_template)
    top_of = {name: catalog_data.top_category(specs[by_template[name][0] - 1].category) for name in templates}
    weight = {name: 3.0 if name.startswith(POPULAR) else 1.0 for name in templates}
    follow: dict[str, list[str]] = {}
    for bundle in BUNDLES:
        steps = [b for b in bundle if b in by_template]
        if steps:
            follow.setdefault(steps[0], []).append("|".join(steps[1:]))

    enterprises = list(Enterprise.objects.using(ctx.using).order_by("id").values_list(
        "id", "stage", "industry__code", "industry__parent__code", "headcount", "created_at", "butler_id"))
    admins = {index + 1: users[0] for index, users in enumerate(ctx.shared["staff"])}
    staff = {index + 1: users for index, users in enumerate(ctx.shared["staff"])}
    mean_factor = sum(SIZE_FACTOR.get(e[4], 1.0) for e in enterprises) / max(1, len(enterprises))
    year_days = (YEAR_END - YEAR_START).days
    shares = [max(0, (YEAR_END - max(YEAR_START, e[5])).days) / year_days for e in enterprises]
    # Normalised so the park as a whole has ORDERS_PER_ENTERPRISE_YEAR per enterprise (1,200 -> ~24,000):
    # those who joined during the year order at the same pace, over fewer months.
    mean_share = sum(shares) / max(1, len(shares)) or 1.0

    order_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    order_id = 0
    event_id = 0
    for pk, stage, industry, parent, headcount, joined, butler in enterprises:
        top_industry = parent or industry
        start = max(YEAR_START, joined)
        if start >= YEAR_END:
            continue
        share = (YEAR_END - start).days / year_days
        expected = ORDERS_PER_ENTERPRISE_YEAR * SIZE_FACTOR.get(headcount, 1.0) / mean_factor * share / mean_share
        n = max(0, round(rng.gauss(expected, expected ** 0.5 * 0.8)))
        needs = STAGE_NEEDS.get(stage, STAGE_NEEDS["series_a"])
        boost = INDUSTRY_BOOST.get(top_industry, {})

        park_id = enterprise_park.get(pk, DEFAULT_PARK_ID)

        def eligible(i: int, stage: str = stage, top_industry: str = top_industry, park_id: int = park_id) -> bool:
            e = specs[i - 1].eligibility
            return (service_park.get(i, park_id) == park_id
                    and (not e.get("stages") or stage in e["stages"])
                    and (not e.get("industries") or top_industry in e["industries"]))

        candidates = [t for t in templates if any(eligible(i) for i in by_template[t])]
        weights = [weight[t] * needs.get(top_of[t], 1.0) * boost.get(top_of[t], 1.0) for t in candidates]
        favourite: dict[str, int] = {}
        wanted: list[tuple[str, dt.datetime]] = []
        while len(wanted) < n:
            template = rng.choices(candidates, weights=weights)[0]
            moment = ctx.moment(start, YEAR_END)
            wanted.append((template, moment))
            for chain in follow.get(template, []):
                at = moment
                for step in chain.split("|") if chain else []:
                    if rng.random() > BUNDLE_FOLLOW:
                        break
                    at = at + dt.timedelta(days=rng.randint(5, 40), hours=rng.randint(0, 8))
                    if at >= YEAR_END or step not in candidates:
                        break
                    wanted.append((step, at))
        for template, moment in sorted(wanted[: max(n, 1) + 6], key=lambda w: w[1]):
            options = [i for i in by_template[template] if eligible(i)]
            if not options:
                continue
            if template in favourite and rng.random() < LOYALTY:
                service_id = favourite[template]
            else:
                service_id = rng.choice(options)
                favourite.setdefault(template, service_id)
            spec = specs[service_id - 1]
            provider_id = prov_ids[spec.provider]
            assignable = not park[provider_id]
            plan = catalog_data.order_timeline(rng, submitted_at=moment, sla_days=spec.sla_days, now=YEAR_END,
                                               assignable=assignable, slowness=slowness[provider_id])
            order_id += 1
            requester = rng.choice(staff[pk][:5]) if staff.get(pk) else admins.get(pk)
            if requester is None:
                order_id -= 1
                continue
            order_rows.append((
                order_id, moment, plan.events[-1][3], f"SO{moment:%y%m%d}{order_id:07d}", pk, park_id, service_id,
                requester,
                butler, provider_id if plan.assigned else None, plan.status, {}, "", f"gen-{order_id:08d}",
                spec.sla_days, plan.due_on, plan.paused_at, plan.paused_workdays, plan.submitted_at, plan.accepted_at,
                plan.delivered_at, plan.closed_at, None, plan.rating, plan.rating_comment, None,
            ))
            provider_user = provider_staff.get(provider_id, butler)
            for action, source, target, at, side, reason in plan.events:
                event_id += 1
                actor = requester if side == "enterprise" else butler if side == "butler" else provider_user
                event_rows.append((event_id, order_id, actor, action, source, target, reason, at))
    ctx.ids["service_orders"] = range(1, order_id + 1)
    total = ctx.insert(
        "catalog.ServiceOrder",
        ["id", "created_at", "updated_at", "number", "enterprise_id", "park_id", "service_id", "requested_by_id",
         "butler_id",
         "provider_id", "status", "answers", "note", "idempotency_key", "sla_days", "due_on", "paused_at",
         "paused_workdays", "submitted_at", "accepted_at", "delivered_at", "closed_at", "overdue_notified_at",
         "rating", "rating_comment", "plan_item_id"],
        iter(order_rows))
    rows: Iterator[tuple[Any, ...]] = iter(event_rows)
    total += ctx.insert("catalog.OrderEvent", ["id", "order_id", "actor_id", "action", "from_status", "to_status",
                                               "reason", "created_at"], rows)
    return total
