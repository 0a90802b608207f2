"""A hand-built week of bookings (Monday 3 to Sunday 9 March 2025, all working days but the weekend), made
through the services as in production, with ``now`` set in the past. The figures and statements tests
count what it must give by hand.

- Room A (building 甲, floor "5F", 08:00–22:00 on working days: 5 × 14 h = 70 h open), 2 credits and ¥100
  an hour; venue V (same building, "1F", 09:00–18:00 every day: 7 × 9 h = 63 h open), ¥500 an hour.
- Enterprise E1 has 10 credits a month; E2 has 0 (everything is charged).

  b1 E1 A Mon 09:00–11:00  4 credits       checked in
  b2 E1 A Tue 14:00–15:00  2 credits       released (nobody came)
  b3 E2 A Wed 10:00–11:30  ¥150            checked in
  b4 E1 A Thu 09:30–10:30  (2 credits)     cancelled: given back
  b5 E2 V Sat 10:00–12:00  ¥1,000          checked in
  b6 E1 A Fri 21:00–22:00  2 credits       confirmed (not released yet)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.bookings.services.booking import booking_cancel, booking_create, bookings_release_no_shows
from parkos.bookings.services.checkin import booking_check_in
from parkos.bookings.tests.factories import CreditPlanFactory, PlaceFactory, new_key, staff_member
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory

MONDAY = dt.date(2025, 3, 3)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A Beijing time in March 2025."""
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=timezone.get_default_timezone())


def _book(user: Any, place: Any, start: dt.datetime, minutes: int, title: str = "例会") -> Any:
    return booking_create(actor=user, place=place, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
                          title=title, key=new_key(), now=at(1, 9))


@pytest.fixture(name="week")
def week_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="fb", name="乙园", name_en="Park B", position=5)
    parks_changed()
    cache.clear()
    building = BuildingFactory(code="JIA", name="甲楼", park=a)
    room = PlaceFactory(building=building, floor="5F", name="甲-501", name_en="A-501", credits_per_hour=2,
                        price_per_hour_fen=10_000)
    venue = PlaceFactory(kind="venue", building=building, floor="1F", name="报告厅", name_en="Hall",
                         opens_at=dt.time(9), closes_at=dt.time(18), open_on_weekends=True, credits_per_hour=0,
                         price_per_hour_fen=50_000, capacity=200)
    e1, e2 = EnterpriseFactory(name="一号科技", park=a), EnterpriseFactory(name="二号制造", park=a)
    u1 = staff_member(e1, plan=CreditPlanFactory(park=a, name="十点套餐", monthly_credits=10))
    admin1 = staff_member(e1, admin=True)
    u2 = staff_member(e2, plan=CreditPlanFactory(park=a, name="按量付费", monthly_credits=0, allow_overage=True))
    b1 = _book(u1, room, at(3, 9), 120, "周一例会")
    b2 = _book(u1, room, at(4, 14), 60, "周二面试")
    b3 = _book(u2, room, at(5, 10), 90, "周三评审")
    b4 = _book(u1, room, at(6, 9, 30), 60, "周四取消")
    b5 = _book(u2, venue, at(8, 10), 120, "周六发布会")
    b6 = _book(u1, room, at(7, 21), 60, "周五夜会")
    booking_cancel(actor=u1, booking=b4, now=at(1, 10))
    booking_check_in(actor=u1, booking=b1, now=at(3, 9, 5))
    assert bookings_release_no_shows(now=at(4, 14, 20)) == 1  # b2
    booking_check_in(actor=u2, booking=b3, now=at(5, 10))
    booking_check_in(actor=u2, booking=b5, now=at(8, 10))
    return {"a": a, "b": b, "room": room, "venue": venue, "e1": e1, "e2": e2, "u1": u1, "u2": u2, "admin1": admin1,
            "bookings": [b1, b2, b3, b4, b5, b6],
            "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
            "now": at(10, 12)}
