"""Who sees whose time in the park: the member their own; an enterprise's admin only aggregates over
colleagues who consented (nothing under three people); the park's operators the park-wide figures; an
operator of another park learns nothing (not found). Pages and API, with query counts on the lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from parkos.access.models import AccessPreference, DailyPresence
from parkos.access.services import presence as services
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.access.tests.presence_fixtures import walk
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory, add_staff, enterprise_with_admin

H = 3600


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()
    building = BuildingFactory(code="PA1", park=a, floor_area_m2=20_000)
    gate = GateFactory(area=AreaFactory(building=building, opens_at=None, closes_at=None))
    enterprise, admin = enterprise_with_admin(park=a, building=building)
    staff = [add_staff(enterprise) for _ in range(4)]
    other_enterprise, other_admin = enterprise_with_admin(park=a)
    return {"a": a, "b": b, "building": building, "gate": gate, "enterprise": enterprise, "admin": admin,
            "staff": staff, "other_admin": other_admin, "other_enterprise": other_enterprise,
            "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
            "portfolio": UserFactory(roles=[Role.OPERATOR]), "outsider": UserFactory()}


def _today_walk(user: Any, gate: Any, start: str = "09:00", end: str = "17:00") -> None:
    walk(user, gate, timezone.localdate(), f"in {start}", f"out {end}")


# --- the member's own -------------------------------------------------------------------------------------

def test_the_member_sees_their_own_time_and_an_empty_state_before_any_passage(world: dict[str, Any]) -> None:
    member = world["staff"][0]
    response = _client(member).get("/access/me/presence/")
    assert response.status_code == 200
    assert b'data-testid="presence-empty"' in response.content
    day = timezone.localdate().replace(day=1)
    walk(member, world["gate"], day, "in 09:00", "out 17:30")
    response = _client(member).get("/access/me/presence/")
    assert b'data-testid="presence-empty"' not in response.content
    assert f'data-day="{day:%Y-%m-%d}"'.encode() in response.content
    body = _client(member).get("/api/v1/access/me/presence").json()
    assert body["month_seconds"] == 8.5 * H and body["month_days"] == 1
    cell = next(d for d in body["days"] if d["day"] == day.isoformat())
    assert cell == {"day": day.isoformat(), "seconds": 8.5 * H, "inferred_seconds": 0, "late": False}
    # Another month is empty; a bad month is a field error, not a 500.
    previous = (day - dt.timedelta(days=1)).strftime("%Y-%m")
    assert _client(member).get(f"/api/v1/access/me/presence?month={previous}").json()["month_seconds"] == 0
    bad = _client(member).get("/api/v1/access/me/presence?month=2025-13")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "month" in bad.json()["details"]


def test_nobody_else_reads_a_members_days(world: dict[str, Any]) -> None:
    member = world["staff"][0]
    _today_walk(member, world["gate"])
    # There is no endpoint for someone else's days: each viewer gets only their own.
    for viewer in (world["admin"], world["staff"][1], world["op_a"]):
        assert _client(viewer).get("/api/v1/access/me/presence").json()["month_seconds"] == 0
    assert _client().get("/api/v1/access/me/presence").status_code == 401
    assert _client().get("/access/me/presence/").status_code == 302


def test_sharing_consent_by_page_and_api(world: dict[str, Any]) -> None:
    member = world["staff"][0]
    client = _client(member)
    assert client.post("/access/me/presence/share/", {"share": "1"}).status_code == 302
    assert AccessPreference.objects.get(user=member).share_with_enterprise is True
    assert b'data-testid="share-stop"' in client.get("/access/me/presence/").content
    response = client.put("/api/v1/access/me/preferences", {"share_with_enterprise": False},
                          content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"share_with_enterprise": False, "temperature_screening": False}
    assert AccessPreference.objects.get(user=member).share_with_enterprise is False
    assert _client().put("/api/v1/access/me/preferences", {"share_with_enterprise": True},
                         content_type="application/json").status_code == 401


# --- an enterprise's aggregates ---------------------------------------------------------------------------

def _consent(*users: Any) -> None:
    for user in users:
        services.preference_set(actor=user, share_with_enterprise=True)


def test_the_admin_sees_nothing_until_three_colleagues_consented(world: dict[str, Any]) -> None:
    staff, gate = world["staff"], world["gate"]
    for user in staff:
        _today_walk(user, gate)
    url = f"/api/v1/access/enterprises/{world['enterprise'].pk}/presence"
    admin = _client(world["admin"])
    body = admin.get(url).json()
    assert (body["staff"], body["consented"], body["shown"], body["person_hours"], body["days"]) == (5, 0, False, None, [])
    _consent(staff[0], staff[1])
    body = admin.get(url).json()
    assert (body["consented"], body["people"], body["shown"], body["average_hours"]) == (2, 2, False, None)
    _consent(staff[2])
    body = admin.get(url).json()
    assert (body["consented"], body["people"], body["shown"]) == (3, 3, True)
    assert body["person_hours"] == 24.0 and body["average_hours"] == 8.0
    assert body["days"] == [{"day": timezone.localdate().isoformat(), "people": 3, "average_hours": 8.0}]
    # The one who did not consent is not counted (4 staff walked).
    page = admin.get(f"/access/enterprises/{world['enterprise'].pk}/presence/")
    assert page.status_code == 200 and b'data-testid="enterprise-people">3<' in page.content
    for user in staff:  # never one person's name or row
        assert user.display_name.encode() not in page.content


def test_a_day_with_fewer_than_three_is_hidden_in_a_shown_month(world: dict[str, Any]) -> None:
    staff, gate = world["staff"], world["gate"]
    _consent(*staff[:3])
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # last month
    for user in staff[:3]:
        walk(user, gate, first, "in 09:00", "out 18:00")
    walk(staff[0], gate, first + dt.timedelta(days=1), "in 09:00", "out 10:00")
    body = _client(world["admin"]).get(f"/api/v1/access/enterprises/{world['enterprise'].pk}/presence"
                                       f"?month={first:%Y-%m}").json()
    assert body["shown"] is True and body["people"] == 3
    assert body["days"] == [{"day": first.isoformat(), "people": 3, "average_hours": 9.0},
                            {"day": (first + dt.timedelta(days=1)).isoformat(), "people": None, "average_hours": None}]


def test_who_may_read_an_enterprises_aggregates(world: dict[str, Any]) -> None:
    url = f"/api/v1/access/enterprises/{world['enterprise'].pk}/presence"
    page = f"/access/enterprises/{world['enterprise'].pk}/presence/"
    for viewer in (world["admin"], world["op_a"], world["portfolio"]):
        assert _client(viewer).get(url).status_code == 200
        assert _client(viewer).get(page).status_code == 200
    for viewer in (world["staff"][0], world["other_admin"], world["outsider"]):
        assert _client(viewer).get(url).status_code == 403
        assert _client(viewer).get(page).status_code == 403
    assert _client(world["op_b"]).get(url).status_code == 404
    assert _client(world["op_b"]).get(page).status_code == 404
    assert _client().get(url).status_code == 401
    assert _client(world["admin"]).get("/api/v1/access/enterprises/999999/presence").status_code == 404


def test_the_enterprise_aggregates_cost_the_same_queries_for_more_staff(
        world: dict[str, Any], django_assert_num_queries: Any) -> None:
    client = _client(world["admin"])
    url = f"/api/v1/access/enterprises/{world['enterprise'].pk}/presence"
    _consent(*world["staff"][:3])
    for user in world["staff"][:3]:
        _today_walk(user, world["gate"])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more = [add_staff(world["enterprise"]) for _ in range(6)]
    _consent(*more)
    for user in more:
        _today_walk(user, world["gate"])
    client.get(url)  # warm again, as "few" was: new staff renew the enterprise's kept facts (its staff count ...)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).json()["people"] == 9
    assert len(many) == len(few)


# --- the operators' figures -------------------------------------------------------------------------------

def test_operators_see_their_parks_figures_and_density(world: dict[str, Any]) -> None:
    gate, staff = world["gate"], world["staff"]
    today = timezone.localdate()
    _today_walk(staff[0], gate, "10:00", "11:00")
    _today_walk(staff[1], gate, "10:00", "11:00")
    walk(staff[2], gate, today, "in 09:00")  # still inside (or the exit went missing): 09:00–11:00 inferred
    # No rollup job has run: the day shown is rolled up when the operator looks.
    url = f"/api/v1/access/parks/{world['a'].pk}/presence"
    body = _client(world["op_a"]).get(url).json()
    assert body["present_day"] == 3 and body["present_now"] == 1
    assert body["by_hour"][10] == 3.0 and body["by_hour"][9] == 1.0
    density = next(b for b in body["density"] if b["building_id"] == world["building"].pk)
    # 3 person-hours in the 10 o'clock hour over 20,000 m²: 0.15 per 1,000 m².
    assert density["floor_area_m2"] == 20_000 and density["hours"][10] == 0.15 and density["hours"][9] == 0.05
    assert density["peak_hour"] == 10
    page = _client(world["op_a"]).get("/access/presence/")
    assert page.status_code == 200 and b'data-testid="present-day">3<' in page.content
    # Another day: no "inside now".
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert _client(world["op_a"]).get(f"{url}?day={yesterday}").json()["present_now"] is None


def test_who_may_read_the_park_figures(world: dict[str, Any]) -> None:
    url = f"/api/v1/access/parks/{world['a'].pk}/presence"
    assert _client(world["op_a"]).get(url).status_code == 200
    assert _client(world["portfolio"]).get(url).status_code == 200
    assert _client(world["op_b"]).get(url).status_code == 404
    assert _client(world["op_b"]).get("/access/presence/?park=main").status_code == 404
    for viewer in (world["admin"], world["outsider"]):
        assert _client(viewer).get(url).status_code == 403
        assert _client(viewer).get(f"/access/presence/?park={world['a'].code}").status_code == 403
    assert _client(world["op_b"]).get(f"/api/v1/access/parks/{world['b'].pk}/presence").status_code == 200
    assert _client(world["op_a"]).get("/api/v1/access/parks/999999/presence").status_code == 404
    assert _client(world["op_a"]).get(f"{url}?day=2025-02-30").status_code == 400


def test_the_park_figures_cost_the_same_queries_for_more_members(world: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world["op_a"])
    url = f"/api/v1/access/parks/{world['a'].pk}/presence"
    _today_walk(world["staff"][0], world["gate"])
    services.rollups_run()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for user in UserFactory.create_batch(8):
        _today_walk(user, world["gate"])
    BuildingFactory(code="PA2", park=world["a"], floor_area_m2=5_000)
    services.rollups_run()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).json()["present_day"] == 9
    assert len(many) == len(few)
    assert DailyPresence.objects.count() == 9
