"""Demo rewards, for both demo parks (main 中关村智造园, yizhuang 亦庄创新港), made through rewards' own services
as an operator would make them.

The main park gets six merchants (职工食堂, 园区咖啡 — whose owner is the demo "merchant" log-in —, 便利店, 健身房,
轻食餐厅, 书店), the second park two; four coupons (加班券 ¥20 off at canteens and restaurants for 7 days, 咖啡八折券
capped at ¥10, 健身体验券 a free session, 年终礼包券); the weekly overtime rule (active, run for the last two weeks over
the gates' demo presence); the year-end gift pack (a coupon, a service credit and a 定制保温杯 to pick up at 1号楼服务台),
claimed by some members and picked up by a few; coupons in the demo member's wallet (available ones, one
used, one expired); redemptions at the café today; and one closed settlement of the canteen's last days.

Idempotent: merchants, coupons, rules and packs are keyed by (park, name), grants and redemptions by fixed
idempotency keys, a rule's period runs once, so a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.rewards.models import (
    Coupon,
    CouponTemplate,
    GiftPack,
    IssuingRule,
    Merchant,
    MerchantStaff,
    PackClaim,
    PackItem,
    Pickup,
    Redemption,
    RuleKind,
    RuleRun,
    Settlement,
)

# (name, category, location, description)
MERCHANTS: dict[str, list[tuple[str, str, str, str]]] = {
    "main": [
        ("职工食堂", "canteen", "C2 会议中心一层", "早中晚三餐，工作日 6:30–20:30，加班餐供应至 22:00。"),
        ("园区咖啡", "cafe", "A1 创新中心一层大堂", "现磨咖啡与轻食，园区会员扫码可用咖啡券。"),
        ("便利店", "store", "A2 研发楼一层", "24 小时便利店，日用品、零食与夜宵。"),
        ("健身房", "gym", "C1 国际人才公寓负一层", "器械区、团课教室与淋浴间，凭健身体验券可免费体验一次。"),
        ("轻食餐厅", "restaurant", "B2 孵化器二层", "沙拉、简餐与商务套餐。"),
        ("书店", "other", "A1 创新中心二层", "科技与商业图书，兼营文创与会员沙龙。"),
    ],
    "yizhuang": [
        ("创新港食堂", "canteen", "Y1 创新港研发楼一层", "工作日三餐与加班餐。"),
        ("港湾咖啡", "cafe", "Y2 智能制造中试基地一层", "咖啡、茶饮与简餐。"),
    ],
}
OVERTIME, COFFEE, GYM, YEAR_END = "加班券", "咖啡八折券", "健身体验券", "年终礼包券"
RULE_NAME = "每周加班券：一周至少 2 个工作日晚间加班"
MIN_LATE_DAYS = 2  # the gates' demo has few late nights: at 3 a week the demo's weeks would issue almost none
RUN_WEEKS = 2  # the rule has run for the last two weeks of the gates' demo presence
PACK_NAME = "2026 年终礼包"
MUG, MUG_PLACE = "定制保温杯", "1号楼服务台"
N_COFFEE = 40  # members given the café coupon
N_CLAIMS = 24  # members who claimed the year-end pack (not the demo member: the hub offers it to them)


def _templates(operator: Any, park: Park, now: dt.datetime) -> dict[str, CouponTemplate]:
    from parkos.rewards.services.templates import template_create, template_set_status

    end_of_january = timezone.make_aware(dt.datetime.combine(dt.date(timezone.localdate(now).year + 1, 2, 1), dt.time.min))
    specs: dict[str, dict[str, Any]] = {
        OVERTIME: {"kind": "amount_off", "value_fen": 2000, "merchant_categories": ["canteen", "restaurant"],
                   "valid_days": 7, "budget_count": 5000, "budget_fen": 100_000_00,
                   "description": "加班辛苦了！园区食堂和餐厅立减 20 元，发放后 7 天内有效。"},
        COFFEE: {"kind": "percent_off", "percent_off": 20, "value_fen": 1000, "merchant_categories": ["cafe"],
                 "valid_days": 30, "budget_count": 2000, "budget_fen": 20_000_00, "per_person_limit": 2,
                 "description": "园区咖啡八折，最多减 10 元。"},
        GYM: {"kind": "free_item", "item_name": "单次健身体验", "value_fen": 5000, "merchant_categories": ["gym"],
              "valid_days": 60, "budget_count": 300, "budget_fen": 15_000_00, "per_person_limit": 1,
              "description": "园区健身房免费体验一次（含淋浴）。"},
        YEAR_END: {"kind": "amount_off", "value_fen": 5000, "min_spend_fen": 10000, "valid_from": now,
                   "valid_until": end_of_january, "budget_count": 30000, "budget_fen": 1_500_000_00,
                   "stackable": True, "transferable": True,
                   "description": "年终礼包里的 50 元券，满 100 元可用，园区所有商户通用，可转赠同事。"},
    }
    out: dict[str, CouponTemplate] = {}
    for name, fields in specs.items():
        template = CouponTemplate.objects.filter(park=park, name=name).first()
        if template is None:
            template = template_create(actor=operator, park=park, name=name, **fields)
        if template.status == CouponTemplate.Status.DRAFT:
            template = template_set_status(actor=operator, template=template, status=CouponTemplate.Status.ACTIVE)
        out[name] = template
    return out


def _merchants(operator: Any, park: Park, code: str) -> dict[str, Merchant]:
    from parkos.rewards.services.merchants import merchant_create

    out: dict[str, Merchant] = {}
    for name, category, location, description in MERCHANTS[code]:
        merchant = Merchant.objects.filter(park=park, name=name).first()
        if merchant is None:
            merchant = merchant_create(actor=operator, park=park, name=name, category=category, location=location,
                                       description=description)
        out[name] = merchant
    return out


def _staff(operator: Any, merchant: Merchant, user: Any, role: str) -> None:
    from parkos.rewards.services.merchants import staff_add

    if not MerchantStaff.objects.filter(merchant=merchant, user=user).exists():
        staff_add(actor=operator, merchant=merchant, user=user, role=role)


def _in_park(users: list[Any], park: Park) -> list[Any]:
    from parkos.rewards.services.grants import park_member_ids

    ids = park_member_ids(park.pk, [u.pk for u in users])
    return [u for u in users if u.pk in ids]


def _past_coupon(template: CouponTemplate, user: Any, key: str, at: dt.datetime) -> Coupon | None:
    """A coupon issued at ``at`` (the demo's past: a coupon that has since been used or has expired), through
    the issuing primitive, as the scheduled rule or a grant issued it then."""
    from parkos.rewards.services.issuing import coupons_issue

    coupons_issue(template=template, recipients=[(user.pk, f"demo:{key}")], key=f"demo:{key}", source="grant",
                  target="演示数据", now=at)
    return Coupon.objects.filter(owner=user, reason=f"demo:{key}").first()


def _pay(member: Any, merchant: Merchant, coupon: Coupon | None, bill_fen: int, key: str,
         at: dt.datetime | None = None) -> Redemption | None:
    """The member pays at ``merchant`` with ``coupon`` (the "member scans the merchant's code" channel)."""
    from parkos.rewards.services.redemption import redemption_create

    if coupon is None:
        return None
    done = Redemption.objects.filter(merchant=merchant, key=key).first()
    if done is not None:
        return done
    if coupon.status != Coupon.Status.AVAILABLE:
        return None
    return redemption_create(actor=member, merchant=merchant, bill_fen=bill_fen, key=key, channel="member_scan",
                             coupon_ids=[coupon.pk], now=at)


def _overtime_rule(operator: Any, park: Park, template: CouponTemplate, now: dt.datetime) -> IssuingRule:
    from parkos.rewards.services.issuing_rules import period_of, rule_create, rule_run

    rule = IssuingRule.objects.filter(park=park, kind=RuleKind.OVERTIME, template=template).order_by("pk").first()
    if rule is None:
        rule = rule_create(actor=operator, park=park, name=RULE_NAME, kind=RuleKind.OVERTIME, template=template,
                           params={"min_days": MIN_LATE_DAYS}, period="weekly", run_hour=9, run_weekday=0, active=True)
    for weeks in range(RUN_WEEKS, 0, -1):
        key, _start, _end = period_of(rule, timezone.localdate(now) - dt.timedelta(days=7 * weeks))
        if not RuleRun.objects.filter(rule=rule, period_key=key).exists():
            rule_run(rule=rule, actor=operator, period_key=key, now=now)
    return rule


def _service(operator: Any, park: Park) -> Any:
    from parkos.catalog.selectors.catalog import service_list

    return service_list(viewer=operator, park=park).order_by("pk").first()


def _pack(operator: Any, park: Park, template: CouponTemplate, members: list[Any], now: dt.datetime) -> GiftPack:
    from parkos.rewards.services.packs import (
        pack_claim,
        pack_create,
        pack_item_add,
        pack_open,
        pickup_hand_over,
    )

    pack = GiftPack.objects.filter(park=park, name=PACK_NAME).first()
    if pack is None:
        start = timezone.make_aware(dt.datetime.combine(timezone.localdate(now) - dt.timedelta(days=3), dt.time.min))
        pack = pack_create(actor=operator, park=park, name=PACK_NAME, claim_from=start,
                           claim_until=start + dt.timedelta(days=45), stock=30000,
                           description="感谢这一年的陪伴：一张 50 元通用券、一次免费园区服务和一只定制保温杯。")
        pack_item_add(actor=operator, pack=pack, kind=PackItem.Kind.COUPON, template=template)
        service = _service(operator, park)
        if service is not None:
            pack_item_add(actor=operator, pack=pack, kind=PackItem.Kind.SERVICE, service=service)
        pack_item_add(actor=operator, pack=pack, kind=PackItem.Kind.PHYSICAL, name=MUG, pickup_place=MUG_PLACE,
                      stock=30000)
    if pack.status == GiftPack.Status.DRAFT:
        pack = pack_open(actor=operator, pack=pack, now=now)
    for member in members:
        if not PackClaim.objects.filter(pack=pack, user=member).exists():
            pack_claim(actor=member, pack=pack, now=now)
    # The first third picked up their mug already.
    for pickup in (Pickup.objects.filter(claim__pack=pack, claim__user__in=members[: len(members) // 3],
                                         picked_up_at__isnull=True).order_by("pk")):
        pickup_hand_over(actor=operator, code=pickup.code, now=now)
    return pack


def _settlement(operator: Any, merchant: Merchant, start: dt.date, end: dt.date) -> Settlement | None:
    from parkos.rewards.services.settlements import settlement_close

    found = Settlement.objects.filter(merchant=merchant, period_start=start, period_end=end).first()
    if found is not None:
        return found
    if not Redemption.objects.filter(merchant=merchant, status=Redemption.Status.DONE, settlement__isnull=True).exists():
        return None
    return settlement_close(actor=operator, merchant=merchant, period_start=start, period_end=end)


def seed_demo(ctx: Any) -> None:
    from parkos.rewards.services.grants import coupons_grant
    from parkos.rewards.services.wallet import coupons_expire

    parks = getattr(ctx, "parks", None) or {}
    main = parks.get("main") or park_default()
    second = parks.get("yizhuang") or Park.objects.filter(code="yizhuang").first()
    operator = ctx.people["operator"]
    member = ctx.people["member"]
    now = timezone.now()
    today = timezone.localdate(now)
    before = {"merchants": Merchant.objects.count(), "coupons": Coupon.objects.count(),
              "redemptions": Redemption.objects.count()}

    shops = _merchants(operator, main, "main")
    _staff(operator, shops["园区咖啡"], ctx.people["merchant"], MerchantStaff.Role.OWNER)
    people = _in_park([m for m in ctx.members if m != member], main)
    _staff(operator, shops["职工食堂"], people[0], MerchantStaff.Role.OWNER)
    _staff(operator, shops["职工食堂"], people[1], MerchantStaff.Role.CASHIER)
    if second is not None:
        yz_shops = _merchants(ctx.people.get("operator-yz") or operator, second, "yizhuang")
        yz_people = _in_park(ctx.members, second)
        if yz_people:
            _staff(operator, yz_shops["港湾咖啡"], yz_people[0], MerchantStaff.Role.OWNER)

    templates = _templates(operator, main, now)
    _overtime_rule(operator, main, templates[OVERTIME], now)

    # The demo member's wallet: the café and gym coupons (available), an overtime coupon used at the canteen
    # a few days ago and one that expired last month.
    coffee_people = [member, *people[:N_COFFEE]]
    coupons_grant(actor=operator, template=templates[COFFEE], key="demo:coffee",
                  user_ids=[u.pk for u in coffee_people])
    coupons_grant(actor=operator, template=templates[GYM], key="demo:gym", user_ids=[member.pk, *(u.pk for u in people[:10])])
    # Three days ago at lunch (Beijing time), whenever the demo is seeded: the figures' hours look like a canteen's.
    three_days_ago = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=3), dt.time(11, 40)))
    used = _past_coupon(templates[OVERTIME], member, "overtime-used", three_days_ago - dt.timedelta(hours=2))
    _pay(member, shops["职工食堂"], used, 3200, "demo-member-canteen", at=three_days_ago)
    _past_coupon(templates[OVERTIME], member, "overtime-expired", now - dt.timedelta(days=30))
    coupons_expire(now=now)

    # The canteen's last days: overtime coupons of some members used there, then a closed settlement.
    for n, person in enumerate(people[2:14]):
        coupon = _past_coupon(templates[OVERTIME], person, f"overtime-canteen-{n}", three_days_ago - dt.timedelta(hours=3))
        _pay(person, shops["职工食堂" if n % 3 else "轻食餐厅"], coupon, 2500 + 300 * n, f"demo-canteen-{n}",
             at=three_days_ago + dt.timedelta(minutes=7 * n))
    _settlement(operator, shops["职工食堂"], today - dt.timedelta(days=4), today - dt.timedelta(days=2))

    # Today at the café: members paying with their 咖啡八折券.
    for n, person in enumerate(people[:N_COFFEE:3]):
        coupon = Coupon.objects.filter(owner=person, template=templates[COFFEE]).order_by("pk").first()
        _pay(person, shops["园区咖啡"], coupon, 2800 + 200 * (n % 5), f"demo-cafe-{n}")

    _pack(operator, main, templates[YEAR_END], people[:N_CLAIMS], now)

    ctx.added["rewards_merchants"] = Merchant.objects.count() - before["merchants"]
    ctx.added["rewards_coupons"] = Coupon.objects.count() - before["coupons"]
    ctx.added["rewards_redemptions"] = Redemption.objects.count() - before["redemptions"]
