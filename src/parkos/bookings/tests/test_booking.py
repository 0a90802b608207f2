"""Booking a room: rules, credits, cancellation, approval, and refusals that write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory, operator
from parkos.bookings.models import Booking, BookingStatus, CreditMonth, Place
from parkos.bookings.services.booking import booking_cancel, booking_create, booking_decide, booking_quote
from parkos.bookings.services.credits import statement_lines
from parkos.bookings.tests.factories import (
    CreditPlanFactory,
    PlaceFactory,
    new_key,
    next_workday,
    staff_member,
)
from parkos.core import ledger
from parkos.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid
from parkos.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _book(user, place, start, hours=1.0, **kwargs):
    return booking_create(actor=user, place=place, starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                          title=kwargs.pop("title", "周会"), key=kwargs.pop("key", new_key()), **kwargs)


def test_a_booking_uses_credits_and_the_statement_equals_the_ledger() -> None:
    plan = CreditPlanFactory(monthly_credits=20)
    member = staff_member(plan=plan)
    room = PlaceFactory(credits_per_hour=2)
    start = next_workday(hour=9)
    quote = booking_quote(actor=member, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    assert (quote.credits, quote.charge_fen, quote.left) == (4, 0, 20)
    assert "4" in str(quote.text()) and "20" in str(quote.text())
    booking = _book(member, room, start, hours=2, expected=(4, 0))
    assert booking.status == BookingStatus.CONFIRMED and booking.credits == 4
    month = CreditMonth.objects.get()
    assert (month.granted, month.used) == (20, 4)
    assert statement_lines(month) == {"granted": 20, "available": 16, "used": 4, "charged_fen": 0}
    assert ledger.ledger_check().ok
    CreditMonth.objects.filter(pk=month.pk).update(used=5)  # a counter changed behind the ledger's back
    assert any("bookings.creditmonth" in p for p in ledger.ledger_check().problems)


def test_no_double_booking_and_the_buffer_is_kept() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory(buffer_minutes=15)
    start = next_workday(hour=10)
    _book(member, room, start)
    with pytest.raises(Conflict) as error:
        _book(member, room, start + dt.timedelta(minutes=30))
    assert error.value.code == ErrorCode.OVERLAP
    with pytest.raises(Conflict):  # right after the end, inside the buffer
        _book(member, room, start + dt.timedelta(hours=1))
    _book(member, room, start + dt.timedelta(hours=1, minutes=15))  # after the buffer
    with pytest.raises(Conflict):  # ends inside the first booking's buffer's reach
        _book(member, room, start - dt.timedelta(minutes=60), hours=1)
    assert Booking.objects.count() == 2


def test_a_retry_with_the_same_key_returns_the_same_booking() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory()
    start = next_workday(hour=11)
    first = _book(member, room, start, key="k1")
    assert _book(member, room, start, key="k1").pk == first.pk
    with pytest.raises(Conflict) as error:
        _book(member, room, start + dt.timedelta(hours=2), key="k1")
    assert error.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert CreditMonth.objects.get().used == 1


def test_credits_exhausted_mid_booking_is_refused_and_writes_nothing() -> None:
    plan = CreditPlanFactory(monthly_credits=4, allow_overage=False)
    enterprise = EnterpriseFactory()
    alice = staff_member(enterprise, plan=plan)
    bob = staff_member(enterprise)
    room, other = PlaceFactory(credits_per_hour=2), PlaceFactory(credits_per_hour=2)
    start = next_workday(hour=9)
    quote = booking_quote(actor=alice, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    assert (quote.credits, quote.refused) == (4, False)
    _book(bob, other, start, hours=1)  # a colleague spends 2 of the 4 meanwhile
    operations = ledger.LedgerOperation.objects.count()
    with pytest.raises(Conflict) as error:
        _book(alice, room, start, hours=2, expected=(quote.credits, quote.charge_fen))
    assert error.value.code == ErrorCode.CREDITS_EXHAUSTED
    assert Booking.objects.filter(organiser=alice).count() == 0
    assert CreditMonth.objects.get().used == 2
    assert ledger.LedgerOperation.objects.count() == operations


def test_the_price_changed_meanwhile_is_refused_with_the_new_quote() -> None:
    plan = CreditPlanFactory(monthly_credits=2, allow_overage=True)
    enterprise = EnterpriseFactory()
    alice, bob = staff_member(enterprise, plan=plan), staff_member(enterprise)
    room, other = PlaceFactory(credits_per_hour=2), PlaceFactory(credits_per_hour=2)
    start = next_workday(hour=14)
    quote = booking_quote(actor=alice, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    assert (quote.credits, quote.charge_fen) == (2, 0)
    _book(bob, other, start)
    with pytest.raises(Conflict) as error:
        _book(alice, room, start, expected=(2, 0))
    assert error.value.code == ErrorCode.QUOTE_CHANGED
    assert error.value.details == {"credits": 0, "charge_fen": 10_000}
    booking = _book(alice, room, start, expected=(0, 10_000))
    assert (booking.credits, booking.charge_fen) == (0, 10_000)
    assert CreditMonth.objects.get().charged_fen == 10_000


def test_cancellation_gives_credits_back_until_the_deadline_only() -> None:
    member = staff_member(plan=CreditPlanFactory(monthly_credits=10))
    room = PlaceFactory(cancel_hours=2)
    start = next_workday(hour=15)
    booking = _book(member, room, start, hours=2)
    booking_cancel(actor=member, booking=booking, now=start - dt.timedelta(hours=3))
    month = CreditMonth.objects.get()
    assert month.used == 0 and statement_lines(month)["used"] == 0
    late = _book(member, room, start, hours=1)
    with pytest.raises(Conflict) as error:
        booking_cancel(actor=member, booking=late, now=start - dt.timedelta(hours=1))
    assert error.value.code == ErrorCode.CANCEL_TOO_LATE
    assert Booking.objects.get(pk=late.pk).status == BookingStatus.CONFIRMED
    booking_cancel(actor=operator(), booking=late, reason="设备检修", now=start - dt.timedelta(hours=1))
    assert Booking.objects.get(pk=late.pk).status == BookingStatus.CANCELLED


def test_a_room_restricted_to_another_enterprise_is_refused() -> None:
    owner = EnterpriseFactory()
    room = PlaceFactory(audience="enterprise", audience_enterprise=owner)
    outsider = staff_member(plan=CreditPlanFactory())
    with pytest.raises(Forbidden) as error:
        _book(outsider, room, next_workday(hour=9))
    assert error.value.code == ErrorCode.NOT_ELIGIBLE
    assert Booking.objects.count() == 0
    _book(staff_member(owner), room, next_workday(hour=9))


def test_a_member_without_an_enterprise_books_only_free_places() -> None:
    loner = UserFactory()
    with pytest.raises(DomainError):
        _book(loner, PlaceFactory(), next_workday(hour=9))
    free = PlaceFactory(audience="everyone", credits_per_hour=0, price_per_hour_fen=0)
    assert _book(loner, free, next_workday(hour=9)).credits == 0


def test_rules_lengths_hours_ahead_and_quarters() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory(min_minutes=30, max_minutes=120, max_days_ahead=14)
    start = next_workday(hour=9)
    cases = [
        (start, start + dt.timedelta(minutes=15), ErrorCode.OUT_OF_RANGE),
        (start, start + dt.timedelta(hours=3), ErrorCode.OUT_OF_RANGE),
        (start.replace(hour=7), start.replace(hour=8, minute=30), ErrorCode.OUTSIDE_HOURS),
        (start.replace(hour=21), start.replace(hour=23), ErrorCode.OUTSIDE_HOURS),
        (start.replace(minute=10), start.replace(hour=10), ErrorCode.INVALID),
        (next_workday(20, hour=9), next_workday(20, hour=10), ErrorCode.TOO_FAR_AHEAD),
        (timezone.now() - dt.timedelta(days=1), timezone.now() - dt.timedelta(hours=23), None),
    ]
    for starts_at, ends_at, code in cases:
        with pytest.raises((Invalid, Conflict, DomainError)) as error:
            booking_create(actor=member, place=room, starts_at=starts_at, ends_at=ends_at, title="x", key=new_key())
        if code:
            assert error.value.code == code, (starts_at, ends_at)
    assert Booking.objects.count() == 0


def test_approval_holds_the_slot_and_a_decline_frees_it() -> None:
    member = staff_member(plan=CreditPlanFactory(monthly_credits=10))
    hall = PlaceFactory(kind="venue", needs_approval=True, capacity=200)
    start = next_workday(hour=13)
    booking = _book(member, hall, start, hours=2)
    assert booking.status == BookingStatus.PENDING
    with pytest.raises(Conflict):
        _book(staff_member(plan=CreditPlanFactory()), hall, start)
    with pytest.raises(Forbidden):
        booking_decide(actor=member, booking=booking, approve=True)
    with pytest.raises(Invalid):  # declining needs a reason
        booking_decide(actor=operator(), booking=booking, approve=False)
    booking_decide(actor=operator(), booking=booking, approve=False, reason="当天已有园区活动")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REJECTED
    assert CreditMonth.objects.get().used == 0
    _book(staff_member(plan=CreditPlanFactory()), hall, start)


def test_a_booking_across_midnight_only_where_the_place_is_open_all_night() -> None:
    member = staff_member(plan=CreditPlanFactory(monthly_credits=100))
    night = next_workday(hour=23)
    room = PlaceFactory(open_on_weekends=True, max_minutes=600)
    with pytest.raises(Invalid) as error:
        _book(member, room, night, hours=2)
    assert error.value.code == ErrorCode.OUTSIDE_HOURS
    hall = PlaceFactory(kind="venue", open_all_day=True, open_on_weekends=True, max_minutes=600)
    booking = _book(member, hall, night, hours=2)
    assert timezone.localtime(booking.ends_at).date() == timezone.localtime(night).date() + dt.timedelta(days=1)


def test_beijing_day_and_month_not_utc() -> None:
    """07:00 on the first of a month in Beijing is 23:00 on the last day of the previous month in UTC: the
    booking belongs to Beijing's day and month (Asia/Shanghai has no daylight-saving time)."""
    member = staff_member(plan=CreditPlanFactory(monthly_credits=10))
    room = PlaceFactory(opens_at=dt.time(7, 0), open_on_weekends=True, max_days_ahead=62)
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time(7, 0)))
    assert start.astimezone(dt.UTC).date() == first - dt.timedelta(days=1)
    _book(member, room, start)
    assert CreditMonth.objects.get().month == first
    assert not Place.objects.filter(pk=room.pk, opens_at__gt=dt.time(7, 0)).exists()


