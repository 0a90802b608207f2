"""The portfolio's parks, their buildings, enterprises (with their butler) and their staff.

Three parks: the default park (id 1, made by the migrations: its names are updated, not inserted) holds
most of the portfolio; parks 2 and 3 are small. An enterprise is in its building's park, and its butler
is a butler of that park. Later parts read ``ctx.shared["park_ids"]``, ``["building_park"]`` (building id
-> park id) and ``["enterprise_park"]`` (enterprise id -> park id)."""

from __future__ import annotations

from datetime import datetime, timedelta

from parkos.core.models import Park
from parkos.core.parks import parks_changed
from parkos.demo import words
from parkos.enterprises.models import Headcount, Industry, Membership, Stage
from parkos.enterprises.validators import ALPHABET, make_credit_code
from parkos.generator.registry import PARK_TZ, YEAR_END, YEAR_START, Context, part

ENTERPRISES = 1_200
BUILDINGS = 24
# The portfolio: (code, name, English name, address, opening hours, brand colour, accent colour). The first
# is the default park of the migrations (id 1), renamed; the two others are small.
PARKS = [
    ("main", "中关村智造园", "Zhongguancun Smart Manufacturing Park", "北京市海淀区西北旺东路10号院",
     "周一至周五 8:00–21:00，周末 9:00–18:00", "#0b7a5c", "#e3f4ee"),
    ("yizhuang", "亦庄创新港", "Yizhuang Innovation Harbour", "北京市大兴区北京经济技术开发区科创十三街18号",
     "周一至周六 8:30–19:00", "#1d5fbf", "#e4edf9"),
    ("shunyi", "顺义临空科创园", "Shunyi Airport Tech Park", "北京市顺义区临空经济核心区裕民大街9号",
     "周一至周五 8:30–18:30", "#8a4b14", "#f6ece2"),
]
# Share of the buildings (and so of the enterprises and their people) in each park, by position.
PARK_SHARES = (18, 4, 2)
BUILDING_PREFIXES = ("ABCDEFGH", "Y", "S")
BUILDING_KINDS = ["创新中心", "研发楼", "智造工坊", "孵化器", "科技大厦", "加速器", "产业楼", "国际人才公寓"]
# Share of the park's tenants in each top industry (codes of the taxonomy loaded by the migrations).
INDUSTRY_MIX = {"ai": 22, "software": 18, "robotics": 14, "medtech": 12, "energy": 9, "services": 9,
                "materials": 5, "manufacturing": 6, "culture": 3, "other": 2}
EXTRA_WORDS = {"culture": ["文化传媒", "创意设计", "数字内容"], "other": ["科技", "实业发展"]}
EXTRA_TAGS = {"culture": ["动漫", "游戏", "短视频", "文创"], "other": ["综合服务", "贸易", "咨询"]}
STAGE_MIX = {Stage.SEED: 28, Stage.ANGEL: 22, Stage.SERIES_A: 20, Stage.SERIES_B: 13, Stage.SERIES_C: 8,
             Stage.PRE_IPO: 5, Stage.LISTED: 4}
STAGE_AGE_YEARS = {Stage.SEED: (0, 3), Stage.ANGEL: (1, 4), Stage.SERIES_A: (2, 6), Stage.SERIES_B: (3, 8),
                   Stage.SERIES_C: (4, 10), Stage.PRE_IPO: (5, 12), Stage.LISTED: (8, 20)}
# Haidian, Chaoyang, Changping, Yizhuang (Daxing) and Shunyi: where Beijing's park companies register.
REGIONS = ["110108", "110105", "110114", "110115", "110113"]
NAME_CHARS = "睿智新华科创联达信恒泰安远博瑞晶航宇芯云数联合天成微源景泽弘嘉明瀚"
NAME_FORMS = ["{city}{prefix}{word}有限公司", "{prefix}{word}（{city}）有限公司", "{prefix}{word}股份有限公司",
              "{city}{prefix}{word}技术有限公司"]
