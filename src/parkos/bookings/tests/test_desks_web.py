"""Workstation pages and API: the plan drawn as SVG with the right states and only the allowed names, booking
by a form post, our enterprise's desks (an award shows as such; the admin seats people), the editor (its
permission, a desk added at a clicked point, a plan with an uploaded image re-encoded and served), and the
API's plans, day, booking, allocations and seating, with a constant query count for a plan's day."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory, operator
from parkos.bookings.models import AllocatedDesk, Allocation, Booking, FloorPlan, Place
from parkos.bookings.services.desks import allocation_create, allocation_for_award, desk_assign, desk_book
from parkos.bookings.tests.factories import new_key, staff_member
from parkos.bookings.tests.factories_desks import FloorPlanFactory, desks_on, workday
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/bookings/desks"


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _desk_states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-name="([^"]+)" data-state="([a-z]+)"', html))


@pytest.fixture
def world() -> dict[str, Any]:
    enterprise = EnterpriseFactory(name="星河机器人有限公司")
    admin = staff_member(enterprise, admin=True, display_name="周管理")
    seated = staff_member(enterprise, display_name="王小明")
    plan = FloorPlanFactory(name="5F 开放工位区")
    desks = desks_on(plan, 4)
    day = workday()
    allocation = allocation_create(actor=operator(), park=park_default(), enterprise=enterprise, desks=desks[:1],
                                   starts_on=day, ends_on=day + dt.timedelta(days=30))
    desk_assign(actor=admin, allocated_desk=allocation.allocated.get(), occupant=seated)
    return {"enterprise": enterprise, "admin": admin, "seated": seated, "plan": plan, "desks": desks, "day": day,
            "allocation": allocation}


def test_the_plan_page_draws_the_desks_and_hides_names_from_outsiders(world: dict[str, Any]) -> None:
    plan, day = world["plan"], world["day"]
    outsider = staff_member(display_name="外人")
    desk_book(actor=outsider, desk=world["desks"][1], day=day, key=new_key())
    url = f"/bookings/desks/plans/{plan.pk}/?day={day.isoformat()}"
    page = _client(outsider).get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "<script" in html
    box = [int(n) for n in re.search(r'viewBox="([\d ]+)"', html).group(1).split()]  # type: ignore[union-attr]
    assert box[2] < 1000 and box[0] + box[2] <= 1000  # without an image: the part of the plan with desks
    assert _desk_states(html) == {"A01": "allocated", "A02": "mine", "A03": "free", "A04": "free"}
    assert "王小明" not in html and "星河机器人" not in html
    assert "floorplan.js" in html and "onclick" not in html  # a static script, no inline handlers
    colleague_html = _client(staff_member(world["enterprise"])).get(url).content.decode()
    assert "王小明" in colleague_html and "星河机器人" in colleague_html and "外人" not in colleague_html
    operator_html = _client(operator()).get(url).content.decode()
    assert "王小明" in operator_html and "外人" in operator_html
    assert Client().get(url).status_code == 302  # log in first
    listing = _client(outsider).get(f"/bookings/desks/?day={day.isoformat()}").content.decode()
    assert "5F 开放工位区" in listing and re.search(r'data-testid="plan-free">\s*2\b', listing)


def test_booking_a_desk_by_the_form_without_javascript(world: dict[str, Any]) -> None:
    plan, day = world["plan"], world["day"]
    member = staff_member()
    client = _client(member)
    free = world["desks"][2]
    selected = client.get(f"/bookings/desks/plans/{plan.pk}/?day={day.isoformat()}&desk={free.pk}")
    html = selected.content.decode()
    assert 'data-testid="book-form"' in html and 'data-testid="book-form" hidden' not in html
    key = re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]
    data = {"desk": free.pk, "day": day.isoformat(), "key": key}
    done = client.post(f"/bookings/desks/plans/{plan.pk}/book/", data)
    assert done.status_code == 302 and f"day={day.isoformat()}" in done["Location"]
    assert client.post(f"/bookings/desks/plans/{plan.pk}/book/", data).status_code == 302  # a double tap
    booking = Booking.objects.get()
    assert (booking.place_id, booking.organiser_id) == (free.pk, member.pk)
    after = client.get(done["Location"]).content.decode()
    assert _desk_states(after)["A03"] == "mine" and 'data-testid="my-desk"' in after
    refused = _client(staff_member()).post(f"/bookings/desks/plans/{plan.pk}/book/",
                                           {"desk": world["desks"][0].pk, "day": day.isoformat(), "key": new_key()})
    assert refused.status_code == 409 and Booking.objects.count() == 1


def test_our_desks_show_the_award_and_the_admin_seats_colleagues(world: dict[str, Any]) -> None:
    enterprise, admin = world["enterprise"], world["admin"]
    desks_on(FloorPlanFactory(name="6F"), 3, prefix="C")
    award = allocation_for_award(park=park_default(), enterprise=enterprise, count=2, months=6,
                                 starts_on=world["day"], source_ref="competitions.award:9", note="创新大赛二等奖")
    page = _client(admin).get("/bookings/desks/ours/")
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="allocation"') == 2
    assert 'data-source="competition"' in html and "创新大赛二等奖" in html and "王小明" in html
    assert html.count('data-testid="assign-form"') == 3
    newcomer = staff_member(enterprise, display_name="新同事")
    row = award.allocated.order_by("desk__name").first()
    assert row is not None
    response = _client(admin).post(f"/bookings/desks/ours/{row.pk}/assign/", {"occupant": newcomer.pk})
    assert response.status_code == 302
    assert AllocatedDesk.objects.get(pk=row.pk).occupant_id == newcomer.pk
    colleague = _client(newcomer)
    html = colleague.get("/bookings/desks/ours/").content.decode()
    assert 'data-testid="assign-form"' not in html and "新同事" in html
    colleague.post(f"/bookings/desks/ours/{row.pk}/assign/", {"occupant": ""})
    assert AllocatedDesk.objects.get(pk=row.pk).occupant_id == newcomer.pk  # refused: only the admin seats
    outsider = _client(staff_member())
    assert outsider.post(f"/bookings/desks/ours/{row.pk}/assign/", {"occupant": ""}).status_code == 404
    assert "星河机器人" not in outsider.get("/bookings/desks/ours/").content.decode()
    assert 'data-testid="no-enterprise"' in _client(UserFactory()).get("/bookings/desks/ours/").content.decode()
    assert _client(staff_member()).get(f"/bookings/desks/ours/?enterprise={enterprise.pk}").status_code == 403
    as_operator = _client(operator()).get(f"/bookings/desks/ours/?enterprise={enterprise.pk}").content.decode()
    assert "创新大赛二等奖" in as_operator and "competitions.award:9" in as_operator  # the reference: operators
    detail = _client(newcomer).get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert 'data-testid="enterprise-desks"' in detail  # linked from the enterprise's page


def test_the_editor_is_for_the_parks_operators_only(world: dict[str, Any]) -> None:
    plan = world["plan"]
    park_b = Park.objects.create(code="desks-b", name="乙园")
    cache.clear()
    op_b = UserFactory(roles=[(Role.OPERATOR, park_b)])
    for outsider in (op_b, world["admin"]):
        client = _client(outsider)
        assert client.get(f"/bookings/desks/manage/{plan.pk}/").status_code == 403
        assert client.post(f"/bookings/desks/manage/{plan.pk}/desks/", {"x": 10, "y": 10}).status_code == 403
    op = _client(UserFactory(roles=[(Role.OPERATOR, park_default())]))
    editor = op.get(f"/bookings/desks/manage/{plan.pk}/")
    assert editor.status_code == 200 and 'data-mode="edit"' in editor.content.decode()
    assert 'viewBox="0 0 1000 600"' in editor.content.decode()  # the editor: the whole plan, to click anywhere
    added = op.post(f"/bookings/desks/manage/{plan.pk}/desks/", {"x": 700, "y": 450, "name": ""})
    assert added.status_code == 302
    desk = Place.objects.get(floor_plan=plan, x=700, y=450)
    assert desk.name == "5F-05" and desk.kind == "desk"
    chosen = op.get(f"/bookings/desks/manage/{plan.pk}/?desk={desk.pk}").content.decode()
    assert 'data-testid="desk-edit"' in chosen and 'value="5F-05"' in chosen
    bad = op.post(f"/bookings/desks/manage/{plan.pk}/desks/", {"x": 5000, "y": 10})
    assert bad.status_code == 400
    row = op.post(f"/bookings/desks/manage/{plan.pk}/row/", {"x": 100, "y": 400, "count": 4, "dx": 70, "dy": 0,
                                                             "name_prefix": "R", "start": 1})
    assert row.status_code == 302 and Place.objects.filter(floor_plan=plan, name__startswith="R").count() == 4
    moved = op.post(f"/bookings/desks/manage/{plan.pk}/desks/{desk.pk}/",
                    {"name": "窗边", "x": 650, "y": 420, "active": "on"})
    assert moved.status_code == 302
    assert Place.objects.filter(pk=desk.pk, name="窗边", x=650, y=420, is_active=True).exists()
    off = op.post(f"/bookings/desks/manage/{plan.pk}/desks/{desk.pk}/", {"name": "窗边", "x": 650, "y": 420})
    assert off.status_code == 302 and not Place.objects.get(pk=desk.pk).is_active
    manage = op.get("/bookings/desks/manage/")
    assert manage.status_code == 200 and "星河机器人" in manage.content.decode()


def test_allocating_from_the_editor_lists_the_dates_in_the_way(world: dict[str, Any]) -> None:
    plan, day, desks = world["plan"], world["day"], world["desks"]
    desk_book(actor=staff_member(), desk=desks[3], day=day, key=new_key())
    op = _client(operator())
    other = EnterpriseFactory()
    data = {"enterprise": other.pk, "starts_on": day.isoformat(),
            "ends_on": (day + dt.timedelta(days=60)).isoformat(), "desks": [desks[2].pk, desks[3].pk],
            "source": "lease", "source_ref": "", "note": "两年租约"}
    refused = op.post(f"/bookings/desks/manage/{plan.pk}/allocate/", data)
    assert refused.status_code == 400 and day.isoformat() in refused.content.decode()
    assert Allocation.objects.count() == 1
    done = op.post(f"/bookings/desks/manage/{plan.pk}/allocate/", {**data, "desks": [desks[2].pk]})
    assert done.status_code == 302 and Allocation.objects.filter(enterprise=other).count() == 1
    allocation = Allocation.objects.get(enterprise=other)
    ended = op.post(f"/bookings/desks/allocations/{allocation.pk}/end/", {"next": "https://evil.example/"})
    assert ended.status_code == 302 and ended["Location"] == "/bookings/desks/manage/"
    assert Allocation.objects.get(pk=allocation.pk).ended_at is not None


def _png(width: int, height: int) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (230, 240, 250)).save(out, "PNG")
    return SimpleUploadedFile("floor.png", out.getvalue(), content_type="image/png")


def test_a_plan_image_is_re_encoded_and_served_only_to_members() -> None:
    op = _client(operator())
    created = op.post("/bookings/desks/manage/new/", {"name": "8F 平面图", "building": "", "floor": "8F",
                                                      "width": 1200, "height": 600, "image": _png(400, 300)})
    assert created.status_code == 302
    plan = FloorPlan.objects.get(name="8F 平面图")
    assert plan.image.name.endswith(".webp") and (plan.width, plan.height) == (1200, 900)  # the image's 4:3
    image = op.get(f"/bookings/desks/plans/{plan.pk}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/webp"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert b"".join(image.streaming_content)[:4] == b"RIFF"  # type: ignore[attr-defined]
    assert Client().get(f"/bookings/desks/plans/{plan.pk}/image/").status_code == 302
    page = _client(staff_member()).get(f"/bookings/desks/plans/{plan.pk}/").content.decode()
    assert f"/bookings/desks/plans/{plan.pk}/image/?v=" in page
    old_name = plan.image.name
    desks_on(plan, 2, y=800)
    too_small = op.post(f"/bookings/desks/manage/{plan.pk}/", {"name": plan.name, "floor": "8F", "width": 1200,
                                                              "height": 700})
    assert too_small.status_code == 400 and "A01" in too_small.content.decode()  # desks would fall off
    replaced = op.post(f"/bookings/desks/manage/{plan.pk}/", {"name": "8F 新平面图", "floor": "8F", "width": 1000,
                                                             "height": 900, "image": _png(200, 200)})
    assert replaced.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.width, plan.height) == ("8F 新平面图", 1000, 1000) and plan.image.name != old_name
    removed = op.post(f"/bookings/desks/manage/{plan.pk}/", {"name": "8F 新平面图", "floor": "8F", "width": 1000,
                                                            "height": 1000, "remove_image": "on"})
    assert removed.status_code == 302 and not FloorPlan.objects.get(pk=plan.pk).image
    fake = SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>", content_type="image/png")
    refused = op.post("/bookings/desks/manage/new/", {"name": "坏图", "width": 1000, "height": 600, "image": fake})
    assert refused.status_code == 400 and not FloorPlan.objects.filter(name="坏图").exists()


def test_api_plans_day_book_and_allocations(world: dict[str, Any],
                                            django_assert_max_num_queries: Any) -> None:
    plan, day, enterprise = world["plan"], world["day"], world["enterprise"]
    member = staff_member()
    client = _client(member)
    plans = client.get(f"{API}/plans").json()
    assert plans["count"] == 1 and plans["items"][0]["desks"] == 4
    client.get(f"{API}/plans/{plan.pk}?day={day.isoformat()}")  # warm the session
    with django_assert_max_num_queries(20) as few:
        body = client.get(f"{API}/plans/{plan.pk}?day={day.isoformat()}").json()
    assert [(d["name"], d["state"], d["who"]) for d in body["desks"]] == [
        ("A01", "allocated", ""), ("A02", "free", ""), ("A03", "free", ""), ("A04", "free", "")]
    desks_on(plan, 12, prefix="M", y=300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{API}/plans/{plan.pk}?day={day.isoformat()}").json()["desks"]) == 16
    payload = {"desk": world["desks"][1].pk, "day": day.isoformat()}
    made = client.post(f"{API}/bookings", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert made.status_code == 201 and made.json()["desk_name"] == "A02" and made.json()["day"] == day.isoformat()
    again = client.post(f"{API}/bookings", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json()["id"] == made.json()["id"] and Booking.objects.count() == 1
    taken = _client(staff_member()).post(f"{API}/bookings", {**payload, "key": "x"}, content_type="application/json")
    assert taken.status_code == 409 and taken.json()["code"] == "overlap"
    colleague = _client(staff_member(enterprise))
    ours = colleague.get(f"{API}/allocations").json()
    assert ours["count"] == 1 and ours["items"][0]["desks"][0]["occupant_name"] == "王小明"
    assert client.get(f"{API}/allocations").json()["count"] == 0
    assert client.get(f"{API}/allocations?enterprise_id={enterprise.pk}").status_code == 403
    create = {"enterprise": enterprise.pk, "desks": [world["desks"][2].pk], "starts_on": day.isoformat(),
              "ends_on": (day + dt.timedelta(days=9)).isoformat(), "source_ref": "api-1"}
    assert client.post(f"{API}/allocations", create, content_type="application/json").status_code == 403
    op = _client(operator())
    first = op.post(f"{API}/allocations", create, content_type="application/json")
    assert first.status_code == 201 and first.json()["desks"][0]["desk_name"] == "A03"
    assert op.post(f"{API}/allocations", create, content_type="application/json").json()["id"] == first.json()["id"]
    clash = op.post(f"{API}/allocations", {**create, "source_ref": "api-2"}, content_type="application/json")
    assert clash.status_code == 409 and clash.json()["code"] == "allocated"
    row = AllocatedDesk.objects.get(allocation_id=first.json()["id"])
    seat = {"occupant": world["seated"].pk}
    assert colleague.post(f"{API}/allocated/{row.pk}/occupant", seat, content_type="application/json") \
        .status_code == 403
    admin = _client(world["admin"])
    assert admin.post(f"{API}/allocated/{row.pk}/occupant", {"occupant": member.pk},
                      content_type="application/json").json()["code"] == "not_staff"
    seated = admin.post(f"{API}/allocated/{row.pk}/occupant", seat, content_type="application/json").json()
    assert seated["occupant_name"] == "王小明"
    ended = op.post(f"{API}/allocations/{first.json()['id']}/end", content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended_at"]
