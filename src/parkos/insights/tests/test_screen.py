"""The lobby's big screen: its live figures (people inside now from today's presence, today's public events,
open orders) next to the rollups; who may open it (the park's operators, a display link, not an operator of
another park, not a member, not the anonymous); display links made once, shown once, revoked for good; and
nothing on a display that names a person."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.access.models import DailyPresence
from parkos.catalog.models import ServiceOrder
from parkos.core.errors import Forbidden, Invalid
from parkos.events.models import Audience, Registration
from parkos.events.tests.factories import EventFactory
from parkos.insights.models import Screen
from parkos.insights.selectors import screens as selectors
from parkos.insights.services import rollups, screens
from parkos.insights.tests.dashboards_fixtures import _registration, build_week, week_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _today(hhmm: str) -> dt.datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hours, minutes)))


@pytest.fixture
def today(week: dict[str, Any]) -> dict[str, Any]:
    """Today in park A: u1 and u4 (withdrawn) inside, u2 came and left; a public event with two confirmed
    seats (one checked in), an invited-only event; park B: somebody inside."""
    a, b = week["a"], week["b"]
    day = timezone.localdate()
    for user, last_out in ((week["u1"], None), (week["u2"], _today("00:30")), (week["u4"], None)):
        DailyPresence.objects.create(park=a, user=user, day=day, first_in=_today("00:10"), last_out=last_out,
                                     passages=1 if last_out is None else 2)
    DailyPresence.objects.create(park=b, user=week["u3"], day=day, first_in=_today("00:10"), passages=1)
    public = EventFactory(park=a, title="机器人沙龙", starts_at=_today("23:00"), ends_at=_today("23:30"), capacity=30)
    _registration(public, week["u1"], Registration.Status.CONFIRMED, _today("00:01"))
    _registration(public, week["u2"], Registration.Status.CONFIRMED, _today("00:02"))
    _registration(public, week["u3"], Registration.Status.WAITLISTED, _today("00:03"))
    EventFactory(park=a, title="董事会闭门会", audience=Audience.INVITED, starts_at=_today("22:00"),
                 ends_at=_today("23:00"))
    rollups.rollups_update(park=a)
    return week


# --- the figures --------------------------------------------------------------------------------------------

def test_the_live_figures(today: dict[str, Any]) -> None:
    figures = selectors.screen_figures(park=today["a"])
    assert figures.inside == 1  # u1 (u2 left, u4 withdrew consent to presence analytics)
    assert figures.orders_open == 2  # o0 and o3
    assert figures.events_today == 1 and figures.registered_today == 2  # the invited-only event is left out
    assert [(e.title, e.registered) for e in figures.events] == [("机器人沙龙", 2)]
    assert figures.yesterday == {"active": 0, "present": 0, "orders": 0, "posts": 0}
    # Today's rollup: u1 (a registration made today) and u2 are active today; the trend is the 14 days before.
    assert len(figures.trend) == 14 and figures.month["active"] >= 2
    data = figures.as_json()
    assert data["figures"]["inside"] == 1 and data["events"][0]["registered"] == 2


def test_no_person_is_named_on_a_display(today: dict[str, Any]) -> None:
    _screen, token = screens.screen_create(actor=today["op_a"], park=today["a"], name="A1 大堂")
    client = Client()
    page = client.get(f"/insights/screen/d/{token}/").content.decode()
    data = client.get(f"/insights/screen/d/{token}/data/").content.decode("unicode_escape")
    for person in ("u1", "u2", "u3", "u4", "op_a"):
        name = today[person].display_name
        assert name not in page and name not in data, name
    assert "机器人沙龙" in page and "董事会闭门会" not in page and "董事会闭门会" not in data


def test_the_screen_json_follows_the_data(today: dict[str, Any]) -> None:
    from django.core.cache import cache

    client = _client(today["op_a"])
    url = f"/insights/screen/data/?park={today['a'].code}"
    assert client.get(url).json()["figures"]["orders_open"] == 2
    ServiceOrder.objects.filter(status="submitted").update(status="cancelled")
    cache.clear()  # the JSON is cached for a few seconds per park
    body = client.get(url).json()
    assert body["figures"]["orders_open"] == 0 and body["park"] == today["a"].display_name()


# --- who may open it ----------------------------------------------------------------------------------------

def test_operators_only(today: dict[str, Any]) -> None:
    a = today["a"].code
    assert _client(today["op_a"]).get(f"/insights/screen/?park={a}").status_code == 200
    assert _client(today["portfolio"]).get(f"/insights/screen/?park={a}").status_code == 200
    assert _client(today["op_b"]).get(f"/insights/screen/?park={a}").status_code == 404
    assert _client(today["member"]).get("/insights/screen/").status_code == 403
    assert _client().get("/insights/screen/").status_code == 302
    # The JSON answers in JSON.
    assert _client(today["op_b"]).get(f"/insights/screen/data/?park={a}").json()["code"] == "not_found"
    assert _client(today["member"]).get("/insights/screen/data/").status_code == 403
    anonymous = _client().get("/insights/screen/data/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    # Operator B's own screen shows park B: one person inside.
    assert _client(today["op_b"]).get("/insights/screen/data/").json()["figures"]["inside"] == 1


def test_a_display_link_is_made_shown_once_and_revoked_for_good(today: dict[str, Any]) -> None:
    op = _client(today["op_a"])
    a = today["a"].code
    made = op.post(f"/insights/screen/links/?park={a}", {"name": "A1 大堂"})
    assert made.status_code == 302
    page = op.get(made["Location"]).content.decode()
    link = re.search(r"<code>(http://testserver/insights/screen/d/([^/]+)/)</code>", page)
    assert link is not None, page
    token = link.group(2)
    screen = Screen.objects.get(park=today["a"])
    assert screen.token_hash == screens.screen_token_hash(token) and token not in screen.token_hash
    assert "<code>" not in op.get(f"/insights/screen/links/?park={a}").content.decode()  # shown once

    display = Client()
    response = display.get(f"/insights/screen/d/{token}/")
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    assert display.get(f"/insights/screen/d/{token}/data/").json()["figures"]["inside"] == 1
    screen.refresh_from_db()
    assert screen.last_seen_at is not None

    # Operators of another park neither see nor revoke it.
    assert _client(today["op_b"]).get(f"/insights/screen/links/?park={a}").status_code == 404
    assert _client(today["op_b"]).post(f"/insights/screen/links/{screen.pk}/revoke/").status_code == 404
    assert _client(today["member"]).post(f"/insights/screen/links/{screen.pk}/revoke/").status_code == 404
    assert _client(today["member"]).post(f"/insights/screen/links/?park={a}", {"name": "x"}).status_code == 403
    assert Screen.objects.get(pk=screen.pk).revoked_at is None

    assert op.post(f"/insights/screen/links/{screen.pk}/revoke/").status_code == 302
    assert Screen.objects.get(pk=screen.pk).revoked_at is not None
    assert display.get(f"/insights/screen/d/{token}/").status_code == 404
    gone = display.get(f"/insights/screen/d/{token}/data/")
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"
    assert Client().get("/insights/screen/d/not-a-real-token-at-all-000000/").status_code == 404


def test_a_display_needs_a_name(today: dict[str, Any]) -> None:
    response = _client(today["op_a"]).post(f"/insights/screen/links/?park={today['a'].code}", {"name": "  "})
    assert response.status_code == 200 and not Screen.objects.exists()
    assert response.context["form"].errors["name"]
    with pytest.raises(Invalid) as error:
        screens.screen_create(actor=today["op_a"], park=today["a"], name="<b>大堂</b>")
    assert error.value.code == "markup"
    with pytest.raises(Forbidden):
        screens.screen_create(actor=today["op_b"], park=today["a"], name="大堂")


def test_revoking_twice_changes_nothing_and_seen_is_written_rarely(today: dict[str, Any],
                                                                   django_assert_max_num_queries: Any) -> None:
    screen, token = screens.screen_create(actor=today["op_a"], park=today["a"], name="大堂")
    display = Client()
    display.get(f"/insights/screen/d/{token}/data/")
    first = Screen.objects.get(pk=screen.pk).last_seen_at
    with django_assert_max_num_queries(2):  # the link, and the cached figures (no write: seen a moment ago)
        display.get(f"/insights/screen/d/{token}/data/")
    assert Screen.objects.get(pk=screen.pk).last_seen_at == first
    assert screens.screen_revoke(actor=today["op_a"], screen=screen) is True
    assert screens.screen_revoke(actor=today["op_a"], screen=screen) is False


def test_the_operators_screen_costs_a_bounded_number_of_queries(today: dict[str, Any],
                                                                django_assert_max_num_queries: Any) -> None:
    client = _client(today["op_a"])
    client.get(f"/insights/screen/?park={today['a'].code}")
    with django_assert_max_num_queries(10):
        assert client.get(f"/insights/screen/?park={today['a'].code}").status_code == 200