ADMIN_TITLES = ["CEO", "创始人", "总经理", "COO", "行政总监", "联合创始人"]
STAFF_TITLES = ["工程师", "高级工程师", "产品经理", "市场经理", "销售总监", "财务", "人事", "研究员", "设计师", "CTO",
                "算法工程师", "运营", "法务", "测试工程师", "项目经理", "商务拓展"]
STAFF_SHARE = 0.78  # of the members who are not park people, this share works for a tenant
PENDING_SHARE = 0.015  # members waiting for an enterprise admin to approve their join


def headcount_of(people: float) -> str:
    for limit, band in ((10, Headcount.TINY), (50, Headcount.SMALL), (200, Headcount.MEDIUM),
                        (1000, Headcount.LARGE)):
        if people < limit:
            return band
    return Headcount.HUGE


@part("parks", models=(), rows=len(PARKS))
def parks(ctx: Context) -> int:
    """Name the default park and make the two small ones (ids follow it). Parks are not the generator's
    own table (the default park exists before it runs), so they are updated in place, never cleared."""
    default = Park.objects.using(ctx.using).filter(is_default=True).order_by("id").first()
    first_id = default.pk if default is not None else 1
    ids = [first_id + k for k in range(len(PARKS))]
    for position, (pk, (code, name, name_en, address, hours, brand, accent)) in enumerate(zip(ids, PARKS, strict=True)):
        Park.objects.using(ctx.using).update_or_create(pk=pk, defaults={
            "code": code, "name": name, "name_en": name_en, "address": address, "opening_hours": hours,
            "brand_colour": brand, "accent_colour": accent, "position": position, "is_active": True,
            "is_default": position == 0,
        })
    parks_changed()
    ctx.shared["park_ids"] = ids
    return len(ids)


def park_sizes(n: int, parks: int = len(PARK_SHARES)) -> list[int]:
    """How many of ``n`` buildings each park gets: every park at least one, the default park the rest."""
    total = sum(PARK_SHARES[:parks])
    small = [max(1, round(n * share / total)) for share in PARK_SHARES[1:parks]]
    return [n - sum(small), *small]


@part("buildings", after=("parks",), models=("enterprises.Building",),
      rows=lambda f: max(len(PARKS), round(BUILDINGS * f)))
def buildings(ctx: Context) -> int:
    rng = ctx.rng
    park_ids = ctx.shared["park_ids"]
    n = ctx.count(BUILDINGS, minimum=len(park_ids))
    rows = []
    i = 0
    for index, (park_id, size) in enumerate(zip(park_ids, park_sizes(n, len(park_ids)), strict=True)):
        prefixes = BUILDING_PREFIXES[index]
        for k in range(size):
            i += 1
            code = f"{prefixes[k // 4]}{k % 4 + 1}" if len(prefixes) > 1 else f"{prefixes}{k + 1}"
            rows.append((i, code, f"{code} {rng.choice(BUILDING_KINDS)}", rng.randint(4, 24), park_id))
    ctx.shared["buildings"] = [(r[0], r[3]) for r in rows]
    ctx.shared["building_park"] = {r[0]: r[4] for r in rows}
    ctx.ids["buildings"] = range(1, n + 1)
    return ctx.insert("enterprises.Building", ["id", "code", "name", "floors", "park_id"], rows)


def _staff_sizes(ctx: Context, n_enterprises: int, n_staff: int) -> list[int]:
    """Staff per enterprise: everyone has an admin, then a Pareto long tail (a few hundred-strong
    companies, many teams of a handful)."""
    rng = ctx.rng
    weights = [min(rng.paretovariate(1.2), 150.0) for _ in range(n_enterprises)]
    sizes = [1] * n_enterprises
    for index in rng.choices(range(n_enterprises), weights=weights, k=max(0, n_staff - n_enterprises)):
        sizes[index] += 1
    return sizes


@part("enterprises", after=("buildings", "roles"), models=("enterprises.Enterprise",),
      rows=lambda f: max(1, round(ENTERPRISES * f)))
