"""The park's events of the year: 40 events and 34,000 registrations (seed/brief.md), with check-ins.

Popular events fill up and keep a waitlist; some people cancel; about three in four confirmed people
of a past event were checked in at the door. Tickets are signed with the site's SECRET_KEY (so they
scan); with the same key and seed the bytes are the same on every run.

Parks: an event takes place in its building's park (an enterprise's event in a building of its own park);
an online event in the park of a building drawn at random, so parks weigh by their size. A park's event is
organised by one of that park's operators (else a portfolio operator). Registrations copy their event's park.
"""

from __future__ import annotations

import bisect
import itertools
from datetime import timedelta

from parkos.accounts.models import Role
from parkos.events import tickets
from parkos.events.models import Audience, PlaceKind, Registration
from parkos.generator.registry import YEAR_END, YEAR_START, Context, part

EVENTS = 40
REGISTRATIONS = 34_000
CHECKIN_SHARE = 0.76
CANCEL_SHARE = 0.07
TITLES = ["东升杯创业大赛路演日", "具身智能技术沙龙", "园区夜跑", "国际人才政策宣讲会", "企业管家开放日", "高企认定政策解读会",
          "大模型应用分享会", "园区篮球友谊赛", "知识产权保护讲座", "投融资对接会", "新春联欢会", "人才招聘双选会",
          "园区读书会", "亲子科普日", "医疗器械注册申报培训", "新能源产业论坛", "跨境出海沙龙", "中秋游园会",
          "年度颁奖典礼", "机器人创新大赛宣讲会"]
PLACES = ["一层 路演大厅", "3F 报告厅", "多功能厅", "中央草坪", "B1 展厅", "会议中心 第二会议室", "咖啡厅"]
QUESTIONS = [{"id": "q1", "label": "所在企业或机构", "kind": "text", "required": False},
             {"id": "q2", "label": "参与方式", "kind": "choice", "choices": ["线下", "线上"], "required": True}]
S = Registration.Status


@part("events", after=("enterprises", "memberships"), models=("events.Event",),
      rows=lambda f: max(1, round(EVENTS * f)))
def events(ctx: Context) -> int:
    rng = ctx.rng
    n = ctx.count(EVENTS)
    total = ctx.count(REGISTRATIONS)
    operators = list(ctx.shared["role_holders"][Role.OPERATOR])
    staff = ctx.shared["staff"]
    buildings = [b[0] for b in ctx.shared["buildings"]]
    # Published by the enterprises part; the fallbacks (every building and enterprise in park 1) keep this
    # part working on its own.
    building_park: dict[int, int] = ctx.shared.get("building_park", {})
    enterprise_park: dict[int, int] = ctx.shared.get("enterprise_park", {})
    operators_by_park: dict[int | None, list[int]] = ctx.shared.get("operators_by_park", {})
    by_park: dict[int, list[int]] = {}
    for building_id in buildings:
        by_park.setdefault(building_park.get(building_id, 1), []).append(building_id)
    # A few big events draw thousands, most a few hundred: Pareto weights, normalised to the year's total.
    weights = [min(rng.paretovariate(1.3), 12.0) for _ in range(n)]
    demand = [max(5, round(total * w / sum(weights))) for w in weights]
    demand[-1] += total - sum(demand)
    rows = []
    plan = []
    for i in range(1, n + 1):
        starts = ctx.moment(YEAR_START + timedelta(days=20), YEAR_END - timedelta(days=2))
        starts = starts.replace(hour=rng.choice([9, 10, 14, 14, 15, 19]), minute=rng.choice([0, 30]), second=0)
        ends = starts + timedelta(hours=rng.choice([1, 2, 2, 3, 4]))
        created = starts - timedelta(days=rng.randint(10, 40))
        by_enterprise = rng.random() < 0.35
        enterprise = rng.randrange(len(staff)) + 1 if by_enterprise else None
        online = rng.random() < 0.12
        if enterprise:
            park = enterprise_park.get(enterprise, 1)
            building = rng.choice(by_park.get(park) or buildings)
            organiser = staff[enterprise - 1][0]
        else:
            building = rng.choice(buildings)
            park = building_park.get(building, 1)
            organiser = rng.choice(operators_by_park.get(park) or operators_by_park.get(None) or operators)
        wanted = demand[i - 1]
        # Popular events fill: capacity a little under demand, so they keep a waitlist.
        capacity = max(5, round(wanted * rng.uniform(0.85, 0.97))) if rng.random() < 0.4 else round(wanted * 1.3) + 5
        audience = Audience.TENANTS if rng.random() < 0.15 else Audience.EVERYONE
        title = TITLES[(i - 1) % len(TITLES)] + (f"（第{(i - 1) // len(TITLES) + 1}期）" if i > len(TITLES) else "")
        rows.append((
            i, created, created, title, f"{title}：欢迎园区伙伴参加。", "", starts, ends,
            PlaceKind.ONLINE if online else PlaceKind.PARK, None if online else building,
            "" if online else rng.choice(PLACES), None, f"https://meeting.example.cn/j/{i:06d}" if online else "",
            capacity, created, starts - timedelta(hours=2), audience, organiser, enterprise, None,
            QUESTIONS if rng.random() < 0.5 else [], rng.choice([0, 0, 0, 10, 20]), 24, "published", None,
            starts - timedelta(hours=24) if starts < YEAR_END else None, park,
        ))
        plan.append((i, created, starts, capacity, wanted, rows[-1][20], park))
    ctx.shared["event_plan"] = plan
    ctx.ids["events"] = range(1, n + 1)
    return ctx.insert(
        "events.Event",
        ["id", "created_at", "updated_at", "title", "description", "cover", "starts_at", "ends_at", "place_kind",
         "building_id", "place", "map_room_id", "online_url", "capacity", "registration_opens_at",
         "registration_closes_at", "audience", "created_by_id", "enterprise_id", "group_id", "questions",
         "price_points", "offer_hours", "status", "cancelled_at", "reminded_at", "park_id"],
        rows,
    )


