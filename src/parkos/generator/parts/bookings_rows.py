"""The bookings part's shape and rows (``parts/bookings.py`` makes the year from them): the sizes and
distributions of rooms, venues, desks, plans and bookings at seed scale, the columns written, Beijing-day
arithmetic on epoch seconds (no daylight saving), and the row objects with the ledger rows they make — the
same keys, kinds, accounts and digests as ``bookings/services/credits.py``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from parkos.core.ledger import digest_of

ROOMS = 60  # rooms and venues, seed scale
DESKS = 800
DESKS_PER_PLAN, DESKS_PER_ROW = 80, 10
ALLOCATIONS = 40
FUTURE_DAYS = 60  # days after "today" (YEAR_END) looked at for bookings already made
CANCELLED, RELEASED, REJECTED = 0.08, 0.06, 0.04  # REJECTED: of the bookings of places that need approval
SERIES_SHARE = 0.3  # of the rooms that allow booking 90 days ahead, those with a weekly series
DESK_CHECKED_IN = 0.82  # of a past desk day not cancelled (desks are not released: the rest never came)

LOCAL = 8 * 3600  # Beijing time has no daylight saving: local = UTC + 8 h
DAY, HOUR, MINUTE, QUARTER = 86_400, 3600, 60, 900
SUBJECT = "bookings.creditmonth"

# Kinds of rooms: (slug, name, English name, kind, capacity, equipment, credits an hour, fen an hour, min and max
# minutes, buffer minutes, days ahead, description, weight).
ROOM_KINDS: list[tuple[Any, ...]] = [
    ("small", "小会议室", "Small meeting room", "room", 6, ["screen", "whiteboard"], 1, 6_000, 30, 240, 0, 30,
     "6 人小会议室，显示屏与白板，适合站会和小组讨论。", 36),
    ("medium", "中会议室", "Meeting room", "room", 12, ["screen", "video", "whiteboard", "phone"], 2, 12_000, 30, 240,
     15, 90, "12 人会议室，视频会议设备齐全。", 28),
    ("large", "大会议室", "Large meeting room", "room", 24, ["projector", "video", "sound", "phone", "whiteboard"], 4,
     30_000, 60, 480, 15, 90, "24 人大会议室，投影、音响与视频会议，可开全员会。", 12),
    ("talk", "洽谈室", "Discussion room", "room", 4, ["screen"], 1, 4_000, 30, 120, 0, 30,
     "4 人洽谈室，接待客户、面试。", 12),
    ("training", "培训室", "Training room", "room", 40, ["projector", "sound", "whiteboard", "power"], 6, 50_000, 60,
     480, 30, 90, "40 人培训室，课桌式布置，每座有电源。", 6),
    ("phone", "电话间", "Phone booth", "room", 1, [], 0, 0, 30, 60, 0, 7, "单人电话间，免费使用，一次最多一小时。", 6),
]
VENUE_KINDS: dict[str, tuple[Any, ...]] = {
    "roadshow": ("roadshow", "路演厅", "Roadshow hall", "venue", 120, ["stage", "projector", "sound", "video"], 20,
                 150_000, 120, 600, 60, 60, "120 座路演厅，舞台、投影与直播设备。使用需园区审批。", 0),
    "hall": ("hall", "多功能厅", "Multi-function hall", "venue", 200, ["stage", "projector", "sound", "power"], 30,
             200_000, 120, 600, 60, 60, "200 人多功能厅，可布置发布会、沙龙和展览。使用需园区审批。", 0),
    "hackathon": ("hackathon", "路演厅（24 小时）", "Roadshow hall (24 h)", "venue", 80,
                  ["stage", "projector", "sound", "power"], 10, 60_000, 120, 1440, 60, 60,
                  "全天开放的路演厅，黑客松和通宵活动可跨夜预订。使用需园区审批。", 0),
}
ROOM_TITLES = ["周会", "项目评审", "客户拜访", "面试", "产品评审会", "技术分享", "季度复盘", "需求讨论", "合作洽谈", "站会",
               "方案汇报", "投资人会谈", "新人培训", "设计评审", "销售例会", "财务对账", "招聘面试", "供应商沟通"]
VENUE_TITLES = ["产品发布会", "创业项目路演", "行业沙龙", "技术大会", "招聘宣讲会", "客户答谢会", "年度总结会", "开放日活动"]
SERIES_TITLES = ["周例会", "部门周会", "技术周会", "销售周例会", "产品周会"]
OPERATOR_REASONS = ["会议室设备检修，已为您取消", "园区临时活动征用", "空调维修"]
DECLINE_REASONS = ["当天已有园区活动", "活动规模超出场地容量，请改约多功能厅", "请补充活动方案后重新申请"]
# Lengths in minutes and their weights.
ROOM_LENGTHS = ((30, 18), (45, 8), (60, 30), (90, 16), (120, 14), (180, 7), (240, 4), (300, 2), (480, 1))
VENUE_LENGTHS = ((120, 15), (180, 25), (240, 25), (360, 15), (480, 15), (600, 5))
# Days between booking and start (0: the same day) and their weights.
LEAD_DAYS = ((0, 30), (1, 25), (2, 12), (3, 8), (5, 8), (7, 7), (10, 4), (14, 3), (21, 2), (28, 1))
VENUE_LEAD_DAYS = ((3, 10), (7, 25), (14, 30), (21, 20), (30, 10), (45, 5))
# (name, credits a month, overage charged, share of enterprises)
PLANS = [("基础版", 10, False, 50), ("标准版", 20, True, 35), ("专业版", 50, True, 15)]

PLACE_FIELDS = ["id", "park_id", "kind", "building_id", "floor", "name", "name_en", "description", "capacity",
                "equipment", "photo", "opens_at", "closes_at", "open_on_weekends", "open_all_day", "audience",
                "audience_enterprise_id", "price_per_hour_fen", "credits_per_hour", "needs_approval", "min_minutes",
                "max_minutes", "max_days_ahead", "cancel_hours", "buffer_minutes", "max_hours_per_week", "map_slug",
                "floor_plan_id", "x", "y", "checkin_token", "is_active", "position", "created_by_id", "created_at"]
BOOKING_FIELDS = ["id", "park_id", "place_id", "organiser_id", "enterprise_id", "series_id", "title", "note",
                  "attendees", "starts_at", "ends_at", "blocks_until", "status", "credits", "charge_fen",
                  "credit_month_id", "key", "checked_in_at", "checked_in_by_id", "checked_in_how", "decided_by_id",
                  "cancelled_at", "cancelled_by_id", "reason", "created_at"]
OP_FIELDS = ["id", "scope", "key", "kind", "subject_type", "subject_id", "parties", "detail", "actor_id", "digest",
             "created_at"]
ENTRY_FIELDS = ["id", "operation_id", "subject_type", "subject_id", "account", "amount"]
MODELS = ("bookings.FloorPlan", "bookings.Place", "bookings.CreditPlan", "bookings.EnterprisePlan",
          "bookings.CreditMonth", "bookings.BookingSeries", "bookings.Booking", "bookings.Allocation",
          "bookings.AllocatedDesk")
BULK = ["bookings.Booking", "bookings.CreditMonth", "bookings.AllocatedDesk"]


def _rows_estimate(f: float) -> int:
    # Measured at seed scale: ~47 k room and venue bookings, ~41 k desk days, ~58 k ledger operations with their
    # ~117 k entries, ~11 k credit months, places and allocations (~275 k rows). Small parks keep their minimum
    # rooms and desks (six and 24): ~9.5 k rows.
    return max(9_500, round(275_000 * f))


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _utc(epoch: int | None) -> str | None:
    """A Unix time as the ORM stores an aware datetime (naive UTC text)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _local_day(epoch: int) -> int:
    return (epoch + LOCAL) // DAY


