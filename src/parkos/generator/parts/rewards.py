"""A park-year of rewards: ~20 merchants and their staff, coupon templates, the weekly overtime coupon of the
late workers, the year-end gift pack of every member, event and deal rewards, their redemptions at the
merchants, monthly settlements, and the ledger rows all of it would have posted.

What comes from where:
- merchants' staff are the generated MERCHANT role holders (the first a merchant gets is its owner);
- the overtime coupon: each park's rule "in the park after 21:00 on at least 3 working days of an ISO week"
  over the generated gates' presence (``access.DailyPresence.late``, working days by the national
  calendar), run every Monday 09:00 for the week before: a RuleRun per week, a batch when it issued, one
  coupon per late worker with the reason ``rule:<rule id>:<week key>`` (the rule row exists);
- the year-end pack (年终礼包, claimable from 2026-01-19, Spring Festival): every member of a park may
  claim it; most do. Two coupons and a gift box to pick up per claim (reasons ``pack:<claim>:<item>:1``);
- event rewards: a sample of the events, their checked-in attendees granted a coupon the next morning;
  deal rewards: a sample of the completed deals, their providers granted a coupon each month;
- redemptions: most coupons are used within their validity at a merchant of their park that accepts them
  (its category), one coupon a checkout; a few are reversed minutes later and redone; the rest expire
  (or are still available at the end of the year). Settlements per merchant and month, closed on the 3rd
  of the next month (the last one still unpaid; October's not closed yet).

The ledger rows are exactly what ``rewards/services/postings.py`` would have recorded (same keys, kinds,
subjects, accounts, parties, detail and digests), with three documented shortcuts: pack coupons are issued
in one batch per pack, template and day (live: one per claim); expiry is one operation per month (live:
one per nightly run); the generated history has no revocations or transfers. ``parkos ledger-check``
holds over a generated park.

Budget: the generator is already over its five minutes at seed scale, so this part writes its ~1 M rows
(seed scale) as pre-stored values (naive UTC text, JSON text), one ``executemany`` per batch, with the
rewards tables' indexes rebuilt after the load (``generator/bulk.py``).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

from django.apps import apps
from django.db import connections

from parkos.accounts.models import Role
from parkos.core import workdays
from parkos.core.ledger import digest_of
from parkos.generator.bulk import IndexesDeferred
from parkos.generator.registry import PARK_TZ, YEAR_END, YEAR_START, Context, part

# --- the park's rewards ---------------------------------------------------------------------------
MERCHANTS = 20
# Merchants in the order a park gets them (a small park has at least a canteen and a café).
MERCHANT_SPECS = [
    ("员工食堂", "canteen", "一层", "自选快餐、面档、清真窗口"),
    ("园区咖啡", "cafe", "大堂", "现磨咖啡与轻食"),
    ("湘味小馆", "restaurant", "二层", "湘菜，工作日午市套餐"),
    ("便利店", "store", "一层", "24 小时便利店"),
    ("轻食沙拉", "restaurant", "一层", "沙拉、三明治、果汁"),
    ("第二食堂", "canteen", "负一层", "早餐与夜宵"),
    ("茶饮铺", "cafe", "一层", "奶茶与鲜果茶"),
    ("健身中心", "gym", "三层", "器械区与团课"),
    ("粤式茶餐厅", "restaurant", "二层", "烧腊、点心、煲仔饭"),
    ("面包工坊", "cafe", "一层", "现烤面包与甜点"),
    ("日式料理", "restaurant", "二层", "拉面、定食"),
    ("生活超市", "store", "负一层", "日用品、水果"),
    ("夜宵档口", "canteen", "一层", "晚间 21:00 后营业"),
    ("书店咖啡", "cafe", "二层", "书与咖啡"),
    ("西北面馆", "restaurant", "一层", "手工拉面"),
    ("打印快递站", "other", "负一层", "打印复印、快递收发"),
    ("瑜伽馆", "gym", "四层", "瑜伽与普拉提"),
    ("云南米线", "restaurant", "二层", "过桥米线"),
    ("水果铺", "store", "一层", "鲜切水果"),
    ("咖啡实验室", "cafe", "三层", "精品手冲"),
]
SMALL_PARK_SHARE = 0.15  # merchants of each smaller park (at least two)

# Templates (per park): (slug, name, description, kind, value, percent, item, min spend, categories, days).
OVERTIME, PACK_COFFEE, PACK_MEAL, EVENT, DEAL = "overtime", "pack_coffee", "pack_meal", "event", "deal"
TEMPLATES: list[tuple[str, str, str, str, int, int | None, str, int, list[str], int | None]] = [
    (OVERTIME, "加班券", "本周有 3 个工作日在园区待到 21:00 以后，辛苦了！", "amount_off", 2000, None, "", 3000,
     ["canteen", "restaurant", "cafe"], 7),
    (PACK_COFFEE, "年终礼包·咖啡券", "年终礼包：任意中杯咖啡一杯", "free_item", 2500, None, "任意中杯咖啡", 0,
     ["cafe"], None),
    (PACK_MEAL, "年终礼包·餐饮满减券", "年终礼包：满 80 元减 30 元", "amount_off", 3000, None, "", 8000,
     ["canteen", "restaurant"], None),
    (EVENT, "活动签到奖励", "参加园区活动并签到：咖啡、便利店 8 折，最多减 15 元", "percent_off", 1500, 20, "", 0,
     ["cafe", "store"], 14),
    (DEAL, "交易达成奖励", "在场景广场完成交易：满 100 元减 50 元", "amount_off", 5000, None, "", 10000,
     ["restaurant", "canteen"], 30),
]
# Share of coupons used (of those whose validity ended within the year; prorated for the others).
USED = {OVERTIME: 0.78, PACK_COFFEE: 0.86, PACK_MEAL: 0.8, EVENT: 0.6, DEAL: 0.7}
MIN_LATE_DAYS = 3
RULE_NAME = "加班券：每周 3 个工作日 21 点后离园"
RUN_WEEKDAY, RUN_HOUR = 0, 9  # the overtime rule runs on Mondays at 09:00 for the week before

PACK_NAME = "2026 年终礼包"
PACK_CLAIM_FROM = datetime(2026, 1, 19, 9, 0, tzinfo=PARK_TZ)
PACK_CLAIM_UNTIL = datetime(2026, 3, 1, 0, 0, tzinfo=PARK_TZ)
PACK_VALID_UNTIL = datetime(2026, 4, 1, 0, 0, tzinfo=PARK_TZ)
PACK_CLAIMED = 0.9  # of the members who had joined by then
PICKED_UP = 0.88
GIFT_BOX, PICKUP_PLACE = "新春年货礼盒", "园区服务中心（1 号楼大堂）"

EVENT_SHARE = 0.4  # of the events with check-ins, those whose attendees were rewarded
DEAL_SAMPLE = 3000  # completed deals looked at (seed scale); their providers rewarded
REVERSED = 0.004  # checkouts reversed minutes later (the wrong amount typed) and redone
MEMBER_SCAN = 0.25  # the member scanned the merchant's code (else the cashier scanned the coupon)
# When people use coupons (local hour weights: breakfast, lunch, afternoon coffee, dinner, late night).
REDEEM_HOURS = (0, 0, 0, 0, 0, 0, 0, 1, 3, 2, 1, 6, 9, 4, 2, 3, 2, 4, 6, 4, 2, 2, 1, 0)
REVERSAL_REASON = "收银金额输错，撤销后重新核销"

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as services/issuing.py: 32 symbols, 5 bits each
TEMPLATE, MERCHANT = "rewards.coupontemplate", "rewards.merchant"
LOCAL = 8 * 3600  # Beijing time has no daylight saving: local = UTC + 8 h
DAY = 86_400

MODELS = ("rewards.RewardSettings", "rewards.Merchant", "rewards.MerchantStaff", "rewards.CouponTemplate",
          "rewards.IssuingRule", "rewards.IssueBatch", "rewards.RuleRun", "rewards.Coupon", "rewards.GiftPack",
          "rewards.PackItem", "rewards.PackClaim", "rewards.Pickup", "rewards.Settlement", "rewards.Redemption",
          "rewards.RedeemedCoupon")
BULK = ["rewards.IssueBatch", "rewards.Coupon", "rewards.PackClaim", "rewards.Pickup", "rewards.Redemption",
        "rewards.RedeemedCoupon"]


def _rows_estimate(f: float) -> int:
    # ~13 rows a member: two pack coupons, a claim and a pickup, a few overtime, event and deal coupons,
    # their redemptions and lines, the ledger's operations and entries (measured at small scale).
    return round(max(1, round(25_000 * f)) * 13)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _utc(epoch: int | None) -> str | None:
    """A Unix time as the ORM stores an aware datetime (naive UTC text)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _local_day(epoch: int) -> int:
    """Days since 1970-01-01 of the Beijing date of ``epoch``."""
    return (epoch + LOCAL) // DAY