def test_a_closed_accounts_future_bookings_are_cancelled_and_its_data_exported() -> None:
    from parkos.accounts.services import user_delete, user_export

    member = staff_member(plan=CreditPlanFactory(monthly_credits=10))
    member.set_password("pw-123456-long")
    member.save()
    room = PlaceFactory()
    start = next_workday(hour=9)
    booking = _book(member, room, start, hours=2)
    exported = user_export(actor=member, user=member)["bookings"]
    assert [b["title"] for b in exported["organised"]] == ["周会"]
    user_delete(actor=member, user=member, password="pw-123456-long")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and CreditMonth.objects.get().used == 0
    _book(staff_member(plan=CreditPlanFactory()), room, start)  # the room is free for others


def test_an_enterprises_weekly_hours_at_a_place_are_capped() -> None:
    from parkos.enterprises.tests.factories import EnterpriseFactory as Enterprises

    enterprise = Enterprises()
    alice = staff_member(enterprise, plan=CreditPlanFactory(monthly_credits=100))
    bob = staff_member(enterprise)
    room = PlaceFactory(max_hours_per_week=3, open_on_weekends=True, max_days_ahead=30)
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    at = timezone.make_aware(dt.datetime.combine(monday, dt.time(9, 0)))
    _book(alice, room, at, hours=2)
    with pytest.raises(Conflict) as error:
        _book(bob, room, at + dt.timedelta(days=1), hours=2)  # 4 hours in one week for the enterprise
    assert error.value.code == ErrorCode.LIMIT_REACHED
    _book(bob, room, at + dt.timedelta(days=1), hours=1)
    _book(bob, room, at + dt.timedelta(days=7), hours=2)  # the next week starts afresh
    _book(staff_member(plan=CreditPlanFactory()), room, at + dt.timedelta(days=2), hours=3)  # another enterprise