def enterprises(ctx: Context) -> int:
    rng = ctx.rng
    n = ctx.count(ENTERPRISES)
    industries = list(Industry.objects.using(ctx.using).order_by("position", "code")
                      .values_list("id", "code", "parent__code", "name_zh"))
    by_top: dict[str, list[tuple[int, str]]] = {}
    for pk, code, parent, name_zh in industries:
        by_top.setdefault(parent or code, []).append((pk, name_zh))
    tops = [t for t in INDUSTRY_MIX if t in by_top]
    top_weights = [INDUSTRY_MIX[t] for t in tops]
    stages, stage_weights = list(STAGE_MIX), list(STAGE_MIX.values())
    building_park = ctx.shared["building_park"]
    park_ids = ctx.shared["park_ids"]
    # Each park's buildings (weighted by floors: taller buildings hold more tenants) and its butlers.
    park_buildings = {p: [b for b in ctx.shared["buildings"] if building_park[b[0]] == p] for p in park_ids}
    park_weights = list(PARK_SHARES[:len(park_ids)])  # the default park holds most tenants at every scale
    butlers_by_park = {p: list(ids) for p, ids in ctx.shared["butlers_by_park"].items()}
    for ids in butlers_by_park.values():
        rng.shuffle(ids)
    portfolio_butlers = butlers_by_park.pop(None, [])

    # Who works where is decided here, so the enterprise's headcount band and creator match its staff.
    reserved = ctx.shared["reserved"]
    pool = [u for u in ctx.ids["members"] if u not in reserved]
    rng.shuffle(pool)
    n_staff = max(n, round(len(pool) * STAFF_SHARE))
    sizes = _staff_sizes(ctx, n, n_staff)
    staff: list[list[int]] = []
    start = 0
    for size in sizes:
        staff.append(pool[start:start + size])
        start += size
    ctx.shared["staff"] = staff
    ctx.shared["unemployed"] = sorted(pool[start:])

    names: set[str] = set()
    codes: set[str] = set()
    rows = []
    created: list[datetime] = []
    enterprise_park: dict[int, int] = {}
    for i in range(1, n + 1):
        top = rng.choices(tops, weights=top_weights)[0]
        top_id, top_name = by_top[top][0]
        subs = by_top[top][1:]
        industry_id, industry_name = rng.choice(subs) if subs and rng.random() < 0.7 else (top_id, top_name)
        word_list = words.INDUSTRY_WORDS.get(top) or EXTRA_WORDS.get(top) or ["科技"]
        tag_list = words.INDUSTRY_TAGS.get(top) or EXTRA_TAGS.get(top) or ["综合服务"]
        while True:
            prefix = rng.choice(words.NAME_PREFIX) if rng.random() < 0.3 else "".join(rng.sample(NAME_CHARS, 2))
            word = rng.choice(word_list)
            name = rng.choice(NAME_FORMS).format(city=rng.choice(["北京", "北京", rng.choice(words.CITIES)]),
                                                 prefix=prefix, word=word)
            if name not in names:
                names.add(name)
                break
        while True:
            code = make_credit_code("91" + rng.choice(REGIONS) + "".join(rng.choice(ALPHABET) for _ in range(9)))
            if code not in codes:
                codes.add(code)
                break
        stage = rng.choices(stages, weights=stage_weights)[0]
        low, high = STAGE_AGE_YEARS[stage]
        founded = YEAR_START.date() - timedelta(days=rng.randint(low * 365 + 30, high * 365 + 300))
        joined_park = ctx.moment(datetime(2019, 3, 1, tzinfo=PARK_TZ), YEAR_START) if rng.random() < 0.7 \
            else ctx.moment(YEAR_START, YEAR_END - timedelta(days=30))
        joined_park = max(joined_park, datetime(founded.year, founded.month, founded.day, 9, tzinfo=PARK_TZ))
        created.append(joined_park)
        # The first enterprises go one to each park, so every park has tenants even at the small scale.
        park_id = park_ids[i - 1] if i <= len(park_ids) else rng.choices(park_ids, weights=park_weights)[0]
        in_park = park_buildings[park_id]
        building_id, floors = rng.choices(in_park, weights=[b[1] for b in in_park])[0]
        tags = rng.sample(tag_list, min(len(tag_list), rng.randint(1, 3)))
        butlers = butlers_by_park.get(park_id) or portfolio_butlers
        butler = None if rng.random() < 0.05 or not butlers else butlers[(i - 1) % len(butlers)]
        description = rng.choice(words.DESCRIPTIONS).format(name=prefix + word, tag=tags[0], industry=industry_name,
                                                            city=rng.choice(words.CITIES))
        rows.append((
            i, joined_park, ctx.moment(joined_park, YEAR_END), name, "", prefix + word, code, industry_id, stage,
            headcount_of(len(staff[i - 1]) * rng.uniform(1.2, 2.5)), founded, building_id,
            str(rng.randint(1, floors)), f"{rng.randint(1, 30):02d}",
            f"https://www.ent{i:04d}.example.cn" if rng.random() < 0.6 else "", description, tags,
            rng.choice(words.NEEDS) if rng.random() < 0.6 else "", butler,
            ctx.moment(joined_park, YEAR_END) if butler else None, staff[i - 1][0], rng.random() > 0.02,
            park_id,
        ))
        enterprise_park[i] = park_id
    ctx.shared["enterprise_created"] = created
    ctx.shared["enterprise_park"] = enterprise_park
    ctx.ids["enterprises"] = range(1, n + 1)
    return ctx.insert(
        "enterprises.Enterprise",
        ["id", "created_at", "updated_at", "name", "name_en", "short_name", "credit_code", "industry_id", "stage",
         "headcount", "founded_on", "building_id", "floor", "unit", "website", "description", "tags", "needs",
         "butler_id", "butler_assigned_at", "created_by_id", "is_active", "park_id"],
        rows,
    )