def _midnight(day: int) -> int:
    """The epoch of local midnight starting local day number ``day``."""
    return day * DAY - LOCAL


def _date(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=day)


def _discount(spec: tuple[Any, ...], bill: int) -> int:
    """What a coupon of template ``spec`` takes off ``bill``: the amount (at most the bill), the percentage
    up to the cap, or the free item's price."""
    kind, value, percent = spec[3], spec[4], spec[5]
    if kind == "percent_off":
        return int(min(value, bill * percent // 100))
    return int(min(value, bill))


class _Ledger:
    """The ledger operations and entries postings.py would record, collected and then written in time order."""

    def __init__(self) -> None:
        self.ops: list[tuple[int, int, str, str, tuple[str, int], list[tuple[str, int, str, int]], list[int],
                             dict[str, Any], int | None]] = []

    def add(self, at: int, key: str, kind: str, subject: tuple[str, int],
            postings: list[tuple[str, int, str, int]], parties: Sequence[int] = (), detail: dict[str, Any] | None = None,
            actor: int | None = None) -> None:
        self.ops.append((at, len(self.ops), key, kind, subject, [p for p in postings if p[1]],
                         sorted(set(parties)), detail or {}, actor))

    def rows(self, first_op: int, first_entry: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        ops: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        entry_id = first_entry
        for op_id, (at, _n, key, kind, subject, postings, parties, detail, actor) in enumerate(sorted(self.ops),
                                                                                           start=first_op):
            lines = sorted(f"{account}\x1f{amount}\x1f{stype}\x1f{sid}" for account, amount, stype, sid in postings)
            ops.append((op_id, "rewards", key, kind, subject[0], subject[1], json.dumps(parties), json.dumps(detail),
                        actor, digest_of(kind, subject, lines, parties, detail), _utc(at)))
            for account, amount, stype, sid in postings:
                entries.append((entry_id, op_id, stype, sid, account, amount))
                entry_id += 1
        return ops, entries


@part("rewards", after=("access_presence", "event_registrations", "scene_deals", "roles", "memberships"),
      models=MODELS, rows=_rows_estimate)
def rewards(ctx: Context) -> int:
    return _Year(ctx).build()


class _Year:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.connection = connections[ctx.using]
        self.park_ids: list[int] = ctx.shared["park_ids"]
        self.year_end = _epoch(YEAR_END)
        operators: dict[int | None, list[int]] = ctx.shared.get("operators_by_park", {})
        portfolio = operators.get(None) or sorted(ctx.shared["role_holders"][Role.OPERATOR])
        self.operator = {p: (operators.get(p) or portfolio)[0] for p in self.park_ids}
        self.ledger = _Ledger()
        self.codes: set[str] = set()
        # Templates: (park, slug) -> id; their terms and counters.
        self.template_id: dict[tuple[int, str], int] = {}
        self.template_spec: dict[int, tuple[Any, ...]] = {}
        self.template_park: dict[int, int] = {}
        self.terms_json: dict[int, str] = {}
        self.issued: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        self.batches: list[tuple[Any, ...]] = []
        # Coupons: [id, park, template, batch, owner, reason, code, value, valid_from, valid_until, issued_at]
        self.coupons: list[list[Any]] = []

    # --- helpers ---------------------------------------------------------------------------------
    def code(self) -> str:
        while True:
            bits = self.rng.getrandbits(60)
            text = "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(12))
            if text not in self.codes:
                self.codes.add(text)
                return text

    def batch(self, *, park: int, template: int, source: str, key: str, target: str, at: int,
              owners: list[tuple[int, str]], actor: int | None, valid: tuple[int, int] | None = None) -> int:
        """One issuing action: its coupons (one per (owner, reason)), its row and its ledger operation."""
        batch_id = len(self.batches) + 1
        spec = self.template_spec[template]
        value = spec[4]
        days = spec[9]
        if valid is None:
            valid = (at, _midnight(_local_day(at) + days + 1)) if days else (_epoch(PACK_CLAIM_FROM), _epoch(PACK_VALID_UNTIL))
        for owner, reason in owners:
            self.coupons.append([len(self.coupons) + 1, park, template, batch_id, owner, reason, self.code(), value,
                                 valid[0], valid[1], at])
        total = value * len(owners)
        self.batches.append((batch_id, park, template, source, key, target[:200], len(owners), len(owners), total, 0,
                             "[]", actor, _utc(at)))
        self.issued[template][0] += len(owners)
        self.issued[template][1] += total
        if total:
            subject = (TEMPLATE, template)
            self.ledger.add(at, f"issue:{batch_id}", "rewards.issue", subject,
                            [("coupon:budget", -total, *subject), ("coupon:outstanding", total, *subject)],
                            detail={"batch": batch_id}, actor=actor)
        return batch_id

    # --- the year ----------------------------------------------------------------------------------
    def build(self) -> int:
        written = 0
        with IndexesDeferred(self.ctx, BULK) as bulk:
            self.bulk = bulk
            written += self.merchants()
            self.templates()
            written += self.overtime()
            written += self.packs()
            self.events()
            self.deals()
            written += self.redemptions()
            written += self.write_coupons()
            written += self.write_ledger()
        return written

    def merchants(self) -> int:
        rng, parks = self.rng, self.park_ids
        total = max(2 * len(parks), self.ctx.count(MERCHANTS))
        small = max(2, round(total * SMALL_PARK_SHARE))
        per_park = [total - small * (len(parks) - 1), *[small] * (len(parks) - 1)]
        codes = dict(apps.get_model("enterprises.Building").objects.using(self.ctx.using)
                     .values_list("pk", "code"))
        building_park: dict[int, int] = self.ctx.shared["building_park"]
        buildings: dict[int, list[int]] = defaultdict(list)
        for building_id, park_id in sorted(building_park.items()):
            buildings[park_id].append(building_id)
        opened = _epoch(YEAR_START - timedelta(days=200))
        rows: list[tuple[Any, ...]] = []
        self.merchant_park: dict[int, int] = {}
        self.merchant_category: dict[int, str] = {}
        for park_id, n in zip(parks, per_park, strict=True):
            for k in range(n):
                name, category, floor, description = MERCHANT_SPECS[k % len(MERCHANT_SPECS)]
                building = codes[buildings[park_id][k % len(buildings[park_id])]]
                merchant_id = len(rows) + 1
                rows.append((merchant_id, park_id, name if k < len(MERCHANT_SPECS) else f"{name}（{k // 20 + 1}号店）",
                             category, f"{building} {floor}", description, f"{rng.getrandbits(128):032x}", True,
                             _utc(opened + merchant_id * DAY)))
                self.merchant_park[merchant_id] = park_id
                self.merchant_category[merchant_id] = category
        # Staff: the MERCHANT role holders, dealt round the merchants; the first a merchant gets owns it.
        holders = sorted(self.ctx.shared["role_holders"].get(Role.MERCHANT, [])) or [self.operator[parks[0]]]
        staff: dict[int, list[int]] = defaultdict(list)
        for j, user in enumerate(holders):
            staff[j % len(rows) + 1].append(user)
        for merchant_id in range(1, len(rows) + 1):
            if not staff[merchant_id]:
                staff[merchant_id].append(holders[(merchant_id - 1) % len(holders)])
        staff_rows = [(i, merchant_id, user, "owner" if k == 0 else "cashier", _utc(opened + merchant_id * DAY))
                      for i, (merchant_id, k, user) in enumerate(
                          ((m, k, u) for m in sorted(staff) for k, u in enumerate(staff[m])), start=1)]
        self.owner = {m: users[0] for m, users in staff.items()}
        self.cashier = {m: users[-1] for m, users in staff.items()}
        by_park: dict[int, list[int]] = defaultdict(list)
        for merchant_id, park_id in self.merchant_park.items():
            by_park[park_id].append(merchant_id)
        self.merchants_of = by_park
        self.ctx.ids["merchants"] = range(1, len(rows) + 1)
        written = self.bulk.insert("rewards.RewardSettings", ["id", "park_id", "reversal_minutes",
                                                              "expiry_reminder_days", "flag_window_minutes",
                                                              "flag_threshold"],
                                   [(i, p, 30, 3, 10, 100) for i, p in enumerate(parks, start=1)])
        written += self.bulk.insert("rewards.Merchant", ["id", "park_id", "name", "category", "location", "description",
                                                         "pay_token", "active", "created_at"], rows)
        written += self.bulk.insert("rewards.MerchantStaff", ["id", "merchant_id", "user_id", "role", "created_at"],
                                    staff_rows)
        return written

    def templates(self) -> None:
        for park_id in self.park_ids:
            for spec in TEMPLATES:
                template_id = len(self.template_spec) + 1
                self.template_id[(park_id, spec[0])] = template_id
                self.template_spec[template_id] = spec
                self.template_park[template_id] = park_id
                _slug, name, description, kind, value, percent, item, min_spend, categories, _days = spec
                self.terms_json[template_id] = json.dumps({
                    "kind": kind, "value_fen": value, "percent_off": percent, "item_name": item,
                    "min_spend_fen": min_spend, "merchant_categories": categories, "merchant_ids": [],
                    "stackable": False, "transferable": False, "name": name, "description": description})
        # Who accepts each template: the merchants of its park in its categories.
        self.accepting = {t: [m for m in self.merchants_of[self.template_park[t]]
                              if self.merchant_category[m] in spec[8]] for t, spec in self.template_spec.items()}

    def overtime(self) -> int:
        """The weekly overtime rule of each park over the gates' presence, and its runs."""
        late: dict[tuple[int, int, date], int] = defaultdict(int)  # (park, user, week's Monday) -> late working days
        calendar: dict[Any, tuple[bool, date]] = {}
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT park_id, user_id, day FROM access_dailypresence WHERE late = %s "
                           "ORDER BY park_id, user_id, day", [True])
            for park_id, user_id, day in cursor.fetchall():
                known = calendar.get(day)
                if known is None:
                    d = day if isinstance(day, date) else date.fromisoformat(str(day))
                    known = calendar[day] = (workdays.is_workday(d), d - timedelta(days=d.weekday()))
                if known[0]:
                    late[(park_id, user_id, known[1])] += 1
        eligible: dict[tuple[int, date], list[int]] = defaultdict(list)
        for (park_id, user_id, monday), days in late.items():
            if days >= MIN_LATE_DAYS:
                eligible[(park_id, monday)].append(user_id)
        first = YEAR_START.date() + timedelta(days=(7 - YEAR_START.date().weekday()) % 7)
        created = _epoch(YEAR_START - timedelta(days=3))
        rules: list[tuple[Any, ...]] = []
        runs: list[tuple[Any, ...]] = []
        for park_id in self.park_ids:
            template = self.template_id[(park_id, OVERTIME)]
            rule_id = len(rules) + 1
            monday, last_run = first, None
            while True:
                run_at = _epoch(datetime.combine(monday + timedelta(days=7 + RUN_WEEKDAY), datetime.min.time(),
                                                 tzinfo=PARK_TZ) + timedelta(hours=RUN_HOUR))
                if run_at >= self.year_end:
                    break
                iso = monday.isocalendar()
                period_key = f"{iso[0]}-W{iso[1]:02d}"
                users = sorted(eligible.get((park_id, monday), []))
                reason = f"rule:{rule_id}:{period_key}"  # as issuing_rules.rule_run: key "<reason>:<run id>"
                batch_id = self.batch(park=park_id, template=template, source="rule", key=f"{reason}:{len(runs) + 1}",
                                      target=f"{RULE_NAME} · {period_key}", at=run_at, actor=None,
                                      owners=[(u, reason) for u in users])
                runs.append((len(runs) + 1, rule_id, period_key, monday.isoformat(), (monday + timedelta(days=6)).isoformat(),
                             "done", len(users), len(users), len(users) * self.template_spec[template][4], 0, 0, batch_id,
                             True, None, _utc(run_at), _utc(run_at + 2 + len(users) // 500), ""))
                last_run = run_at
                monday += timedelta(days=7)
            next_run = _epoch(datetime.combine(monday + timedelta(days=7 + RUN_WEEKDAY), datetime.min.time(),
                                               tzinfo=PARK_TZ) + timedelta(hours=RUN_HOUR))
            rules.append((rule_id, park_id, RULE_NAME, "overtime", template,
                          json.dumps({"min_days": MIN_LATE_DAYS}), "weekly", RUN_HOUR, RUN_WEEKDAY, True,
                          _utc(next_run), _utc(last_run), self.operator[park_id], _utc(created)))
        self.rules, self.runs = rules, runs
        return 0

    def packs(self) -> int:
        """Each park's year-end pack: every member of the park may claim it; most do."""
        rng = self.rng
        population = self.ctx.shared["access_population"]
        joined: list[datetime] = self.ctx.shared["joined"]
        claim_from, claim_until = _epoch(PACK_CLAIM_FROM), _epoch(PACK_CLAIM_UNTIL)
        packs: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        claims: list[tuple[Any, ...]] = []
        pickups: list[tuple[Any, ...]] = []
        members_of: dict[int, list[int]] = defaultdict(list)
        for user_id in self.ctx.ids["members"]:
            members_of[int(population["park"][user_id - 1])].append(user_id)
        pickup_codes: set[str] = set()
        for park_id in self.park_ids:
            members = members_of.get(park_id, [])
            pack_id = len(packs) + 1
            coffee, meal = self.template_id[(park_id, PACK_COFFEE)], self.template_id[(park_id, PACK_MEAL)]
            base = len(items)
            item_coffee, item_meal, item_box = base + 1, base + 2, base + 3
            claimed_here: list[tuple[int, int, int]] = []  # (claim moment, user, claim id)
            moments = []
            for user in members:
                if _epoch(joined[user - 1]) < claim_until - 7 * DAY and rng.random() < PACK_CLAIMED:
                    # Most claim in the first days: an exponential wait from the opening, within the window.
                    wait = min(rng.expovariate(1 / (3 * DAY)), claim_until - claim_from - 3600)
                    moments.append((max(claim_from + int(wait), _epoch(joined[user - 1]) + 3600), user))
            for at, user in sorted(moments):
                claim_id = len(claims) + 1
                claims.append((claim_id, pack_id, user, _utc(at)))
                claimed_here.append((at, user, claim_id))
                while True:
                    code = f"{rng.getrandbits(40):012d}"[-10:]
                    if code not in pickup_codes:
                        pickup_codes.add(code)
                        break
                picked = at + rng.randint(2 * 3600, 12 * DAY) if rng.random() < PICKED_UP else None
                if picked is not None and picked >= claim_until + 14 * DAY:
                    picked = None
                pickups.append((len(pickups) + 1, claim_id, item_box, code, _utc(picked),
                                self.operator[park_id] if picked else None))
            n = len(claimed_here)
            packs.append((pack_id, park_id, PACK_NAME, "感谢一年的陪伴：一杯咖啡、一张餐饮满减券，和一份年货礼盒。",
                          "park", _utc(claim_from), _utc(claim_until), max(len(members), n, 1), n, "closed",
                          self.operator[park_id], _utc(claim_from - 10 * DAY)))
            items += [(item_coffee, pack_id, "coupon", 1, coffee, None, "", "", None, n, 0),
                      (item_meal, pack_id, "coupon", 1, meal, None, "", "", None, n, 1),
                      (item_box, pack_id, "physical", 1, None, None, GIFT_BOX, PICKUP_PLACE, max(len(members), n, 1), n, 2)]
            # The coupons: one batch per template and day of claims (a shortcut: live, one per claim).
            by_day: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
            for at, user, claim_id in claimed_here:
                by_day[_local_day(at)].append((at, user, claim_id))
            for day in sorted(by_day):
                day_claims = by_day[day]
                for template, item in ((coffee, item_coffee), (meal, item_meal)):
                    self.batch(park=park_id, template=template, source="pack", target=PACK_NAME,
                               key=f"pack:{pack_id}:{template}:{_date(day).isoformat()}", at=day_claims[-1][0],
                               actor=None, owners=[(user, f"pack:{claim_id}:{item}:1") for _at, user, claim_id in day_claims])
        written = self.bulk.insert("rewards.GiftPack", ["id", "park_id", "name", "description", "audience",
                                                        "claim_from", "claim_until", "stock", "claimed", "status",
                                                        "created_by_id", "created_at"], packs)
        written += self.bulk.insert("rewards.PackItem", ["id", "pack_id", "kind", "quantity", "template_id",
                                                         "service_id", "name", "pickup_place", "stock", "claimed",
                                                         "position"], items)
        written += self.bulk.insert("rewards.PackClaim", ["id", "pack_id", "user_id", "claimed_at"], claims)
        written += self.bulk.insert("rewards.Pickup", ["id", "claim_id", "item_id", "code", "picked_up_at",
                                                       "handed_over_by_id"], pickups)
        self.ctx.ids["pack_claims"] = range(1, len(claims) + 1)
        return written

    def events(self) -> None:
        """A sample of the events: their checked-in attendees granted a coupon the next morning at 10:00."""
        attendees: dict[tuple[int, int, str], list[tuple[int, int]]] = defaultdict(list)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT e.id, e.park_id, e.title, r.user_id, c.checked_in_at FROM events_checkin c "
                           "JOIN events_registration r ON r.id = c.registration_id JOIN events_event e ON e.id = c.event_id "
                           "ORDER BY e.id, r.user_id")
            for event_id, park_id, title, user_id, at in cursor.fetchall():
                moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                attendees[(event_id, park_id, title)].append((user_id, _epoch(moment)))
        for n, ((event_id, park_id, title), people) in enumerate(attendees.items()):
            if (n and self.rng.random() >= EVENT_SHARE) or park_id not in self.operator:  # the first always
                continue
            at = _midnight(_local_day(max(t for _u, t in people)) + 1) + 10 * 3600
            if at >= self.year_end - DAY:
                continue
            template = self.template_id[(park_id, EVENT)]
            batch_id = len(self.batches) + 1
            users = sorted({u for u, _t in people})
            self.batch(park=park_id, template=template, source="grant", key=f"gen:event:{event_id}", at=at,
                       target=f"活动签到：{title}", actor=self.operator[park_id],
                       owners=[(u, f"grant:{batch_id}") for u in users])

    def deals(self) -> None:
        """A sample of the completed deals: their providers granted a coupon on the 1st of the next month."""
        n_deals = len(self.ctx.ids.get("deals", ()))
        if not n_deals:
            return
        sample = sorted(self.rng.sample(range(1, n_deals + 1), min(n_deals, self.ctx.count(DEAL_SAMPLE, 10))))
        by_month: dict[tuple[int, int, int], set[int]] = defaultdict(set)
        with self.connection.cursor() as cursor:
            for start in range(0, len(sample), 900):
                chunk = sample[start:start + 900]
                cursor.execute(f"SELECT id, park_id, provider_id, closed_at FROM scenes_deal WHERE status = %s AND "
                               f"closed_at IS NOT NULL AND id IN ({', '.join(['%s'] * len(chunk))}) ORDER BY id",
                               ["completed", *chunk])
                for _id, park_id, provider, closed in cursor.fetchall():
                    moment = closed if isinstance(closed, datetime) else datetime.fromisoformat(str(closed))
                    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(PARK_TZ)
                    by_month[(park_id, local.year, local.month)].add(provider)
        for (park_id, year, month), providers in sorted(by_month.items()):
            if park_id not in self.operator:
                continue
            nxt = date(year + month // 12, month % 12 + 1, 1)
            at = _epoch(datetime(nxt.year, nxt.month, 1, 10, 0, tzinfo=PARK_TZ))
            if at >= self.year_end - DAY:
                continue
            template = self.template_id[(park_id, DEAL)]
            batch_id = len(self.batches) + 1
            self.batch(park=park_id, template=template, source="grant", key=f"gen:deal:{park_id}:{year}-{month:02d}",
                       at=at, target=f"{year} 年 {month} 月完成交易的服务方", actor=self.operator[park_id],
                       owners=[(u, f"grant:{batch_id}") for u in sorted(providers)])

    # --- using them ------------------------------------------------------------------------------------
    def moment_in(self, lo: int, hi: int) -> int:
        """A moment in [lo, hi] at an hour people shop (local hour weights)."""
        rng = self.rng
        first, last = _local_day(lo), _local_day(hi)
        for _ in range(6):
            day = rng.randint(first, last)
            hour = bisect_left(self.hour_cum, rng.random() * self.hour_cum[-1])
            at = _midnight(day) + hour * 3600 + rng.randrange(3600)
            if lo <= at <= hi:
                return at
        return lo + int(rng.random() * (hi - lo))

    def redemptions(self) -> int:
        rng = self.rng
        self.hour_cum = list(accumulate(REDEEM_HOURS))
        # (at, merchant, coupon index, bill, discount, channel, by, reversed: (at, by) or None)
        checkouts: list[tuple[Any, ...]] = []
        for index, coupon in enumerate(self.coupons):
            _cid, _park, template, _batch, owner, _reason, _code, value, valid_from, valid_until, issued_at = coupon
            spec = self.template_spec[template]
            lo = max(valid_from, issued_at) + 600
            hi = min(valid_until, self.year_end) - 60
            merchants = self.accepting[template]
            if hi <= lo or not merchants:
                continue
            share = USED[spec[0]] * (hi - lo) / max(1, valid_until - lo)
            if rng.random() >= share:
                continue
            at = self.moment_in(lo, hi)
            merchant = merchants[rng.randrange(len(merchants))]
            bill = value if spec[3] == "free_item" else max(spec[7], value) + rng.randrange(0, 8000, 50)
            discount = _discount(spec, bill)
            if discount <= 0:
                continue
            channel = "member_scan" if rng.random() < MEMBER_SCAN else "merchant_scan"
            by = owner if channel == "member_scan" else self.cashier[merchant]
            wrong = None
            if rng.random() < REVERSED and at - 600 > lo:
                wrong = (at - 300, at - 180)
            checkouts.append((at, merchant, index, bill, discount, channel, by, wrong))
        checkouts.sort(key=lambda c: (c[0], c[2]))

        # Settlements: per merchant and local month, closed on the 3rd of the next month at 10:00.
        months: dict[tuple[int, int, int], list[int]] = defaultdict(list)  # (merchant, year, month) -> discounts
        for at, merchant, _i, _bill, discount, *_rest in checkouts:
            local = _date(_local_day(at))
            months[(merchant, local.year, local.month)].append(discount)
        settlements: list[tuple[Any, ...]] = []
        settlement_of: dict[tuple[int, int, int], int] = {}
        closing: dict[tuple[int, int, int], int] = {}
        for merchant, year, month in sorted(months, key=lambda k: (k[1], k[2], k[0])):
            start = date(year, month, 1)
            nxt = date(year + month // 12, month % 12 + 1, 1)
            closed_at = _epoch(datetime(nxt.year, nxt.month, 3, 10, 0, tzinfo=PARK_TZ))
            if closed_at >= self.year_end:
                continue
            closing[(merchant, year, month)] = closed_at
        last_closed = max(closing.values(), default=0)
        for key in sorted(closing, key=lambda k: (closing[k], k[0])):
            merchant, year, month = key
            settlement_id = len(settlements) + 1
            settlement_of[key] = settlement_id
            total = sum(months[key])
            closed_at = closing[key]
            paid = closed_at + 7 * DAY if closed_at < last_closed else None
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            park_id = self.merchant_park[merchant]
            settlements.append((settlement_id, park_id, merchant, start.isoformat(), end.isoformat(),
                                len(months[key]), total, "paid" if paid else "closed", self.operator[park_id],
                                _utc(closed_at), _utc(paid)))
            subject = (MERCHANT, merchant)
            self.ledger.add(closed_at, f"settle:{settlement_id}", "rewards.settle", ("rewards.settlement", settlement_id),
                            [("merchant:payable", -total, *subject), ("merchant:settled", total, *subject)],
                            actor=self.operator[park_id])

        redemptions: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        self.used: dict[int, int] = {}  # coupon index -> used at
        for at, merchant, index, bill, discount, channel, by, wrong in checkouts:
            coupon = self.coupons[index]
            park_id, template, owner, value = coupon[1], coupon[2], coupon[4], coupon[7]
            local = _date(_local_day(at))
            settlement = settlement_of.get((merchant, local.year, local.month))
            tries = []
            if wrong is not None:  # ten times the bill typed, reversed, then redone
                tries.append((wrong[0], bill * 10, _discount(self.template_spec[template], bill * 10), wrong))
            tries.append((at, bill, discount, None))
            for when, amount, cut, reversal in tries:
                rid = len(redemptions) + 1
                request = f"gen-{rid}"
                redemptions.append((rid, park_id, merchant, owner, request, hashlib.sha256(request.encode()).hexdigest(),
                                    channel,
                                    amount, cut, "reversed" if reversal else "done", by, _utc(when),
                                    _utc(reversal[1]) if reversal else None, self.owner[merchant] if reversal else None,
                                    REVERSAL_REASON if reversal else "", None if reversal else settlement))
                lines.append((rid, rid, coupon[0], cut, reversal is None))
                postings = self._redemption_postings(template, merchant, value, cut, 1)
                self.ledger.add(when, f"redeem:{rid}", "rewards.redeem", ("rewards.redemption", rid), postings,
                                parties=[owner], detail={"merchant": merchant}, actor=by)
                if reversal:
                    self.ledger.add(reversal[1], f"reverse:{rid}", "rewards.reverse", ("rewards.redemption", rid),
                                    self._redemption_postings(template, merchant, value, cut, -1), parties=[owner],
                                    detail={"merchant": merchant}, actor=self.owner[merchant])
            self.used[index] = at
        written = self.bulk.insert("rewards.Settlement", ["id", "park_id", "merchant_id", "period_start", "period_end",
                                                          "redemptions", "total_fen", "status", "created_by_id",
                                                          "created_at", "paid_at"], settlements)
        written += self.bulk.insert("rewards.Redemption", [
            "id", "park_id", "merchant_id", "member_id", "key", "request_digest", "channel", "bill_fen", "discount_fen",
            "status", "redeemed_by_id", "created_at", "reversed_at", "reversed_by_id", "reversal_reason",
            "settlement_id"], redemptions)
        written += self.bulk.insert("rewards.RedeemedCoupon", ["id", "redemption_id", "coupon_id", "discount_fen",
                                                               "active"], lines)
        self.ctx.ids["redemptions"] = range(1, len(redemptions) + 1)
        return written

    @staticmethod
    def _redemption_postings(template: int, merchant: int, value: int, discount: int,
                             sign: int) -> list[tuple[str, int, str, int]]:
        """postings.py's ``_redemption_postings`` for one coupon."""
        return [("coupon:outstanding", -sign * value, TEMPLATE, template),
                ("coupon:unspent", sign * (value - discount), TEMPLATE, template),
                ("merchant:payable", sign * discount, MERCHANT, merchant)]

    def write_coupons(self) -> int:
        """Templates (their counters and budgets), rules and runs, batches and coupons with their status at
        the end of the year; the monthly expiry operations."""
        rng = self.rng
        rows = []
        expired: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))  # month -> template -> fen
        month_last: dict[tuple[int, int], int] = {}
        for index, (cid, park_id, template, batch, owner, reason, code, value, valid_from, valid_until,
                    issued_at) in enumerate(self.coupons):
            used_at = self.used.get(index)
            ended = reminded = None
            if used_at is not None:
                status = "used"
            elif valid_until + 60 <= self.year_end:  # the nightly expiry (00:01) has run
                status, ended = "expired", valid_until + 60
                local = _date(_local_day(ended))
                expired[(local.year, local.month)][template] += value
                month_last[(local.year, local.month)] = max(month_last.get((local.year, local.month), 0), ended)
                remind = _midnight(_local_day(valid_until) - 3) + 10 * 3600
                reminded = remind if remind > issued_at else None
            else:
                status = "available"
            rows.append((cid, park_id, template, batch, owner, reason, code, self.terms_json[template], value,
                         _utc(valid_from), _utc(valid_until), status, _utc(issued_at), _utc(used_at), _utc(ended),
                         _utc(reminded), None))
        for (year, month), per_template in sorted(expired.items()):
            postings = []
            for template, value in sorted(per_template.items()):
                postings += [("coupon:outstanding", -value, TEMPLATE, template), ("coupon:expired", value, TEMPLATE, template)]
            self.ledger.add(month_last[(year, month)], f"expire:gen:{year}-{month:02d}", "rewards.expire",
                            (TEMPLATE, min(per_template)), postings)
        templates = []
        for template_id, spec in self.template_spec.items():
            slug, name, description, kind, value, percent, item, min_spend, categories, days = spec
            park_id = self.template_park[template_id]
            count, fen = self.issued[template_id]
            # The budget: what was issued with headroom (the overtime coupon's is a year's, the pack's exact).
            budget_count = count if slug in (PACK_COFFEE, PACK_MEAL) and count else \
                max(100, (count * 5 // 4 + 99) // 100 * 100)
            fixed = days is None
            created = _epoch(PACK_CLAIM_FROM - timedelta(days=12)) if fixed else _epoch(YEAR_START - timedelta(days=5))
            status = "closed" if fixed else "active"
            templates.append((template_id, park_id, name, description, kind, value, percent, item, min_spend,
                              json.dumps(categories), _utc(_epoch(PACK_CLAIM_FROM)) if fixed else None,
                              _utc(_epoch(PACK_VALID_UNTIL)) if fixed else None, days, 0, budget_count,
                              budget_count * value, count, fen, False, False, status, self.operator[park_id],
                              _utc(created), _utc(created + rng.randrange(3600))))
        written = self.bulk.insert("rewards.CouponTemplate", [
            "id", "park_id", "name", "description", "kind", "value_fen", "percent_off", "item_name", "min_spend_fen",
            "merchant_categories", "valid_from", "valid_until", "valid_days", "per_person_limit", "budget_count",
            "budget_fen", "issued_count", "issued_fen", "stackable", "transferable", "status", "created_by_id",
            "created_at", "updated_at"], templates)
        written += self.bulk.insert("rewards.IssuingRule", [
            "id", "park_id", "name", "kind", "template_id", "params", "period", "run_hour", "run_weekday", "active",
            "next_run_at", "last_run_at", "created_by_id", "created_at"], self.rules)
        written += self.bulk.insert("rewards.IssueBatch", [
            "id", "park_id", "template_id", "source", "key", "target", "requested", "issued", "issued_fen", "skipped",
            "errors", "created_by_id", "created_at"], self.batches)
        written += self.bulk.insert("rewards.RuleRun", [
            "id", "rule_id", "period_key", "period_start", "period_end", "status", "eligible", "issued", "issued_fen",
            "already", "over_budget", "batch_id", "scheduled", "started_by_id", "started_at", "finished_at", "error"],
            self.runs)
        written += self.bulk.insert("rewards.Coupon", [
            "id", "park_id", "template_id", "batch_id", "owner_id", "reason", "code", "terms", "value_fen", "valid_from",
            "valid_until", "status", "issued_at", "used_at", "ended_at", "reminded_at", "transferred_from_id"], rows)
        self.ctx.ids["coupons"] = range(1, len(rows) + 1)
        self.ctx.ids["coupon_templates"] = range(1, len(templates) + 1)
        return written

    def write_ledger(self) -> int:
        next_op, next_entry = self.ctx.shared.get("ledger_next_ids", (1, 1))
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM core_ledgeroperation")
            next_op = max(next_op, cursor.fetchone()[0] + 1)
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM core_ledgerentry")
            next_entry = max(next_entry, cursor.fetchone()[0] + 1)
        ops, entries = self.ledger.rows(next_op, next_entry)
        # Straight inserts (the ledger's indexes are not deferred: rebuilding them over the deals' millions
        # of rows would cost more than appending these).
        written = self.bulk.insert("core.LedgerOperation", ["id", "scope", "key", "kind", "subject_type", "subject_id",
                                                            "parties", "detail", "actor_id", "digest", "created_at"], ops)
        written += self.bulk.insert("core.LedgerEntry", ["id", "operation_id", "subject_type", "subject_id", "account",
                                                         "amount"], entries)
        self.ctx.shared["ledger_next_ids"] = (next_op + len(ops), next_entry + len(entries))
        return written
