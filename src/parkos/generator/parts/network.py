"""The partner and capital network: the reference data (37 partner countries, 13 organisations, 52 Chinese
cities, through ``parkos.network.services.reference.reference_load``), ~150 funds, ~300 investors with their
theses, the park's enterprises' financing records over the years (mostly yuan, some dollars, euros and Hong
Kong dollars converted with recorded monthly rates, exactly; about a fifth confidential), and who invested
in each round.

Investors mostly invest according to their thesis (industry, stage, ticket), some follow the hot deals of
a few popular enterprises, and a few deals are noise — as in reality, so that matching on the thesis and
the history beats popularity (bench/network.py measures it). Investors are members: the people the roles
part made investors, and more members (not anyone's staff) granted the investor role here.

The network spans the portfolio, so its volumes shrink less than the park's with the scale (a minimum of
funds and investors keeps a small park's matching measurable)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from parkos.accounts.models import Role
from parkos.demo import words
from parkos.generator.registry import PARK_TZ, YEAR_END, Context, part

FUNDS = 150
INVESTORS = 300
MIN_FUNDS = 12
MIN_INVESTORS = 30
STAGES = ("seed", "angel", "series_a", "series_b", "series_c", "pre_ipo", "listed")
# The round an enterprise raised at each stage, and its size in ten thousand yuan (low, high).
STAGE_ROUND = {"seed": "seed", "angel": "angel", "series_a": "a", "series_b": "b", "series_c": "c",
               "pre_ipo": "pre_ipo", "listed": "ipo"}
ROUND_WAN = {"seed": (30, 300), "angel": (100, 800), "series_a": (500, 3000), "series_b": (1500, 8000),
             "series_c": (3000, 15000), "pre_ipo": (5000, 20000), "listed": (8000, 30000)}
# Whether an enterprise raised the round of a stage it went through (the current one: more likely).
RAISED_BEFORE = 0.55
RAISED_NOW = 0.8
CONFIDENTIAL_SHARE = 0.2
CURRENCY_MIX = {"CNY": 85, "USD": 8, "HKD": 4, "EUR": 3}
# Yuan per unit around which the monthly rates move.
RATE_BASE = {"USD": Decimal("6.9"), "EUR": Decimal("7.7"), "HKD": Decimal("0.885")}
RATES_FROM = date(2014, 1, 1)
# How each party of a round was drawn: its thesis, the hot deals, anyone.
THESIS, HOT, NOISE = 0.78, 0.12, 0.10
FUND_KINDS = {"vc": 55, "pe": 12, "angel": 12, "cvc": 10, "government": 8, "bank": 3}
FUND_WORDS = ["资本", "创投", "投资", "基金", "创业投资", "股权投资", "科创基金", "产业基金"]
FUND_PREFIX = ["中关村", "海淀", "北极星", "红杉树", "启明", "经纬", "源码", "高榕", "线性", "峰瑞", "明势", "蓝驰", "金沙江",
               "创新工场", "真格", "英诺", "联想之星", "水木", "清科", "华控", "松禾", "同创", "达晨", "深创", "元禾", "君联",
               "IDG", "北科", "京能", "亦庄", "顺义", "科星", "星火", "云帆", "长河", "天使湾", "九合", "险峰", "梅花", "洪泰"]
REGION_CHOICES = [(["全国"], 45), (["北京"], 20), (["北京", "长三角"], 10), (["京津冀"], 8), (["北京", "粤港澳大湾区"], 6),
                  (["全球"], 6), (["中关村"], 5)]
TITLES = ["合伙人", "投资总监", "副总裁", "投资经理", "董事总经理", "创始合伙人", "执行董事", "高级投资经理"]
THESIS_FORMS = ["重点关注{industries}领域的{stages}项目，单笔投资{low}–{high}万元，看重{tags}方向的技术团队。",
                "专注{industries}，投资阶段以{stages}为主，偏好{tags}，单笔{low}–{high}万元。",
                "长期看好{industries}赛道，尤其是{tags}；主要参与{stages}轮次，单笔{low}–{high}万元。"]
STAGE_ZH = {"seed": "种子期", "angel": "天使轮", "series_a": "A轮", "series_b": "B轮", "series_c": "C轮及以后",
            "pre_ipo": "Pre-IPO", "listed": "上市"}
OUTSIDE_NAMES = ["个人投资者", "产业方战略投资", "地方引导基金", "老股东跟投", "海外机构投资者"]


def _rows(f: float) -> int:
    investors = max(MIN_INVESTORS, round(INVESTORS * f))
    return max(MIN_FUNDS, round(FUNDS * f)) * 3 + investors * 3 + round(1_200 * f) * 4 + 600


@part("network", after=("memberships",),
      models=("network.Country", "network.City", "network.Organisation", "network.Contact", "network.Fund",
              "network.Fund_industries", "network.Investor", "network.Investor_industries", "network.ExchangeRate",
              "network.FinancingRecord", "network.FinancingInvestor"),
      rows=_rows)
def network(ctx: Context) -> int:
    from parkos.network.services.reference import reference_load

    _restart_ids(ctx)
    reference_load(using=ctx.using)
    # The load stamps organisations with the clock; the generated park-year never depends on the day.
    from parkos.network.models import Organisation

    stamp = datetime(2025, 10, 1, 9, tzinfo=PARK_TZ)
    Organisation.objects.using(ctx.using).update(created_at=stamp, updated_at=stamp)
    total = _reference_rows(ctx)
    industries = _industries(ctx)
    total += _funds(ctx, industries)
    total += _investors(ctx, industries)
    total += _rates(ctx)
    total += _financing(ctx)
    return total


def _restart_ids(ctx: Context) -> None:
    """The reference load inserts through the ORM (its ids are the database's): after ``--force`` emptied
    the tables, their id counters start again at 1, so the same seed gives the same rows, byte for byte."""
    from django.core.management.color import no_style
    from django.db import connections

    from parkos.network.models import City, Contact, Country, Organisation

    models = (Country, City, Organisation, Contact)
    if any(m.objects.using(ctx.using).exists() for m in models):
        return
    connection = connections[ctx.using]
    sequences = [{"table": m._meta.db_table, "column": "id"} for m in models]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)


def _reference_rows(ctx: Context) -> int:
    from parkos.network.models import City, Contact, Country, Organisation

    return sum(m.objects.using(ctx.using).count() for m in (Country, City, Organisation, Contact))


def _industries(ctx: Context) -> dict[str, Any]:
    from parkos.enterprises.models import Industry

    rows = list(Industry.objects.using(ctx.using).order_by("position", "code")
                .values_list("id", "code", "parent_id", "name_zh"))
    tops = [(pk, code, name) for pk, code, parent, name in rows if parent is None and code != "other"]
    subs: dict[int, list[int]] = {}
    for pk, _code, parent, _name in rows:
        if parent is not None:
            subs.setdefault(parent, []).append(pk)
    top_of = {pk: (parent or pk) for pk, _c, parent, _n in rows}
    return {"tops": tops, "subs": subs, "top_of": top_of, "name": {pk: name for pk, _c, _p, name in rows},
            "code": {pk: code for pk, code, _p, _n in rows}}


def _stage_window(rng: Any) -> list[str]:
    """A contiguous run of one to three stages, early ones more likely (most investors invest early)."""
    start = rng.choices(range(6), weights=[22, 24, 22, 14, 10, 8])[0]
    width = rng.choices([1, 2, 3], weights=[3, 5, 2])[0]
    return list(STAGES[start:min(len(STAGES) - 1, start + width)]) or [STAGES[start]]


def _ticket(stages: list[str]) -> tuple[int, int]:
    """A ticket range fitting the rounds of ``stages`` (a quarter to all of a round)."""
    low = max(10, ROUND_WAN[stages[0]][0] // 4 // 10 * 10)
    high = max(low, ROUND_WAN[stages[-1]][1] // 2 // 10 * 10)
    return low, high


def _funds(ctx: Context, ind: dict[str, Any]) -> int:
    from parkos.network.models import Country

    rng = ctx.rng
    n = max(MIN_FUNDS, ctx.count(FUNDS))
    countries = dict(Country.objects.using(ctx.using).values_list("code", "id"))
    china = countries.get("CHN")
    abroad = [countries[c] for c in ("USA", "SGP", "GBR", "DEU", "JPN", "ISR") if c in countries]
    kinds, kind_weights = list(FUND_KINDS), list(FUND_KINDS.values())
    regions, region_weights = zip(*REGION_CHOICES, strict=True)
    names: set[str] = set()
    funds: list[dict[str, Any]] = []
    rows, links = [], []
    created = datetime(2024, 6, 1, 10, tzinfo=PARK_TZ)
    for i in range(1, n + 1):
        while True:
            name = rng.choice(FUND_PREFIX) + rng.choice(FUND_WORDS)
            if name in names:
                name = f"{name}{rng.choice(['一期', '二期', '三期', '四期', '五期', '六期', '七期', '八期'])}"
            if name not in names:
                names.add(name)
                break
        kind = rng.choices(kinds, weights=kind_weights)[0]
        stages = ["seed", "angel"] if kind == "angel" else _stage_window(rng)
        tops = rng.sample(ind["tops"], rng.choice([1, 2, 2, 3]))
        low, high = _ticket(stages)
        region = list(rng.choices(regions, weights=region_weights)[0])
        country = rng.choice(abroad) if abroad and rng.random() < 0.12 else china
        description = (f"{name}是一家{'、'.join(t[2] for t in tops)}领域的投资机构，主要投资"
                       f"{'、'.join(STAGE_ZH[s] for s in stages)}阶段的企业。")
        funds.append({"id": i, "stages": stages, "tops": [t[0] for t in tops], "ticket": (low, high),
                      "regions": region})
        rows.append((i, name, "", kind, stages, region, low, high, country, description, "", True, created))
        for t in tops:
            links.append((i, t[0]))
    ctx.shared["network_funds"] = funds
    total = ctx.insert("network.Fund", ["id", "name_zh", "name_en", "kind", "stages", "regions", "ticket_min_wan",
                                        "ticket_max_wan", "country_id", "description", "website", "is_active",
                                        "created_at"], rows)
    total += ctx.insert("network.Fund_industries", ["id", "fund_id", "industry_id"],
                        ((k, f, t) for k, (f, t) in enumerate(links, start=1)))
    return total


def _investor_users(ctx: Context, n: int) -> tuple[list[int], list[int]]:
    """The investor members: the roles part's investors, then members who are nobody's staff (granted the
    role here). Returns (all investor user ids, the newly granted)."""
    from parkos.enterprises.selectors import user_ids_with_membership

    holders = list(ctx.shared["role_holders"].get(Role.INVESTOR, []))
    if len(holders) >= n:
        return sorted(holders[:n]), []
    with_membership = set(user_ids_with_membership(using=ctx.using))
    reserved = ctx.shared.get("reserved", set())
    pool = [u for u in ctx.shared.get("unemployed", []) if u not in with_membership and u not in reserved]
    extra = sorted(ctx.rng.sample(pool, min(len(pool), n - len(holders))))
    return sorted(holders + extra), extra


def _investors(ctx: Context, ind: dict[str, Any]) -> int:
    from parkos.accounts.models import UserRole

    rng = ctx.rng
    funds = ctx.shared["network_funds"]
    n = max(MIN_INVESTORS, ctx.count(INVESTORS))
    users, granted = _investor_users(ctx, n)
    total = 0
    if granted:
        first = (UserRole.objects.using(ctx.using).order_by("-id").values_list("id", flat=True).first() or 0) + 1
        granter = ctx.shared["role_holders"][Role.OPERATOR][0]
        joined = ctx.shared["joined"]
        total += ctx.insert("accounts.UserRole", ["id", "user_id", "role", "granted_at", "granted_by_id", "park_id"],
                            ((first + k, u, Role.INVESTOR, ctx.moment(joined[u - 1], YEAR_END), granter, None)
                             for k, u in enumerate(granted)))
    tops = ind["tops"]
    investors: list[dict[str, Any]] = []
    rows, links = [], []
    pk_link = 0
    for i, user_id in enumerate(users, start=1):
        fund = rng.choice(funds) if rng.random() < 0.85 else None
        if fund is not None:
            # An investor follows their fund's thesis, narrowed or shifted a little.
            stages = list(fund["stages"])
            if len(stages) > 1 and rng.random() < 0.4:
                stages = stages[:-1] if rng.random() < 0.5 else stages[1:]
            top_ids = list(fund["tops"])
            if len(top_ids) > 1 and rng.random() < 0.5:
                top_ids = rng.sample(top_ids, len(top_ids) - 1)
            regions = list(fund["regions"])
        else:
            stages = _stage_window(rng)
            top_ids = [t[0] for t in rng.sample(tops, rng.choice([1, 1, 2]))]
            regions = ["全国"] if rng.random() < 0.6 else ["北京"]
        industry_ids = []
        for top in top_ids:
            subs = ind["subs"].get(top, [])
            industry_ids.append(rng.choice(subs) if subs and rng.random() < 0.25 else top)
        low, high = _ticket(stages)
        top_codes = [ind["code"][t] for t in top_ids]
        tag_pool = [t for c in top_codes for t in words.INDUSTRY_TAGS.get(c, [])] or ["硬科技"]
        tags = rng.sample(tag_pool, min(2, len(tag_pool)))
        thesis = rng.choice(THESIS_FORMS).format(
            industries="、".join(ind["name"][t] for t in industry_ids), stages="、".join(STAGE_ZH[s] for s in stages),
            low=low, high=high, tags="、".join(tags))
        if rng.random() < 0.04:  # a few never wrote a thesis
            thesis, stages, industry_ids = "", [], []
        activity = min(rng.paretovariate(1.5), 12.0)
        investors.append({"id": i, "fund": fund["id"] if fund else None, "stages": stages,
                          "tops": {ind["top_of"][x] for x in industry_ids}, "ticket": (low, high),
                          "activity": activity, "tags": set(tags) if stages else set(),
                          "leaves": {x for x in industry_ids if ind["top_of"][x] != x}})
        rows.append((i, user_id, fund["id"] if fund else None, rng.choice(TITLES), thesis, stages, regions,
                     low if stages else None, high if stages else None, rng.random() < 0.92, rng.random() < 0.88,
                     ctx.moment()))
        for x in industry_ids:
            pk_link += 1
            links.append((pk_link, i, x))
    ctx.shared["network_investors"] = investors
    total += ctx.insert("network.Investor", ["id", "user_id", "fund_id", "title", "thesis", "stages", "regions",
                                             "ticket_min_wan", "ticket_max_wan", "is_listed",
                                             "accepts_introductions", "updated_at"], rows)
    total += ctx.insert("network.Investor_industries", ["id", "investor_id", "industry_id"], links)
    return total


def _months(start: date, end: date) -> list[date]:
    out = []
    day = start
    while day < end:
        out.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def _rates(ctx: Context) -> int:
    """A rate for the first day of every month, for each foreign currency: a slow random walk."""
    rng = ctx.rng
    months = _months(RATES_FROM, YEAR_END.date())
    rates: dict[tuple[str, date], Decimal] = {}
    rows = []
    pk = 0
    for currency, base in RATE_BASE.items():
        level = 1.0
        for month in months:
            level = min(1.08, max(0.92, level + rng.uniform(-0.012, 0.012)))
            rate = (base * Decimal(str(round(level, 6)))).quantize(Decimal("0.000001"))
            rates[(currency, month)] = rate
            pk += 1
            rows.append((pk, currency, month, rate, "中国人民银行人民币汇率中间价", None))
    ctx.shared["network_rates"] = rates
    return ctx.insert("network.ExchangeRate", ["id", "currency", "valid_on", "rate_to_cny", "source",
                                               "recorded_by_id"], rows)


def to_fen(amount_minor: int, rate: Decimal) -> int:
    """An amount in minor units (cents) at ``rate`` yuan per unit, in fen (both have two decimals)."""
    return int((Decimal(amount_minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def affinity(investor: dict[str, Any], industry_id: int, tags: set[str], wan: int) -> float:
    """How much a thesis-fitting investor wants this round: their sub-industry, the words they look for
    (the thesis's "看重…") among the enterprise's tags, a round their ticket fits, and how active they are."""
    weight = investor["activity"]
    if industry_id in investor["leaves"]:
        weight *= 3
    if investor["tags"] & tags:
        weight *= 4
    low, high = investor["ticket"]
    if low <= wan <= high * 4:
        weight *= 2
    return weight


def _financing(ctx: Context) -> int:
    from parkos.enterprises.models import Enterprise

    rng = ctx.rng
    top_of_industry = _industries(ctx)["top_of"]
    investors = ctx.shared["network_investors"]
    funds = ctx.shared["network_funds"]
    rates = ctx.shared["network_rates"]
    enterprises = list(Enterprise.objects.using(ctx.using).order_by("id").values_list(
        "id", "stage", "industry_id", "founded_on", "park_id", "tags"))
    # Who fits each (top industry, stage): the thesis's pool, weighted by how active an investor is.
    fit: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for inv in investors:
        for top in inv["tops"]:
            for stage in inv["stages"]:
                fit.setdefault((top, stage), []).append(inv)
    fund_fit: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for fund in funds:
        for top in fund["tops"]:
            for stage in fund["stages"]:
                fund_fit.setdefault((top, stage), []).append(fund)
    weights_all = [inv["activity"] for inv in investors]
    # A few hot enterprises attract many investors, whatever their theses.
    heat = {e[0]: rng.paretovariate(2.0) for e in enterprises}
    hot = sorted(heat, key=lambda e: (-heat[e], e))[:max(2, len(enterprises) // 25)]
    currencies, currency_weights = list(CURRENCY_MIX), list(CURRENCY_MIX.values())
    records: list[tuple[Any, ...]] = []
    parties: list[tuple[Any, ...]] = []
    pk_party = 0
    end = YEAR_END.date() - timedelta(days=5)
    for eid, stage, industry_id, founded, park_id, tags in enterprises:
        top = top_of_industry.get(industry_id, industry_id)
        tags = set(tags if isinstance(tags, list) else [])
        upto = STAGES.index(stage) if stage in STAGES else 0
        start = founded or (end - timedelta(days=365 * (upto + 1)))
        raised = [s for k, s in enumerate(STAGES[:upto + 1])
                  if rng.random() < (RAISED_NOW if k == upto else RAISED_BEFORE)]
        if not raised:
            continue
        span = max(30, (end - start).days)
        offsets = sorted(rng.sample(range(15, span), min(len(raised), span - 15))) if span > 15 + len(raised) else \
            [span] * len(raised)
        for stage_then, offset in zip(raised, offsets, strict=False):
            announced = min(end, start + timedelta(days=offset))
            low, high = ROUND_WAN[stage_then]
            wan_cny = round(low * (high / low) ** rng.random())
            currency = rng.choices(currencies, weights=currency_weights)[0]
            if currency == "CNY":
                rate = Decimal(1)
                units_wan = wan_cny
            else:
                rate = rates.get((currency, date(announced.year, announced.month, 1)),
                                 RATE_BASE[currency])
                units_wan = max(1, int(Decimal(wan_cny) / rate))
            amount_minor = units_wan * 10_000 * 100
            record_id = len(records) + 1
            confidential = rng.random() < CONFIDENTIAL_SHARE
            created = datetime(announced.year, announced.month, announced.day, 10, tzinfo=PARK_TZ)
            records.append((record_id, eid, park_id, STAGE_ROUND[stage_then], currency, amount_minor, rate,
                            to_fen(amount_minor, rate), announced, "confidential" if confidential else "disclosed",
                            "import", None, "", "", None, created, created))
            chosen: set[int] = set()
            n_parties = 1 + min(5, int(rng.expovariate(1.0) + (2 if eid in hot else 0)))
            for k in range(n_parties):
                roll = rng.random()
                pool = fit.get((top, stage_then), [])
                if roll < THESIS and pool:
                    inv = rng.choices(pool, weights=[affinity(p, industry_id, tags, wan_cny) for p in pool])[0]
                elif roll < THESIS + HOT and eid not in hot and hot:
                    # A bandwagon round: an investor of a hot deal joins this one too (popular investors).
                    inv = rng.choices(investors, weights=weights_all)[0]
                elif roll < THESIS + HOT + NOISE * 0.75:
                    inv = rng.choices(investors, weights=weights_all)[0]
                else:
                    inv = None
                pk_party += 1
                if inv is not None and inv["id"] not in chosen:
                    chosen.add(inv["id"])
                    parties.append((pk_party, record_id, inv["fund"], inv["id"], "", k == 0))
                elif fund_fit.get((top, stage_then)) and rng.random() < 0.5:
                    fund = rng.choice(fund_fit[(top, stage_then)])
                    parties.append((pk_party, record_id, fund["id"], None, "", k == 0))
                else:
                    parties.append((pk_party, record_id, None, None, rng.choice(OUTSIDE_NAMES), k == 0))
        if eid in hot:
            # Popular enterprises: investors of every kind pile into their latest round.
            last = len(records)
            for inv in rng.sample(investors, min(len(investors), rng.randint(3, 8))):
                if inv["id"] in {p[3] for p in parties[-12:] if p[1] == last}:
                    continue
                pk_party += 1
                parties.append((pk_party, last, inv["fund"], inv["id"], "", False))
    total = ctx.insert("network.FinancingRecord", [
        "id", "enterprise_id", "park_id", "round", "currency", "amount_minor", "rate_to_cny", "amount_cny_fen",
        "announced_on", "disclosure", "source", "competition_year", "competition_track", "note", "recorded_by_id",
        "created_at", "updated_at"], records)
    total += ctx.insert("network.FinancingInvestor", ["id", "record_id", "fund_id", "investor_id", "name", "is_lead"],
                        parties)
    return total
