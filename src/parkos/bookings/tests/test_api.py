"""The member's API: places, the grid, a quote, booking (201, idempotent, 409 when taken), my bookings,
cancelling, guests with a visitor pass, weekly bookings; refusals are translated and write nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.access.models import VisitorPass
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.accounts.tests.factories import UserFactory
from parkos.bookings.models import Booking, BookingStatus
from parkos.bookings.tests.factories import CreditPlanFactory, PlaceFactory, next_workday, staff_member

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(f"/api/v1/bookings{path}", json.dumps(body, default=str), content_type="application/json",
                       **headers)


def test_book_through_the_api_once_and_see_it_in_mine() -> None:
    member = staff_member(plan=CreditPlanFactory(monthly_credits=20))
    room = PlaceFactory(credits_per_hour=2)
    client = _client(member)
    start = next_workday(hour=9)
    body = {"place": room.pk, "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "title": "客户拜访", "attendees": 3}
    quote = _post(client, "/quote", body).json()
    assert (quote["credits"], quote["left"], quote["refused"]) == (2, 20, False)
    assert "2" in quote["text"] and "20" in quote["text"]
    first = _post(client, "", {**body, "expected_credits": 2}, HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.content
    again = _post(client, "", {**body, "expected_credits": 2}, HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    taken = _post(_client(staff_member(plan=CreditPlanFactory())), "", {**body, "key": "other"})
    assert taken.status_code == 409 and taken.json()["code"] == "overlap"
    assert "预订" in taken.json()["message"]
    mine = client.get("/api/v1/bookings/mine").json()
    assert [b["title"] for b in mine["items"]] == ["客户拜访"]
    grid = client.get(f"/api/v1/bookings/grid?day={start.date()}&building={room.building_id}").json()
    busy = [c for c in grid["rows"][0]["cells"] if c["state"] == "busy"]
    assert len(busy) == 2 and busy[0]["title"] == "客户拜访"
    stranger_grid = _client(UserFactory()).get(f"/api/v1/bookings/grid?day={start.date()}&building={room.building_id}")
    assert all(c["title"] == "" for c in stranger_grid.json()["rows"][0]["cells"])
    cancelled = _post(client, f"/{first.json()['id']}/cancel", {"reason": ""})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_bad_input_is_refused_in_the_members_language_and_writes_nothing() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory()
    start = next_workday(hour=9, minute=10)
    body = {"place": room.pk, "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "title": "x", "key": "k"}
    zh = _post(_client(member), "", body)
    en = _post(_client(member, "en"), "", body)
    assert zh.status_code == en.status_code == 400
    assert "刻钟" in zh.json()["message"]
    assert "quarter hour" in en.json()["message"]
    assert _post(_client(member), "", {**body, "place": 999_999}).status_code == 404
    assert _post(_client(member), "", {**body, "title": ""}).status_code in (400, 422)
    assert Booking.objects.count() == 0
    assert Client().post("/api/v1/bookings", json.dumps(body), content_type="application/json").status_code == 401


def test_a_booking_is_seen_only_by_its_people() -> None:
    member = staff_member(plan=CreditPlanFactory())
    room = PlaceFactory()
    start = next_workday(hour=11)
    made = _post(_client(member), "", {"place": room.pk, "starts_at": start.isoformat(), "title": "保密会议",
                                       "ends_at": (start + dt.timedelta(hours=1)).isoformat(), "key": "k"}).json()
    assert _client(UserFactory()).get(f"/api/v1/bookings/{made['id']}").status_code == 404
    colleague = staff_member()
    assert _client(colleague).get(f"/api/v1/bookings/{made['id']}").status_code == 404
    assert _post(_client(member), f"/{made['id']}/guests", {"members": [colleague.pk]}).status_code == 200
    assert _client(colleague).get(f"/api/v1/bookings/{made['id']}").status_code == 200
    assert _post(_client(colleague), f"/{made['id']}/cancel", {}).status_code == 403


def test_a_visitor_invited_to_a_booking_gets_a_pass_at_the_buildings_gates() -> None:
    member = staff_member(plan=CreditPlanFactory())
    area = AreaFactory()
    gate = GateFactory(area=area)
    room = PlaceFactory(building=area.building)
    start = next_workday(hour=15)
    made = _post(_client(member), "", {"place": room.pk, "starts_at": start.isoformat(), "title": "客户来访",
                                       "ends_at": (start + dt.timedelta(hours=1)).isoformat(), "key": "k"}).json()
    answer = _post(_client(member), f"/{made['id']}/guests", {"visitors": [{"name": "李客户", "mobile": "13800138000"}]})
    assert answer.status_code == 200, answer.content
    (guest,) = answer.json()
    assert guest["visitor"] and guest["pass_url"]
    visitor = VisitorPass.objects.get()
    assert list(visitor.gates.all()) == [gate]
    assert visitor.valid_from == start - dt.timedelta(minutes=30)
    assert visitor.valid_until == start + dt.timedelta(hours=1, minutes=30)
    _post(_client(member), f"/{made['id']}/cancel", {})
    visitor.refresh_from_db()
    assert visitor.status == "cancelled"


def test_weekly_preview_and_create_through_the_api() -> None:
    member = staff_member(plan=CreditPlanFactory(monthly_credits=100))
    room = PlaceFactory(max_days_ahead=60)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    body = {"place": room.pk, "title": "周例会", "first_date": monday.isoformat(),
            "last_date": (monday + dt.timedelta(days=21)).isoformat(), "start_time": "10:00", "minutes": 60}
    preview = _post(_client(member), "/weekly/preview", body).json()
    assert len(preview) == 4
    made = _post(_client(member), "/weekly", {**body, "key": "w",
                                              "exceptions": [d["day"] for d in preview if not d["ok"]]})
    assert made.status_code == 201, made.content
    assert len(made.json()["bookings"]) == sum(1 for d in preview if d["ok"])
    assert all(b["status"] == BookingStatus.CONFIRMED for b in made.json()["bookings"])
