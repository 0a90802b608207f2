"""The park's 600-service catalog, generated from the templates in ``catalog/data/catalog_templates.py``.

Shared by the demo (``catalog/demo.py``) and the park-year generator (``generator/parts/catalog.py``),
so both parks carry the same catalog. Deterministic: no randomness, a fixed order, stable codes.

How the 600 come about: every template comes in its variants (company type, scope, country …) and
is offered by each of its providers; paid services of a registered provider also come as a
"全程托管版" package (a dedicated adviser, materials prepared for the enterprise). Services are taken
in that order until the count is reached, so a smaller count keeps every category represented first."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from parkos.catalog.data.catalog_templates import CATEGORIES, MATERIALS_EN, PARK, PROVIDERS, TEMPLATES
from parkos.catalog.models.catalog import SERVICE_NAME_EN_MAX, SERVICE_NAME_ZH_MAX
from parkos.core.text import require_fits
from parkos.core.workdays import add_workdays, workdays_between

CATALOG_SIZE = 600
PREMIUM = ("（全程托管版）", " (managed package)", "专属顾问全程跟进，材料代为整理，每周同步进度。", 1.8, -1)


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    category: str
    provider: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    pricing: str
    price: Decimal | None
    sla_days: int
    materials: list[str] = field(default_factory=list)
    materials_en: list[str] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    eligibility: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    template: int = 0  # index of the template it comes from (variants of one template are "the same need")


def categories() -> list[tuple[str, str, str, str | None]]:
    """(code, name_zh, name_en, parent code), parents first."""
    return list(CATEGORIES)


def top_category(code: str) -> str:
    parents = {c[0]: c[3] for c in CATEGORIES}
    while parents.get(code):
        code = parents[code] or code
    return code


def providers() -> list[tuple[str, str, bool, str, str, str]]:
    """(name, name_en, is_park, description, phone, e-mail); the park's service centre first."""
    return list(PROVIDERS)


def _price(base: int, factor: float) -> Decimal:
    value = base * factor
    step = 100 if value >= 1000 else 10
    return Decimal(max(step, round(value / step) * step))


def _spec(index: int, template: dict[str, Any], provider: str, variant: tuple[str, str, str, float, int],
          package: tuple[str, str, str, float, int] | None) -> dict[str, Any]:
    suffix, suffix_en, extra, factor, extra_days = variant
    name = template["name"] + suffix
    name_en = template["name_en"] + suffix_en
    description = template["description"] + extra
    sla = template["sla"] + extra_days
    if package is not None:
        name += package[0]
        name_en += package[1]
        description += package[2]
        factor *= package[3]
        sla += package[4]
    pricing = template["pricing"]
    price = _price(template["price"], factor) if pricing == "fixed" else None
    provider_en = next(p[1] for p in PROVIDERS if p[0] == provider)
    by = "" if provider == PARK else f"由{provider}提供。"
    return {
        "category": template["category"], "provider": provider, "name_zh": require_fits(name, field="name_zh", limit=SERVICE_NAME_ZH_MAX),
        "name_en": require_fits(name_en, field="name_en", limit=SERVICE_NAME_EN_MAX),
        "description_zh": description + by,
        "description_en": f"{name_en}. Delivered by {provider_en}.",
        "pricing": pricing, "price": price, "sla_days": max(1, min(365, sla)),
        "materials": list(template["materials"]),
        "materials_en": [MATERIALS_EN.get(m, "") for m in template["materials"]],
        "fields": [dict(f) for f in template["fields"]],
        "eligibility": dict(template["eligibility"]), "tags": list(template["tags"]), "template": index,
    }


def services(n: int = CATALOG_SIZE) -> list[ServiceSpec]:
    """The first ``n`` services of the catalog (codes ``<category>-<nnn>``, stable for a given ``n``)."""
    base: list[dict[str, Any]] = []
    packages: list[dict[str, Any]] = []
    for index, template in enumerate(TEMPLATES):
        for provider in template["providers"]:
            for variant in template["variants"]:
                base.append(_spec(index, template, provider, variant, None))
                if template["pricing"] != "free" and provider != PARK:
                    packages.append(_spec(index, template, provider, variant, PREMIUM))
    chosen = (base + packages)[:n]
    # Codes are numbered per category, in template order, once the n services are chosen.
    chosen.sort(key=lambda s: (s["category"], s["template"]))
    counters: dict[str, int] = {}
    out: list[ServiceSpec] = []
    for spec in chosen:
        counters[spec["category"]] = counters.get(spec["category"], 0) + 1
        out.append(ServiceSpec(code=f"{spec['category']}-{counters[spec['category']]:03d}", **spec))
    return out


# --- order timelines (demo and generator) ----------------------------------------------------------

RETURN_REASONS = ["请补充近三年财务报表。", "营业执照副本需加盖公章后重新上传。", "请补充法定代表人身份证复印件。",
                  "技术交底书描述不够具体，请补充实施例。", "请提供租赁合同的完整扫描件。", "社保缴纳证明缺少最近三个月。"]
SUPPLY_NOTES = ["已补充，请查收。", "材料已上传，麻烦尽快处理。", "已按要求重新盖章上传。"]
DELIVERY_NOTES = ["已办结，相关文件见附件。", "报告已出具，请查收。", "已提交主管部门并获受理，回执见附件。", "已完成，如有问题随时联系。"]
REJECT_REASONS = ["贵司暂不符合该服务的申请条件。", "该事项需由企业本人前往办理，管家可提供指引。"]
CANCEL_REASONS = ["需求有变，暂不需要了。", "已通过其他渠道解决。", ""]
RATING_COMMENTS = {5: ["非常专业，响应很快！", "管家很负责，推荐。", "比预期提前完成。"], 4: ["整体不错，沟通顺畅。", "办理顺利。"],
                   3: ["还可以，进度同步可以更及时。", "基本满意。"], 2: ["比预计慢了不少。", "沟通不太顺畅。"],
                   1: ["严重超期，体验较差。"]}