def _midnight(day: int) -> int:
    """The epoch of local midnight starting local day number ``day``."""
    return day * DAY - LOCAL


def _date(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=day)


def _day_number(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _month_of(epoch: int) -> date:
    return _date(_local_day(epoch)).replace(day=1)


def _weighted(pairs: tuple[tuple[int, int], ...]) -> tuple[list[int], list[int]]:
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


@dataclass
class _Place:
    id: int
    park: int
    building: int
    spec: tuple[Any, ...]
    audience_enterprise: int | None = None
    popularity: float = 0.5
    open_all_day: bool = False
    name: str = ""

    @property
    def kind(self) -> str:
        return str(self.spec[3])

    @property
    def credits_per_hour(self) -> int:
        return int(self.spec[6])

    @property
    def fen_per_hour(self) -> int:
        return int(self.spec[7])

    @property
    def needs_approval(self) -> bool:
        return self.kind == "venue"

    @property
    def buffer(self) -> int:
        return int(self.spec[10]) * MINUTE

    @property
    def days_ahead(self) -> int:
        return int(self.spec[11])

    @property
    def cancel_hours(self) -> int:
        return 48 if self.kind == "venue" else 2

    def cost(self, minutes: int) -> tuple[int, int]:
        """``credits.cost``: part hours round credits up and fen to the fen."""
        return math.ceil(self.credits_per_hour * minutes / 60), math.ceil(self.fen_per_hour * minutes / 60)


@dataclass
class _Booking:
    place: _Place
    starts: int
    ends: int
    created: int
    organiser: int
    enterprise: int
    title: str
    attendees: int
    series: int | None = None
    key: str = ""
    status: str = "confirmed"
    checked_in: int | None = None
    how: str = ""
    decided_by: int | None = None
    cancelled: int | None = None  # also the moment a decline was decided
    cancelled_by: int | None = None
    reason: str = ""
    credits: int = 0
    charge: int = 0
    month: int | None = None
    id: int = 0
    dropped: bool = False


@dataclass
class _Month:
    id: int
    park: int
    enterprise: int
    month: date
    granted: int
    allow_overage: bool
    plan: str
    opened: int
    used: int = 0
    charged: int = 0


@dataclass
class _Ledger:
    # (at, order, key, kind, month id, postings, actor, detail)
    ops: list[tuple[Any, ...]] = field(default_factory=list)

    def add(self, at: int, order: tuple[int, ...], key: str, kind: str, month: int,
            postings: list[tuple[str, int]], actor: int | None, detail: dict[str, Any]) -> None:
        self.ops.append((at, order, key, kind, month, [p for p in postings if p[1]], actor, detail))

    def rows(self, first_op: int, first_entry: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        ops: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        entry_id = first_entry
        for op_id, (at, _order, key, kind, month, postings, actor, detail) in enumerate(
                sorted(self.ops, key=lambda o: (o[0], o[1])), start=first_op):
            lines = sorted(f"{account}\x1f{amount}\x1f{SUBJECT}\x1f{month}" for account, amount in postings)
            ops.append((op_id, "bookings", key, kind, SUBJECT, month, "[]", json.dumps(detail), actor,
                        digest_of(kind, (SUBJECT, month), lines, [], detail), _utc(at)))
            for account, amount in postings:
                entries.append((entry_id, op_id, SUBJECT, month, account, amount))
                entry_id += 1
        return ops, entries
