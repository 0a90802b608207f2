"""Desks under contention, for real (threads, each with its own database connection): members booking a
desk for a day and operators allocating it for a period at the same moment get exactly one winner; the
same award arriving several times at once makes one allocation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parkos.accounts.tests.factories import operator
from parkos.bookings.models import AllocatedDesk, Allocation, Booking
from parkos.bookings.services.desks import allocation_create, allocation_for_award, desk_book
from parkos.bookings.tests.factories import new_key, staff_member
from parkos.bookings.tests.factories_desks import FloorPlanFactory, desks_on, workday
from parkos.conftest import storm
from parkos.core.errors import Conflict
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_bookings_and_allocations_of_one_desk_at_once_have_one_winner() -> None:
    plan = FloorPlanFactory()
    (desk,) = desks_on(plan, 1)
    day = workday()
    op = operator()
    members = [staff_member() for _ in range(4)]
    enterprises = [EnterpriseFactory() for _ in range(4)]

    def attempt(i: int) -> Any:
        if i % 2:
            return desk_book(actor=members[i // 2], desk=desk, day=day, key=new_key())
        return allocation_create(actor=op, park=park_default(), enterprise=enterprises[i // 2], desks=[desk],
                                 starts_on=day - dt.timedelta(days=i), ends_on=day + dt.timedelta(days=30))

    results = storm(8, attempt)
    won = [r for r in results if isinstance(r, Booking | Allocation)]
    assert len(won) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in won), results
    assert Booking.objects.count() + Allocation.objects.count() == 1


def test_one_award_arriving_at_once_makes_one_allocation() -> None:
    desks_on(FloorPlanFactory(), 6)
    winner = EnterpriseFactory()
    start = workday()
    results = storm(6, lambda i: allocation_for_award(park=park_default(), enterprise=winner, count=4, months=6,
                                                       starts_on=start, source_ref="competitions.award:7"))
    assert all(isinstance(r, Allocation) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Allocation.objects.count() == 1 and AllocatedDesk.objects.count() == 4
