"""Demo events (Chinese): a pitch day, a salon near full with a waitlist, tonight's park run, a policy
briefing for tenants, an online talk priced in points, an invited breakfast and a past open day with
check-ins — in the main park; and in the second park ("yizhuang", at its buildings Y1/Y2, organised by its
own operator) an open day, a visit for its tenants and a past walk with check-ins. Keyed by title: a second run adds nothing. Dates are relative to the day the demo is loaded,
so the calendar always has something today and in the coming days."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.models import Building
from parkos.events import tickets
from parkos.events.models import Audience, CheckIn, Event, PlaceKind, Registration

S = Registration.Status


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _tonight() -> datetime:
    start = _at(0, 19, 30)
    return start if start > timezone.now() + timedelta(hours=1) else _at(1, 19, 30)


SECOND_PARK = "yizhuang"


def _second_park(ctx: Any) -> tuple[Park, dict[str, Building]]:
    """The second demo park and its buildings Y1/Y2 (made here, as the seed makes them, if missing)."""
    park = (getattr(ctx, "parks", None) or {}).get(SECOND_PARK)
    if park is None:
        park, _created = Park.objects.get_or_create(code=SECOND_PARK, defaults={"name": "亦庄创新港",
                                                                                "name_en": "Yizhuang Innovation Harbour",
                                                                                "position": 1})
    buildings = {}
    for code, name, floors in (("Y1", "Y1 创新港研发楼", 9), ("Y2", "Y2 智能制造中试基地", 5)):
        buildings[code], _created = Building.objects.get_or_create(code=code, defaults={"name": name, "floors": floors,
                                                                                       "park": park})
    return park, buildings


def seed_demo(ctx: Any) -> None:
    rng = ctx.rng("events")
    people, members, enterprises = ctx.people, ctx.members, ctx.enterprises
    operator, admin = people["operator"], people["admin"]
    operator_yz = people.get("operator-yz", operator)
    main = (getattr(ctx, "parks", None) or {}).get("main") or park_default()
    second, yz = _second_park(ctx)
    building = {b.code: b for b in Building.objects.select_related("park")}
    specs: list[dict[str, Any]] = [
        {"title": "东升杯创业大赛路演日", "created_by": operator, "starts_at": _at(10, 13, 30), "hours": 5,
         "building": building.get("C2"), "place": "一层 路演大厅", "capacity": 120, "registered": 80,
         "description": "东升杯创业大赛复赛路演：30 个项目、12 位投资人评委现场点评。\n议程：13:30 签到，14:00 开场，17:30 颁奖。",
         "questions": [{"id": "q1", "label": "您的身份", "kind": "choice", "required": True,
                        "choices": ["参赛团队", "投资人", "观众"]},
                       {"id": "q2", "label": "所在企业或机构", "kind": "text", "required": False}]},
        {"title": "具身智能技术沙龙", "created_by": admin, "enterprise": enterprises[0], "starts_at": _at(3, 14),
         "hours": 3, "building": building.get("A1"), "place": "3F 思灵展厅", "capacity": 40, "registered": 46,
         "description": "思灵机器人工程团队分享协作机器人与大模型结合的落地经验，现场演示。名额有限，满员后可排队候补。",
         "questions": [{"id": "q1", "label": "您最关心的话题", "kind": "text", "required": False}], "offer_hours": 12},
        {"title": "园区夜跑", "created_by": operator, "starts_at": _tonight(), "hours": 2, "building": None,
         "place": "中央草坪集合", "capacity": 200, "registered": 64,
         "description": "5 公里园区夜跑，跑后有补给和合影。请穿运动鞋，自备水杯。"},
        {"title": "国际人才政策宣讲会", "created_by": operator, "starts_at": _at(6, 10), "hours": 2,
         "building": building.get("C1"), "place": "二层 多功能厅", "capacity": 150, "registered": 50,
         "audience": Audience.TENANTS,
         "description": "外籍人才工作许可、人才公寓申请与子女入学政策解读，园区企业员工专场。"},
        {"title": "大模型应用线上分享会", "created_by": operator, "starts_at": _at(14, 20), "hours": 1,
         "place_kind": PlaceKind.ONLINE, "online_url": "https://meeting.example.cn/j/20261128", "capacity": 300,
         "registered": 35, "price_points": 20, "description": "线上分享：大模型在制造业质检中的应用。报名需 20 积分。"},
        {"title": "投资人早餐会", "created_by": operator, "starts_at": _at(8, 8), "hours": 2,
         "building": building.get("C2"), "place": "咖啡厅包间", "capacity": 12, "registered": 0,
         "audience": Audience.INVITED, "description": "小范围闭门交流，仅限受邀嘉宾。"},
        {"title": "企业管家开放日", "created_by": operator, "starts_at": _at(-10, 14), "hours": 3,
         "building": building.get("A2"), "place": "1F 服务大厅", "capacity": 60, "registered": 36,
         "description": "认识你的企业管家：工商、财税、法务、人才服务一站咨询。", "checked_in": 28},
        # The second park: its own operator, its own buildings.
        {"title": "亦庄创新港开放日", "created_by": operator_yz, "starts_at": _at(5, 9, 30), "hours": 4,
         "building": yz["Y1"], "place": "一层 共享大厅", "capacity": 80, "registered": 30, "park": second,
         "description": "走进亦庄创新港：研发楼、中试基地参观，入驻政策与配套服务介绍。"},
        {"title": "中试基地参观日（入驻企业专场）", "created_by": operator_yz, "starts_at": _at(9, 14), "hours": 2,
         "building": yz["Y2"], "place": "中试车间", "capacity": 30, "registered": 8, "park": second,
         "audience": Audience.TENANTS, "description": "亦庄创新港入驻企业员工专场：中试产线与检测设备开放参观。"},
        {"title": "亦庄园区健步走", "created_by": operator_yz, "starts_at": _at(-6, 12), "hours": 1,
         "building": yz["Y2"], "place": "南门集合", "capacity": 50, "registered": 20, "park": second,
         "description": "午间 3 公里健步走，绕园一周。", "checked_in": 15},
    ]
    added_events = added_regs = 0
    for spec in specs:
        if Event.objects.filter(title=spec["title"]).exists():
            continue
        hours = spec.pop("hours")
        registered = spec.pop("registered")
        checked_in = spec.pop("checked_in", 0)
        spec["ends_at"] = spec["starts_at"] + timedelta(hours=hours)
        # The venue building's park, else the main park (as the services decide).
        spec["park"] = spec["building"].park if spec.get("building") else spec.get("park", main)
        event = Event.objects.create(**spec)
        added_events += 1
        if spec.get("audience") == Audience.INVITED:
            event.invitees.set([people["investor"], admin, *members[:8]])
        # A tenants-only event draws the staff of that park's enterprises (the demo seed writes memberships).
        pool = [m for m in members if spec.get("audience") != Audience.TENANTS
                or m.memberships.filter(enterprise__park_id=event.park_id).exists()]
        attendees = rng.sample(pool, min(registered, len(pool)))
        queued = event.starts_at - timedelta(days=rng.randint(3, 12))
        rows = []
        for index, user in enumerate(attendees):
            queued += timedelta(minutes=rng.randint(1, 90))
            code = tickets.new_code()
            seat = index < event.capacity
            answers = {}
            for q in event.questions:
                if q["kind"] == "choice":
                    answers[q["id"]] = rng.choice(q["choices"])
                elif rng.random() < 0.5:
                    answers[q["id"]] = rng.choice(["落地案例", "融资对接", "招聘合作", "技术交流"])
            rows.append(Registration(event=event, user=user, park_id=event.park_id, status=S.CONFIRMED if seat else S.WAITLISTED,
                                     queued_at=min(queued, timezone.now()), answers=answers, points=event.price_points,
                                     confirmed_at=min(queued, timezone.now()) if seat else None, ticket_code=code,
                                     ticket_hash=tickets.hash_of(tickets.payload_of(event.pk, code))))
        Registration.objects.bulk_create(rows)
        added_regs += len(rows)
        if checked_in:
            confirmed = list(Registration.objects.filter(event=event, status=S.CONFIRMED)[:checked_in])
            CheckIn.objects.bulk_create([
                CheckIn(registration=r, event=event, by=event.created_by, device="门口-1",
                        checked_in_at=event.starts_at - timedelta(minutes=rng.randint(0, 30)))
                for r in confirmed])
        from parkos.search.services import index_on_commit

        index_on_commit("event", event.pk)
    ctx.added["events"] = ctx.added.get("events", 0) + added_events
    ctx.added["event_registrations"] = ctx.added.get("event_registrations", 0) + added_regs
