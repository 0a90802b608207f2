"""The generated park-year of bookings at tiny scale: places, plans, bookings and allocations exist, no two
active bookings of a place overlap (buffer included), no desk is in two allocations at once nor booked on a
day an allocation holds it, the credit months equal their bookings, and the ledger agrees."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.db.models import F, Q, Sum

from parkos.bookings.models import (
    ACTIVE,
    AllocatedDesk,
    Allocation,
    Booking,
    BookingStatus,
    CreditMonth,
    CreditPlan,
    EnterprisePlan,
    FloorPlan,
    Place,
    PlaceKind,
)
from parkos.bookings.services.credits import cost, statement_lines
from parkos.bookings.services.times import local, month_of
from parkos.core.ledger import ledger_check
from parkos.enterprises.models import Enterprise
from parkos.generator.registry import YEAR_END
from parkos.generator.services import park_generate

pytestmark = pytest.mark.django_db


def test_a_generated_park_year_of_bookings_is_consistent() -> None:
    """One generation, every check over it."""
    park_generate(scale="tiny", seed=5)
    _places_plans_and_allocations()
    _bookings_follow_the_rules()
    _no_two_active_bookings_of_a_place_overlap()
    _desks_are_never_held_twice()
    _credit_months_equal_their_bookings()
    report = ledger_check()
    assert report.ok, report.problems[:5]


def _places_plans_and_allocations() -> None:
    kinds = Counter(Place.objects.values_list("kind", flat=True))
    assert kinds[PlaceKind.MEETING_ROOM] >= 3 and kinds[PlaceKind.VENUE] >= 3 and kinds[PlaceKind.DESK] >= 24
    assert not Place.objects.filter(kind=PlaceKind.DESK, floor_plan__isnull=True).exists()
    assert not Place.objects.filter(kind=PlaceKind.DESK, x__isnull=True).exists()
    assert FloorPlan.objects.exists()
    assert Place.objects.filter(kind=PlaceKind.VENUE, needs_approval=True).exists()
    for place in Place.objects.exclude(kind=PlaceKind.DESK).select_related("building"):
        assert place.building is not None
        assert place.park_id == place.building.park_id and place.name.startswith(place.building.code), place.name
    # Three plans a park, one the default; every enterprise on a plan of its own park.
    assert set(CreditPlan.objects.values_list("name", flat=True)) == {"基础版", "标准版", "专业版"}
    assert CreditPlan.objects.filter(is_default=True).count() == CreditPlan.objects.values("park").distinct().count()
    assert EnterprisePlan.objects.count() == Enterprise.objects.count()
    assert not EnterprisePlan.objects.exclude(plan__park_id=F("enterprise__park_id")).exists()
    assert Allocation.objects.exists() and AllocatedDesk.objects.exists()
    for allocation in Allocation.objects.all():
        assert allocation.allocated.exists()
        assert not allocation.allocated.exclude(desk__park_id=allocation.park_id).exists()
        assert allocation.enterprise.park_id == allocation.park_id


def _bookings_follow_the_rules() -> None:
    statuses = Counter(Booking.objects.values_list("status", flat=True))
    assert statuses[BookingStatus.CHECKED_IN] > statuses[BookingStatus.CANCELLED] > 0
    assert statuses[BookingStatus.RELEASED] > 0
    assert not Booking.objects.filter(created_at__gt=YEAR_END).exists()  # nothing made after "today"
    assert not Booking.objects.filter(status__in=[BookingStatus.CHECKED_IN, BookingStatus.RELEASED],
                                      starts_at__gt=YEAR_END).exists()
    assert Booking.objects.filter(starts_at__gt=YEAR_END, status=BookingStatus.CONFIRMED).exists()  # ahead
    assert not Booking.objects.filter(status=BookingStatus.CHECKED_IN, checked_in_at__isnull=True).exists()
    assert not Booking.objects.filter(created_at__gt=F("starts_at")).exists()
    for booking in Booking.objects.exclude(place__kind=PlaceKind.DESK).select_related("place")[:2000]:
        place, start, end = booking.place, local(booking.starts_at), local(booking.ends_at)
        minutes = (booking.ends_at - booking.starts_at).total_seconds() / 60
        assert start.minute % 15 == 0 and end.minute % 15 == 0
        assert place.min_minutes <= minutes <= place.max_minutes, booking.pk
        assert (booking.blocks_until - booking.ends_at).total_seconds() == place.buffer_minutes * 60
        if not place.open_all_day:
            assert start.date() == end.date() and place.opens_at <= start.time() and end.time() <= place.closes_at
        assert booking.enterprise is not None and booking.enterprise.park_id == place.park_id
        if place.audience_enterprise_id:
            assert booking.enterprise_id == place.audience_enterprise_id
    for booking in Booking.objects.filter(place__kind=PlaceKind.DESK)[:500]:
        assert (booking.ends_at - booking.starts_at).days == 1 and local(booking.starts_at).hour == 0


def _no_two_active_bookings_of_a_place_overlap() -> None:
    statuses = ", ".join(f"'{s}'" for s in ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM bookings_booking a JOIN bookings_booking b ON a.place_id = b.place_id "
                       f"AND a.id < b.id AND a.starts_at < b.blocks_until AND b.starts_at < a.blocks_until "
                       f"WHERE a.status IN ({statuses}) AND b.status IN ({statuses})")
        assert cursor.fetchone()[0] == 0


def _desks_are_never_held_twice() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bookings_allocateddesk a JOIN bookings_allocateddesk b "
                       "ON a.desk_id = b.desk_id AND a.id < b.id AND a.starts_on <= b.ends_on AND b.starts_on <= a.ends_on")
        assert cursor.fetchone()[0] == 0
    for held in AllocatedDesk.objects.all():
        days = {local(s).date() for s in Booking.objects.filter(
            place_id=held.desk_id, status__in=ACTIVE).values_list("starts_at", flat=True)}
        assert not {d for d in days if held.starts_on <= d <= held.ends_on}, held.pk
    # One desk a day per member (desk_book).
    seats = Counter((organiser, local(start).date()) for organiser, start in Booking.objects.filter(
        place__kind=PlaceKind.DESK, status__in=ACTIVE).values_list("organiser_id", "starts_at"))
    assert seats and max(seats.values()) == 1


def _credit_months_equal_their_bookings() -> None:
    months = list(CreditMonth.objects.select_related("enterprise"))
    assert months
    plans = dict(EnterprisePlan.objects.values_list("enterprise_id", "plan__monthly_credits"))
    held = ~Q(status__in=[BookingStatus.CANCELLED, BookingStatus.REJECTED])
    for month in months:
        assert month.granted == plans[month.enterprise_id]
        taken = Booking.objects.filter(held, credit_month=month).aggregate(c=Sum("credits"), f=Sum("charge_fen"))
        assert (month.used, month.charged_fen) == (taken["c"] or 0, taken["f"] or 0), month.pk
        assert 0 <= month.used <= month.granted
        assert statement_lines(month) == {"granted": month.granted, "available": month.granted - month.used,
                                          "used": month.used, "charged_fen": month.charged_fen}
    # Each booking's credits and charge are what the service's quote gives at its price.
    for booking in Booking.objects.filter(credit_month__isnull=False).select_related("place", "credit_month")[:2000]:
        needed, fen = cost(booking.place, int((booking.ends_at - booking.starts_at).total_seconds() // 60))
        assert booking.credit_month is not None
        assert booking.credit_month.month == month_of(booking.starts_at)
        assert booking.credit_month.enterprise_id == booking.enterprise_id
        assert booking.credits <= needed and (booking.credits == needed or booking.charge_fen > 0
                                              or not booking.credit_month.allow_overage)
        assert booking.charge_fen <= fen
    assert not Booking.objects.filter(credit_month__isnull=True, credits__gt=0).exists()
