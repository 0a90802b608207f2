"""The parks in the shell: the header's switcher, the parks page, following a park (page and API), the home
page's figures per park, each park's branding, the back office's one-default rule, each park's holiday
calendar. Switching the current park changes what is shown, never what a member may do."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from parkos.accounts.tests.factories import UserFactory
from parkos.core import parks, policy, workdays
from parkos.core.admin import ParkAdminForm
from parkos.core.models import Park, ParkFollow
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory, enterprise_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # the park list and the home figures are cached; every test starts from the database


@pytest.fixture
def park_a() -> Park:
    return parks.park_default()


@pytest.fixture
def park_b() -> Park:
    park = Park.objects.create(code="b", name="乙园", name_en="Park B", address="亦庄路 1 号",
                               opening_hours="8:00–20:00", brand_colour="#aa3300", accent_colour="#ffeedd",
                               position=5)
    cache.clear()
    return park


def _english() -> Client:
    """Pages speak the member's chosen language (a cookie), not the browser's."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def _form(park: Park | None = None, **changes: Any) -> dict[str, Any]:
    data = {"code": "c", "name": "丙园", "name_en": "", "address": "", "opening_hours": "", "holidays_file": "",
            "brand_colour": "#123456", "accent_colour": "#abcdef", "position": 0, "is_default": False,
            "is_active": True}
    if park is not None:
        data.update({f: getattr(park, f) for f in data})
    data.update(changes)
    return data


