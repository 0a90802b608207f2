"""Checking in: by the room's QR code, on the booking, or by passing the room's door at the gates; a booking
nobody checks into within 15 minutes is released, the room shows free again and the organiser is told."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.services.passages import passages_ingest
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.access.tests.gates_fixtures import card, event
from parkos.accounts.tests.factories import UserFactory, operator
from parkos.bookings.models import Booking, BookingStatus
from parkos.bookings.selectors.availability import availability_grid
from parkos.bookings.services.booking import booking_create, bookings_release_no_shows, bookings_remind
from parkos.bookings.services.checkin import booking_check_in, check_in_by_code
from parkos.bookings.services.guests import booking_invite
from parkos.bookings.services.times import quarter_floor
from parkos.bookings.tests.factories import CreditPlanFactory, PlaceFactory, new_key, staff_member
from parkos.core.errors import Conflict, Forbidden, NotFound
from parkos.core.parks import park_default
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _soon(minutes: int = 0) -> dt.datetime:
    """A quarter hour at or after now + ``minutes`` (rooms here are open round the clock)."""
    moment = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)
    return moment + dt.timedelta(minutes=(-timezone.localtime(moment).minute) % 15)


def _room(**kwargs: Any) -> Any:
    return PlaceFactory(open_all_day=True, open_on_weekends=True, **kwargs)


def _booking(user: Any, room: Any, start: dt.datetime, now: dt.datetime | None = None) -> Booking:
    return booking_create(actor=user, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                          title="评审会", key=new_key(), now=now)


def test_the_room_qr_code_checks_in_the_members_booking_of_that_room_now() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = _room()
    start = _soon(30)
    booking = _booking(member, room, start)
    with pytest.raises(Conflict):  # too early: check-in opens ten minutes before
        check_in_by_code(actor=member, token=room.checkin_token, now=start - dt.timedelta(minutes=20))
    done = check_in_by_code(actor=member, token=room.checkin_token, now=start - dt.timedelta(minutes=5))
    assert done.pk == booking.pk and done.status == BookingStatus.CHECKED_IN and done.checked_in_how == "qr"
    again = check_in_by_code(actor=member, token=room.checkin_token, now=start)  # twice: nothing changes
    assert again.checked_in_at == done.checked_in_at
    with pytest.raises(NotFound):
        check_in_by_code(actor=UserFactory(), token=room.checkin_token, now=start)
    with pytest.raises(NotFound):
        check_in_by_code(actor=member, token="not-a-code", now=start)


def test_a_guest_may_check_in_and_an_outsider_may_not() -> None:
    member = staff_member(plan=CreditPlanFactory())
    colleague = staff_member()
    room = _room()
    start = _soon(15)
    booking = _booking(member, room, start)
    booking_invite(actor=member, booking=booking, members=[colleague.pk])
    with pytest.raises(Forbidden):
        booking_check_in(actor=UserFactory(), booking=booking, now=start)
    assert booking_check_in(actor=colleague, booking=booking, now=start).checked_in_by == colleague


def test_passing_the_rooms_door_checks_the_booking_in(django_capture_on_commit_callbacks: Any) -> None:
    park = park_default()
    area = AreaFactory(opens_at=None, closes_at=None)
    door = GateFactory(area=area, name="5F 会议室门禁")
    room = _room(door=door, building=area.building)
    member = staff_member(plan=CreditPlanFactory())
    _credential, number = card(member, operator(), park)
    start = quarter_floor(timezone.now())  # the booking runs now, and the member passes the door just now
    booking = _booking(member, room, start, now=start)  # "now" pinned: a quarter hour may turn meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        passages_ingest(gate=door, events=[event(number, "in", timezone.now() - dt.timedelta(seconds=30))])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN and booking.checked_in_how == "door"
    # Another gate of the park does nothing to the booking.
    other = _booking(member, _room(), start, now=start)
    with django_capture_on_commit_callbacks(execute=True):
        passages_ingest(gate=GateFactory(area=area), events=[event(number, "in", timezone.now() - dt.timedelta(seconds=20))])
    other.refresh_from_db()
    assert other.status == BookingStatus.CONFIRMED


def test_nobody_checks_in_within_15_minutes_the_room_is_released_and_shows_free(
        django_capture_on_commit_callbacks: Any) -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = _room()
    start = _soon(15)
    booking = _booking(member, room, start)
    checked = _booking(member, _room(), start)
    booking_check_in(actor=member, booking=checked, now=start)
    assert bookings_release_no_shows(now=start + dt.timedelta(minutes=14)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_release_no_shows(now=start + dt.timedelta(minutes=15)) == 1
    assert bookings_release_no_shows(now=start + dt.timedelta(minutes=16)) == 0  # once
    booking.refresh_from_db()
    checked.refresh_from_db()
    assert booking.status == BookingStatus.RELEASED and checked.status == BookingStatus.CHECKED_IN
    note = Notification.objects.get(recipient=member, kind="booking")
    assert room.name in note.title
    grid = availability_grid(viewer=member, park=room.park, day=timezone.localtime(start).date(), places=[room],
                             now=start + dt.timedelta(minutes=15))
    later = [c for c in grid.rows[0].cells if c.starts_at >= start + dt.timedelta(minutes=30)
             and c.starts_at < start + dt.timedelta(hours=1)]
    assert later and all(c.state == "free" for c in later)
    # The released time can be booked by someone else.
    _booking(staff_member(plan=CreditPlanFactory()), room, start + dt.timedelta(minutes=30),
             now=start + dt.timedelta(minutes=16))


def test_reminders_go_once_an_hour_before(django_capture_on_commit_callbacks: Any) -> None:
    member = staff_member(plan=CreditPlanFactory())
    start = _soon(45)
    _booking(member, _room(), start)
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_remind(now=start - dt.timedelta(minutes=50)) == 1
    assert bookings_remind(now=start - dt.timedelta(minutes=40)) == 0
    assert Notification.objects.filter(recipient=member, kind="booking").count() == 1