@part("memberships", after=("enterprises",), models=("enterprises.Membership",),
      rows=lambda f: round(max(1, round(25_000 * f)) * STAFF_SHARE * 1.01))
def memberships(ctx: Context) -> int:
    """Exactly one admin per enterprise; each member active at one enterprise at most.

    This part is the enterprises domain's bulk loader, so it inserts Membership rows itself (a park-year of
    staff in one set-based insert) rather than through the services' one-person-at-a-time writes; other
    domains' parts and code read staff through parkos.enterprises.selectors, never this table."""
    rng = ctx.rng
    joined = ctx.shared["joined"]
    created = ctx.shared["enterprise_created"]

    def rows() -> object:
        pk = 0
        for index, user_ids in enumerate(ctx.shared["staff"]):
            enterprise_id = index + 1
            for position, user_id in enumerate(user_ids):
                since = max(created[index], joined[user_id - 1])
                at = ctx.moment(since, YEAR_END)
                admin = position == 0
                pk += 1
                yield (pk, at, at, enterprise_id, user_id,
                       Membership.Role.ADMIN if admin else Membership.Role.STAFF, Membership.Status.ACTIVE,
                       rng.choice(ADMIN_TITLES if admin else STAFF_TITLES) if rng.random() < 0.85 else "", None)
        unemployed = ctx.shared["unemployed"]
        n_enterprises = len(ctx.shared["staff"])
        for user_id in sorted(rng.sample(unemployed, min(len(unemployed), round(len(joined) * PENDING_SHARE)))):
            at = ctx.moment(max(YEAR_END - timedelta(days=30), joined[user_id - 1]), YEAR_END)
            pk += 1
            yield (pk, at, at, rng.randint(1, n_enterprises), user_id, Membership.Role.STAFF,
                   Membership.Status.PENDING, rng.choice(STAFF_TITLES), None)

    return ctx.insert(
        "enterprises.Membership",
        ["id", "created_at", "updated_at", "enterprise_id", "user_id", "role", "status", "title", "invitation_id"],
        rows(),  # type: ignore[arg-type]
    )

