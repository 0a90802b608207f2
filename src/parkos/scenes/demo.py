"""Demo scenes (Chinese): a pilot customer for a delivery robot, a launch venue with 200 guests, a
two-week Python contractor, and more; responses, a private thread, and deals in different states
(completed with reviews, in progress, disputed). A few more are published from the second park
("yizhuang"): members of the large park answer them (the board is the portfolio's marketplace), and one
deal there is disputed for that park's operator. Made through the services, so the ledger and the
timeline are real. Keyed by title: a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from parkos.core import policy
from parkos.core.models import Park
from parkos.scenes import services
from parkos.scenes.models import Scene

SCENES: list[dict[str, Any]] = [
    {"kind": "pilot", "title": "为配送机器人寻找首个试点客户", "budget": None, "reward_text": "试点期间免费使用，联合发布案例",
     "description": "我们的室内配送机器人已完成园区内测，希望找到一家写字楼或工厂做三个月试点，负责部署与运维。"},
    {"kind": "launch", "title": "产品发布会需要场地与200位观众", "budget": "30000",
     "description": "十二月中旬举办新品发布会，需要可容纳 200 人的场地、音响与签到，并协助邀请行业观众。"},
    {"kind": "contractor", "title": "寻找两周 Python 外包开发", "budget": "18000",
     "description": "需要一位熟悉 Django 的开发者，两周内完成内部管理后台的改造与数据导出功能。"},
    {"kind": "procurement", "title": "采购 20 台 GPU 服务器租用三个月", "budget": "120000",
     "description": "用于大模型微调实验，要求 A800 或同级别显卡，园区机房优先。"},
    {"kind": "recruitment", "title": "招募 30 位用户访谈对象", "budget": "6000",
     "description": "面向园区白领的午餐场景访谈，每人 40 分钟，酬谢 200 元。"},
    {"kind": "partnership", "title": "寻找华东市场渠道合作伙伴", "budget": None, "reward_text": "销售分成",
     "description": "工业视觉检测设备寻找华东地区系统集成商合作。"},
]


SECOND_PARK_SCENES: list[dict[str, Any]] = [
    {"kind": "pilot", "title": "中试产线寻找视觉检测合作方", "budget": "45000",
     "description": "亦庄中试基地的电机装配线需要外观缺陷检测方案，先在一条线上试运行一个月。"},
    {"kind": "contractor", "title": "设备联网数据看板开发", "budget": "26000",
     "description": "把二十台数控设备的运行数据接入看板，显示开机率与告警，要求两周交付。"},
    {"kind": "launch", "title": "亦庄开放日需要 80 位行业观众", "budget": "8000",
     "description": "月底举办园区开放日，需要邀请智能制造方向的行业观众并安排签到。"},
]


def seed_demo(ctx: Any) -> None:
    _seed_second_park(ctx)
    if Scene.objects.filter(title=SCENES[0]["title"]).exists():
        return
    people = ctx.people
    publishers = [people["admin"], people["member"], ctx.members[0], ctx.members[1], ctx.members[2],
                  people["admin"]]
    deadline = timezone.localdate() + timedelta(days=21)
    scenes = []
    for spec, publisher in zip(SCENES, publishers, strict=True):
        data = {"kind": spec["kind"], "title": spec["title"], "description": spec["description"],
                "budget": spec["budget"], "reward_text": spec.get("reward_text", ""), "deadline": deadline,
                "audience": "anyone"}
        enterprise = ctx.enterprises[0] if publisher == people["admin"] and policy.ENTERPRISE_STAFF in \
            policy.relations_of(publisher, ctx.enterprises[0]) else None
        scenes.append(services.scene_create(actor=publisher, data=data, enterprise=enterprise, publish=True))
    added = len(scenes)

    # The launch: two proposals, a question in the thread, one accepted, delivered and paid: completed.
    launch = scenes[1]
    venue = services.response_submit(actor=ctx.members[10], scene=launch, data={
        "price": "28000", "plan": "C2 会议中心报告厅可容纳 220 人，含音响灯光与签到系统，可协助邀请观众。", "timeline": "一周筹备"})
    services.response_submit(actor=ctx.members[11], scene=launch, data={
        "price": "32000", "plan": "提供园区外酒店会场与全流程执行。", "timeline": "十天"})
    services.message_post(actor=launch.publisher, response=venue, body="能提供同声传译设备吗？")
    services.message_post(actor=venue.responder, response=venue, body="可以，额外收费 2000 元，已含在报价内。")
    deal = services.response_accept(actor=launch.publisher, response=venue, amount="28000", milestones=[
        {"title": "场地确认与观众邀请", "amount": "10000"}, {"title": "发布会执行", "amount": "18000"}])
    for m in deal.milestones.order_by("position"):
        services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="deliver")
        services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="accept")
        services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="mark_paid")
        services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="confirm_paid")
    deal.refresh_from_db()
    services.review_submit(actor=deal.publisher, deal=deal, rating=5, text="场地和观众都很到位，执行专业。")
    services.review_submit(actor=deal.provider, deal=deal, rating=5, text="需求清晰，付款及时。")

    # The Python contractor: accepted, first milestone delivered, second in progress.
    python = scenes[2]
    dev = services.response_submit(actor=people["member"], scene=python, data={
        "price": "18000", "plan": "第一周完成后台改造，第二周完成导出与测试。", "timeline": "两周"})
    services.response_transition(actor=python.publisher, response=dev, action="shortlist")
    deal2 = services.response_accept(actor=python.publisher, response=dev, amount="18000", milestones=[
        {"title": "后台改造", "amount": "8000"}, {"title": "数据导出与测试", "amount": "10000"}])
    first = deal2.milestones.order_by("position").first()
    if first is not None:
        services.milestone_act(actor=deal2.provider, deal=deal2, milestone_id=first.pk, action="deliver")
        services.milestone_act(actor=deal2.publisher, deal=deal2, milestone_id=first.pk, action="accept")
        services.milestone_act(actor=deal2.publisher, deal=deal2, milestone_id=first.pk, action="mark_paid")

    # The GPU procurement: accepted, then disputed, waiting for the park's operator.
    gpu = scenes[3]
    offer = services.response_submit(actor=ctx.members[12], scene=gpu, data={
        "price": "115000", "plan": "园区机房现货 A800，三个月租期。", "timeline": "三天上架"})
    deal3 = services.response_accept(actor=gpu.publisher, response=offer, amount="115000")
    m3 = deal3.milestones.first()
    if m3 is not None:
        services.milestone_act(actor=deal3.provider, deal=deal3, milestone_id=m3.pk, action="deliver")
    services.deal_act(actor=deal3.publisher, deal=deal3, action="dispute", reason="实际交付的是 A100，与约定不符。")

    # The pilot: a proposal waiting for the publisher.
    services.response_submit(actor=ctx.members[13], scene=scenes[0], data={
        "plan": "我们在 B1 智造工坊有两层办公区，可作为试点场地。", "timeline": "下周可开始"})
    ctx.added["scenes"] = ctx.added.get("scenes", 0) + added
    ctx.added["deals"] = ctx.added.get("deals", 0) + 3


def _seed_second_park(ctx: Any) -> None:
    """Scenes of the second park: published by an enterprise there, answered from the large park."""
    if Scene.objects.filter(title=SECOND_PARK_SCENES[0]["title"]).exists():
        return
    park = ctx.parks.get("yizhuang") or Park.objects.get(code="yizhuang")
    enterprise = next((e for e in ctx.enterprises if e.park_id == park.pk), None)
    # Its admin (the demo gives enterprise i the member i-1 as admin), else a member publishing from there.
    publisher = ctx.members[ctx.enterprises.index(enterprise) - 1] if enterprise is not None else ctx.members[3]
    if enterprise is not None and policy.ENTERPRISE_STAFF not in policy.relations_of(publisher, enterprise):
        enterprise = None
    deadline = timezone.localdate() + timedelta(days=30)
    scenes = [services.scene_create(actor=publisher, enterprise=enterprise, park=park, publish=True, data={
        "kind": spec["kind"], "title": spec["title"], "description": spec["description"], "budget": spec["budget"],
        "deadline": deadline, "audience": "anyone"}) for spec in SECOND_PARK_SCENES]

    # The vision pilot: answered by a member of the large park, accepted, first delivery in dispute.
    offer = services.response_submit(actor=ctx.members[20], scene=scenes[0], data={
        "price": "45000", "plan": "我们的视觉检测系统已在三家工厂上线，可在一周内部署到一条装配线。", "timeline": "一个月"})
    deal = services.response_accept(actor=publisher, response=offer, amount="45000", milestones=[
        {"title": "部署与标定", "amount": "15000"}, {"title": "一个月试运行", "amount": "30000"}])
    first = deal.milestones.order_by("position").first()
    if first is not None:
        services.milestone_act(actor=deal.provider, deal=deal, milestone_id=first.pk, action="deliver")
    services.deal_act(actor=publisher, deal=deal, action="dispute", reason="漏检率高于约定的 1%，需要园区协调。")

    # The dashboard: one proposal waiting for the publisher.
    services.response_submit(actor=ctx.members[21], scene=scenes[1], data={
        "price": "24000", "plan": "采用 OPC UA 采集，看板基于现有大屏，两周交付。", "timeline": "两周"})
    ctx.added["scenes"] = ctx.added.get("scenes", 0) + len(scenes)
    ctx.added["deals"] = ctx.added.get("deals", 0) + 1
