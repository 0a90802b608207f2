"""The member's pages with the Django test client: the hub, the grid, the finder, booking with the price to
confirm, a changed price, the booking's page (check in, invite, cancel, .ics), my bookings, the QR check-in
page, and the map's rooms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.bookings.models import Booking, BookingStatus
from parkos.bookings.services.booking import booking_create
from parkos.bookings.tests.factories import (
    CreditPlanFactory,
    PlaceFactory,
    new_key,
    next_workday,
    staff_member,
)
from parkos.core.parks import park_default

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_hub_grid_and_finder_render(django_assert_max_num_queries: Any) -> None:
    member = staff_member(plan=CreditPlanFactory())
    rooms = [PlaceFactory(name=f"会议室{i}", capacity=4 + i) for i in range(5)]
    day = next_workday(hour=9)
    booking_create(actor=member, place=rooms[0], starts_at=day, ends_at=day + dt.timedelta(hours=1), title="站会",
                   key=new_key())
    client = _client(member)
    hub = client.get("/bookings/")
    assert hub.status_code == 200 and "站会" in hub.content.decode()
    client.get(f"/bookings/grid/?building={rooms[0].building_id}&day={day.date()}")  # warm the caches
    with django_assert_max_num_queries(20):
        page = client.get(f"/bookings/grid/?building={rooms[0].building_id}&day={day.date()}")
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="grid-row"') >= 1
    assert 'class="cell cell-busy"' in html and "cell-free" in html
    found = client.get(f"/bookings/find/?day={day.date()}&start=09:00&end=10:00&people=6&equipment=screen")
    names = [r.name for r in rooms if r.capacity >= 6]
    assert found.status_code == 200 and all(n in found.content.decode() for n in names)
    assert rooms[0].name not in found.content.decode()  # booked then
    bad = client.get("/bookings/grid/?day=not-a-day&building=abc")
    assert bad.status_code == 200


def test_book_shows_the_price_then_books_once() -> None:
    member = staff_member(plan=CreditPlanFactory(monthly_credits=20))
    room = PlaceFactory(credits_per_hour=2)
    start = next_workday(hour=14)
    client = _client(member)
    form = client.get(f"/bookings/p/{room.pk}/book/?start={start.isoformat()}")
    assert form.status_code == 200 and 'value="14:00"' in form.content.decode()
    data = {"title": "产品评审", "day": start.date().isoformat(), "start": "14:00", "end": "16:00", "attendees": "4",
            "note": "", "key": "form-key-1"}
    quote = client.post(f"/bookings/p/{room.pk}/book/", data)
    text = quote.content.decode()
    assert 'data-testid="quote"' in text and "剩余的 20 点中使用 4 点" in text
    assert not Booking.objects.exists()
    done = client.post(f"/bookings/p/{room.pk}/book/", {**data, "confirm": "1", "expected_credits": "4",
                                                         "expected_charge_fen": "0"})
    booking = Booking.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/bookings/b/{booking.pk}/"
    client.post(f"/bookings/p/{room.pk}/book/", {**data, "confirm": "1", "expected_credits": "4",
                                                  "expected_charge_fen": "0"})
    assert Booking.objects.count() == 1  # the double click made one booking
    page = client.get(f"/bookings/b/{booking.pk}/").content.decode()
    assert "产品评审" in page and 'data-testid="cancel"' in page and "<details" in page
    ics = client.get(f"/bookings/b/{booking.pk}/booking.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content and "产品评审".encode() in ics.content
    assert _client(UserFactory()).get(f"/bookings/b/{booking.pk}/").status_code == 404
    cancelled = client.post(f"/bookings/b/{booking.pk}/cancel/", {"reason": "改期"})
    assert cancelled.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_taken_time_is_refused_on_the_form_with_nothing_written() -> None:
    room = PlaceFactory()
    start = next_workday(hour=10)
    booking_create(actor=staff_member(plan=CreditPlanFactory()), place=room, starts_at=start,
                   ends_at=start + dt.timedelta(hours=1), title="先到", key=new_key())
    client = _client(staff_member(plan=CreditPlanFactory()))
    page = client.post(f"/bookings/p/{room.pk}/book/", {"title": "后到", "day": start.date().isoformat(),
                                                          "start": "10:30", "end": "11:30", "attendees": "2",
                                                          "key": "k2"})
    assert 'data-testid="form-error"' in page.content.decode() and 'data-testid="quote"' not in page.content.decode()
    assert Booking.objects.count() == 1


def test_my_bookings_and_the_qr_check_in_page() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory(open_all_day=True, open_on_weekends=True)
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - dt.timedelta(minutes=timezone.localtime(now).minute % 15)
    booking = booking_create(actor=member, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                             title="晨会", key=new_key(), now=start)  # "now" pinned: a quarter hour may turn
    client = _client(member)
    mine = client.get("/bookings/mine/").content.decode()
    assert "晨会" in mine
    assert 'data-testid="empty"' in client.get("/bookings/mine/?scope=past").content.decode()
    page = client.get(f"/bookings/checkin/{room.checkin_token}/").content.decode()
    assert 'data-testid="checkin-confirm"' in page
    assert client.post(f"/bookings/checkin/{room.checkin_token}/").status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN and booking.checked_in_how == "qr"
    other = _client(UserFactory()).get(f"/bookings/checkin/{room.checkin_token}/").content.decode()
    assert 'data-testid="checkin-busy"' in other
    assert _client(member).get("/bookings/checkin/nope/").status_code == 404


def test_the_map_shows_whether_its_meeting_rooms_are_booked_now() -> None:
    from parkos.space.demo_map import build
    from parkos.space.models import SpaceMap

    space = SpaceMap.objects.create(slug="park", name="东升数字园区", tiled=build([]), is_default=True,
                                    park=park_default())
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory(open_all_day=True, open_on_weekends=True, map_slug=space.slug, map_area=7)
    free = PlaceFactory(map_slug=space.slug, map_area=8)
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - dt.timedelta(minutes=timezone.localtime(now).minute % 15)
    booking_create(actor=member, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=1), title="x",
                   key=new_key(), now=start)
    rooms = _client(member).get(f"/space/{space.slug}/rooms.json").json()["rooms"]
    assert rooms["7"]["booked"] and rooms["7"]["until"] == timezone.localtime(start + dt.timedelta(hours=1)).strftime("%H:%M")
    assert rooms["8"] == {"booked": False, "until": ""}
    assert free.pk
    card = _client(member).get(f"/space/{space.slug}/area/7/").content.decode()
    assert 'data-testid="room-booking"' in card and "已预订至" in card
