"""Demo bookings, in Chinese, for both demo parks.

中关村智造园 gets ten meeting rooms and two venues in its buildings: 会议室 1–3 in A1 (the three meeting rooms of
the immersive map, open at weekends too; 会议室 1 is 思灵机器人's own), a 大会议室, a 洽谈室, a 培训室, a 董事会议室
that needs the park's approval, a free 电话间 open to every member, the 多功能厅 and a 路演厅 open 24 hours for
hackathons (both need approval). The shared office "A1 5F 共享办公区" has 40 desks; 思灵机器人 holds 8 of them for a
year and another enterprise 6 for six months as a competition award. Every demo enterprise is on a credit plan
(基础版 10 credits a month, 标准版 20, 专业版 50; 思灵机器人 on 专业版). 亦庄创新港 gets two rooms and its plans.

Bookings are made around the day the demo is loaded, through the services as the demo people would make
them (``booking_create``, ``series_create``, ``booking_check_in``, ``booking_decide``, ``booking_cancel``), so
credits, statements and the ledger are right: some in the past days checked in (and one no-show released),
three today, more in the coming days, one waiting for approval, a hackathon the park approved, one cancelled,
and 思灵机器人's weekly 周例会.

Idempotent: places by (park, building, name), plans and floor plans by (park, name), allocations by their
reference, bookings by their organiser's key, the series by its organiser, place and title; a second run
adds nothing (whatever day it runs on)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from parkos.bookings.models import (
    AllocatedDesk,
    Allocation,
    AllocationSource,
    Audience,
    Booking,
    BookingSeries,
    CreditPlan,
    EnterprisePlan,
    FloorPlan,
    Place,
    PlaceKind,
)
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.models import Building

MAP_SLUG = "park"  # the main demo park's map (space/demo.py)
PLANS = [("基础版", 10, False), ("标准版", 20, True), ("专业版", 50, True)]
DESK_PLAN = "A1 5F 共享办公区"
DESK_ROWS, DESKS_PER_ROW = 4, 10
LEASE_DESKS, AWARD_DESKS = 8, 6
AWARD_REF = "competitions.award:demo-2026-1"
LEASE_REF = "demo:lease-siling"
SERIES_TITLE = "思灵周例会"


@dataclass(frozen=True)
class Spec:
    building: str
    floor: str
    name: str
    name_en: str
    kind: str = PlaceKind.MEETING_ROOM
    capacity: int = 6
    equipment: tuple[str, ...] = ("screen", "whiteboard")
    credits: int = 1
    price_fen: int = 6_000
    description: str = ""
    needs_approval: bool = False
    weekends: bool = False
    all_day: bool = False
    audience: str = Audience.TENANTS
    min_minutes: int = 30
    max_minutes: int = 240
    days_ahead: int = 30
    cancel_hours: int = 2
    buffer: int = 0


MAIN_ROOMS = [
    # The first three are the map's meeting rooms (会议室 1–3), open at weekends as A1 is.
    Spec("A1", "5F", "A1-5F 会议室 1", "A1-5F Meeting room 1", capacity=6, equipment=("screen", "video", "whiteboard"),
         description="思灵机器人专属会议室，仅限思灵员工预订；沉浸式园区里的“会议室 1”。", weekends=True,
         audience=Audience.ENTERPRISE),
    Spec("A1", "5F", "A1-5F 会议室 2", "A1-5F Meeting room 2", capacity=6, equipment=("screen", "whiteboard"),
         description="6 人会议室，显示屏与白板；沉浸式园区里的“会议室 2”。", weekends=True),
    Spec("A1", "6F", "A1-6F 会议室 3", "A1-6F Meeting room 3", capacity=10,
         equipment=("screen", "video", "whiteboard", "phone"), credits=2, price_fen=12_000, weekends=True,
         description="10 人会议室，视频会议与会议电话，可按周预订；沉浸式园区里的“会议室 3”。", days_ahead=90, buffer=15),
    Spec("A1", "8F", "A1-8F 大会议室", "A1-8F Large meeting room", capacity=24,
         equipment=("projector", "video", "sound", "phone", "whiteboard"), credits=4, price_fen=30_000,
         description="24 人大会议室，投影、音响与视频会议，适合全员会和客户交流。", min_minutes=60, max_minutes=480,
         buffer=15),
    Spec("A2", "3F", "A2-3F 洽谈室", "A2-3F Discussion room", capacity=4, equipment=("screen",), price_fen=4_000,
         description="4 人洽谈室，接待客户、面试。", max_minutes=120),
    Spec("A2", "6F", "A2-6F 中会议室", "A2-6F Meeting room", capacity=12,
         equipment=("screen", "video", "whiteboard", "phone"), credits=2, price_fen=12_000,
         description="12 人会议室，视频会议设备齐全。", buffer=15),
    Spec("B1", "2F", "B1-2F 培训室", "B1-2F Training room", capacity=40,
         equipment=("projector", "sound", "whiteboard", "power"), credits=6, price_fen=50_000,
         description="40 人培训室，课桌式布置，每座有电源。", min_minutes=60, max_minutes=480, buffer=30),
    Spec("B2", "4F", "B2-4F 小会议室", "B2-4F Small meeting room", description="6 人小会议室，适合站会和小组讨论。"),
    Spec("C2", "2F", "C2-2F 董事会议室", "C2-2F Boardroom", capacity=16,
         equipment=("screen", "video", "phone", "sound"), credits=6, price_fen=40_000, needs_approval=True,
         description="16 人董事会议室，红木长桌与视频会议。预订需园区审批。", min_minutes=60, cancel_hours=24, buffer=30),
    Spec("C2", "3F", "C2-3F 电话间", "C2-3F Phone booth", capacity=1, equipment=(), credits=0, price_fen=0,
         description="单人电话间，所有会员免费使用，一次最多一小时。", audience=Audience.EVERYONE, max_minutes=60),
    Spec("C2", "1F", "C2-1F 多功能厅", "C2-1F Multi-function hall", kind=PlaceKind.VENUE, capacity=200,
         equipment=("stage", "projector", "sound", "power"), credits=30, price_fen=200_000, needs_approval=True,
         weekends=True, description="200 人多功能厅，可布置发布会、沙龙和展览。使用需园区审批。", min_minutes=120,
         max_minutes=600, days_ahead=60, cancel_hours=48, buffer=60),
    Spec("C2", "1F", "C2-1F 路演厅", "C2-1F Roadshow hall", kind=PlaceKind.VENUE, capacity=120,
         equipment=("stage", "projector", "sound", "video", "power"), credits=10, price_fen=60_000, needs_approval=True,
         weekends=True, all_day=True, description="120 座路演厅，24 小时开放，黑客松和通宵活动可跨夜预订。使用需园区审批。",
         min_minutes=120, max_minutes=1440, days_ahead=60, cancel_hours=48, buffer=60),
]
SECOND_ROOMS = [
    Spec("Y1", "3F", "Y1-3F 会议室", "Y1-3F Meeting room", capacity=8,
         equipment=("screen", "video", "whiteboard"), credits=2, price_fen=8_000, description="8 人会议室，视频会议设备齐全。"),
    Spec("Y2", "2F", "Y2-2F 洽谈室", "Y2-2F Discussion room", capacity=4, equipment=("screen",), price_fen=4_000,
         description="4 人洽谈室，中试基地二层。", max_minutes=120),
]


def _place(spec: Spec, park: Park, buildings: dict[str, Building], operator: Any, position: int,
           owner: Any = None) -> tuple[Place, bool]:
    building = buildings.get(spec.building)
    place = Place.objects.filter(park=park, building=building, name=spec.name).first()
    if place is not None:
        return place, False
    return Place.objects.create(
        park=park, kind=spec.kind, building=building, floor=spec.floor, name=spec.name, name_en=spec.name_en,
        description=spec.description, capacity=spec.capacity, equipment=list(spec.equipment),
        open_on_weekends=spec.weekends, open_all_day=spec.all_day, audience=spec.audience,
        audience_enterprise=owner if spec.audience == Audience.ENTERPRISE else None,
        price_per_hour_fen=spec.price_fen, credits_per_hour=spec.credits, needs_approval=spec.needs_approval,
        min_minutes=spec.min_minutes, max_minutes=spec.max_minutes, max_days_ahead=spec.days_ahead,
        cancel_hours=spec.cancel_hours, buffer_minutes=spec.buffer, checkin_token=secrets.token_hex(16),
        position=position, created_by=operator), True


def _meeting_room_areas() -> list[int]:
    """The indexes of the main map's meeting rooms (as the map server numbers its areas)."""
    from parkos.space.models import SpaceMap
    from parkos.space.tiled import parse

    space = SpaceMap.objects.filter(slug=MAP_SLUG).first()
    if space is None:
        from parkos.space.demo_map import build

        raw: Any = build([])  # the booths come after the meeting rooms: the same indexes
    else:
        raw = space.tiled
    return [area.index for area in parse(raw).areas if area.kind == "meeting_room"]


