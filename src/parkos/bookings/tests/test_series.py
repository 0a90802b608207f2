"""Weekly bookings: the preview shows each date and what stands in its way; making them is all or nothing;
a date left out is not booked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parkos.bookings.models import Booking, BookingSeries
from parkos.bookings.services.booking import booking_create
from parkos.bookings.services.series import series_create, series_preview
from parkos.bookings.tests.factories import CreditPlanFactory, PlaceFactory, new_key, staff_member
from parkos.core.errors import ErrorCode, Invalid

pytestmark = pytest.mark.django_db


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def test_a_weekly_booking_with_an_exception_and_a_conflict() -> None:
    member = staff_member(plan=CreditPlanFactory(monthly_credits=100))
    other = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory(open_on_weekends=True, max_days_ahead=60)
    first = _next_monday()
    taken = first + dt.timedelta(days=14)
    booking_create(actor=other, place=room, starts_at=timezone.make_aware(dt.datetime.combine(taken, dt.time(10, 30))),
                   ends_at=timezone.make_aware(dt.datetime.combine(taken, dt.time(11, 30))), title="别人的会",
                   key=new_key())
    skipped = first + dt.timedelta(days=7)
    args = {"place": room, "first_date": first, "last_date": first + dt.timedelta(days=28), "start_time": "10:00",
            "minutes": 60}
    preview = series_preview(actor=member, exceptions=[skipped], **args)
    assert [o.day for o in preview] == [first + dt.timedelta(days=7 * i) for i in range(5)]
    assert [o.skipped for o in preview] == [False, True, False, False, False]
    assert [o.ok for o in preview] == [True, True, False, True, True]
    assert "booked" in str(preview[2].problem) or "预订" in str(preview[2].problem)
    with pytest.raises(Invalid) as error:
        series_create(actor=member, title="周例会", key="w1", exceptions=[skipped], **args)
    assert error.value.code == ErrorCode.OVERLAP and error.value.details["dates"] == [taken.isoformat()]
    assert not BookingSeries.objects.exists() and Booking.objects.filter(organiser=member).count() == 0
    series = series_create(actor=member, title="周例会", key="w1", exceptions=[skipped, taken], **args)
    days = [timezone.localtime(b.starts_at).date() for b in series.bookings.order_by("starts_at")]
    assert days == [first, first + dt.timedelta(days=21), first + dt.timedelta(days=28)]
    assert series_create(actor=member, title="周例会", key="w1", exceptions=[skipped, taken], **args).pk == series.pk
    assert Booking.objects.filter(organiser=member).count() == 3


def test_a_weekly_booking_checks_its_bounds() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory()
    first = _next_monday()
    with pytest.raises(Invalid) as error:
        series_preview(actor=member, place=room, first_date=first, last_date=first + dt.timedelta(days=400),
                       start_time="10:00", minutes=60)
    assert error.value.code == ErrorCode.OUT_OF_RANGE
    with pytest.raises(Invalid):
        series_preview(actor=member, place=room, first_date=first, last_date=first - dt.timedelta(days=1),
                       start_time="10:00", minutes=60)
    with pytest.raises(Invalid):
        series_preview(actor=member, place=room, first_date=first, last_date=first, start_time="25:00", minutes=60)
    with pytest.raises(Invalid):
        series_create(actor=member, place=room, title="x", first_date=first, last_date=first, start_time="10:00",
                      minutes=60, key="k", exceptions=[first])
