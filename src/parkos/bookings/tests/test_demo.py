"""The demo's bookings: the main park's rooms and venues (three on the map, one 思灵机器人's own, a 24-hour
路演厅), the shared office with its two allocations, every demo enterprise on a credit plan, bookings around
today made through the services (checked in, today, coming, pending, approved, cancelled, a no-show, a weekly
series); the credits and the ledger check out, and seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django.db.models import Q, Sum

from parkos.bookings.models import (
    AllocatedDesk,
    Allocation,
    Booking,
    BookingSeries,
    BookingStatus,
    CreditMonth,
    CreditPlan,
    EnterprisePlan,
    FloorPlan,
    Place,
    PlaceKind,
)
from parkos.conftest import ensure_industries
from parkos.core.ledger import ledger_check
from parkos.core.models import LedgerOperation, Park
from parkos.demo.seed import N_ENTERPRISES, demo_email, seed_demo
from parkos.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = (Place, FloorPlan, CreditPlan, EnterprisePlan, CreditMonth, Booking, BookingSeries, Allocation,
          AllocatedDesk, LedgerOperation)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in TABLES}


def test_the_demo_bookings() -> None:
    ensure_industries()
    seed_demo(domains=["space", "bookings"])
    main, yizhuang = Park.objects.get(code="main"), Park.objects.get(code="yizhuang")
    siling = Enterprise.objects.get(short_name="思灵机器人")

    rooms = Place.objects.filter(park=main).exclude(kind=PlaceKind.DESK)
    assert rooms.filter(kind=PlaceKind.MEETING_ROOM).count() == 10 and rooms.filter(kind=PlaceKind.VENUE).count() == 2
    assert Place.objects.filter(park=yizhuang).exclude(kind=PlaceKind.DESK).count() == 2
    assert rooms.filter(needs_approval=True).count() >= 2
    own = rooms.get(audience="enterprise")
    assert own.audience_enterprise == siling
    hackathon_hall = rooms.get(open_all_day=True)
    assert hackathon_hall.name.endswith("路演厅") and hackathon_hall.max_minutes == 24 * 60
    # The map's three meeting rooms are the first three rooms.
    linked = list(rooms.filter(map_slug="park").order_by("map_area"))
    assert [p.name for p in linked] == ["A1-5F 会议室 1", "A1-5F 会议室 2", "A1-6F 会议室 3"]
    from parkos.space.models import SpaceMap
    from parkos.space.tiled import parse

    areas = parse(SpaceMap.objects.get(slug="park").tiled).areas
    assert [areas[p.map_area].name for p in linked] == ["会议室 1", "会议室 2", "会议室 3"]  # type: ignore[index]

    plan = FloorPlan.objects.get(park=main, name="A1 5F 共享办公区")
    assert plan.desks.count() == 40
    lease = Allocation.objects.get(enterprise=siling)
    assert lease.allocated.count() == 8 and lease.source == "lease"
    award = Allocation.objects.get(source_ref="competitions.award:demo-2026-1")
    assert award.source == "competition" and award.enterprise != siling and award.allocated.count() >= 1

    assert EnterprisePlan.objects.count() == N_ENTERPRISES
    assert EnterprisePlan.objects.get(enterprise=siling).plan.monthly_credits == 50
    assert set(CreditPlan.objects.filter(park=main).values_list("name", flat=True)) == {"基础版", "标准版", "专业版"}

    member = Booking.objects.filter(organiser__email=demo_email("member"))
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert {BookingStatus.CHECKED_IN, BookingStatus.CONFIRMED, BookingStatus.PENDING, BookingStatus.CANCELLED,
            BookingStatus.RELEASED} <= statuses
    assert member.filter(status=BookingStatus.PENDING, place__name="C2-2F 董事会议室").exists()
    assert member.filter(status=BookingStatus.CHECKED_IN).exists()
    hackathon = Booking.objects.get(title="思灵具身智能黑客松")
    assert hackathon.status == BookingStatus.CONFIRMED and hackathon.decided_by is not None
    series = BookingSeries.objects.get(title="思灵周例会")
    assert series.bookings.count() >= 6 and series.organiser.email == demo_email("admin")
    assert Booking.objects.filter(place__park=yizhuang).exists()

    # Credits: each month's counters are its bookings' (cancelled ones gave theirs back), and the ledger agrees.
    held = ~Q(status__in=[BookingStatus.CANCELLED, BookingStatus.REJECTED])
    for month in CreditMonth.objects.all():
        taken = Booking.objects.filter(held, credit_month=month).aggregate(c=Sum("credits"), f=Sum("charge_fen"))
        assert (month.used, month.charged_fen) == (taken["c"] or 0, taken["f"] or 0)
    assert CreditMonth.objects.filter(enterprise=siling, used__gt=0).exists()
    report = ledger_check()
    assert report.ok, report.problems

    before = _counts()
    seed_demo(domains=["space", "bookings"])
    assert _counts() == before
    assert ledger_check().ok