@dataclass
class OrderPlan:
    """Where an order is at ``now`` and how it got there (events: action, from, to, at, side, reason)."""

    status: str
    submitted_at: Any
    due_on: Any
    accepted_at: Any = None
    delivered_at: Any = None
    closed_at: Any = None
    paused_at: Any = None
    paused_workdays: int = 0
    rating: int | None = None
    rating_comment: str = ""
    assigned: bool = False
    events: list[tuple[str, str, str, Any, str, str]] = field(default_factory=list)


def _after(rng: Any, moment: Any, workdays: float) -> Any:
    """A moment ``workdays`` working days after ``moment``, during office hours."""
    whole = int(workdays)
    day = add_workdays(moment.date(), whole) if whole else moment.date()
    hour = rng.randint(9, 17)
    candidate = dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=moment.tzinfo)
    if candidate <= moment:
        candidate = moment + dt.timedelta(minutes=rng.randint(20, 180))
    return candidate


def order_timeline(rng: Any, *, submitted_at: Any, sla_days: int, now: Any, assignable: bool,
                   slowness: float = 1.0, force: str = "") -> OrderPlan:
    """A realistic life of one order, cut at ``now``.

    The butler accepts within a working day; a provider's service is assigned to it; one order in five
    goes back for material (the clock pauses 1–4 working days); delivery takes about 70% of the SLA,
    log-normally spread (``slowness`` scales it: some providers are slower), so roughly one order in five
    runs late; the enterprise confirms within three days and rates four orders in five, lower when late.
    A few are cancelled by the enterprise or rejected. ``force`` picks the outcome (demo)."""
    due = add_workdays(submitted_at.date(), sla_days)
    plan = OrderPlan(status="submitted", submitted_at=submitted_at, due_on=due)
    events = plan.events
    events.append(("submit", "", "submitted", submitted_at, "enterprise", ""))

    def at_now(moment: Any) -> bool:
        return moment > now

    outcome = force or rng.choices(["normal", "cancel", "reject"], weights=[92, 5, 3])[0]
    t = _after(rng, submitted_at, rng.choice([0, 0, 1]))
    if outcome == "reject" and force != "open":
        if at_now(t):
            return plan
        events.append(("reject", "submitted", "rejected", t, "butler", rng.choice(REJECT_REASONS)))
        plan.status, plan.closed_at = "rejected", t
        return plan
    if at_now(t):
        return plan
    plan.accepted_at = t
    if assignable:
        events.append(("assign", "submitted", "accepted", t, "butler", ""))
        plan.assigned = True
    else:
        events.append(("accept", "submitted", "accepted", t, "butler", ""))
    plan.status = "accepted"
    t = _after(rng, t, rng.choice([0, 0, 1]))
    if at_now(t):
        return plan
    events.append(("start", "accepted", "in_progress", t, "provider" if assignable else "butler", ""))
    plan.status = "in_progress"
    if outcome == "cancel":
        t = _after(rng, t, rng.randint(1, 3))
        if at_now(t):
            return plan
        events.append(("cancel", "in_progress", "cancelled", t, "enterprise", rng.choice(CANCEL_REASONS)))
        plan.status, plan.closed_at = "cancelled", t
        return plan
    work = max(1.0, sla_days * 0.7 * slowness * math.exp(rng.gauss(0, 0.35)))
    if force == "overdue":
        work = sla_days + 30
    if rng.random() < 0.2 or force == "returned":
        t = _after(rng, t, rng.uniform(0, work / 2))
        if at_now(t):
            return plan
        events.append(("return", "in_progress", "returned", t, "provider" if assignable else "butler",
                       rng.choice(RETURN_REASONS)))
        plan.status, plan.paused_at = "returned", t
        if force == "returned":
            return plan
        back = _after(rng, t, rng.randint(1, 4))
        if at_now(back):
            return plan
        paused = workdays_between(t, back)
        plan.paused_workdays += paused
        plan.due_on = add_workdays(plan.due_on, paused)
        plan.paused_at = None
        events.append(("supply", "returned", "in_progress", back, "enterprise", rng.choice(SUPPLY_NOTES)))
        plan.status = "in_progress"
        t = back
    delivered = _after(rng, t, work)
    if at_now(delivered) or force in ("overdue", "open"):
        return plan
    events.append(("deliver", "in_progress", "delivered", delivered, "provider" if assignable else "butler",
                   rng.choice(DELIVERY_NOTES)))
    plan.status, plan.delivered_at = "delivered", delivered
    if force == "delivered":
        return plan
    confirmed = _after(rng, delivered, rng.choice([0, 1, 1, 2, 3]))
    if at_now(confirmed):
        return plan
    events.append(("confirm", "delivered", "confirmed", confirmed, "enterprise", ""))
    plan.status, plan.closed_at = "confirmed", confirmed
    if force == "confirmed" or (not force and rng.random() > 0.8):
        return plan
    rated = confirmed + (confirmed - delivered) / 4 + dt.timedelta(minutes=rng.randint(5, 600))
    if at_now(rated):
        return plan
    late = delivered.date() > plan.due_on
    rating = rng.choices([5, 4, 3, 2, 1], weights=[15, 30, 30, 15, 10] if late else [58, 30, 9, 2, 1])[0]
    comment = rng.choice(RATING_COMMENTS[rating]) if rng.random() < 0.6 else ""
    events.append(("rate", "confirmed", "rated", rated, "enterprise", comment))
    plan.status, plan.rating, plan.rating_comment = "rated", rating, comment
    return plan