@part("event_registrations", after=("events",), models=("events.Registration", "events.CheckIn"),
      rows=lambda f: round(max(1, round(REGISTRATIONS * f)) * (1 + CHECKIN_SHARE * 0.85)))
def event_registrations(ctx: Context) -> int:
    rng = ctx.rng
    members = list(ctx.ids["members"])
    joined = ctx.shared["joined"]
    # Active members register more: draw by the generator's activity weights.
    cumulative = list(itertools.accumulate(ctx.shared["activity"]))
    checkins: list[tuple[object, ...]] = []
    pk = 0

    def registrations() -> object:
        nonlocal pk
        for event_id, created, starts, capacity, wanted, questions, park in ctx.shared["event_plan"]:
            # Members are numbered in joining order: those who had joined by the event are 1..eligible.
            eligible = bisect.bisect(joined, starts)
            target = min(wanted, int(eligible * 0.6))
            chosen: dict[int, None] = {}
            while len(chosen) < target:
                chosen[members[bisect.bisect(cumulative, rng.random() * cumulative[eligible - 1])]] = None
            window = (starts - timedelta(hours=2)) - created
            moments = sorted(created + window * rng.random() for _ in range(len(chosen)))
            held = 0
            for user, queued in zip(chosen, moments, strict=True):
                pk += 1
                code = f"{rng.getrandbits(144):036x}"  # as unguessable as a live ticket's code
                digest = tickets.hash_of(tickets.payload_of(event_id, code))
                if held < capacity and rng.random() >= CANCEL_SHARE:
                    status, confirmed, cancelled = S.CONFIRMED, queued, None
                    held += 1
                    if rng.random() < CHECKIN_SHARE:
                        at = starts - timedelta(minutes=rng.randint(0, 40))
                        checkins.append((len(checkins) + 1, pk, event_id, at, at, None, f"门口-{rng.randint(1, 3)}"))
                elif held < capacity:
                    status, confirmed, cancelled = S.CANCELLED, queued, queued + (starts - queued) * rng.random()
                else:
                    status, confirmed, cancelled = S.WAITLISTED, None, None
                answers = ({"q2": rng.choice(["线下", "线上"])} if questions else {})
                yield (pk, queued, queued, event_id, user, status, queued, answers, 0, None, confirmed, cancelled,
                       code, digest, park)

    written = ctx.insert(
        "events.Registration",
        ["id", "created_at", "updated_at", "event_id", "user_id", "status", "queued_at", "answers", "points",
         "offer_expires_at", "confirmed_at", "cancelled_at", "ticket_code", "ticket_hash", "park_id"],
        registrations(),  # type: ignore[arg-type]
    )
    written += ctx.insert("events.CheckIn", ["id", "registration_id", "event_id", "checked_in_at", "synced_at",
                                             "by_id", "device"], checkins)
    return written
