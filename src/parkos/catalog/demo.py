"""The catalog's demo data: the category tree, the providers (the demo provider login works for 北京明理律师事务所),
the 600-service catalog, the policies with each demo enterprise's facts, and a set of service orders
in every state with their timelines (思灵机器人 has several, one of them overdue). The second demo park
"yizhuang" (亦庄创新港) has a few services and a policy of its own, and its enterprises' orders include them;
every order is in its enterprise's park.

Deterministic (fixed seed, timestamps from a fixed moment) and idempotent: rows are keyed by category
code, provider name, service code, policy code, order number, and only missing ones are added."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from parkos.catalog import catalog_data
from parkos.catalog.data.policies import POLICIES
from parkos.catalog.eligibility import rules_validate
from parkos.catalog.models import (
    Category,
    EnterpriseFacts,
    OrderEvent,
    Policy,
    Provider,
    ProviderMember,
    RevenueBand,
    Service,
    ServiceOrder,
)
from parkos.core.models import Park
from parkos.enterprises.models import Building, Industry
from parkos.enterprises.selectors import admins_of

TZ = ZoneInfo("Asia/Shanghai")
# The demo's "now" for order timelines: orders are dated before it, so the demo is the same every run.
DEMO_NOW = dt.datetime(2026, 11, 27, 17, 0, tzinfo=TZ)
DEMO_PROVIDER = "北京明理律师事务所"
ORDER_PREFIX = "DEMO"
# 思灵机器人's orders: (service name prefix, outcome, days before DEMO_NOW it was submitted).
FLAGSHIP_ORDERS = [
    ("高新技术企业认定申报", "open", 12), ("合同审查与起草（审查）", "open", 3), ("发明专利申请·机器人", "overdue", 75),
    ("外国人工作许可（A 类高端人才）", "returned", 9), ("软件著作权登记（普通）", "delivered", 30),
    ("代理记账与纳税申报（一般纳税人·年）", "confirmed", 120), ("会议室预订（30 人间/小时）", "", 200),
    ("商标注册申请（三类组合）", "", 160), ("共享实验室预约·机器人测试场", "", 90), ("投资人对接会报名", "cancel", 60),
]


SECOND_PARK = "yizhuang"
# The second park's own services: (code, category code, name, English name, description, price, SLA days).
PARK_SERVICES = [
    ("yz-pilot-line", "tech", "亦庄中试线共享产线预约", "Yizhuang pilot line booking",
     "亦庄创新港中试基地的共享产线按班次预约，含设备操作员与洁净间使用。", 3000, 3),
    ("yz-bio-cleanroom", "tech", "亦庄生物医药洁净车间租用（周）", "Yizhuang biotech cleanroom (week)",
     "GMP 洁净车间按周租用，适合医疗器械与生物医药企业的小批量试产。", 12000, 5),
    ("yz-econ-zone-filing", "policy-subsidy", "经开区企业入区备案代办", "E-Town registration filing",
     "北京经济技术开发区企业入区备案与政策兑现材料代办。", None, 7),
]
PARK_POLICY = {
    "code": "yz-pilot-subsidy", "title": "亦庄中试平台使用补贴", "issuer": "北京经济技术开发区管委会",
    "summary": "入驻亦庄创新港的企业使用中试平台，按实际费用的 30% 给予补贴，单家企业每年最高 50 万元。",
    "benefit": "中试费用 30% 补贴，最高 50 万元/年", "deadline": "2027-06-30",
}


def second_park() -> Park:
    """The second demo park (the demo seed makes it; created the same way when this runs alone)."""
    park, _created = Park.objects.get_or_create(code=SECOND_PARK, defaults={"name": "亦庄创新港",
                                                                            "name_en": "Yizhuang Innovation Port"})
    return park


def _flagship_facts() -> dict[str, Any]:
    return {"revenue_band": RevenueBand.FROM_20M, "patents": 12, "high_tech": False}


@transaction.atomic
def seed_demo(ctx: Any) -> None:
    added = ctx.added
    rng = ctx.rng("catalog")

    # Categories, parents first.
    have = {c.code: c for c in Category.objects.all()}
    for position, (code, name_zh, name_en, parent) in enumerate(catalog_data.categories()):
        if code not in have:
            have[code] = Category.objects.create(code=code, name_zh=name_zh, name_en=name_en, position=position,
                                                 parent=have[parent] if parent else None)
            added["catalog_categories"] = added.get("catalog_categories", 0) + 1

    providers = {p.name: p for p in Provider.objects.all()}
    for name, name_en, is_park, description, phone, email in catalog_data.providers():
        if name not in providers:
            providers[name] = Provider.objects.create(name=name, name_en=name_en, is_park=is_park,
                                                      description=description, contact_phone=phone,
                                                      contact_email=email)
            added["catalog_providers"] = added.get("catalog_providers", 0) + 1
    provider_user = ctx.people.get("provider")
    if provider_user is not None:
        _m, created = ProviderMember.objects.get_or_create(provider=providers[DEMO_PROVIDER], user=provider_user)
        added["catalog_provider_members"] = added.get("catalog_provider_members", 0) + int(created)

    existing = set(Service.objects.values_list("code", flat=True))
    specs = catalog_data.services()
    new = [Service(code=s.code, category=have[s.category], provider=providers[s.provider], name_zh=s.name_zh,
                   name_en=s.name_en, description_zh=s.description_zh, description_en=s.description_en,
                   pricing=s.pricing, price=s.price, sla_days=s.sla_days, materials=s.materials,
                   materials_en=s.materials_en, fields=s.fields, eligibility=s.eligibility, tags=s.tags)
           for s in specs if s.code not in existing]
    Service.objects.bulk_create(new, batch_size=500)
    _add_english(specs, added)
    added["catalog_services"] = added.get("catalog_services", 0) + len(new)
    park = getattr(ctx, "parks", {}).get(SECOND_PARK) or second_park()
    new_local = _seed_park_services(added, have, providers, park)
    by_name: dict[str, Service] = {}
    # The portfolio-wide catalog: what any enterprise may be drawn to order.
    for service in (Service.objects.filter(park__isnull=True).select_related("provider")
                    .order_by("-provider__is_park", "code")):
        by_name.setdefault(service.name_zh, service)
    local = list(Service.objects.filter(park=park).select_related("provider").order_by("code"))

    _seed_policies(added, by_name, park)
    _seed_facts(ctx, rng)
    _seed_orders(ctx, rng, by_name, providers, local)
    if new or new_local:
        transaction.on_commit(_reindex)


def _without_english(fields: Any) -> Any:
    if not isinstance(fields, list):
        return fields
    return [{k: v for k, v in f.items() if k not in ("label_en", "choices_en")} if isinstance(f, dict) else f
            for f in fields]


def _add_english(specs: list[catalog_data.ServiceSpec], added: dict[str, int]) -> None:
    """A demo catalog seeded before its form labels and materials had English gets them, in one bulk
    update; a service whose form or materials an operator has changed since is left as it is."""
    by_code = {s.code: s for s in specs}
    stale = []
    for service in Service.objects.filter(code__in=list(by_code), materials_en=[]).only("code", "materials", "fields"):
        spec = by_code[service.code]
        if service.materials == spec.materials and service.fields == _without_english(spec.fields) \
                and (spec.materials_en or spec.fields != service.fields):
            service.materials_en, service.fields = spec.materials_en, spec.fields
            stale.append(service)
    Service.objects.bulk_update(stale, ["materials_en", "fields"], batch_size=500)
    if stale:
        added["catalog_services_english"] = len(stale)


def _seed_park_services(added: dict[str, int], categories: dict[str, Category], providers: dict[str, Provider],
                        park: Park) -> int:
    """The second park's own services, delivered by the park's service centre."""
    from decimal import Decimal

    centre = next((p for p in providers.values() if p.is_park), None)
    existing = set(Service.objects.values_list("code", flat=True))
    fallback = next(iter(categories.values()), None)
    rows = []
    for code, category, name_zh, name_en, description, price, sla in PARK_SERVICES:
        target = categories.get(category) or fallback
        if code in existing or centre is None or target is None:
            continue
        rows.append(Service(code=code, category=target, provider=centre, name_zh=name_zh, name_en=name_en,
                            description_zh=description, pricing="fixed" if price else "quote",
                            price=Decimal(price) if price else None, sla_days=sla, park=park,
                            tags=["亦庄", "园区专属"]))
    Service.objects.bulk_create(rows)
    added["catalog_services"] = added.get("catalog_services", 0) + len(rows)
    return len(rows)


def _reindex() -> None:
    from parkos.search.services import reindex

    reindex(kinds=["service", "policy"], fresh=True)


def _seed_policies(added: dict[str, int], by_name: dict[str, Service], park: Park) -> None:
    have = set(Policy.objects.values_list("code", flat=True))
    if PARK_POLICY["code"] not in have:
        local = PARK_POLICY
        Policy.objects.create(code=local["code"], title=local["title"], issuer=local["issuer"],
                              summary=local["summary"], benefit=local["benefit"],
                              deadline=dt.date.fromisoformat(local["deadline"]), park=park,
                              service=Service.objects.filter(code="yz-pilot-line").first())
        added["catalog_policies"] = added.get("catalog_policies", 0) + 1
    industries = set(Industry.objects.values_list("code", flat=True))
    buildings = set(Building.objects.values_list("code", flat=True))
    for spec in POLICIES:
        if spec["code"] in have:
            continue
        rules = [r for r in spec["rules"] if r["field"] != "building" or set(r["value"]) <= buildings]
        Policy.objects.create(
            code=spec["code"], title=spec["title"], issuer=spec["issuer"], summary=spec["summary"],
            benefit=spec["benefit"], deadline=dt.date.fromisoformat(spec["deadline"]) if spec["deadline"] else None,
            link=spec.get("link", ""), rules=rules_validate(rules, industries=industries, buildings=buildings),
            service=by_name.get(spec["service"]) if spec["service"] else None,
        )
        added["catalog_policies"] = added.get("catalog_policies", 0) + 1


def _seed_facts(ctx: Any, rng: Any) -> None:
    have = set(EnterpriseFacts.objects.values_list("enterprise_id", flat=True))
    bands = RevenueBand.values
    rows = []
    for i, enterprise in enumerate(ctx.enterprises):
        # Drawn for every enterprise, created only when missing, so a rerun draws the same numbers.
        facts = _flagship_facts() if i == 0 else {
            "revenue_band": rng.choices(bands, weights=[20, 25, 25, 15, 8, 7])[0],
            "patents": rng.choice([0, 0, 1, 2, 3, 5, 8, 15]), "high_tech": rng.random() < 0.3}
        if i % 7 == 6:
            facts["revenue_band"] = ""  # some enterprises have not said: their matches say "not given"
        if enterprise.pk not in have:
            rows.append(EnterpriseFacts(enterprise=enterprise, **facts))
    EnterpriseFacts.objects.bulk_create(rows)
    ctx.added["catalog_facts"] = ctx.added.get("catalog_facts", 0) + len(rows)


def _seed_orders(ctx: Any, rng: Any, by_name: dict[str, Service], providers: dict[str, Provider],
                 local: list[Service]) -> None:
    services = sorted(by_name.values(), key=lambda s: s.code)
    # One small query per demo enterprise (a few dozen), through the enterprises domain's read function.
    admins = {e.pk: admins_of(e).order_by("pk").values_list("pk", flat=True).first() for e in ctx.enterprises}
    provider_staff = dict(ProviderMember.objects.order_by("user_id").values_list("provider_id", "user_id"))
    plans: list[tuple[str, Any, Service, Any]] = []
    number = 0
    for i, enterprise in enumerate(ctx.enterprises):
        requester = ctx.people["admin"].pk if i == 0 else admins.get(enterprise.pk)
        wanted: list[tuple[Service, str, int]] = []
        if i == 0:
            for prefix, outcome, days in FLAGSHIP_ORDERS:
                service = next((s for name, s in sorted(by_name.items()) if name.startswith(prefix)), None)
                if service is not None:
                    wanted.append((service, outcome, days))
        else:
            for _k in range(rng.randint(2, 7)):
                wanted.append((rng.choice(services), "", rng.randint(1, 300)))
        for service, outcome, days in wanted:
            number += 1
            if requester is None:
                continue
            submitted = DEMO_NOW - dt.timedelta(days=days, hours=rng.randint(0, 6), minutes=rng.randint(0, 59))
            plan = catalog_data.order_timeline(rng, submitted_at=submitted, sla_days=service.sla_days, now=DEMO_NOW,
                                               assignable=not service.provider.is_park, force=outcome)
            plans.append((f"{ORDER_PREFIX}{number:06d}", enterprise, service, (requester, plan)))
    # The second park's enterprises also order its own services (numbered apart, so the draws above stay).
    for j, enterprise in enumerate(e for e in ctx.enterprises if local and e.park_id == local[0].park_id):
        requester = admins.get(enterprise.pk)
        service = local[j % len(local)]
        if requester is None:
            continue
        submitted = DEMO_NOW - dt.timedelta(days=5 + 11 * j, hours=j % 6)
        plan = catalog_data.order_timeline(rng, submitted_at=submitted, sla_days=service.sla_days, now=DEMO_NOW,
                                           assignable=False, force="open" if j % 2 else "")
        plans.append((f"{ORDER_PREFIX}YZ{j + 1:04d}", enterprise, service, (requester, plan)))
    have = set(ServiceOrder.objects.filter(number__startswith=ORDER_PREFIX).values_list("number", flat=True))
    todo = [p for p in plans if p[0] not in have]
    if not todo:
        return
    orders = []
    for code, enterprise, service, (requester, plan) in todo:
        orders.append(ServiceOrder(
            number=code, enterprise=enterprise, park_id=enterprise.park_id, service=service,
            requested_by_id=requester,
            butler_id=enterprise.butler_id, provider=service.provider if plan.assigned else None, status=plan.status,
            answers={}, note="", idempotency_key=f"demo-{code}", sla_days=service.sla_days, due_on=plan.due_on,
            paused_at=plan.paused_at, paused_workdays=plan.paused_workdays, submitted_at=plan.submitted_at,
            accepted_at=plan.accepted_at, delivered_at=plan.delivered_at, closed_at=plan.closed_at,
            rating=plan.rating, rating_comment=plan.rating_comment,
        ))
    ServiceOrder.objects.bulk_create(orders)
    events = []
    for order, (_code, enterprise, service, (requester, plan)) in zip(orders, todo, strict=True):
        # Timestamps are the plan's, not the clock's: auto_now(_add) fields are set after the insert.
        order.created_at = order.updated_at = plan.submitted_at
        for action, source, target, at, side, reason in plan.events:
            actor = {"enterprise": requester, "butler": enterprise.butler_id,
                     "provider": provider_staff.get(service.provider_id) or enterprise.butler_id}[side]
            events.append(OrderEvent(order=order, actor_id=actor, action=action, from_status=source,
                                     to_status=target, reason=reason, created_at=at))
    ServiceOrder.objects.bulk_update(orders, ["created_at", "updated_at"])
    times = [e.created_at for e in events]
    OrderEvent.objects.bulk_create(events, batch_size=500)  # sets created_at to now (auto_now_add) ...
    for event, moment in zip(events, times, strict=True):
        event.created_at = moment
    OrderEvent.objects.bulk_update(events, ["created_at"], batch_size=500)  # ... so the plan's times go in after
    ctx.added["catalog_orders"] = ctx.added.get("catalog_orders", 0) + len(orders)
    ctx.added["catalog_order_events"] = ctx.added.get("catalog_order_events", 0) + len(events)
