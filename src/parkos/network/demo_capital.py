"""Demo data of capital: twelve funds of the network (Chinese names, what they invest in), the demo
investor's profile (investor@demo.parkos: AI and robotics, seed to Series A), exchange rates of USD, EUR
and HKD, and financing records for most demo enterprises — some confidential, some in US dollars — that
add up to a few hundred million yuan.

Everything goes through the services (the amounts are converted at the recorded rates), and each part is
idempotent on its natural key: funds by Chinese name, rates by currency and day, records by enterprise,
round and date (a retry of the same round returns it). A second seed adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

DEMO_DOMAIN = "demo.parkos"

# (Chinese name, English name, kind, stages, industries, regions, ticket min, ticket max (万元), about)
FUNDS: list[tuple[str, str, str, list[str], list[str], list[str], int, int, str]] = [
    ("中关村前沿科技创投", "Zhongguancun Frontier Tech Ventures", "vc", ["seed", "angel", "series_a"],
     ["ai", "robotics"], ["北京", "全国"], 300, 3000, "专注人工智能与机器人早期项目，陪伴创始团队从实验室走向量产。"),
    ("京津冀协同发展引导基金", "Jing-Jin-Ji Coordinated Development Guidance Fund", "government",
     ["series_a", "series_b", "series_c"], ["manufacturing", "energy", "materials"], ["京津冀"], 2000, 20000,
     "政府引导基金，支持京津冀区域先进制造与绿色能源产业落地。"),
    ("星火天使投资联盟", "Spark Angel Alliance", "angel", ["seed", "angel"], ["software", "ai", "culture"], ["全国"],
     50, 500, "由连续创业者组成的天使联盟，看重团队与早期产品验证。"),
    ("华创医疗健康基金", "Huachuang Healthcare Fund", "vc", ["angel", "series_a", "series_b"], ["medtech"],
     ["北京", "长三角"], 1000, 8000, "投资医疗器械、体外诊断与生物医药平台型企业。"),
    ("远景智造产业基金", "Yuanjing Smart Manufacturing Fund", "pe", ["series_b", "series_c", "pre_ipo"],
     ["manufacturing", "robotics"], ["全国"], 5000, 50000, "聚焦智能制造与工业机器人成长期企业，助力产业链整合。"),
    ("北辰新能源创投", "Beichen New Energy Ventures", "vc", ["series_a", "series_b"], ["energy"], ["全国", "Europe"],
     1500, 10000, "关注储能、光伏与氢能技术的商业化。"),
    ("海淀科技成果转化基金", "Haidian Tech Transfer Fund", "government", ["seed", "angel", "series_a"],
     ["ai", "medtech", "materials"], ["北京"], 200, 2000, "支持高校院所科技成果在园区转化落地。"),
    ("云帆企业服务基金", "Yunfan Enterprise Software Fund", "vc", ["angel", "series_a", "series_b"],
     ["software"], ["全国"], 800, 6000, "投资企业级软件、SaaS 与网络安全公司。"),
    ("博远产业资本", "Boyuan Corporate Ventures", "cvc", ["series_a", "series_b", "series_c"],
     ["robotics", "ai"], ["全国", "Global"], 3000, 30000, "产业集团旗下战略投资平台，为被投企业开放应用场景。"),
    ("中欧创新合作基金", "China-Europe Innovation Fund", "vc", ["series_a", "series_b"], ["ai", "medtech", "energy"],
     ["Europe", "北京"], 2000, 15000, "支持中欧技术企业双向落地与跨境合作。"),
    ("国科领航股权投资", "Guoke Pilot Equity", "pe", ["series_c", "pre_ipo"], ["ai", "medtech", "materials"],
     ["全国"], 10000, 100000, "投资硬科技领域中后期企业，提供上市辅导。"),
    ("园区科技信贷", "Park Tech Credit", "bank", ["angel", "series_a", "series_b"], ["software", "ai", "services"],
     ["北京"], 100, 3000, "为园区科技企业提供知识产权质押与投贷联动服务。"),
]

# Yuan per unit, by currency and day (the central parity, rounded as the demo needs).
RATES: list[tuple[str, dt.date, str]] = [
    ("USD", dt.date(2021, 1, 4), "6.5408"), ("USD", dt.date(2022, 1, 4), "6.3794"),
    ("USD", dt.date(2023, 1, 3), "6.9475"), ("USD", dt.date(2024, 1, 2), "7.0770"),
    ("USD", dt.date(2025, 1, 2), "7.1879"), ("USD", dt.date(2026, 1, 5), "7.1000"),
    ("EUR", dt.date(2021, 1, 4), "8.0250"), ("EUR", dt.date(2023, 1, 3), "7.4229"),
    ("EUR", dt.date(2025, 1, 2), "7.5257"), ("HKD", dt.date(2021, 1, 4), "0.84370"),
    ("HKD", dt.date(2023, 1, 3), "0.89098"), ("HKD", dt.date(2025, 1, 2), "0.92604"),
]
# The rounds an enterprise goes through, with a typical size in 万元 (¥10,000).
LADDER: list[tuple[str, int]] = [("angel", 300), ("pre_a", 800), ("a", 2000), ("b", 5000)]


def demo_capital(*, park: Any, operator: Any, stdout: Any = None) -> dict[str, int]:
    from parkos.accounts.models import User
    from parkos.enterprises.models import Enterprise
    from parkos.network.models import ExchangeRate, FinancingRecord, Fund
    from parkos.network.services.financing import financing_record
    from parkos.network.services.funds import fund_create
    from parkos.network.services.investors import investor_profile_get_or_create, investor_profile_update
    from parkos.network.services.rates import rate_record

    added = {"funds": 0, "rates": 0, "financing": 0}
    funds: list[Fund] = []
    for name_zh, name_en, kind, stages, industries, regions, low, high, about in FUNDS:
        fund = Fund.objects.filter(name_zh=name_zh).first()
        if fund is None:
            fund = fund_create(actor=operator, name_zh=name_zh, name_en=name_en, kind=kind, stages=stages,
                               industries=industries, regions=regions, ticket_min_wan=low, ticket_max_wan=high,
                               description=about)
            added["funds"] += 1
        funds.append(fund)

    for currency, day, rate in RATES:
        if not ExchangeRate.objects.filter(currency=currency, valid_on=day).exists():
            rate_record(actor=operator, currency=currency, valid_on=day, rate_to_cny=rate, source="中国人民银行中间价")
            added["rates"] += 1

    investor_user = User.objects.filter(email=f"investor@{DEMO_DOMAIN}").first()
    if investor_user is not None:
        investor = investor_profile_get_or_create(actor=investor_user)
        if not investor.thesis:
            investor_profile_update(
                actor=investor_user, investor=investor, fund=funds[0].pk, title="合伙人",
                thesis="关注人工智能与机器人方向的早期项目：具身智能、协作机器人、机器视觉和工业大模型。"
                       "偏好有核心技术、已有首批客户验证的团队，种子轮到A轮，单笔500–2000万元。",
                stages=["seed", "angel", "series_a"], industries=["ai", "robotics"], regions=["北京", "长三角"],
                ticket_min_wan=500, ticket_max_wan=2000, is_listed=True, accepts_introductions=True)

    rng = random.Random("parkos-demo:network:capital")
    enterprises = list(Enterprise.objects.filter(is_active=True).select_related("park").order_by("pk")[:30])
    for index, enterprise in enumerate(enterprises):
        if index % 5 == 4:  # most enterprises, not all: some have raised nothing yet
            continue
        year = 2021 + rng.randrange(0, 3)
        for step, (round_code, size_wan) in enumerate(LADDER[: 1 + rng.randrange(0, 3)]):
            day = dt.date(year + step, 1 + rng.randrange(0, 12), 1 + rng.randrange(0, 28))
            in_usd = index % 6 == 1 and step > 0
            confidential = (index % 4 == 2 and step == 0) or (index == 0 and round_code == "a")
            wan = size_wan * (80 + rng.randrange(0, 60)) // 100
            if in_usd:
                amount = f"{wan * 10_000 // 7:.0f}.00"
                currency = "USD"
            else:
                amount = f"{wan * 10_000}.00"
                currency = "CNY"
            backers = rng.sample(funds, k=1 + rng.randrange(0, 2))
            lines: list[dict[str, Any]] = [{"fund": f.pk, "is_lead": i == 0} for i, f in enumerate(backers)]
            if rng.random() < 0.4:
                lines.append({"name": rng.choice(["某产业资本", "知名天使投资人", "创始人亲友", "地方国资平台"])})
            exists = FinancingRecord.objects.filter(enterprise=enterprise, round=round_code, announced_on=day).exists()
            financing_record(actor=operator, enterprise=enterprise, round=round_code, amount=amount, currency=currency,
                             announced_on=day, investors=lines,
                             disclosure="confidential" if confidential else "disclosed",
                             note="" if confidential else "资金将用于研发投入与市场拓展。")
            added["financing"] += 0 if exists else 1
    if stdout is not None:
        stdout.write(f"network capital: {added['funds']} funds, {added['rates']} rates, "
                     f"{added['financing']} financing records\n")
    return added


__all__ = ["FUNDS", "RATES", "demo_capital"]
