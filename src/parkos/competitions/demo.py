"""Demo data of the competition (东升杯创业大赛) in the demo park, through the competition's own services:

- the edition before last (2025 when seeded in late 2026), finished: applications of the demo enterprises and
  of teams, screening, an online review by 3 judges, the final roadshow, every round published, the ranks,
  award tiers (一等奖/二等奖/三等奖: prize money, 20 free workstations for 6 months, 7 gift packs, public
  rental housing places, talent-introduction help, each delivered through a service of the park's catalog)
  and the awards, delivered as service orders;
- last edition (2026), judging: its deadline has passed, the screening round is published and the online
  review is being scored; judge@demo.parkos has a queue of 6 applications, 2 of them already submitted;
- next edition (2027), open for applications (deadline about two months ahead), its form with the business
  plan PDF and text fields with limits, and 思灵机器人's draft started by admin@demo.parkos.

The years follow the day it is seeded (the open edition is the year of the day two months ahead). Each
edition is made once, keyed by park and year: a second seed adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from parkos.accounts.models import Role, UserRole
from parkos.competitions.models import Assignment, Edition, Entry, Round
from parkos.core.parks import park_default

TRACKS = [("ai", "人工智能", "Artificial intelligence", "ai"), ("robotics", "机器人", "Robotics", "robotics"),
          ("medtech", "医疗科技", "Medical technology", "medtech"), ("energy", "新能源", "New energy", "energy"),
          ("materials", "新材料", "New materials", "materials"), ("ic", "集成电路", "Integrated circuits", "ai-chips")]
FORM: list[dict[str, Any]] = [
    {"key": "stage", "kind": "choice", "label_zh": "项目阶段", "label_en": "Stage", "required": True,
     "choices": ["创意阶段", "种子轮", "天使轮", "A轮", "A轮以后"]},
    {"key": "problem", "kind": "textarea", "label_zh": "痛点与解决方案", "label_en": "Problem and solution",
     "help_zh": "不超过 500 字", "required": True, "max_chars": 500},
    {"key": "product", "kind": "textarea", "label_zh": "产品与核心技术", "label_en": "Product and core technology",
     "help_zh": "不超过 800 字", "required": True, "max_chars": 800},
    {"key": "market", "kind": "textarea", "label_zh": "市场与商业模式", "label_en": "Market and business model",
     "help_zh": "不超过 500 字", "max_chars": 500},
    {"key": "funding", "kind": "text", "label_zh": "融资需求", "label_en": "Financing sought",
     "help_zh": "例如：天使轮 500 万元", "max_chars": 100},
    {"key": "business-plan", "kind": "file", "label_zh": "商业计划书（PDF）", "label_en": "Business plan (PDF)",
     "help_zh": "PDF，不超过 20 MB", "required": True, "file_types": ["pdf"], "max_mb": 20},
]
CRITERIA = {
    "online": [("技术创新", 30), ("市场前景", 25), ("商业模式", 20), ("团队能力", 15), ("社会效益", 10)],
    "roadshow": [("技术与产品", 30), ("市场与商业模式", 25), ("团队", 20), ("路演表现", 15), ("答辩", 10)],
}
# Award tiers of the finished edition: (name, ranks, benefits: kind, description, catalog service name start,
# extra fields).
TIERS: list[tuple[str, str, int, int, list[tuple[str, str, str, dict[str, Any]]]]] = [
    ("一等奖", "First prize", 1, 1, [
        ("cash", "奖金 20 万元", "研发费用补贴", {"cash_fen": 200_000_00}),
        ("workstations", "20 个免费工位，6 个月", "联合办公工位", {"desks": 20, "months": 6}),
        ("gift_pack", "7 个园区礼包", "", {"quantity": 7}),
        ("housing", "公租房指标 2 套", "人才公寓申请", {"quantity": 2}),
        ("talent", "人才引进协助", "人才引进落户申报", {})]),
    ("二等奖", "Second prize", 2, 3, [
        ("cash", "奖金 10 万元", "研发费用补贴", {"cash_fen": 100_000_00}),
        ("talent", "人才引进协助", "人才引进落户申报", {})]),
    ("三等奖", "Third prize", 4, 6, [
        ("cash", "奖金 5 万元", "研发费用补贴", {"cash_fen": 50_000_00})]),
]
PRODUCTS = ["协作机器人柔性装配平台", "医学影像 AI 辅助诊断系统", "工商业储能能量管理系统", "大模型企业知识库引擎",
            "石墨烯导热膜量产工艺", "智能巡检机器人", "AI 视觉质检一体机", "车规级 MCU 芯片", "康复外骨骼机器人",
            "氢燃料电池电堆", "低代码工业数据平台", "体外诊断微流控芯片", "光伏清洁机器人", "数字孪生园区平台",
            "手术导航定位系统", "固态电池电解质材料", "具身智能灵巧手", "边缘 AI 推理模组", "碳足迹核算 SaaS",
            "柔性电子皮肤传感器", "无人配送车"]
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
N_JUDGES = 10  # judge@demo and nine members given the judge role; 6 applications each in the online review


def years(now: dt.datetime | None = None) -> tuple[int, int, int]:
    """(finished, judging, open) editions' years: the open one is the year of the day two months ahead."""
    now = now or timezone.now()
    open_year = timezone.localtime(now + dt.timedelta(days=60)).year
    return open_year - 2, open_year - 1, open_year