def _link_map(rooms: list[Place]) -> None:
    for place, area in zip(rooms, _meeting_room_areas(), strict=False):
        if (place.map_slug, place.map_area) != (MAP_SLUG, area):
            Place.objects.filter(pk=place.pk).update(map_slug=MAP_SLUG, map_area=area)
            place.map_slug, place.map_area = MAP_SLUG, area


def _plans(park: Park) -> dict[str, CreditPlan]:
    out = {}
    for name, credits, overage in PLANS:
        out[name] = CreditPlan.objects.filter(park=park, name=name).first() or CreditPlan.objects.create(
            park=park, name=name, monthly_credits=credits, allow_overage=overage, is_default=name == PLANS[0][0])
    return out


def _enterprise_plans(ctx: Any, plans: dict[int, dict[str, CreditPlan]]) -> int:
    added = 0
    for n, enterprise in enumerate(ctx.enterprises):
        park_plans = plans.get(enterprise.park_id)
        if park_plans is None or EnterprisePlan.objects.filter(enterprise=enterprise).exists():
            continue
        name = "专业版" if n == 0 else PLANS[n % 3][0]
        EnterprisePlan.objects.create(enterprise=enterprise, plan=park_plans[name])
        added += 1
    return added


def _desks(park: Park, building: Building) -> tuple[FloorPlan, list[Place]]:
    plan = FloorPlan.objects.filter(park=park, name=DESK_PLAN).first()
    if plan is None:
        plan = FloorPlan.objects.create(park=park, building=building, floor="5F", name=DESK_PLAN, width=1000,
                                        height=120 + 70 * DESK_ROWS)
    desks = []
    for row in range(DESK_ROWS):
        for col in range(DESKS_PER_ROW):
            name = f"A1-5F-{chr(65 + row)}{col + 1:02d}"
            desk = Place.objects.filter(park=park, building=building, name=name).first()
            if desk is None:
                desk = Place.objects.create(
                    park=park, kind=PlaceKind.DESK, building=building, floor="5F", name=name,
                    name_en=f"Desk {name}", capacity=1, equipment=[], credits_per_hour=0, price_per_hour_fen=0,
                    floor_plan=plan, x=80 + col * 80 + (60 if col >= DESKS_PER_ROW // 2 else 0), y=80 + row * 70,
                    checkin_token=secrets.token_hex(16), position=row * DESKS_PER_ROW + col)
            desks.append(desk)
    return plan, desks


def _allocate(*, park: Park, enterprise: Any, desks: list[Place], starts_on: dt.date, ends_on: dt.date, source: str,
              ref: str, note: str, operator: Any, occupants: list[Any]) -> bool:
    if Allocation.objects.filter(park=park, source_ref=ref).exists():
        return False
    allocation = Allocation.objects.create(park=park, enterprise=enterprise, starts_on=starts_on, ends_on=ends_on,
                                           source=source, source_ref=ref, note=note, created_by=operator)
    AllocatedDesk.objects.bulk_create([
        AllocatedDesk(allocation=allocation, desk=desk, starts_on=starts_on, ends_on=ends_on,
                      occupant=occupants[n] if n < len(occupants) else None) for n, desk in enumerate(desks)])
    return True


class _Days:
    """Beijing dates around today: the n-th working day before or after it, a time on a day."""

    def __init__(self, park: Park) -> None:
        from parkos.core.workdays import park_calendar

        self.calendar = park_calendar(park)
        self.today = timezone.localdate()

    def workday(self, n: int) -> dt.date:
        step = 1 if n > 0 else -1
        day, left = self.today, abs(n)
        while left:
            day += dt.timedelta(days=step)
            if self.calendar.is_workday(day):
                left -= 1
        return day

    @staticmethod
    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _book(user: Any, place: Place, start: dt.datetime, minutes: int, title: str, key: str, *, attendees: int = 2,
          check_in: str = "") -> tuple[Booking | None, bool]:
    """Book as ``user`` (once: the key), made a day before it starts (or earlier today) as the member would
    have; checked in ``check_in`` ("qr", "web") five minutes after the start when that moment has passed."""
    from parkos.bookings.services.booking import booking_create
    from parkos.bookings.services.checkin import booking_check_in

    done = Booking.objects.filter(organiser=user, key=f"demo:{key}").first()
    if done is not None:
        return done, False
    now = timezone.now()
    made = min(now, start - dt.timedelta(days=1))
    booking = booking_create(actor=user, place=place, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
                             title=title, attendees=attendees, key=f"demo:{key}", now=made)
    came = start + dt.timedelta(minutes=5)
    if check_in and came <= now and booking.status == "confirmed":
        booking = booking_check_in(actor=user, booking=booking, how=check_in, now=came)
    return booking, True


def _staff(enterprise: Any, n: int = 0) -> Any:
    from parkos.enterprises.selectors import staff_of

    people = list(staff_of(enterprise).order_by("pk"))
    return people[n % len(people)] if people else None


def seed_demo(ctx: Any) -> None:
    from parkos.bookings.services.booking import booking_cancel, booking_decide, bookings_release_no_shows
    from parkos.bookings.services.series import series_create

    parks = getattr(ctx, "parks", None) or {}
    main = parks.get("main") or park_default()
    second = parks.get("yizhuang") or Park.objects.filter(code="yizhuang").first()
    operator, admin, member = ctx.people["operator"], ctx.people["admin"], ctx.people["member"]
    siling = ctx.enterprises[0]
    buildings = {b.code: b for b in Building.objects.all()}
    before = {"places": Place.objects.count(), "bookings": Booking.objects.count()}

    rooms: dict[str, Place] = {}
    for position, spec in enumerate(MAIN_ROOMS):
        rooms[spec.name], _new = _place(spec, main, buildings, operator, position, owner=siling)
    _link_map([rooms[s.name] for s in MAIN_ROOMS[:3]])
    plans = {main.pk: _plans(main)}
    if second is not None:
        for position, spec in enumerate(SECOND_ROOMS):
            rooms[spec.name], _new = _place(spec, second, buildings, ctx.people.get("operator-yz", operator), position)
        plans[second.pk] = _plans(second)
    added_plans = _enterprise_plans(ctx, plans)

    days = _Days(main)
    today = days.today
    _plan, desks = _desks(main, buildings["A1"])
    lease = _allocate(park=main, enterprise=siling, desks=desks[:LEASE_DESKS], starts_on=today - dt.timedelta(days=30),
                      ends_on=today + dt.timedelta(days=334), source=AllocationSource.LEASE, ref=LEASE_REF,
                      note="思灵机器人租用 8 个工位，一年", operator=operator, occupants=[member])
    winner = next((e for e in ctx.enterprises[1:] if e.park_id == main.pk), None)
    award = winner is not None and _allocate(
        park=main, enterprise=winner, desks=desks[DESKS_PER_ROW:DESKS_PER_ROW + AWARD_DESKS],
        starts_on=today - dt.timedelta(days=10), ends_on=today + dt.timedelta(days=172),
        source=AllocationSource.COMPETITION, ref=AWARD_REF, note="2026 创新创业大赛一等奖：6 个工位，6 个月",
        operator=operator, occupants=[_staff(winner)])

    at, r = days.at, rooms
    others = [e for e in ctx.enterprises[1:] if e.park_id == main.pk]
    guest_a, guest_b, guest_c = (_staff(others[k % len(others)]) for k in range(3)) if others else (None,) * 3
    plan: list[tuple[Any, str, dt.datetime, int, str, str, str]] = [
        # Past working days, checked in.
        (member, "A1-5F 会议室 1", at(days.workday(-1), 10), 60, "产品需求评审", "past-1", "qr"),
        (admin, "A1-8F 大会议室", at(days.workday(-2), 14), 120, "季度经营分析会", "past-2", "web"),
        (guest_a, "A2-6F 中会议室", at(days.workday(-3), 9, 30), 60, "客户方案沟通", "past-3", "qr"),
        (admin, "A1-6F 会议室 3", at(days.workday(-4), 15), 60, "投资人电话会", "past-4", "qr"),
        # Today (the map's rooms are open at weekends too): checked in once they have started.
        (member, "A1-5F 会议室 2", at(today, 10), 60, "站会", "today-1", "qr"),
        (admin, "A1-6F 会议室 3", at(today, 14), 90, "投资人会谈", "today-2", "web"),
        (member, "A1-5F 会议室 1", at(today, 16), 60, "技术分享", "today-3", "qr"),
        # The coming days.
        (member, "A1-5F 会议室 1", at(days.workday(1), 9), 60, "周计划会", "next-1", ""),
        (admin, "A1-8F 大会议室", at(days.workday(1), 14), 180, "合作伙伴大会筹备", "next-2", ""),
        (guest_a, "A2-3F 洽谈室", at(days.workday(2), 10), 90, "融资洽谈", "next-3", ""),
        (guest_b, "B1-2F 培训室", at(days.workday(3), 9), 180, "新员工培训", "next-4", ""),
        (operator, "C2-1F 多功能厅", at(days.workday(5), 14), 180, "园区政策宣讲会", "next-5", ""),
        (member, "C2-2F 董事会议室", at(days.workday(2), 15), 60, "董事会筹备会", "pending-1", ""),
    ]
    for user, room, start, minutes, title, key, how in plan:
        if user is not None:
            _book(user, r[room], start, minutes, title, key, check_in=how)

    # A no-show yesterday: nobody came, the room was released 15 minutes after the start.
    if guest_c is not None:
        noshow, new = _book(guest_c, r["B2-4F 小会议室"], at(days.workday(-1), 16), 60, "面试", "noshow-1")
        if new and noshow is not None and noshow.starts_at + dt.timedelta(minutes=20) <= timezone.now():
            bookings_release_no_shows(now=noshow.starts_at + dt.timedelta(minutes=20))

    # A booking the member cancelled (credits back).
    cancelled, new = _book(member, r["A1-5F 会议室 2"], at(days.workday(2), 11), 60, "需求讨论", "cancelled-1")
    if new and cancelled is not None:
        booking_cancel(actor=member, booking=cancelled, reason="改为线上会议")

    # 思灵's hackathon in the 24-hour roadshow hall, Friday 10:00 to Saturday 10:00, approved by the park.
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)
    hackathon, new = _book(admin, r["C2-1F 路演厅"], at(friday, 10), 24 * 60, "思灵具身智能黑客松", "hackathon-1",
                           attendees=80)
    if new and hackathon is not None and hackathon.status == "pending":
        booking_decide(actor=operator, booking=hackathon, approve=True, reason="已审批，请提前一天布场")

    # 思灵周例会: every Monday 10:00 for eight weeks from next Monday, but for holidays.
    weekly = r["A1-6F 会议室 3"]
    if not BookingSeries.objects.filter(organiser=admin, place=weekly, title=SERIES_TITLE).exists():
        monday = today + dt.timedelta(days=7 - today.weekday())
        mondays = [monday + dt.timedelta(days=7 * k) for k in range(8)]
        series_create(actor=admin, place=weekly, title=SERIES_TITLE, first_date=mondays[0], last_date=mondays[-1],
                      start_time=dt.time(10, 0), minutes=60, key="demo:series-1", attendees=8,
                      exceptions=[d for d in mondays if not days.calendar.is_workday(d)])

    # 亦庄创新港: a meeting tomorrow (or the next working day) by one of its tenants' staff.
    if second is not None:
        tenant = next((e for e in ctx.enterprises if e.park_id == second.pk), None)
        person = _staff(tenant) if tenant is not None else None
        if person is not None:
            _book(person, r["Y1-3F 会议室"], at(_Days(second).workday(1), 10), 60, "项目例会", "yz-1")

    ctx.added["bookings_places"] = Place.objects.count() - before["places"]
    ctx.added["bookings_plans"] = added_plans
    ctx.added["bookings_allocations"] = int(lease) + int(bool(award))
    ctx.added["bookings"] = Booking.objects.count() - before["bookings"]
