"""The operators' side: rooms and venues (every field checked, translated, nothing written on bad input),
their check-in poster and code, deactivation, credit plans and bulk assignment, the approvals queue, the
hub and its pages; an operator of another park is refused everything."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from parkos.access.tests.factories import GateFactory
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.bookings.models import Booking, BookingStatus, CreditMonth, CreditPlan, EnterprisePlan, Place
from parkos.bookings.selectors.manage import approval_list, place_get_managed
from parkos.bookings.services import credits
from parkos.bookings.services.booking import booking_create, place_get
from parkos.bookings.services.places import place_create, place_deactivate, place_update
from parkos.bookings.services.plans import plan_assign, plan_create, plan_update
from parkos.bookings.tests.factories import (
    CreditPlanFactory,
    PlaceFactory,
    new_key,
    next_workday,
    staff_member,
)
from parkos.community.tests.factories import GroupFactory
from parkos.core import ledger
from parkos.core.errors import Forbidden, Invalid, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="mb2", name="乙园", name_en="Park B", position=5)
    parks_changed()
    cache.clear()
    return {"a": a, "b": b, "op_a": UserFactory(roles=[(Role.OPERATOR, a)]),
            "op_b": UserFactory(roles=[(Role.OPERATOR, b)]), "building": BuildingFactory(code="MA", park=a),
            "building_b": BuildingFactory(code="MB", park=b), "gate": GateFactory(area__building__park=a),
            "gate_b": GateFactory(area__building__park=b), "enterprise": EnterpriseFactory(park=a),
            "enterprise_b": EnterpriseFactory(park=b)}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _photo(name: str = "room.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # the camera's make: dropped by re-encoding
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _form(cast: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {"kind": "room", "name": "创新会议室", "name_en": "Innovation room", "building": cast["building"].pk,
            "floor": "夹层 B", "description": "第一行\n第二行", "capacity": "12", "equipment": ["screen", "video"],
            "opens_at": "08:30", "closes_at": "21:00", "audience": "enterprise",
            "audience_enterprise": cast["enterprise"].pk, "audience_group": "", "price_yuan": "88.50",
            "credits_per_hour": "3", "needs_approval": "on", "min_minutes": "30", "max_minutes": "180",
            "max_days_ahead": "14", "cancel_hours": "4", "buffer_minutes": "10", "max_hours_per_week": "6",
            "door": cast["gate"].pk, "map_slug": "", "map_area": "", "position": "2"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "bookings" / "places"
    return {p.name for p in root.glob("*")} if root.exists() else set()


# --- places ---------------------------------------------------------------------------------------------

def test_an_operator_creates_a_room_with_every_field_and_its_photo_re_encoded(cast: dict[str, Any]) -> None:
    client = _client(cast["op_a"])
    response = client.post("/bookings/manage/places/new/", {**_form(cast), "photo": _photo()})
    assert response.status_code == 302, response.content.decode()[:2000]
    place = Place.objects.get(name="创新会议室")
    assert response["Location"] == f"/bookings/manage/places/{place.pk}/"
    assert (place.park, place.building, place.floor, place.capacity) == (cast["a"], cast["building"], "夹层 B", 12)
    assert place.equipment == ["screen", "video"] and place.description == "第一行\n第二行"
    assert (place.opens_at, place.closes_at) == (dt.time(8, 30), dt.time(21, 0))
    assert (place.price_per_hour_fen, place.credits_per_hour, place.needs_approval) == (8850, 3, True)
    assert (place.min_minutes, place.max_minutes, place.max_days_ahead, place.cancel_hours) == (30, 180, 14, 4)
    assert (place.buffer_minutes, place.max_hours_per_week, place.door, place.position) == (10, 6, cast["gate"], 2)
    assert (place.audience, place.audience_enterprise) == ("enterprise", cast["enterprise"])
    assert place.created_by == cast["op_a"] and len(place.checkin_token) == 32
    assert place.photo.name.endswith(".webp")
    with Image.open(place.photo.path) as stored:
        assert stored.format == "WEBP" and not stored.getexif()
    # The edit page shows it back as typed (yuan, not fen).
    page = client.get(f"/bookings/manage/places/{place.pk}/").content.decode()
    assert 'value="88.50"' in page and 'value="夹层 B"' in page and "place-photo-now" in page
    # Removing the photo and changing one field keeps the rest.
    response = client.post(f"/bookings/manage/places/{place.pk}/", {**_form(cast), "capacity": "20",
                                                                   "remove_photo": "on"})
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.capacity == 20 and not place.photo and place.price_per_hour_fen == 8850


def test_every_bad_field_is_named_in_chinese_and_nothing_is_written(cast: dict[str, Any]) -> None:
    client = _client(cast["op_a"])
    PlaceFactory(park=cast["a"], building=cast["building"], name="重名会议室")
    before, files = Place.objects.count(), _media_files()
    bad = _form(cast, name="重名会议室", capacity="0", min_minutes="20", closes_at="08:00", building=cast["building_b"].pk,
                audience_enterprise="", door=cast["gate_b"].pk, equipment=["screen", "jacuzzi"])
    response = client.post("/bookings/manage/places/new/", {**bad, "photo": _photo()})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="error"') >= 6
    for message in ("请选择本园区的楼宇。", "请选择有效的选项"):
        assert message in html, message
    assert Place.objects.count() == before and _media_files() == files
    # The service names every field, in the language of the request.
    with translation.override("en"), pytest.raises(Invalid) as error:
        place_create(actor=cast["op_a"], park=cast["a"], name="", capacity=0, min_minutes=20, max_minutes=15,
                     opens_at="09:00", closes_at="08:00", building=cast["building_b"], door=cast["gate_b"],
                     audience="group", price_per_hour_fen=-1, equipment="screen", kind="desk")
    details = error.value.details
    assert set(details) >= {"name", "capacity", "min_minutes", "closes_at", "building", "door", "audience_group",
                            "price_per_hour_fen", "equipment", "kind"}
    assert details["name"] == ["This field is required."]
    assert details["building"] == ["Choose a building of this park."]
    with translation.override("zh-hans"), pytest.raises(Invalid) as error:
        place_create(actor=cast["op_a"], park=cast["a"], name="<b>会议室</b>")
    assert error.value.details["name"] == ["不允许使用 HTML 或尖括号。"]
    # A duplicate name alone keeps its own code; a bad photo alone writes nothing either.
    with pytest.raises(Invalid) as error:
        place_create(actor=cast["op_a"], park=cast["a"], name="重名会议室", building=cast["building"])
    assert error.value.code == "duplicate"
    with pytest.raises(Invalid) as error:
        place_create(actor=cast["op_a"], park=cast["a"], name="新会议室",
                     photo=SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"))
    assert "photo" in error.value.details and error.value.code == "file_type"
    assert Place.objects.count() == before and _media_files() == files


def test_an_interest_group_audience_and_a_map_link(cast: dict[str, Any]) -> None:
    from parkos.space.demo_map import build
    from parkos.space.models import SpaceMap

    group = GroupFactory(park=cast["a"])
    SpaceMap.objects.create(slug="bk-a", name="甲园地图", tiled=build([]), park=cast["a"])
    SpaceMap.objects.create(slug="bk-b", name="乙园地图", tiled=build([]), park=cast["b"])
    place = place_create(actor=cast["op_a"], park=cast["a"], name="社群活动室", audience="group",
                         audience_group=group.pk, map_slug="bk-a", map_area=3, open_all_day=True,
                         open_on_weekends=True, max_minutes=1440)
    assert (place.audience_group, place.map_slug, place.map_area) == (group, "bk-a", 3)
    with pytest.raises(Invalid) as error:
        place_update(actor=cast["op_a"], place=place, map_slug="bk-b")
    assert set(error.value.details) == {"map_slug"}
    with pytest.raises(Invalid) as error:
        place_update(actor=cast["op_a"], place=place, map_area=None)
    assert set(error.value.details) == {"map_area"}
    # Another audience forgets the group; the place is unchanged by the refused updates before.
    place = place_update(actor=cast["op_a"], place=place, audience="everyone")
    assert place.audience_group is None and Place.objects.get(pk=place.pk).map_slug == "bk-a"


def test_an_operator_of_another_park_is_refused_everything(cast: dict[str, Any]) -> None:
    place = PlaceFactory(park=cast["a"], building=cast["building"])
    op_b, member = cast["op_b"], staff_member(cast["enterprise"])
    with pytest.raises(Forbidden):
        place_create(actor=op_b, park=cast["a"], name="越权会议室")
    with pytest.raises(Forbidden):
        place_update(actor=op_b, place=place, name="改名")
    with pytest.raises(Forbidden):
        place_deactivate(actor=op_b, place=place)
    with pytest.raises(NotFound):
        place_get_managed(viewer=op_b, place_id=place.pk)
    with pytest.raises(Forbidden):
        place_get_managed(viewer=member, place_id=place.pk)
    client = _client(op_b)
    for url in (f"/bookings/manage/places/{place.pk}/", f"/bookings/manage/places/{place.pk}/poster/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/bookings/manage/places/{place.pk}/action/", {"action": "deactivate"}).status_code == 404
    assert client.get(f"/api/v1/bookings/manage/places/{place.pk}").status_code == 404
    assert client.patch(f"/api/v1/bookings/manage/places/{place.pk}", {"name": "x"},
                        content_type="application/json").status_code == 404
    assert client.post("/api/v1/bookings/manage/places?park=" + cast["a"].code, {"name": "越权"},
                       content_type="application/json").status_code == 403
    assert _client(member).get("/bookings/manage/").status_code == 403
    assert _client(member).get("/api/v1/bookings/manage/places").status_code == 403
    place.refresh_from_db()
    assert place.is_active and place.name != "改名"


def test_the_poster_holds_the_check_in_address_and_a_new_code_retires_the_old(cast: dict[str, Any]) -> None:
    place = PlaceFactory(park=cast["a"], building=cast["building"])
    client = _client(cast["op_a"])
    poster = client.get(f"/bookings/manage/places/{place.pk}/poster/")
    html = poster.content.decode()
    old = place.checkin_token
    assert f"http://testserver/bookings/checkin/{old}/" in html and "<svg" in html
    assert poster["Cache-Control"] == "private, no-store"
    assert client.get(f"/bookings/checkin/{old}/").status_code == 200
    client.post(f"/bookings/manage/places/{place.pk}/action/", {"action": "regenerate"})
    place.refresh_from_db()
    assert place.checkin_token != old and len(place.checkin_token) == 32
    assert client.get(f"/bookings/checkin/{old}/").status_code == 404
    assert place.checkin_token in client.get(f"/bookings/manage/places/{place.pk}/poster/").content.decode()
    code = client.get(f"/api/v1/bookings/manage/places/{place.pk}/checkin-code").json()
    assert code["checkin_url"] == f"http://testserver/bookings/checkin/{place.checkin_token}/"
    reset = client.post(f"/api/v1/bookings/manage/places/{place.pk}/checkin-code/reset").json()
    assert reset["checkin_url"] != code["checkin_url"]


def test_deactivating_cancels_the_coming_bookings_and_gives_their_credits_back(cast: dict[str, Any]) -> None:
    place = PlaceFactory(park=cast["a"], building=cast["building"], credits_per_hour=2)
    member = staff_member(cast["enterprise"], plan=CreditPlanFactory(park=cast["a"], monthly_credits=20))
    start = next_workday(hour=10)
    booking = booking_create(actor=member, place=place, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                             title="评审会", key=new_key())
    assert CreditMonth.objects.get().used == 4
    client = _client(cast["op_a"])
    page = client.get(f"/bookings/manage/places/{place.pk}/").content.decode()
    assert "1" in re.sub(r"\s+", " ", page.split('data-testid="place-state"')[1])[:400]
    client.post(f"/bookings/manage/places/{place.pk}/action/", {"action": "deactivate", "off-reason": "漏水维修"})
    booking.refresh_from_db()
    assert (booking.status, booking.reason) == (BookingStatus.CANCELLED, "漏水维修")
    assert CreditMonth.objects.get().used == 0 and ledger.ledger_check().ok
    with pytest.raises(NotFound):
        place_get(place_id=place.pk)
    client.post(f"/bookings/manage/places/{place.pk}/action/", {"action": "activate"})
    assert place_get(place_id=place.pk).is_active


# --- plans ----------------------------------------------------------------------------------------------

def test_one_default_plan_per_park_and_changes_apply_to_months_not_opened(cast: dict[str, Any]) -> None:
    op = cast["op_a"]
    basic = plan_create(actor=op, park=cast["a"], name="基础", monthly_credits=10, is_default=True)
    plus = plan_create(actor=op, park=cast["a"], name="进阶", monthly_credits=40, is_default=True)
    basic.refresh_from_db()
    assert not basic.is_default and plus.is_default
    with pytest.raises(Invalid) as error:
        plan_update(actor=op, plan=plus, is_default=False)
    assert "is_default" in error.value.details
    with pytest.raises(Invalid) as error:
        plan_create(actor=op, park=cast["a"], name="基础", monthly_credits=-1)
    assert "monthly_credits" in error.value.details
    with pytest.raises(Invalid) as error:
        plan_create(actor=op, park=cast["a"], name="基础", monthly_credits=5)
    assert error.value.code == "duplicate"
    with pytest.raises(Forbidden):
        plan_create(actor=cast["op_b"], park=cast["a"], name="越权", monthly_credits=5)
    member = staff_member(cast["enterprise"])
    room = PlaceFactory(park=cast["a"], building=cast["building"])
    start = next_workday(hour=9)
    booking_create(actor=member, place=room, starts_at=start, ends_at=start + dt.timedelta(hours=1), title="x",
                   key=new_key())
    assert CreditMonth.objects.get().granted == 40  # the default plan
    plan_update(actor=op, plan=plus, monthly_credits=60)
    assert CreditMonth.objects.get().granted == 40  # the month under way keeps its grant


def test_bulk_assignment_all_or_none(cast: dict[str, Any]) -> None:
    op = cast["op_a"]
    default = CreditPlanFactory(park=cast["a"], name="默认", is_default=True, monthly_credits=5)
    gold = CreditPlanFactory(park=cast["a"], name="金卡", monthly_credits=100)
    other_park_plan = CreditPlanFactory(park=cast["b"], name="乙园套餐")
    ones = [EnterpriseFactory(park=cast["a"]) for _ in range(3)]
    client = _client(op)
    page = client.get("/bookings/manage/enterprises/").content.decode()
    assert all(e.name in page for e in ones) and cast["enterprise_b"].name not in page
    response = client.post("/bookings/manage/enterprises/", {"plan": gold.pk, "enterprises": [e.pk for e in ones]})
    assert response.status_code == 302
    assert all(credits.plan_of(e, cast["a"].pk) == gold for e in ones)
    # An enterprise of the other park spoils the whole request.
    with pytest.raises(Invalid):
        plan_assign(actor=op, park=cast["a"], plan=None, enterprises=[ones[0].pk, cast["enterprise_b"].pk])
    with pytest.raises(Invalid):
        plan_assign(actor=op, park=cast["a"], plan=other_park_plan, enterprises=[ones[0].pk])
    assert EnterprisePlan.objects.filter(plan=gold).count() == 3
    assert plan_assign(actor=op, park=cast["a"], plan=None, enterprises=[ones[0].pk, ones[1].pk]) == 2
    assert credits.plan_of(ones[0], cast["a"].pk) == default and credits.plan_of(ones[2], cast["a"].pk) == gold
    filtered = client.get("/bookings/manage/enterprises/", {"plan": gold.pk}).content.decode()
    assert ones[2].name in filtered and ones[0].name not in filtered
    with pytest.raises(Forbidden):
        plan_assign(actor=cast["op_b"], park=cast["a"], plan=gold, enterprises=[ones[0].pk])


# --- approvals ------------------------------------------------------------------------------------------

def _pending(hall: Place, member: Any, hour: int) -> Booking:
    start = next_workday(2, hour=hour)
    return booking_create(actor=member, place=hall, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                          title=f"发布会{hour}", key=new_key())


def test_the_approvals_queue_approves_and_declines_with_a_reason(cast: dict[str, Any],
                                                                 django_assert_max_num_queries: Any) -> None:
    hall = PlaceFactory(park=cast["a"], building=cast["building"], kind="venue", needs_approval=True,
                        credits_per_hour=2, max_minutes=60)
    hall_b = PlaceFactory(park=cast["b"], building=cast["building_b"], kind="venue", needs_approval=True)
    member = staff_member(cast["enterprise"], plan=CreditPlanFactory(park=cast["a"], monthly_credits=100))
    pending = [_pending(hall, member, hour) for hour in range(8, 22)]  # 14 pending bookings
    member_b = staff_member(cast["enterprise_b"], plan=CreditPlanFactory(park=cast["b"], monthly_credits=100))
    in_b = _pending(hall_b, member_b, 9)
    assert all(b.status == BookingStatus.PENDING for b in [*pending, in_b])
    client = _client(cast["op_a"])
    client.get("/bookings/manage/approvals/")
    with django_assert_max_num_queries(12):
        page = client.get("/bookings/manage/approvals/")
    html = page.content.decode()
    assert html.count('data-testid="approve"') == 14 and "发布会8" in html and str(in_b.pk) not in re.findall(
        r'data-booking="(\d+)"', html)
    assert list(approval_list(viewer=cast["op_b"])) == [in_b]
    # Declining needs a reason: refused, nothing changes.
    first, second = pending[0], pending[1]
    client.post(f"/bookings/manage/approvals/{first.pk}/decide/", {"action": "decline", "reason": ""})
    first.refresh_from_db()
    assert first.status == BookingStatus.PENDING
    client.post(f"/bookings/manage/approvals/{first.pk}/decide/", {"action": "decline", "reason": "当天场地维护"})
    client.post(f"/bookings/manage/approvals/{second.pk}/decide/", {"action": "approve"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.reason, second.status) == (BookingStatus.REJECTED, "当天场地维护", BookingStatus.CONFIRMED)
    assert CreditMonth.objects.get(enterprise=cast["enterprise"]).used == 2 * 13
    # The other park's operator can neither see nor decide them.
    assert _client(cast["op_b"]).post(f"/bookings/manage/approvals/{pending[2].pk}/decide/",
                                      {"action": "approve"}).status_code == 404
    # Through the API as well; deciding twice the other way is a conflict.
    api = client.post(f"/api/v1/bookings/manage/approvals/{pending[3].pk}/decide", {"approve": True},
                      content_type="application/json")
    assert api.status_code == 200 and api.json()["status"] == "confirmed"
    again = client.post(f"/api/v1/bookings/manage/approvals/{pending[3].pk}/decide",
                        {"approve": False, "reason": "改主意"}, content_type="application/json")
    assert again.status_code == 409
    queue = client.get("/api/v1/bookings/manage/approvals").json()
    assert queue["count"] == 11 and queue["items"][0]["place_name"] == hall.name


def test_the_queue_is_paginated(cast: dict[str, Any]) -> None:
    halls = [PlaceFactory(park=cast["a"], building=cast["building"], kind="venue", needs_approval=True,
                          credits_per_hour=0, price_per_hour_fen=0, audience="everyone") for _ in range(2)]
    member = UserFactory()
    for hall in halls:
        for hour in range(8, 20):
            _pending(hall, member, hour)
    client = _client(cast["op_a"])
    first = client.get("/bookings/manage/approvals/").content.decode()
    assert first.count('data-testid="approve"') == 20 and 'rel="next"' in first
    second = client.get("/bookings/manage/approvals/", {"page": 2}).content.decode()
    assert second.count('data-testid="approve"') == 4


# --- the hub and its pages ------------------------------------------------------------------------------

def test_every_page_is_reachable_from_the_hub(cast: dict[str, Any]) -> None:
    place = PlaceFactory(park=cast["a"], building=cast["building"])
    plan = CreditPlanFactory(park=cast["a"])
    client = _client(cast["op_a"])
    assert 'data-testid="manage-link"' in client.get("/bookings/").content.decode()
    hub = client.get("/bookings/manage/")
    assert hub.status_code == 200
    links = set(re.findall(r'href="(/bookings/(?:manage|figures)/[^"]*)"', hub.content.decode()))
    assert {"/bookings/manage/places/", "/bookings/manage/places/new/", "/bookings/manage/approvals/",
            "/bookings/manage/plans/", "/bookings/manage/enterprises/", "/bookings/figures/"} <= links
    for url in [*links, f"/bookings/manage/places/{place.pk}/", f"/bookings/manage/places/{place.pk}/poster/",
                f"/bookings/manage/plans/{plan.pk}/", f"/bookings/statements/{cast['enterprise'].pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "{%" not in response.content.decode() and "{{" not in response.content.decode(), url
    assert place.name in client.get("/bookings/manage/places/").content.decode()
    # The plans page creates a plan; a bad one is shown with its field's message.
    assert client.post("/bookings/manage/plans/", {"new-name": "新套餐", "new-monthly_credits": "15",
                                                   "new-allow_overage": "on"}).status_code == 302
    assert CreditPlan.objects.filter(name="新套餐", monthly_credits=15, allow_overage=True).exists()
    bad = client.post("/bookings/manage/plans/", {"new-name": "新套餐", "new-monthly_credits": "15"})
    assert bad.status_code == 400 and "error" in bad.content.decode()


def test_the_api_creates_changes_and_lists_places_and_plans(cast: dict[str, Any]) -> None:
    client = _client(cast["op_a"])
    body = {"name": "API 会议室", "building": cast["building"].pk, "floor": "3F", "capacity": 6,
            "equipment": ["whiteboard"], "opens_at": "09:00", "closes_at": "18:00", "price_per_hour_fen": 5000,
            "credits_per_hour": 1}
    created = client.post("/api/v1/bookings/manage/places", body, content_type="application/json")
    assert created.status_code == 201, created.content
    place = created.json()
    assert (place["floor"], place["opens_at"], place["price_per_hour_fen"], place["kind"]) == ("3F", "09:00", 5000,
                                                                                                "room")
    bad = client.post("/api/v1/bookings/manage/places", {**body, "name": "", "closes_at": "08:00", "capacity": 0},
                      content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"name", "closes_at", "capacity"}
    patched = client.patch(f"/api/v1/bookings/manage/places/{place['id']}", {"capacity": 10, "building": None},
                           content_type="application/json").json()
    assert (patched["capacity"], patched["building_id"], patched["name"]) == (10, None, "API 会议室")
    photo = client.post(f"/api/v1/bookings/manage/places/{place['id']}/photo", {"photo": _photo()})
    assert photo.status_code == 200 and photo.json()["photo_url"].endswith(".webp")
    assert client.delete(f"/api/v1/bookings/manage/places/{place['id']}/photo").json()["photo_url"] == ""
    listed = client.get("/api/v1/bookings/manage/places").json()
    assert [p["name"] for p in listed["items"]] == ["API 会议室"]
    off = client.post(f"/api/v1/bookings/manage/places/{place['id']}/deactivate", {"reason": "装修"},
                      content_type="application/json")
    assert off.json()["is_active"] is False
    assert client.get("/api/v1/bookings/manage/places", {"active": True}).json()["count"] == 0
    plan = client.post("/api/v1/bookings/manage/plans", {"name": "API 套餐", "monthly_credits": 12},
                       content_type="application/json")
    assert plan.status_code == 201
    assigned = client.post("/api/v1/bookings/manage/enterprises/plan",
                           {"enterprises": [cast["enterprise"].pk], "plan": plan.json()["id"]},
                           content_type="application/json")
    assert assigned.json() == {"changed": 1}
    rows = client.get("/api/v1/bookings/manage/enterprises").json()["items"]
    assert {r["enterprise_id"]: r["plan_name"] for r in rows} == {cast["enterprise"].pk: "API 套餐"}
    assert client.get("/api/v1/bookings/manage/plans").json()[0]["enterprise_count"] == 1


def test_the_back_office_lists_every_bookings_table_and_edits_places_through_the_service(
        cast: dict[str, Any]) -> None:
    place = PlaceFactory(park=cast["a"], building=cast["building"])
    admin = UserFactory(roles=[Role.OPERATOR])  # a portfolio operator: the back office
    client = _client(admin)
    for model in ("place", "floorplan", "booking", "bookingguest", "bookingseries", "creditplan", "enterpriseplan",
                  "creditmonth", "allocation", "allocateddesk"):
        assert client.get(f"/admin/bookings/{model}/").status_code == 200, model
    change = client.get(f"/admin/bookings/place/{place.pk}/change/")
    assert change.status_code == 200
    assert client.get("/admin/bookings/booking/add/").status_code == 403
    form = {"kind": "room", "name": place.name, "name_en": "", "description": "", "building": cast["building_b"].pk,
            "floor": "5F", "capacity": 8, "equipment": "[]", "opens_at": "08:00", "closes_at": "22:00",
            "audience": "tenants", "price_per_hour_fen": 0, "credits_per_hour": 0, "min_minutes": 30,
            "max_minutes": 240, "max_days_ahead": 30, "cancel_hours": 2, "buffer_minutes": 0,
            "max_hours_per_week": 0, "map_slug": "", "position": 0}
    refused = client.post(f"/admin/bookings/place/{place.pk}/change/", form)
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    place.refresh_from_db()
    assert place.building == cast["building"]
    saved = client.post(f"/admin/bookings/place/{place.pk}/change/", {**form, "building": cast["building"].pk,
                                                                     "capacity": 9})
    assert saved.status_code == 302
    place.refresh_from_db()
    assert place.capacity == 9


def test_the_lists_take_a_constant_number_of_queries(cast: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    plan = CreditPlanFactory(park=cast["a"])
    for n in range(12):
        PlaceFactory(park=cast["a"], building=BuildingFactory(code=f"Q{n}", park=cast["a"]))
        enterprise = EnterpriseFactory(park=cast["a"])
        if n % 2:
            EnterprisePlan.objects.create(enterprise=enterprise, plan=plan)
    client = _client(cast["op_a"])
    for url, most in (("/api/v1/bookings/manage/places", 8), ("/api/v1/bookings/manage/enterprises", 8),
                      ("/api/v1/bookings/manage/plans", 7), ("/bookings/manage/places/", 9),
                      ("/bookings/manage/enterprises/", 10)):
        client.get(url)
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200, url