def _png(colour: str = "red", size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


# --- the switcher ----------------------------------------------------------------------------------

def test_switching_sets_the_cookie_and_returns_to_the_page(park_a: Park, park_b: Park) -> None:
    client = Client()
    response = client.post("/parks/switch/", {"park": "b", "next": "/events/"})
    assert response.status_code == 302 and response["Location"] == "/events/"
    assert response.cookies[parks.COOKIE].value == "b"
    page = client.get("/")
    assert page.wsgi_request.park.pk == park_b.pk
    assert page.context["current_park"].pk == park_b.pk
    # Back to the first park; a foreign "next" is not followed.
    response = client.post("/parks/switch/", {"park": park_a.code, "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/").context["current_park"].pk == park_a.pk


def test_an_unknown_or_inactive_park_is_refused_with_a_message(park_a: Park, park_b: Park) -> None:
    client = _english()
    client.post("/parks/switch/", {"park": "b"})
    Park.objects.filter(pk=park_b.pk).update(is_active=False)
    cache.clear()
    for code in ("nowhere", "", "b"):
        response = client.post("/parks/switch/", {"park": code, "next": "/parks/"})
        assert response.status_code == 302 and parks.COOKIE not in response.cookies
        assert [str(m) for m in client.get("/parks/").context["messages"]] == ["No such park."]
    # The stale cookie of a closed park falls back to the default park.
    assert client.get("/").context["current_park"].pk == park_a.pk
    assert Client().get("/parks/switch/").status_code == 405


def test_switching_never_changes_what_a_member_may_do(park_a: Park, park_b: Park) -> None:
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    enterprise_a = EnterpriseFactory(park=park_a)
    enterprise_b = EnterpriseFactory(park=park_b)
    client = Client()
    client.force_login(operator_a)
    for code in (park_a.code, park_b.code):
        client.post("/parks/switch/", {"park": code})
        request = client.get("/").wsgi_request
        assert request.park.code == code
        user = request.user
        assert policy.can(user, "enterprise.butler.assign", enterprise_a)
        assert not policy.can(user, "enterprise.butler.assign", enterprise_b)
        assert not policy.can(user, "enterprise.edit", enterprise_b)
    # Nor does the other park's operator gain anything in park A by looking at it.
    operator_b = UserFactory(roles=[(policy.OPERATOR, park_b)])
    client.force_login(operator_b)
    client.post("/parks/switch/", {"park": park_a.code})
    assert not policy.can(client.get("/").wsgi_request.user, "enterprise.butler.assign", enterprise_a)


def test_the_header_switches_between_the_members_parks_and_all_parks_for_visitors(park_a: Park,
                                                                                   park_b: Park) -> None:
    Park.objects.create(code="closed", name="关园", is_active=False)
    cache.clear()
    anonymous = Client().get("/")
    assert [p.code for p in anonymous.context["park_choices"]] == [park_a.code, park_b.code]
    html = anonymous.content.decode()
    assert 'action="/parks/switch/"' in html and '<option value="b">' in html
    # A member of park B's enterprise: their park is B, shown by default; only B to switch to.
    _enterprise, admin = enterprise_with_admin(building=BuildingFactory(park=park_b))
    client = Client()
    client.force_login(admin)
    response = client.get("/")
    assert response.context["current_park"].pk == park_b.pk
    assert [p.code for p in response.context["park_choices"]] == ["b"]
    assert 'id="park-select"' not in response.content.decode()  # nothing to choose between
    parks.park_follow(actor=admin, park=park_a)
    response = client.get("/")
    assert [p.code for p in response.context["park_choices"]] == [park_a.code, "b"]
    assert 'id="park-select"' in response.content.decode()


# --- branding --------------------------------------------------------------------------------------

def test_each_park_brands_every_page(park_a: Park, park_b: Park) -> None:
    Park.objects.filter(pk=park_a.pk).update(brand_colour="#0B7A5C", accent_colour="#e3f4ee")
    cache.clear()
    client = Client()
    html = client.get("/").content.decode()
    assert 'style="--brand:#0b7a5c;--accent:#e3f4ee"' in html
    assert f"· {park_a.name}</title>" in html
    assert '<span class="logo" aria-hidden="true">园</span>' in html
    client.post("/parks/switch/", {"park": "b"})
    for path in ("/", "/parks/", "/privacy/"):
        html = client.get(path).content.decode()
        assert 'style="--brand:#aa3300;--accent:#ffeedd"' in html, path
        assert '<span class="brand-park">乙园</span>' in html, path
    english = _english()
    english.cookies[parks.COOKIE] = "b"
    assert "<title>Home · Park B</title>" in english.get("/").content.decode()
    # A colour written around the model's validator never reaches the style attribute.
    # (Seven characters: the column's width, which PostgreSQL enforces.)
    Park.objects.filter(pk=park_b.pk).update(brand_colour="r;}b{x:", accent_colour="#12345")
    cache.clear()
    html = client.get("/").content.decode()
    assert 'style="--brand:#0b7a5c;--accent:#e3f4ee"' in html and "}b{x" not in html


def test_the_logo_shows_in_the_header_when_set(park_b: Park, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    form = ParkAdminForm(data=_form(park_b), instance=park_b,
                         files={"logo": SimpleUploadedFile("logo.jpg", _png("blue", (900, 300)), "image/jpeg")})
    assert form.is_valid(), form.errors
    park = form.save()
    cache.clear()
    assert park.logo.name.endswith(".png")
    with Image.open(park.logo.path) as image:  # re-encoded: PNG, at most 512 a side
        assert image.format == "PNG" and max(image.size) == 512
    client = Client()
    client.post("/parks/switch/", {"park": "b"})
    html = client.get("/").content.decode()
    url = parks.park_logo_url(park)
    assert f'<img class="logo logo-img" src="{url}"' in html
    logo = client.get(url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content).startswith(b"\x89PNG")
    assert client.get("/parks/nowhere/logo").status_code == 404
    # Not an image: refused next to the field.
    form = ParkAdminForm(data=_form(park_b), instance=park_b,
                         files={"logo": SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png")})
    assert not form.is_valid() and "logo" in form.errors


# --- the parks page and following ------------------------------------------------------------------

def test_the_parks_page_lists_every_active_park_and_marks_the_members_own(park_a: Park, park_b: Park) -> None:
    BuildingFactory(park=park_b, code="Y1")
    BuildingFactory(park=park_b, code="Y2")
    Park.objects.create(code="closed", name="关园", is_active=False)
    cache.clear()
    anonymous = _english().get("/parks/")
    html = anonymous.content.decode()
    assert anonymous.status_code == 200
    assert "乙园" in html and "Park B" in html and "亦庄路 1 号" in html and "8:00–20:00" in html
    assert "关园" not in html
    assert "Log in to follow a park." in html and "/parks/b/follow/" not in html
    row_b = next(r for r in anonymous.context["rows"] if r["park"].pk == park_b.pk)
    assert row_b["figures"]["buildings"] == 2

    # A member of park A's enterprise, operator in park B: both marked, why; then follows B.
    _enterprise, member = enterprise_with_admin(building=BuildingFactory(park=park_a))
    from parkos.accounts.models import UserRole

    UserRole.objects.create(user=member, role=policy.OPERATOR, park=park_b)
    client = _english()
    client.force_login(member)
    rows = {r["park"].code: r for r in client.get("/parks/").context["rows"]}
    assert (rows[park_a.code]["employer"], rows[park_a.code]["role"]) == (True, False)
    assert (rows["b"]["employer"], rows["b"]["role"], rows["b"]["followed"]) == (False, True, False)
    response = client.post("/parks/b/follow/", {"follow": "1"})
    assert response.status_code == 302 and response["Location"] == "/parks/"
    client.post("/parks/b/follow/", {"follow": "1"})  # twice: still one
    assert ParkFollow.objects.filter(user=member, park=park_b).count() == 1
    page = client.get("/parks/")
    assert next(r for r in page.context["rows"] if r["park"].pk == park_b.pk)["followed"]
    assert 'name="follow" value="0"' in page.content.decode()
    client.post("/parks/b/follow/", {"follow": "0"})
    client.post("/parks/b/follow/", {"follow": "0"})
    assert not ParkFollow.objects.filter(user=member).exists()
    # Unknown park: a message, nothing stored; the anonymous are sent to log in.
    response = client.post("/parks/nowhere/follow/", {"follow": "1"}, follow=True)
    assert [str(m) for m in response.context["messages"]][-1] == "No such park."
    anonymous_follow = Client().post("/parks/b/follow/", {"follow": "1"})
    assert anonymous_follow.status_code == 302 and "/accounts/login/" in anonymous_follow["Location"]
    assert ParkFollow.objects.count() == 0


def test_the_parks_page_says_when_no_park_is_yours(park_a: Park, park_b: Park) -> None:
    client = _english()
    client.force_login(UserFactory())
    html = client.get("/parks/").content.decode()
    assert "None of these parks is yours yet" in html


def test_the_parks_page_asks_a_constant_number_of_queries(park_a: Park, park_b: Park,
                                                          django_assert_max_num_queries: Any) -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.get("/parks/")  # warm the caches (session, park list)
    for n in range(5):
        Park.objects.create(code=f"x{n}", name=f"园{n}")
        BuildingFactory(park=park_b)
        parks.park_follow(actor=user, park=park_b if n % 2 else park_a)
    cache.clear()
    with django_assert_max_num_queries(30):
        assert client.get("/parks/").status_code == 200


# --- the API ---------------------------------------------------------------------------------------

def test_api_lists_the_parks_publicly(park_a: Park, park_b: Park) -> None:
    response = Client().get("/api/v1/parks")
    assert response.status_code == 200
    body = response.json()
    assert [p["code"] for p in body] == [park_a.code, "b"]
    b = body[1]
    assert b == {"code": "b", "name": "乙园", "name_en": "Park B", "address": "亦庄路 1 号",
                 "opening_hours": "8:00–20:00", "brand_colour": "#aa3300", "accent_colour": "#ffeedd",
                 "logo_url": "", "is_default": False}
    assert body[0]["is_default"] is True


def test_api_my_parks_and_follow_are_idempotent(park_a: Park, park_b: Park) -> None:
    _enterprise, member = enterprise_with_admin(building=BuildingFactory(park=park_a))
    client = Client()
    client.force_login(member)
    assert [(p["code"], p["reasons"]) for p in client.get("/api/v1/me/parks").json()] == [
        (park_a.code, ["employer"])]
    for _ in range(2):
        response = client.put("/api/v1/me/parks/b/follow")
        assert response.status_code == 200 and response.json() == {"code": "b", "following": True}
    assert ParkFollow.objects.filter(user=member).count() == 1
    mine = {p["code"]: p for p in client.get("/api/v1/me/parks").json()}
    assert mine["b"]["reasons"] == ["followed"] and mine["b"]["following"] is True
    for _ in range(2):
        response = client.delete("/api/v1/me/parks/b/follow")
        assert response.status_code == 200 and response.json() == {"code": "b", "following": False}
    assert not ParkFollow.objects.exists()
    missing = client.put("/api/v1/me/parks/nowhere/follow")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    # A portfolio operator's parks are all of them, by role.
    client.force_login(UserFactory(roles=[policy.OPERATOR]))
    assert {p["code"]: p["reasons"] for p in client.get("/api/v1/me/parks").json()} == {
        park_a.code: ["role"], "b": ["role"]}


def test_api_refuses_the_anonymous(park_b: Park) -> None:
    client = Client()
    for method, path in (("get", "/api/v1/me/parks"), ("put", "/api/v1/me/parks/b/follow"),
                         ("delete", "/api/v1/me/parks/b/follow")):
        response = getattr(client, method)(path)
        assert response.status_code == 401, (method, path)
        assert set(response.json()) == {"code", "message", "details"}
    assert not ParkFollow.objects.exists()


def test_api_schema_names_the_parks_operations() -> None:
    schema = json.loads(Client().get("/api/openapi.json").content)
    paths = schema["paths"]
    assert "get" in paths["/api/v1/parks"]
    assert "get" in paths["/api/v1/me/parks"]
    assert {"put", "delete"} <= set(paths["/api/v1/me/parks/{code}/follow"])
    components = schema["components"]["schemas"]
    assert {"ParkOut", "ParkMineOut", "ParkFollowOut"} <= set(components)
    assert set(components["ParkOut"]["properties"]) == {
        "code", "name", "name_en", "address", "opening_hours", "brand_colour", "accent_colour", "logo_url",
        "is_default"}


# --- the home page ---------------------------------------------------------------------------------

def test_the_home_page_counts_the_current_park_and_says_which(park_a: Park, park_b: Park) -> None:
    enterprise_with_admin(building=BuildingFactory(park=park_a))
    enterprise_with_admin(building=BuildingFactory(park=park_a))
    enterprise_with_admin(building=BuildingFactory(park=park_b))
    UserFactory()  # in no park's enterprise
    client = _english()
    response = client.get("/")
    overview = response.context["overview"]
    assert (overview["members"], overview["enterprises"], overview["buildings"]) == (2, 2, 2)
    assert f"Park: {park_a.display_name('en')}" in response.content.decode()
    client.post("/parks/switch/", {"park": "b"})
    response = client.get("/")
    overview = response.context["overview"]
    assert (overview["members"], overview["enterprises"], overview["buildings"]) == (1, 1, 1)
    assert "Park: Park B" in response.content.decode()
    assert "1 members and 1 enterprises" in response.content.decode()


# --- the back office -------------------------------------------------------------------------------

def test_admin_keeps_exactly_one_default_park(park_a: Park, park_b: Park) -> None:
    with translation.override("en"):
        form = ParkAdminForm(data=_form(is_default=True))
        assert not form.is_valid()
        assert "is the default park" in form.errors["is_default"][0]
        form = ParkAdminForm(data=_form(park_a, is_default=False), instance=park_a)
        assert not form.is_valid() and "Exactly one park is the default" in form.errors["is_default"][0]
        form = ParkAdminForm(data=_form(park_a, brand_colour="green"), instance=park_a)
        assert not form.is_valid() and "brand_colour" in form.errors
        assert ParkAdminForm(data=_form()).is_valid()


def test_admin_moves_the_default_and_refreshes_the_cached_list(park_a: Park, park_b: Park,
                                                               django_capture_on_commit_callbacks: Any) -> None:
    client = Client()
    client.force_login(UserFactory(roles=[policy.OPERATOR]))
    assert client.get("/admin/core/park/").status_code == 200
    assert client.get(f"/admin/core/parkfollow/?park={park_b.pk}").status_code == 200
    assert parks.park_default().pk == park_a.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/core/park/", {"action": "make_default", "_selected_action": [park_b.pk]})
    assert response.status_code == 302
    assert list(Park.objects.filter(is_default=True).values_list("code", flat=True)) == ["b"]
    assert parks.park_default().pk == park_b.pk  # the cached list was refreshed
    park_b.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/core/park/{park_b.pk}/change/", {**_form(park_b, name="乙园新名")})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert parks.park_get(code="b").name == "乙园新名"
    # The follows are read-only; the default park cannot be deleted; an operator of one park is not let in.
    assert client.get("/admin/core/parkfollow/add/").status_code == 403
    assert client.get(f"/admin/core/park/{park_b.pk}/delete/").status_code == 403
    client.force_login(UserFactory(roles=[(policy.OPERATOR, park_a)]))
    assert client.get("/admin/core/park/").status_code == 302


# --- the holiday calendar per park ----------------------------------------------------------------

def test_each_park_has_its_holiday_calendar(park_a: Park, park_b: Park, tmp_path: Path) -> None:
    from datetime import date

    national = workdays.park_calendar(park_a)
    assert national.path == workdays.park_calendar(None).path
    monday = date(2031, 3, 3)
    assert national.is_workday(monday)
    own = tmp_path / "b.json"
    own.write_text(json.dumps({"2031": {"holidays": ["2031-03-03"], "workdays": ["2031-03-08"]}}), "utf-8")
    park_b.holidays_file = str(own)
    calendar = workdays.park_calendar(park_b)
    assert not calendar.is_workday(monday) and calendar.is_workday(date(2031, 3, 8))
    assert calendar.known_years() == frozenset({2031})
    assert calendar.add_workdays(date(2031, 2, 28), 1) == date(2031, 3, 4)
    assert workdays.add_workdays(date(2031, 2, 28), 1) == monday  # the module keeps the national schedule
    assert calendar.workdays_between(date(2031, 3, 1), date(2031, 3, 8)) == 5
    assert workdays.park_calendar(park_b)._schedule is calendar._schedule  # read once per file


# --- e-mails name the recipient's park ------------------------------------------------------------

def test_notification_mails_name_the_recipients_park(park_a: Park, park_b: Park) -> None:
    from parkos.notifications.services import _email_context

    _enterprise, member = enterprise_with_admin(building=BuildingFactory(park=park_b))
    assert _email_context(member)["park_name"] == "乙园"
    assert _email_context(UserFactory())["park_name"] == park_a.name
