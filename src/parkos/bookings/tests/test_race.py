"""No double booking, ever: 24 members (each with their own database connection, in threads) book
overlapping times of one room at the same moment, on whichever database the suite runs on (SQLite in
embedded mode, PostgreSQL with DATABASE_URL). Exactly one gets it; the others are told it is taken, and
nothing of theirs is written (no booking, no credits, no ledger operation)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from parkos.bookings.models import Booking, BookingStatus, CreditMonth
from parkos.bookings.services.booking import booking_create
from parkos.bookings.tests.factories import (
    CreditPlanFactory,
    PlaceFactory,
    new_key,
    next_workday,
    staff_member,
)
from parkos.conftest import storm
from parkos.core import ledger
from parkos.core.errors import Conflict, ErrorCode

pytestmark = pytest.mark.django_db(transaction=True)


def test_overlapping_requests_at_once_give_exactly_one_booking() -> None:
    plan = CreditPlanFactory(monthly_credits=10)
    members = [staff_member(plan=plan) for _ in range(24)]  # 24 enterprises, each with its own credits
    room = PlaceFactory(credits_per_hour=2, buffer_minutes=15)
    start = next_workday(hour=9)

    def book(i: int) -> Booking:
        offset = dt.timedelta(minutes=15 * (i % 4))  # 9:00, 9:15, 9:30, 9:45: every pair overlaps
        return booking_create(actor=members[i], place=room, starts_at=start + offset,
                              ends_at=start + offset + dt.timedelta(hours=1), title=f"抢订{i}", key=new_key())

    results = storm(len(members), book)
    made = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1, results
    assert len(refused) == len(members) - 1 and all(r.code == ErrorCode.OVERLAP for r in refused)
    assert Booking.objects.filter(place=room, status=BookingStatus.CONFIRMED).count() == 1
    # Only the winner's enterprise spent credits; the others' months (if opened) spent none.
    assert sum(m.used for m in CreditMonth.objects.all()) == 2
    assert ledger.ledger_check().ok


def test_a_retried_request_at_once_makes_one_booking() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory()
    start = next_workday(hour=14)
    results = storm(10, lambda i: booking_create(actor=member, place=room, starts_at=start,
                                                  ends_at=start + dt.timedelta(hours=1), title="周会", key="same"))
    assert all(isinstance(r, Booking) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert CreditMonth.objects.get().used == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only")
def test_postgresql_itself_refuses_an_overlap_written_past_the_service() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory()
    start = next_workday(hour=10)
    first = booking_create(actor=member, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                           title="A", key=new_key())
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(park=room.park, place=room, organiser=member, title="B", key="raw",
                               starts_at=start + dt.timedelta(minutes=30), ends_at=start + dt.timedelta(hours=2),
                               blocks_until=start + dt.timedelta(hours=2))
    # A cancelled booking holds nothing: the same time can be written again.
    Booking.objects.filter(pk=first.pk).update(status=BookingStatus.CANCELLED)
    Booking.objects.create(park=room.park, place=room, organiser=member, title="C", key="raw2", starts_at=start,
                           ends_at=start + dt.timedelta(hours=1), blocks_until=start + dt.timedelta(hours=1))
