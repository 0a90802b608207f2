"""The start-up competition of the main park, the 东升杯, over ten editions (2017–2026): tracks, the
application form, the four rounds (资格初审 by staff, 网络初评 by 3 judges, 网络复评 by 5 judges, 决赛路演 scored
by a panel with the highest and the lowest score dropped), weighted criteria, judges, 12,000 applications at
seed scale (more each year), assignments that never give a judge a conflicted application, submitted scores,
rankings (per-judge z-scores in the online rounds, divergence re-reviewed by an extra judge), published
results, award tiers with their benefits, the awards of each final, and the financing the competing
enterprises raised after their edition (network financing records with the edition's year and the track,
summing to several billion yuan at seed scale, as the source park reports more than 7.2 billion).

Judges are accounts holding the judge role: the roles part's judges, some of the network's investors and a
few members who are nobody's staff (both granted the role here; park people are never tenants' staff). An
investor who invested in an enterprise is in conflict with its applications, and some judges declare a
relationship with an enterprise or a team (``ConflictDeclaration``): the assignment avoids both, and the
same-enterprise rule too. The financing recorded here after the competition names funds and investors who
do not judge, so no later record turns an earlier assignment into a conflict.

Everything of one edition is computed in memory and written with ``ctx.insert``; the ranking follows the
ranking part's rules (``ranking_compute``) so that recomputing a generated round gives the same ranks."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from parkos.accounts.models import Role
from parkos.demo import words
from parkos.generator.registry import PARK_TZ, YEAR_END, Context, part

YEARS = tuple(range(2017, 2027))
# Applications per edition at seed scale: 12,000 in ten years, growing as the competition grew.
APPLICATIONS_BY_YEAR = (600, 750, 900, 1000, 1100, 1250, 1350, 1500, 1650, 1900)
APPLICATIONS = sum(APPLICATIONS_BY_YEAR)
JUDGE_POOL = 60
MIN_JUDGES = 12
PANEL = 7
FINALISTS = 40
ENTERPRISE_SHARE = 0.35  # of the applications, made by an enterprise of the park
DRAFT_SHARE, WITHDRAWN_SHARE = 0.04, 0.02
SCREEN_PASS = 0.8
ONLINE1_PROMOTE = 0.25
DECLARE_SHARE = 0.06  # judges of an edition declaring a relationship with an enterprise or a team
# Tracks: (code, Chinese, English, industry code, first year).
TRACKS = [
    ("ai", "人工智能", "Artificial intelligence", "ai", 2017),
    ("robotics", "机器人", "Robotics", "robotics", 2017),
    ("medtech", "医疗科技", "Medical technology", "medtech", 2017),
    ("energy", "新能源", "New energy", "energy", 2017),
    ("materials", "新材料", "New materials", "materials", 2019),
    ("ic", "集成电路", "Integrated circuits", "ai-chips", 2020),
    ("digital", "数字经济", "Digital economy", "software", 2021),
]
TRACK_WEIGHTS = {"ai": 24, "robotics": 16, "medtech": 16, "energy": 12, "materials": 8, "ic": 8, "digital": 16}
# An enterprise applies in the track of its industry (top code; the AI-chips sub-industry: 集成电路).
INDUSTRY_TRACK = {"ai": "ai", "ai-chips": "ic", "robotics": "robotics", "medtech": "medtech", "energy": "energy",
                  "materials": "materials", "software": "digital", "manufacturing": "robotics"}
TRACK_TAGS = {"ai": "ai", "robotics": "robotics", "medtech": "medtech", "energy": "energy", "materials": "materials",
              "ic": "materials", "digital": "software"}
STAGE_CHOICES = ["创意阶段", "种子轮", "天使轮", "A轮", "A轮以后"]
# The form: (key, kind, Chinese label, English label, Chinese help, required, characters, choices, types, MB).
FORM = [
    ("stage", "choice", "项目阶段", "Stage", "", True, None, STAGE_CHOICES, [], None),
    ("problem", "textarea", "痛点与解决方案", "Problem and solution", "不超过 500 字", True, 500, [], [], None),
    ("product", "textarea", "产品与核心技术", "Product and core technology", "不超过 800 字", True, 800, [], [], None),
    ("market", "textarea", "市场与商业模式", "Market and business model", "不超过 500 字", True, 500, [], [], None),
    ("team-intro", "textarea", "核心团队", "Core team", "不超过 500 字", False, 500, [], [], None),
    ("funding", "text", "融资需求", "Financing sought", "例如：天使轮 500 万元", False, 100, [], [], None),
    ("website", "url", "项目网址", "Website", "", False, None, [], [], None),
    ("business-plan", "file", "商业计划书（PDF）", "Business plan (PDF)", "PDF，不超过 20 MB", True, None, [], ["pdf"],
     20),
]
# Rounds: (kind, Chinese, English, judges per application, anonymous, normalise, drop extremes, divergence).
ROUNDS = [
    ("screening", "资格初审", "Eligibility screening", 1, False, False, False, None),
    ("online", "网络初评", "Online review", 3, True, True, False, Decimal("15.00")),
    ("online", "网络复评", "Second online review", 5, True, True, False, Decimal("12.00")),
    ("roadshow", "决赛路演", "Final roadshow", PANEL, False, False, True, None),
]
CRITERIA = {
    1: [("技术创新", "Innovation", 30), ("市场前景", "Market", 25), ("商业模式", "Business model", 20),
        ("团队能力", "Team", 15), ("社会效益", "Social value", 10)],
    2: [("技术壁垒", "Technical moat", 30), ("市场空间", "Market size", 25), ("商业模式", "Business model", 20),
        ("团队能力", "Team", 15), ("财务与融资", "Finance", 10)],
    3: [("技术与产品", "Technology and product", 30), ("市场与商业模式", "Market and model", 25),
        ("团队", "Team", 20), ("路演表现", "Pitch", 15), ("答辩", "Q&A", 10)],
}
# Award tiers: (Chinese, English, ranks) and their benefits: (kind, description, service keyword, cash yuan,
# desks, months, quantity).
TIERS: list[tuple[str, str, int, int, list[tuple[str, str, str, int | None, int | None, int | None, int]]]] = [
    ("一等奖", "First prize", 1, 1, [
        ("cash", "奖金 50 万元", "研发费用补贴", 500_000, None, None, 1),
        ("workstations", "20 个免费工位，6 个月", "联合办公工位", None, 20, 6, 1),
        ("gift_pack", "7 个园区礼包", "", None, None, None, 7),
        ("housing", "公租房指标 3 套", "人才公寓申请", None, None, None, 3),
        ("talent", "人才引进协助", "人才引进落户申报", None, None, None, 1),
        ("investment", "网络投资人优先对接", "融资顾问", None, None, None, 1)]),
    ("二等奖", "Second prize", 2, 3, [
        ("cash", "奖金 20 万元", "研发费用补贴", 200_000, None, None, 1),
        ("workstations", "10 个免费工位，6 个月", "联合办公工位", None, 10, 6, 1),
        ("gift_pack", "5 个园区礼包", "", None, None, None, 5),
        ("talent", "人才引进协助", "人才引进落户申报", None, None, None, 1)]),
    ("三等奖", "Third prize", 4, 6, [
        ("cash", "奖金 10 万元", "研发费用补贴", 100_000, None, None, 1),
        ("workstations", "5 个免费工位，6 个月", "联合办公工位", None, 5, 6, 1),
        ("gift_pack", "3 个园区礼包", "", None, None, None, 3)]),
    ("优秀奖", "Honourable mention", 7, 12, [
        ("gift_pack", "2 个园区礼包", "", None, None, None, 2)]),
]
# Financing after the competition: the chance an enterprise raised a round after its edition, by how far it
# went (passed screening, reached the second online review, the final, an award).
RAISED_YUAN = 8_600_000_000
RAISE_CHANCE = {"screened": 0.055, "online2": 0.16, "final": 0.4, "award": 0.6}
STAGES = ("seed", "angel", "series_a", "series_b", "series_c", "pre_ipo", "listed")
STAGE_ROUND = {"seed": "seed", "angel": "angel", "series_a": "a", "series_b": "b", "series_c": "c",
               "pre_ipo": "pre_ipo", "listed": "ipo"}
ROUND_WAN = {"seed": (50, 500), "angel": (200, 1500), "series_a": (1000, 6000), "series_b": (3000, 15000),
             "series_c": (6000, 30000), "pre_ipo": (10000, 40000), "listed": (15000, 50000)}
PRODUCT_WORDS = ["平台", "系统", "解决方案", "一体机", "引擎", "云平台", "终端", "模组", "检测仪", "控制器"]
JUDGE_TITLES = ["高校教授", "产业专家", "创业导师", "首席科学家", "上市公司高管", "资深工程师", "行业协会专家"]
DECLARED_REASONS = ["曾担任该企业技术顾问", "与创始人为前同事", "亲属在该企业任职", "所在机构与该团队有业务往来"]
SCREEN_NOTES = ["申报材料不完整", "商业计划书未按要求提交", "项目与所报赛道方向不符", "不符合参赛条件：团队规模不符"]
FEEDBACK = ["技术路线清晰，建议补充核心专利布局。", "市场分析充分，商业化路径可以更具体。", "团队背景扎实，建议加强销售与市场能力。",
            "产品已有早期客户，建议给出更详细的单位经济模型。", "应用场景有价值，建议聚焦一个细分市场先做深。",
            "融资规划合理，建议说明资金使用的里程碑。", "竞品分析略显不足，建议补充与头部企业的差异。"]
COMMENTS = ["整体较强", "技术亮点突出", "商业模式待验证", "团队完整", "材料略显粗糙", "可重点关注"]


def _rows(f: float) -> int:
    return max(1, round(APPLICATIONS * f)) * 12 + 200


def _dt(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARK_TZ)


def _end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=PARK_TZ)


def _pstd(values: list[float]) -> float:
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def _halves(value: float, top: int) -> float:
    return min(float(top), max(0.0, round(value * 2) / 2))


def score_total(values: list[float], criteria: list[tuple[int, int, int]]) -> Decimal:
    """Σ value / max × weight on 0..100, two decimals (``criteria``: (id, weight, max score))."""
    total = sum((Decimal(str(v)) * w / top for v, (_c, w, top) in zip(values, criteria, strict=True)), Decimal(0))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


MODELS = ("competitions.Edition", "competitions.Track", "competitions.FormField", "competitions.Round",
          "competitions.Criterion", "competitions.Judge", "competitions.Judge_tracks", "competitions.Judge_rounds",
          "competitions.Application", "competitions.ConflictDeclaration", "competitions.Entry",
          "competitions.Assignment", "competitions.Score", "competitions.AwardTier", "competitions.Benefit",
          "competitions.Award", "competitions.Delivery")


@part("competitions", after=("network", "catalog", "memberships", "roles"), models=MODELS, rows=_rows)
def competitions(ctx: Context) -> int:
    return _Generator(ctx).run()


class _Generator:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.ids: dict[str, int] = defaultdict(int)
        self.park = ctx.shared["park_ids"][0]
        ops = ctx.shared.get("operators_by_park", {})
        self.operator = (ops.get(self.park) or ops.get(None) or ctx.shared["role_holders"][Role.OPERATOR])[0]
        self.financing: list[tuple[Any, ...]] = []  # (application facts) for the records after the editions

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # --- the people ---------------------------------------------------------------------------------
    def _judge_pool(self) -> tuple[list[int], dict[int, str]]:
        """Accounts that judge: the judge-role holders, investors, members nobody employs (granted the role)."""
        from parkos.accounts.models import UserRole
        from parkos.enterprises.selectors import user_ids_with_membership
        from parkos.network.models import Investor

        ctx, rng = self.ctx, self.rng
        target = max(MIN_JUDGES, ctx.count(JUDGE_POOL))
        holders = sorted(ctx.shared["role_holders"].get(Role.JUDGE, []))
        investors = list(Investor.objects.using(ctx.using).order_by("id").values_list("user_id", flat=True))
        with_membership = set(user_ids_with_membership(using=ctx.using))
        reserved = ctx.shared.get("reserved", set())
        n_inv = min(len(investors), max(target // 3, target - len(holders) - ctx.count(15, minimum=0)))
        chosen_inv = sorted(rng.sample(investors, n_inv))
        taken = set(holders) | set(investors)
        free = [u for u in ctx.shared.get("unemployed", []) if u not in with_membership and u not in reserved
                and u not in taken]
        n_mem = min(len(free), max(0, target - len(holders) - len(chosen_inv)))
        chosen_mem = sorted(rng.sample(free, n_mem))
        pool = holders + chosen_inv + chosen_mem
        kind = {u: "judge" for u in holders} | {u: "investor" for u in chosen_inv} | {u: "member" for u in chosen_mem}
        has_role = set(UserRole.objects.using(ctx.using).filter(role=Role.JUDGE, user_id__in=pool)
                       .values_list("user_id", flat=True))
        grant = [u for u in pool if u not in has_role]
        if grant:
            first = (UserRole.objects.using(ctx.using).order_by("-id").values_list("id", flat=True).first() or 0) + 1
            joined = ctx.shared["joined"]
            self.granted = ctx.insert("accounts.UserRole", ["id", "user_id", "role", "granted_at", "granted_by_id",
                                                            "park_id"],
                                      ((first + k, u, Role.JUDGE, max(joined[u - 1], _dt(date(2017, 1, 5))),
                                        self.operator, None) for k, u in enumerate(grant)))
        else:
            self.granted = 0
        return pool, kind

    def _enterprises(self) -> list[dict[str, Any]]:
        from parkos.enterprises.models import Enterprise

        staff = self.ctx.shared["staff"]
        rows = (Enterprise.objects.using(self.ctx.using).filter(park_id=self.park, is_active=True).order_by("id")
                .values_list("id", "name", "short_name", "industry__code", "industry__parent__code", "stage",
                             "founded_on", "tags"))
        out = []
        for eid, name, short, code, parent, stage, founded, tags in rows:
            track = INDUSTRY_TRACK.get(code) or INDUSTRY_TRACK.get(parent or code)
            out.append({"id": eid, "name": name, "short": short, "track": track, "stage": stage, "founded": founded,
                        "tags": tags if isinstance(tags, list) else [], "admin": staff[eid - 1][0],
                        "top": parent or code})
        return out

    # --- the run ------------------------------------------------------------------------------------
    def run(self) -> int:
        from parkos.enterprises.models import Industry
        from parkos.network.selectors.financing import invested_pairs

        ctx = self.ctx
        pool, kind = self._judge_pool()
        self.enterprises = self._enterprises()
        self.industry_ids = dict(Industry.objects.using(ctx.using).values_list("code", "id"))
        invested: dict[int, set[int]] = defaultdict(set)
        for user_id, enterprise_id in invested_pairs(user_ids=pool):
            invested[user_id].add(enterprise_id)
        self.invested = invested
        self.staff_of = {u: k + 1 for k, users in enumerate(ctx.shared["staff"]) for u in users}
        members = list(ctx.ids["members"])
        reserved = ctx.shared.get("reserved", set())
        judging = set(pool)
        self.team_pool = [u for u in members if u not in reserved and u not in judging]
        self.services = self._services()
        judge_bias = {u: (self.rng.gauss(0, 0.6), self.rng.uniform(0.6, 1.4)) for u in pool}
        self.judge_bias = judge_bias
        for k, year in enumerate(YEARS):
            self._edition(k, year, pool, kind)
        total = self.granted
        order = [("competitions.Edition", ["id", "park_id", "year", "name_zh", "name_en", "description", "status",
                                           "call_opens_at", "deadline_at", "final_on", "results_on",
                                           "allow_unregistered", "require_park_enterprise", "max_company_age_years",
                                           "min_team_size", "max_team_size", "feedback_to_teams", "appeal_days",
                                           "created_at", "updated_at"]),
                 ("competitions.Track", ["id", "edition_id", "code", "name_zh", "name_en", "industry_id", "position"]),
                 ("competitions.FormField", ["id", "edition_id", "key", "kind", "label_zh", "label_en", "help_zh",
                                             "help_en", "required", "max_chars", "choices", "file_types", "max_mb",
                                             "position"]),
                 ("competitions.Round", ["id", "edition_id", "position", "kind", "name_zh", "name_en", "status",
                                         "opens_at", "closes_at", "judges_per_application", "anonymous", "normalise",
                                         "drop_extremes", "divergence_threshold", "tie_rule", "promote_count",
                                         "promote_threshold", "reviewed_by_id", "reviewed_at", "published_at",
                                         "appeals_close_at"]),
                 ("competitions.Criterion", ["id", "round_id", "name_zh", "name_en", "description", "weight",
                                             "max_score", "position"]),
                 ("competitions.Judge", ["id", "edition_id", "user_id", "title", "max_load", "is_active",
                                         "created_at"]),
                 ("competitions.Judge_tracks", ["id", "judge_id", "track_id"]),
                 ("competitions.Judge_rounds", ["id", "judge_id", "round_id"]),
                 ("competitions.Application", ["id", "edition_id", "track_id", "park_id", "applicant_id",
                                               "enterprise_id", "number", "project_name", "team_name", "team_size",
                                               "founded_on", "summary", "answers", "status", "submitted_at",
                                               "current_round_id", "eliminated", "created_at", "updated_at"]),
                 ("competitions.ConflictDeclaration", ["id", "judge_id", "enterprise_id", "application_id", "reason",
                                                       "source", "created_by_id", "created_at"]),
                 ("competitions.Entry", ["id", "round_id", "application_id", "status", "raw_mean", "z_mean",
                                         "final_score", "spread", "scores_count", "rank", "needs_rereview",
                                         "proposed", "decided_by_id", "decided_at", "note"]),
                 ("competitions.Assignment", ["id", "round_id", "application_id", "judge_id", "status", "extra",
                                              "assigned_by_id", "recusal_reason", "recused_at", "created_at"]),
                 ("competitions.Score", ["id", "assignment_id", "round_id", "judge_id", "application_id", "values",
                                         "total", "comment", "feedback", "status", "submitted_at", "updated_at"]),
                 ("competitions.AwardTier", ["id", "edition_id", "name_zh", "name_en", "rank_from", "rank_to"]),
                 ("competitions.Benefit", ["id", "tier_id", "kind", "description", "service_id", "cash_fen", "desks",
                                           "months", "quantity", "pack_id", "position"]),
                 ("competitions.Award", ["id", "edition_id", "application_id", "tier_id", "rank", "granted_by_id",
                                         "granted_at"]),
                 ("competitions.Delivery", ["id", "award_id", "benefit_id", "status", "order_id", "allocation_id",
                                            "error", "note", "updated_at"])]
        for label, fields in order:
            total += ctx.insert(label, fields, self.rows[label])
        total += self._financing()
        return total

    def _services(self) -> dict[str, int]:
        """The catalog service delivering each kind of benefit: found by name in the main park's catalog,
        else the catalog's first service (a small park's catalog is short)."""
        specs = self.ctx.shared.get("catalog_specs") or []
        local = self.ctx.shared.get("catalog_service_park", {})
        offered = [(i, s.name_zh) for i, s in enumerate(specs, start=1) if local.get(i) in (None, self.park)]
        fallback = offered[0][0] if offered else 1
        out: dict[str, int] = {}
        for _tier in TIERS:
            for _kind, _desc, keyword, *_rest in _tier[4]:
                hit = next((i for i, name in offered if keyword and name.startswith(keyword)), None)
                out[keyword] = hit or fallback
        return out

    # --- one edition --------------------------------------------------------------------------------
    def _edition(self, k: int, year: int, pool: list[int], kind: dict[int, str]) -> None:
        ctx, rng, rows = self.ctx, self.rng, self.rows
        edition_id = self.next_id("edition")
        call_opens, deadline = date(year, 3, 1), date(year, 5, 31)
        final_on, results_on = date(year, 9, 18), date(year, 9, 25)
        created = _dt(date(year, 1, 15), 10)
        n_edition = year - 2016
        rows["competitions.Edition"].append((
            edition_id, self.park, year, f"第{_ordinal(n_edition)}届东升杯创业大赛",
            f"Dongsheng Cup Entrepreneurship Competition {year}",
            f"{year} 年东升杯创业大赛面向人工智能、机器人、医疗科技、新能源等硬科技方向的创业团队与初创企业，"
            "经资格初审、两轮网络评审与决赛路演评出获奖项目，获奖团队可获得奖金、免费工位、园区礼包、公租房指标与人才引进协助。",
            "finished", _dt(call_opens, 0), _end_of(deadline), final_on, results_on, True, False, None, 1, 15, True, 3,
            created, _dt(results_on, 18)))
        tracks = [t for t in TRACKS if t[4] <= year]
        track_ids: dict[str, int] = {}
        for position, (code, zh, en, industry, _first) in enumerate(tracks):
            tid = self.next_id("track")
            track_ids[code] = tid
            rows["competitions.Track"].append((tid, edition_id, code, zh, en, self.industry_ids.get(industry), position))
        track_name = {track_ids[t[0]]: t[1] for t in tracks}
        for position, (key, fkind, zh, en, help_zh, required, chars, choices, types, mb) in enumerate(FORM):
            rows["competitions.FormField"].append((self.next_id("field"), edition_id, key, fkind, zh, en, help_zh, "",
                                                   required, chars, choices, types, mb, position))
        # The rounds' dates: screening in June, the online reviews in June–August, the final in September.
        windows = [(date(year, 6, 1), date(year, 6, 10), date(year, 6, 12)),
                   (date(year, 6, 15), date(year, 7, 5), date(year, 7, 10)),
                   (date(year, 7, 15), date(year, 8, 5), date(year, 8, 10)),
                   (final_on, final_on, results_on)]
        round_ids = [self.next_id("round") for _ in ROUNDS]
        criteria: dict[int, list[tuple[int, int, int]]] = {}
        for position, rid in enumerate(round_ids):
            crits = []
            for cpos, (czh, cen, weight) in enumerate(CRITERIA.get(position, [])):
                cid = self.next_id("criterion")
                crits.append((cid, weight, 10))
                rows["competitions.Criterion"].append((cid, rid, czh, cen, "", weight, 10, cpos))
            criteria[rid] = crits

        # Judges of this edition: a growing share of the pool; the panel of the final, judge-role holders first.
        n_judges = min(len(pool), max(MIN_JUDGES, round(len(pool) * (0.65 + 0.035 * k))))
        users = sorted(rng.sample(pool, n_judges))
        judges: dict[int, int] = {}  # judge id -> user id
        expert: dict[int, set[int]] = {}
        for user_id in users:
            jid = self.next_id("judge")
            judges[jid] = user_id
            title = "投资人" if kind[user_id] == "investor" else rng.choice(JUDGE_TITLES)
            rows["competitions.Judge"].append((jid, edition_id, user_id, title, None, True, _dt(date(year, 5, 10), 10)))
            known = rng.sample(sorted(track_ids.values()), min(len(track_ids), rng.choice([1, 2, 2, 3])))
            expert[jid] = set(known)
            for tid in sorted(known):
                rows["competitions.Judge_tracks"].append((self.next_id("judge_track"), jid, tid))
        by_kind = sorted(judges, key=lambda j: (kind[judges[j]] != "judge", rng.random()))
        panel = sorted(by_kind[:min(PANEL, len(judges))])
        round_judges = {round_ids[1]: sorted(judges), round_ids[2]: sorted(judges), round_ids[3]: panel}
        for rid, jids in round_judges.items():
            for jid in jids:
                rows["competitions.Judge_rounds"].append((self.next_id("judge_round"), jid, rid))

        apps = self._applications(k, year, edition_id, track_ids, track_name, users, call_opens, deadline)
        conflicts = self._conflicts(year, judges, apps)
        quality = {a["id"]: a["quality"] for a in apps}

        # Round 1: screening by staff.
        submitted = [a for a in apps if a["status"] == "submitted"]
        reviewed = _dt(windows[0][1], 17)
        published = _dt(windows[0][2], 10)
        in_round = []
        for a in submitted:
            passed = a["quality"] + rng.gauss(0, 0.8) > -0.95 if rng.random() > 0.03 else False
            note = "" if passed else rng.choice(SCREEN_NOTES)
            rows["competitions.Entry"].append((self.next_id("entry"), round_ids[0], a["id"],
                                               "passed" if passed else "not_passed", None, None, None, None, 0, None,
                                               False, passed, self.operator, reviewed, note))
            a["last_round"], a["out"] = round_ids[0], not passed
            if passed:
                a["reached"] = "screened"
                in_round.append(a)
        self._round_row(round_ids[0], edition_id, 0, windows[0], reviewed, published, None)
        # Rounds 2 and 3: online reviews; round 4: the final.
        promote = {1: max(1, round(len(in_round) * ONLINE1_PROMOTE)),
                   2: max(1, min(FINALISTS, ctx.count(FINALISTS, minimum=3), round(len(in_round) * 0.35)))}
        ranked: list[dict[str, Any]] = []
        for position in (1, 2, 3):
            rid = round_ids[position]
            if not in_round:
                self._round_row(rid, edition_id, position, windows[position], None, None, None)
                continue
            count = promote.get(position, min(len(in_round), TIERS[-1][3]))
            count = min(count, len(in_round))
            reviewed = _dt(windows[position][1], 18)
            published = _dt(windows[position][2], 10)
            ranked = self._scored_round(rid, position, in_round, round_judges[rid], expert, conflicts,
                                        criteria[rid], quality, count, windows[position], reviewed, judges)
            self._round_row(rid, edition_id, position, windows[position], reviewed, published, count)
            for a in in_round:
                a["last_round"] = rid
                a["out"] = not a["passed"]
                if position == 2:
                    a["reached"] = "online2"
                if position == 3:
                    a["reached"] = "final"
            in_round = [a for a in in_round if a["passed"]]
        self._awards(edition_id, year, ranked, results_on)
        for a in apps:
            rows["competitions.Application"].append((
                a["id"], edition_id, a["track"], self.park, a["applicant"], a["enterprise"], a["number"], a["project"],
                a["team"], a["size"], a["founded"], a["summary"], a["answers"], a["status"], a["submitted_at"],
                a.get("last_round"), bool(a.get("out", False)), a["created_at"], a["updated_at"]))
            if a["enterprise"] and a.get("reached"):
                self.financing.append((a, year, track_name[a["track"]], results_on))

    def _round_row(self, rid: int, edition_id: int, position: int, window: tuple[date, date, date],
                   reviewed: datetime | None, published: datetime | None, promote: int | None) -> None:
        rkind, zh, en, jpa, anon, norm, drop, div = ROUNDS[position]
        status = "published" if published else "draft"
        self.rows["competitions.Round"].append((
            rid, edition_id, position, rkind, zh, en, status, _dt(window[0], 9), _dt(window[1], 18), jpa, anon, norm,
            drop, div, "raw_mean", promote, None, self.operator if reviewed else None, reviewed, published,
            published + timedelta(days=3) if published else None))

    def _applications(self, k: int, year: int, edition_id: int, track_ids: dict[str, int],
                      track_name: dict[int, str], judges: list[int], call_opens: date,
                      deadline: date) -> list[dict[str, Any]]:
        ctx, rng = self.ctx, self.rng
        n = max(1, round(APPLICATIONS_BY_YEAR[k] * ctx.factor))
        codes = list(track_ids)
        weights = [TRACK_WEIGHTS[c] for c in codes]
        n_ent = min(len(self.enterprises), round(n * ENTERPRISE_SHARE))
        firms = rng.sample(self.enterprises, n_ent)
        admins = {firm["admin"] for firm in firms}
        free = [u for u in self.team_pool if u not in admins]
        team_users = rng.sample(free, min(len(free), n - n_ent))
        opens, closes = _dt(call_opens, 0), _end_of(deadline)
        apps: list[dict[str, Any]] = []
        for firm in firms:
            apps.append({"enterprise": firm["id"], "applicant": firm["admin"], "firm": firm})
        for user_id in team_users:
            apps.append({"enterprise": None, "applicant": user_id, "firm": None})
        for a in apps:
            firm = a["firm"]
            code = firm["track"] if firm and firm["track"] in track_ids and rng.random() < 0.85 else \
                rng.choices(codes, weights=weights)[0]
            a["id"] = self.next_id("application")
            a["track"] = track_ids[code]
            tag_pool = words.INDUSTRY_TAGS.get(TRACK_TAGS[code], ["硬科技"])
            tag = rng.choice((firm["tags"] if firm and firm["tags"] else []) or tag_pool)
            prefix = firm["short"][:4] if firm and firm["short"] else rng.choice(words.NAME_PREFIX)
            a["project"] = f"{prefix}{tag}{rng.choice(PRODUCT_WORDS)}"[:80]
            a["team"] = (firm["name"] if firm else f"{rng.choice(words.NAME_PREFIX)}{tag}团队")[:100]
            a["size"] = rng.randint(3, 15) if firm else rng.randint(1, 8)
            a["founded"] = firm["founded"] if firm else None
            a["quality"] = rng.gauss(0, 1)
            stage = rng.choice(STAGE_CHOICES[1:] if firm else STAGE_CHOICES[:3])
            a["summary"] = (f"{a['project']}面向{track_name[a['track']]}领域的{tag}场景，"
                            f"以自研核心技术降低客户成本、提升效率，目前处于{stage}。")[:500]
            a["answers"] = {
                "stage": stage,
                "problem": f"{tag}场景中普遍存在效率低、成本高的问题；本项目以{rng.choice(PRODUCT_WORDS)}的形式提供一体化解决方案。",
                "product": f"核心产品为{a['project']}，已形成{rng.randint(1, 12)}项专利或软件著作权，完成{rng.randint(1, 20)}家客户试点。",
                "market": f"目标市场规模约{rng.randint(10, 500)}亿元，以软硬件销售与订阅服务相结合的方式盈利。",
                "team-intro": f"核心团队{a['size']}人，来自{rng.choice(['清华大学', '北京大学', '中科院', '北航', '头部科技企业'])}等。",
                "funding": f"拟融资{rng.choice([300, 500, 800, 1000, 2000, 3000])}万元",
            }
            if rng.random() < 0.4:
                a["answers"]["website"] = f"https://www.p{year}{a['id']:05d}.example.cn"
            a["created_at"] = ctx.moment(opens, closes - timedelta(days=3))
            roll = rng.random()
            a["status"] = "draft" if roll < DRAFT_SHARE else "withdrawn" if roll < DRAFT_SHARE + WITHDRAWN_SHARE \
                else "submitted"
            a["submitted_at"] = None if a["status"] == "draft" else ctx.moment(a["created_at"], closes)
            a["updated_at"] = a["submitted_at"] or a["created_at"]
            if a["status"] == "withdrawn":
                a["updated_at"] = ctx.moment(a["submitted_at"], closes)
        numbered = sorted((a for a in apps if a["submitted_at"]), key=lambda a: (a["submitted_at"], a["id"]))
        for number, a in enumerate(numbered, start=1):
            a["number"] = f"DS{year}-{number:04d}"
        for a in apps:
            a.setdefault("number", "")
        return apps

    def _conflicts(self, year: int, judges: dict[int, int], apps: list[dict[str, Any]]) -> dict[int, set[int]]:
        """(judge -> application ids) in conflict: declared (enterprise or team), the judge's own enterprise,
        an enterprise the judge invested in. Declarations are written here."""
        rng = self.rng
        out: dict[int, set[int]] = defaultdict(set)
        by_enterprise: dict[int, list[int]] = defaultdict(list)
        for a in apps:
            if a["enterprise"]:
                by_enterprise[a["enterprise"]].append(a["id"])
        firms = sorted(by_enterprise)
        teams = [a["id"] for a in apps if not a["enterprise"]]
        declared_at = _dt(date(year, 6, 12), 15)
        for jid, user_id in judges.items():
            for eid in self.invested.get(user_id, ()):
                out[jid].update(by_enterprise.get(eid, ()))
            own = self.staff_of.get(user_id)
            if own:
                out[jid].update(by_enterprise.get(own, ()))
            if rng.random() < DECLARE_SHARE and (firms or teams):
                if firms and (not teams or rng.random() < 0.7):
                    eid = rng.choice(firms)
                    enterprise_id, application_id = eid, None
                    out[jid].update(by_enterprise[eid])
                else:
                    enterprise_id, application_id = None, rng.choice(teams)
                    out[jid].add(application_id)
                self.rows["competitions.ConflictDeclaration"].append((
                    self.next_id("conflict"), jid, enterprise_id, application_id, rng.choice(DECLARED_REASONS),
                    "declared", user_id, declared_at))
        return out

    # --- a scored round -----------------------------------------------------------------------------
    def _assign(self, apps: list[dict[str, Any]], jids: list[int], per: int, expert: dict[int, set[int]],
                conflicts: dict[int, set[int]], load: dict[int, int],
                taken: dict[int, set[int]]) -> list[tuple[int, int]]:
        """``per`` judges for each application: not conflicted, not already on it, the least loaded first
        (track experts count two applications lighter)."""
        rng = self.rng
        tiebreak = {j: rng.random() for j in jids}
        pairs = []
        for a in apps:
            candidates = [j for j in jids if a["id"] not in conflicts.get(j, ()) and j not in taken[a["id"]]]
            candidates.sort(key=lambda j: (load[j] - (2 if a["track"] in expert[j] else 0), tiebreak[j], j))
            for j in candidates[:per]:
                load[j] += 1
                taken[a["id"]].add(j)
                pairs.append((a["id"], j))
        return pairs

    def _scored_round(self, rid: int, position: int, apps: list[dict[str, Any]], jids: list[int],
                      expert: dict[int, set[int]], conflicts: dict[int, set[int]],
                      criteria: list[tuple[int, int, int]], quality: dict[int, float], promote: int,
                      window: tuple[date, date, date], reviewed: datetime,
                      judges: dict[int, int]) -> list[dict[str, Any]]:
        rng, rows = self.rng, self.rows
        kind, _zh, _en, per, _anon, normalise, drop, divergence = ROUNDS[position]
        roadshow = kind == "roadshow"
        load: dict[int, int] = defaultdict(int)
        taken: dict[int, set[int]] = defaultdict(set)
        opens, closes = _dt(window[0], 9), _dt(window[1], 18)
        if roadshow:
            pairs = [(a["id"], j) for a in apps for j in jids if a["id"] not in conflicts.get(j, ())]
        else:
            pairs = self._assign(apps, jids, per, expert, conflicts, load, taken)
        totals: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)  # application -> (judge, total)

        def score(app_id: int, jid: int, extra: bool) -> None:
            bias, scale = self.judge_bias[judges[jid]]
            q = quality[app_id]
            values = [_halves(6.2 + 1.3 * scale * q + bias + rng.gauss(0, 0.8), top) for _c, _w, top in criteria]
            total = score_total(values, criteria)
            aid = self.next_id("assignment")
            at = self.ctx.moment(opens, closes) if not roadshow else opens + timedelta(minutes=rng.randint(10, 480))
            rows["competitions.Assignment"].append((aid, rid, app_id, jid, "submitted", extra, None, "", None, opens))
            stored = {str(c): (int(v) if v == int(v) else v) for v, (c, _w, _t) in zip(values, criteria, strict=True)}
            rows["competitions.Score"].append((
                self.next_id("score"), aid, rid, jid, app_id, stored, total, rng.choice(COMMENTS),
                rng.choice(FEEDBACK) if rng.random() < 0.6 else "", "submitted", at, at))
            totals[app_id].append((jid, total))

        for app_id, jid in pairs:
            score(app_id, jid, False)
        if divergence is not None:
            # Re-review: judges who differ too much on an application get one more, non-conflicted judge.
            for a in apps:
                raw = [float(t) for _j, t in totals[a["id"]]]
                if _pstd(raw) > float(divergence):
                    for app_id, jid in self._assign([a], jids, 1, expert, conflicts, load, taken):
                        score(app_id, jid, True)
        # The ranking (ranking_compute's rules): per-judge z-scores, or the trimmed mean at the final.
        by_judge: dict[int, list[float]] = defaultdict(list)
        for app_totals in totals.values():
            for jid, t in app_totals:
                by_judge[jid].append(float(t))
        stats = {j: (statistics.fmean(v), _pstd(v)) for j, v in by_judge.items()}
        for a in apps:
            app_totals = totals.get(a["id"], [])
            raw = [float(t) for _j, t in app_totals]
            a["raw_mean"] = (sum((t for _j, t in app_totals), Decimal(0)) / len(app_totals)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP) if app_totals else None
            zs = [(float(t) - stats[j][0]) / stats[j][1] if stats[j][1] > 0 and len(by_judge[j]) > 1 else 0.0
                  for j, t in app_totals]
            a["z_mean"] = statistics.fmean(zs) if zs and not roadshow else None
            a["spread"] = _pstd(raw) if raw else None
            a["count"] = len(raw)
            if roadshow:
                trimmed = sorted(raw)[1:-1] if drop and len(raw) >= 3 else raw
                a["final"] = statistics.fmean(trimmed) if trimmed else None
            else:
                a["final"] = a["z_mean"] if normalise else (statistics.fmean(raw) if raw else None)
        order = sorted(apps, key=lambda a: (-(a["final"] if a["final"] is not None else -1e9),
                                            -(a["raw_mean"] or 0), a["submitted_at"], a["id"]))
        for rank, a in enumerate(order, start=1):
            a["rank"] = rank
            a["passed"] = rank <= promote
            rows["competitions.Entry"].append((
                self.next_id("entry"), rid, a["id"], "passed" if a["passed"] else "not_passed", a["raw_mean"],
                None if a["z_mean"] is None else round(a["z_mean"], 6),
                None if a["final"] is None else round(a["final"], 6),
                None if a["spread"] is None else round(a["spread"], 6), a["count"], rank, False, a["passed"],
                self.operator, reviewed, ""))
        return order

    # --- awards -------------------------------------------------------------------------------------
    def _awards(self, edition_id: int, year: int, ranked: list[dict[str, Any]], results_on: date) -> None:
        rows = self.rows
        granted = _dt(results_on, 16)
        for name_zh, name_en, low, high, benefits in TIERS:
            tier_id = self.next_id("tier")
            rows["competitions.AwardTier"].append((tier_id, edition_id, name_zh, name_en, low, high))
            benefit_ids = []
            for position, (bkind, desc, keyword, cash, desks, months, quantity) in enumerate(benefits):
                bid = self.next_id("benefit")
                benefit_ids.append(bid)
                rows["competitions.Benefit"].append((bid, tier_id, bkind, desc, self.services[keyword],
                                                     cash * 100 if cash else None, desks, months, quantity, None,
                                                     position))
            for a in ranked:
                if low <= a["rank"] <= high:
                    award_id = self.next_id("award")
                    a["reached"] = "award"
                    rows["competitions.Award"].append((award_id, edition_id, a["id"], tier_id, a["rank"],
                                                       self.operator, granted))
                    for bid in benefit_ids:
                        delivered = _dt(results_on + timedelta(days=30), 17)
                        rows["competitions.Delivery"].append((
                            self.next_id("delivery"), award_id, bid, "delivered", None, None, "",
                            f"{year} 年度奖励，已交付（历史记录）", delivered))

    # --- financing after the competition ------------------------------------------------------------
    def _financing(self) -> int:
        from parkos.network.models import FinancingRecord, Investor

        ctx, rng = self.ctx, self.rng
        judge_users = {r[2] for r in self.rows["competitions.Judge"]}
        investors = [(i, f) for i, f, u in Investor.objects.using(ctx.using).order_by("id")
                     .values_list("id", "fund_id", "user_id") if u not in judge_users]
        funds = list(range(1, len(ctx.shared.get("network_funds", [])) + 1))
        existing = set(FinancingRecord.objects.using(ctx.using).values_list("enterprise_id", "round", "announced_on"))
        record_id = (FinancingRecord.objects.using(ctx.using).order_by("-id").values_list("id", flat=True).first()
                     or 0)
        from parkos.network.models import FinancingInvestor

        party_id = (FinancingInvestor.objects.using(ctx.using).order_by("-id").values_list("id", flat=True).first()
                    or 0)
        records: list[tuple[Any, ...]] = []
        parties: list[tuple[Any, ...]] = []
        last_day = YEAR_END.date() - timedelta(days=5)
        for a, year, track, results_on in self.financing:
            if rng.random() >= RAISE_CHANCE[a["reached"]]:
                continue
            firm = a["firm"]
            now_index = STAGES.index(firm["stage"]) if firm["stage"] in STAGES else 0
            stage = STAGES[max(0, now_index - (YEARS[-1] - year) // 3)]
            low, high = ROUND_WAN[stage]
            wan = round(low * (high / low) ** rng.random())
            announced = results_on + timedelta(days=rng.randint(30, 540))
            if announced > last_day:
                announced = results_on + timedelta(days=rng.randint(1, max(1, (last_day - results_on).days)))
            key = (firm["id"], STAGE_ROUND[stage], announced)
            if key in existing or announced > last_day:
                continue
            existing.add(key)
            record_id += 1
            fen = wan * 10_000 * 100
            created = _dt(announced, 11)
            records.append((record_id, firm["id"], self.park, STAGE_ROUND[stage], "CNY", fen, Decimal(1), fen,
                            announced, "confidential" if rng.random() < 0.15 else "disclosed", "operator", year, track,
                            f"{year} 年东升杯创业大赛参赛后融资", self.operator, created, created))
            for lead in range(rng.randint(1, 3)):
                party_id += 1
                if investors and rng.random() < 0.5:
                    inv, fund = rng.choice(investors)
                    parties.append((party_id, record_id, fund, inv, "", lead == 0))
                elif funds:
                    parties.append((party_id, record_id, rng.choice(funds), None, "", lead == 0))
                else:
                    parties.append((party_id, record_id, None, None, "个人投资者", lead == 0))
        # A few large rounds make the sum swing from seed to seed: the amounts are scaled (whole ten-thousands of
        # yuan) so the park's figure is RAISED_YUAN at seed scale, as the source park's more than 7.2 billion.
        raised = sum(r[5] for r in records)
        if raised:
            ratio = Decimal(round(RAISED_YUAN * ctx.factor * 100)) / raised
            records = [(*r[:5], fen, r[6], fen, *r[8:]) for r in records
                       for fen in [max(1, int(r[5] * ratio / 1_000_000)) * 1_000_000]]
        total = ctx.insert("network.FinancingRecord", [
            "id", "enterprise_id", "park_id", "round", "currency", "amount_minor", "rate_to_cny", "amount_cny_fen",
            "announced_on", "disclosure", "source", "competition_year", "competition_track", "note", "recorded_by_id",
            "created_at", "updated_at"], records)
        total += ctx.insert("network.FinancingInvestor", ["id", "record_id", "fund_id", "investor_id", "name",
                                                          "is_lead"], _distinct_parties(parties))
        return total


def _distinct_parties(parties: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A fund or an investor named once per record (a second draw of the same one is dropped)."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for row in parties:
        key = (row[1], row[2], row[3], row[4])
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _ordinal(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