def _answers(rng: random.Random, product: str) -> dict[str, Any]:
    return {"stage": rng.choice(["种子轮", "天使轮", "A轮"]),
            "problem": f"行业客户在{product[:4]}相关环节效率低、成本高，本项目提供一体化解决方案。",
            "product": f"{product}，已申请发明专利 {rng.randint(2, 12)} 项，完成 {rng.randint(2, 15)} 家客户试点。",
            "market": f"目标市场规模约 {rng.randint(30, 400)} 亿元，以设备销售与订阅服务结合的方式盈利。",
            "funding": f"拟融资 {rng.choice([500, 800, 1000, 2000])} 万元"}


class _Story:
    def __init__(self, ctx: Any) -> None:
        parks = getattr(ctx, "parks", None) or {}
        self.park = parks.get("main") or park_default()
        self.operator = ctx.people["operator"]
        self.judge = ctx.people["judge"]
        self.admin = ctx.people["admin"]
        self.enterprises = [e for e in ctx.enterprises if e.park_id == self.park.pk]
        self.admin_enterprise = self.enterprises[0].pk if self.enterprises else None
        self.members = ctx.members
        self.rng = ctx.rng("competitions")
        self.added = ctx.added
        self.added.setdefault("competition_editions", 0)
        # Judges: judge@demo, then members of no enterprise (the last ones) given the judge role here.
        from parkos.enterprises.selectors import user_ids_with_membership

        staff = set(user_ids_with_membership())
        free = [m for m in reversed(self.members) if m.pk not in staff]
        self.jury = [self.judge, *free[:N_JUDGES - 1]]
        for user in self.jury[1:]:
            UserRole.objects.get_or_create(user=user, role=Role.JUDGE, park=None)
        self.teams = free[N_JUDGES - 1:N_JUDGES + 20]

    # --- configuration ------------------------------------------------------------------------------
    def edition(self, year: int, call_opens: dt.date, deadline: dt.date, **extra: Any) -> Edition:
        from parkos.competitions.services.editions import (
            edition_create,
            edition_status_set,
            field_create,
            track_create,
        )
        from parkos.enterprises.models import Industry

        op = self.operator
        edition = edition_create(
            actor=op, park=self.park, year=year, name_zh=f"第{_ordinal(year - 2016)}届东升杯创业大赛",
            name_en=f"Dongsheng Cup Entrepreneurship Competition {year}", call_opens_on=call_opens,
            deadline_on=deadline,
            description=("东升杯创业大赛面向人工智能、机器人、医疗科技、新能源、新材料与集成电路等硬科技方向的创业团队与初创企业。"
                         "大赛经资格初审、网络评审与决赛路演评出获奖项目；获奖团队可获得奖金、免费工位、园区礼包、公租房指标与人才引进协助，"
                         "由园区通过服务目录逐项交付。"), **extra)
        industries = dict(Industry.objects.values_list("code", "pk"))
        for code, zh, en, industry in TRACKS:
            track_create(actor=op, edition=edition, code=code, name_zh=zh, name_en=en, industry=industries.get(industry))
        for spec in FORM:
            field_create(actor=op, edition=edition, **spec)
        edition = edition_status_set(actor=op, edition=edition, status="open")
        self.added["competition_editions"] += 1
        return edition

    def rounds(self, edition: Edition, *, final: bool) -> list[Round]:
        from parkos.competitions.services.editions import criterion_create, round_create
        from parkos.competitions.services.judging import judge_add

        op = self.operator
        out = [round_create(actor=op, edition=edition, kind="screening", name_zh="资格初审",
                            name_en="Eligibility screening"),
               round_create(actor=op, edition=edition, kind="online", name_zh="网络评审", name_en="Online review",
                            judges_per_application=3, anonymous=True, divergence_threshold=Decimal("15"),
                            promote_count=6 if final else 8)]
        if final:
            out.append(round_create(actor=op, edition=edition, kind="roadshow", name_zh="决赛路演",
                                    name_en="Final roadshow", promote_count=6))
        for rnd in out[1:]:
            for position, (name, weight) in enumerate(CRITERIA[rnd.kind]):
                criterion_create(actor=op, round=rnd, name_zh=name, weight=weight, position=position)
        tracks = list(edition.tracks.order_by("position"))
        for k, user in enumerate(self.jury):
            panel = final and k < 5
            judge_add(actor=op, edition=edition, user=user, title="评委 · 产业专家" if k else "评委 · 清华大学教授",
                      tracks=[tracks[k % len(tracks)], tracks[(k + 1) % len(tracks)]],
                      rounds=[out[1]] + ([out[2]] if panel else []), max_load=None if k or final else 6)
        return out

    # --- applications -------------------------------------------------------------------------------
    def apply(self, edition: Edition, when: dt.datetime, n: int) -> list[Any]:
        from parkos.competitions.services.applications import (
            application_save,
            application_start,
            application_submit,
            attachment_upload,
        )
        from parkos.enterprises.selectors import admins_of

        rng = self.rng
        tracks = {t.code: t for t in edition.tracks.all()}
        firms = self.enterprises[:n - 4]
        admin_of = dict(admins_of([e.pk for e in firms]).values_list("memberships__enterprise_id", "id"))
        people = {u.pk: u for u in [*self.members, self.admin]}
        apps = []
        for k in range(n):
            firm = firms[k] if k < len(firms) and firms[k].pk in admin_of else None
            actor = people.get(admin_of[firm.pk]) if firm is not None else self.teams[k % len(self.teams)]
            if actor is None:
                continue
            industry = firm.industry.code.split("-")[0] if firm is not None and firm.industry else ""
            track = tracks.get("robotics" if industry == "robotics" else industry) or list(tracks.values())[k % 6]
            product = "协作机器人柔性装配平台" if k == 0 else PRODUCTS[k % len(PRODUCTS)]
            at = when + dt.timedelta(hours=k)
            app, _new = application_start(actor=actor, edition=edition, track=track, project_name=product,
                                          team_name=firm.name[:100] if firm else f"{product[:6]}团队",
                                          enterprise=firm, now=at)
            application_save(actor=actor, application=app, now=at, team_size=rng.randint(3, 12),
                             summary=f"{product}：以自研核心技术服务{track.name_zh}领域客户，降低成本、提升效率。",
                             answers=_answers(rng, product))
            attachment_upload(actor=actor, application=app, field_key="business-plan", now=at,
                              file=SimpleUploadedFile(f"商业计划书-{k + 1}.pdf", PDF, content_type="application/pdf"))
            apps.append(application_submit(actor=actor, application=app, now=at + dt.timedelta(minutes=30)))
        return apps

    def screen(self, rnd: Round, now: dt.datetime) -> None:
        from parkos.competitions.services.judging import round_start
        from parkos.competitions.services.ranking import (
            promotion_review,
            round_close,
            round_publish,
            screening_decide,
        )

        op = self.operator
        round_start(actor=op, round=rnd, now=now)
        for k, entry in enumerate(Entry.objects.filter(round=rnd).order_by("application_id")):
            passed = k % 9 != 8
            screening_decide(actor=op, entry=entry, passed=passed, note="" if passed else "申报材料不完整")
        round_close(actor=op, round=rnd)
        promotion_review(actor=op, round=rnd)
        round_publish(actor=op, round=rnd, now=now + dt.timedelta(days=2))

    def score(self, rnd: Round, *, only: int | None = None, keep: frozenset[int] = frozenset()) -> None:
        """Every judge submits their scores (``only``: that many of each judge's; ``keep``: judges' user ids
        who leave theirs for the demo log-in, except the first two)."""
        from parkos.competitions.services.scoring import score_save

        rng = self.rng
        criteria = list(rnd.criteria.order_by("position"))
        quality: dict[int, float] = {}
        per_judge: dict[int, int] = {}
        for assignment in (Assignment.objects.filter(round=rnd).select_related("judge__user", "application")
                           .order_by("judge_id", "application_id")):
            user = assignment.judge.user
            done = per_judge.get(user.pk, 0)
            if (user.pk in keep and done >= 2) or (only is not None and done >= only):
                continue
            per_judge[user.pk] = done + 1
            q = quality.setdefault(assignment.application_id, 2.0 if assignment.application.enterprise_id ==
                                   self.admin_enterprise else rng.gauss(0, 1))
            values = {str(c.pk): min(10.0, max(0.0, round((6.5 + 1.3 * q + rng.gauss(0, 0.7)) * 2) / 2))
                      for c in criteria}
            score_save(actor=user, assignment=assignment, values=values, submit=True,
                       comment=rng.choice(["整体较强", "技术亮点突出", "商业模式待验证"]),
                       feedback=rng.choice(["技术路线清晰，建议补充专利布局。", "市场分析充分，商业化路径可以更具体。",
                                            "团队扎实，建议加强市场能力。"]))

    def finish_round(self, rnd: Round, now: dt.datetime) -> None:
        from parkos.competitions.services.ranking import (
            promotion_review,
            ranking_compute,
            round_close,
            round_publish,
        )

        op = self.operator
        round_close(actor=op, round=rnd)
        ranking_compute(actor=op, round=rnd)
        promotion_review(actor=op, round=rnd)
        round_publish(actor=op, round=rnd, now=now)

    # --- the three editions -------------------------------------------------------------------------
    def finished(self, year: int) -> None:
        from parkos.competitions.services.awards import (
            award_deliver,
            awards_grant,
            benefit_create,
            tier_create,
        )
        from parkos.competitions.services.editions import edition_status_set
        from parkos.competitions.services.judging import assignment_auto, round_start

        op = self.operator
        tz = timezone.get_default_timezone()
        edition = self.edition(year, dt.date(year, 3, 1), dt.date(year, 5, 31), final_on=dt.date(year, 9, 18),
                               results_on=dt.date(year, 9, 25))
        apps_at = dt.datetime(year, 4, 10, 10, tzinfo=tz)
        self.apply(edition, apps_at, 14)
        edition = edition_status_set(actor=op, edition=edition, status="judging")
        screening, online, roadshow = self.rounds(edition, final=True)
        self.screen(screening, dt.datetime(year, 6, 5, 10, tzinfo=tz))
        for rnd, published in ((online, dt.datetime(year, 7, 10, 10, tzinfo=tz)),
                               (roadshow, dt.datetime(year, 9, 25, 10, tzinfo=tz))):
            round_start(actor=op, round=rnd, now=published - dt.timedelta(days=20))
            assignment_auto(actor=op, round=rnd)
            self.score(rnd)
            self.finish_round(rnd, published)
        from parkos.catalog.models import Service

        services = list(Service.objects.filter(is_active=True).order_by("id"))
        offered = [s for s in services if s.offered_in(self.park.pk)]
        pack = _granted_pack(self.park)
        for name_zh, name_en, low, high, benefits in TIERS:
            tier = tier_create(actor=op, edition=edition, name_zh=name_zh, name_en=name_en, rank_from=low, rank_to=high)
            for kind, description, start, extra in benefits:
                service = next((s for s in offered if start and s.name_zh.startswith(start)), offered[0] if offered
                               else None)
                if service is None or (kind == "gift_pack" and pack is None):
                    continue  # a demo park without a catalog or a granted pack: the benefit is left out
                if kind == "gift_pack":
                    extra = {**extra, "pack_id": pack}
                benefit_create(actor=op, tier=tier, kind=kind, description=description, service=service, **extra)
        for award in awards_grant(actor=op, edition=edition):
            award_deliver(actor=op, award=award)
        self.financing(edition, roadshow)
        edition_status_set(actor=op, edition=edition, status="finished")

    def financing(self, edition: Edition, final: Round) -> None:
        """What the finalists raised after the competition (the park's "competing enterprises raised …")."""
        from parkos.competitions.services.awards import financing_after_competition

        raised = [("a", "30000000"), ("pre_a", "12000000"), ("b", "80000000"), ("angel", "5000000"),
                  ("seed", "3000000"), ("a", "20000000")]
        finalists = [e.application for e in final.entries.select_related("application__enterprise",
                                                                         "application__track").order_by("rank")
                     if e.application.enterprise_id]
        for i, (application, (stage, amount)) in enumerate(zip(finalists, raised, strict=False)):
            financing_after_competition(actor=self.operator, application=application, round=stage, amount=amount,
                                        announced_on=dt.date(edition.year, 10, 15) + dt.timedelta(days=17 * i),
                                        note="大赛后融资")

    def judging(self, year: int, now: dt.datetime) -> None:
        from parkos.competitions.services.editions import edition_status_set
        from parkos.competitions.services.judging import assignment_auto, round_start

        op = self.operator
        deadline = timezone.localtime(now).date() - dt.timedelta(days=10)
        edition = self.edition(year, deadline - dt.timedelta(days=90), deadline,
                               final_on=deadline + dt.timedelta(days=60), results_on=deadline + dt.timedelta(days=65))
        self.apply(edition, now - dt.timedelta(days=40), 22)
        edition = edition_status_set(actor=op, edition=edition, status="judging")
        screening, online = self.rounds(edition, final=False)
        self.screen(screening, now - dt.timedelta(days=8))
        round_start(actor=op, round=online, now=now - dt.timedelta(days=4))
        assignment_auto(actor=op, round=online)
        # The other judges have scored half of theirs; judge@demo two of six.
        self.score(online, only=3, keep=frozenset({self.judge.pk}))

    def open(self, year: int, now: dt.datetime) -> None:
        from parkos.competitions.services.applications import application_save, application_start

        today = timezone.localtime(now).date()
        edition = self.edition(year, today - dt.timedelta(days=7), today + dt.timedelta(days=60),
                               final_on=today + dt.timedelta(days=150), results_on=today + dt.timedelta(days=157))
        robotics = edition.tracks.get(code="robotics")
        firm = self.enterprises[0]
        app, _new = application_start(actor=self.admin, edition=edition, track=robotics,
                                      project_name="协作机器人柔性装配平台", team_name=firm.name[:100], enterprise=firm)
        application_save(actor=self.admin, application=app, team_size=12,
                         summary="面向 3C 与汽车零部件产线的协作机器人柔性装配平台，力控与视觉融合，换线时间缩短 70%。",
                         answers={"stage": "A轮以后", "problem": "中小批量、多品种产线换线慢、自动化改造成本高。",
                                  "funding": "B 轮 1 亿元"})


def _granted_pack(park: Any) -> int | None:
    from parkos.rewards.models import GiftPack

    return (GiftPack.objects.filter(park=park, audience=GiftPack.Audience.GRANTED)
            .exclude(status=GiftPack.Status.CLOSED).order_by("id").values_list("pk", flat=True).first())


def _ordinal(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def seed_demo(ctx: Any, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    story = _Story(ctx)
    finished, judging, open_ = years(now)
    have = set(Edition.objects.filter(park=story.park).values_list("year", flat=True))
    for year, make in ((finished, lambda y: story.finished(y)), (judging, lambda y: story.judging(y, now)),
                       (open_, lambda y: story.open(y, now))):
        if year not in have:
            with transaction.atomic():
                make(year)


__all__ = ["seed_demo", "years"]
