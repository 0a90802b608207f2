"""Events in a portfolio of parks (issue 14): an event lives in its building's park (else the one its organiser
chose); operators of another park may not act on it (not found when it is not public); lists, feeds, exports
and the API never show another park's private events; registrations carry their event's park."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Forbidden, Invalid, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory, add_staff, enterprise_with_admin
from parkos.events import selectors, services
from parkos.events.models import Event, Registration
from parkos.events.tests.factories import EventFactory, event_data, register

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def parks(db: None) -> dict[str, Any]:
    """Park A (the default) and park B, each with a building, an enterprise (admin + colleague) and an
    operator of that park only; a portfolio operator; a member of no enterprise."""
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached (parks_changed() runs on commit, which a test never reaches)
    building_a, building_b = BuildingFactory(code="PA1", park=a), BuildingFactory(code="PB1", park=b)
    enterprise_a, admin_a = enterprise_with_admin(park=a)
    enterprise_b, admin_b = enterprise_with_admin(park=b)
    return {
        "a": a, "b": b, "building_a": building_a, "building_b": building_b,
        "enterprise_a": enterprise_a, "admin_a": admin_a, "staff_a": add_staff(enterprise_a),
        "enterprise_b": enterprise_b, "admin_b": admin_b, "staff_b": add_staff(enterprise_b),
        "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
        "portfolio": UserFactory(roles=[Role.OPERATOR]), "member": UserFactory(),
    }


@pytest.fixture
def events_b(parks: dict[str, Any]) -> dict[str, Event]:
    """Park B's events: public, invited-only, for B's tenants, and its enterprise's; and park A's public one."""
    op_b = parks["op_b"]
    return {
        "public": services.event_create(actor=op_b, data=event_data(title="乙园 公开夜跑", building=parks["building_b"].pk)),
        "invited": services.event_create(actor=op_b, data=event_data(title="乙园 闭门早餐会", audience="invited",
                                                                     invitees=[parks["staff_b"].pk], park=parks["b"])),
        "tenants": services.event_create(actor=op_b, data=event_data(title="乙园 租户专场", audience="tenants",
                                                                     park="b")),
        "enterprise": services.event_create(actor=parks["admin_b"], data=event_data(
            title="乙园企业 内部分享", audience="tenants", enterprise=parks["enterprise_b"].pk)),
        "a_public": services.event_create(actor=parks["op_a"], data=event_data(title="甲园 公开讲座")),
    }


# --- where an event lives, who may publish it -------------------------------------------------------

def test_the_park_of_an_event_is_its_buildings_else_the_organisers_choice(parks: dict[str, Any]) -> None:
    op_a, op_b, portfolio = parks["op_a"], parks["op_b"], parks["portfolio"]
    assert services.event_create(actor=op_a, data=event_data()).park == parks["a"]  # the default park
    assert services.event_create(actor=op_b, data=event_data(park=parks["b"])).park == parks["b"]
    assert services.event_create(actor=op_b, data=event_data(park="b")).park == parks["b"]  # by code
    assert services.event_create(actor=op_b, data=event_data(park=str(parks["b"].pk))).park == parks["b"]  # by id
    # The building decides, whatever park was chosen.
    assert services.event_create(actor=op_b, data=event_data(building=parks["building_b"].pk,
                                                              park=parks["a"])).park == parks["b"]
    # An operator of park A publishes nothing in park B, by choice or by building.
    before = Event.objects.count()
    with pytest.raises(Forbidden):
        services.event_create(actor=op_a, data=event_data(park=parks["b"]))
    with pytest.raises(Forbidden):
        services.event_create(actor=op_a, data=event_data(building=parks["building_b"].pk))
    assert Event.objects.count() == before
    # A portfolio operator publishes anywhere.
    assert services.event_create(actor=portfolio, data=event_data(park="b")).park == parks["b"]
    with pytest.raises(Invalid) as error:
        services.event_create(actor=op_a, data=event_data(park="no-such-park"))
    assert "park" in error.value.details


def test_an_enterprise_publishes_in_its_own_park(parks: dict[str, Any]) -> None:
    admin_b, enterprise_b = parks["admin_b"], parks["enterprise_b"]
    event = services.event_create(actor=admin_b, data=event_data(enterprise=enterprise_b.pk, park=parks["a"]))
    assert event.park == parks["b"]  # its enterprise's park, not the page's current park
    assert services.event_create(actor=admin_b, data=event_data(
        enterprise=enterprise_b.pk, building=parks["building_b"].pk)).park == parks["b"]
    with pytest.raises(Invalid) as error:  # a venue in another park
        services.event_create(actor=admin_b, data=event_data(enterprise=enterprise_b.pk,
                                                             building=parks["building_a"].pk))
    assert "building" in error.value.details
    # An operator of park A may not organise for park B's enterprise; park B's may.
    with pytest.raises(Forbidden):
        services.event_create(actor=parks["op_a"], data=event_data(enterprise=enterprise_b.pk))
    assert services.event_create(actor=parks["op_b"], data=event_data(enterprise=enterprise_b.pk)).park == parks["b"]


def test_an_event_stays_in_its_park(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    event = events_b["public"]
    with pytest.raises(Invalid) as error:
        services.event_update(actor=parks["op_b"], event=event, data={"building": parks["building_a"].pk})
    assert "building" in error.value.details
    event.refresh_from_db()
    assert event.building == parks["building_b"] and event.park == parks["b"]


def test_registrations_carry_their_events_park(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    registration = register(parks["member"], events_b["public"])
    assert registration.park_id == parks["b"].pk
    register(parks["member"], events_b["a_public"])
    assert not Registration.objects.exclude(park_id=F("event__park_id")).exists()


# --- operators of another park -----------------------------------------------------------------------

def test_operator_of_another_park_may_not_act_on_its_events(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    op_a, op_b = parks["op_a"], parks["op_b"]
    public, invited = events_b["public"], events_b["invited"]
    staff_b = parks["staff_b"]
    register(staff_b, public)
    register(staff_b, invited)
    # Services: refused on the public event (it is public: no secret that it exists).
    for action in (
        lambda e: services.event_update(actor=op_a, event=e, data={"title": "改名"}),
        lambda e: services.event_cancel(actor=op_a, event=e),
        lambda e: services.registrants_message(actor=op_a, event=e, title="通知"),
        lambda e: selectors.registrant_list(viewer=op_a, event=e),
        lambda e: selectors.checkin_tickets(viewer=op_a, event=e),
        lambda e: services.checkin_sync(actor=op_a, event=e, scans=[]),
    ):
        with pytest.raises(Forbidden):
            action(public)
    # The invited-only event is not even found.
    with pytest.raises(NotFound):
        selectors.event_for_manager(viewer=op_a, event_id=invited.pk)
    with pytest.raises(NotFound):
        selectors.event_get(viewer=op_a, event_id=events_b["tenants"].pk)
    # Pages and the API: 403 on the public event, 404 on the private one, nothing changed.
    client = _client(op_a)
    for event, status in ((public, 403), (invited, 404)):
        for url in (f"/events/{event.pk}/edit/", f"/events/{event.pk}/registrants/",
                    f"/events/{event.pk}/registrants.csv", f"/events/{event.pk}/registrants.xlsx",
                    f"/events/{event.pk}/checkin/", f"/events/{event.pk}/checkin/tickets/",
                    f"/api/v1/events/{event.pk}/registrants"):
            assert client.get(url).status_code == status, url
        assert client.post(f"/events/{event.pk}/cancel/", {"reason": "x"}).status_code == status
        assert client.post(f"/events/{event.pk}/registrants/", {"title": "通知", "statuses": ["confirmed"]}
                           ).status_code == status
        assert client.post(f"/events/{event.pk}/checkin/sync/", json.dumps({"scans": []}),
                           content_type="application/json").status_code == status
        assert client.post(f"/api/v1/events/{event.pk}/cancel", {"reason": ""},
                           content_type="application/json").status_code == status
        assert client.patch(f"/api/v1/events/{event.pk}", {"title": "改名"},
                            content_type="application/json").status_code == status
        assert client.post(f"/api/v1/events/{event.pk}/checkins", {"scans": []},
                           content_type="application/json").status_code == status
    assert not Event.objects.filter(status=Event.Status.CANCELLED).exists()
    assert not Event.objects.filter(title="改名").exists()
    # Park B's own operator does all of it; so does a portfolio operator.
    for operator in (op_b, parks["portfolio"]):
        client = _client(operator)
        for event in (public, invited):
            for url in (f"/events/{event.pk}/registrants/", f"/events/{event.pk}/registrants.csv",
                        f"/events/{event.pk}/checkin/", f"/events/{event.pk}/checkin/tickets/",
                        f"/api/v1/events/{event.pk}/registrants"):
                assert client.get(url).status_code == 200, (operator, url)
    tickets = _client(op_b).get(f"/events/{public.pk}/checkin/tickets/").json()["tickets"]
    sync = _client(op_b).post(f"/events/{public.pk}/checkin/sync/", json.dumps(
        {"scans": [{"ticket": tickets[0]["ticket"], "device": "门口-1"}]}), content_type="application/json")
    assert sync.status_code == 200 and sync.json()["results"][0]["status"] == "checked_in"
    services.event_cancel(actor=op_b, event=public)
    assert Event.objects.get(pk=public.pk).is_cancelled


def test_the_export_names_the_park(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    response = _client(parks["op_b"]).get(f"/events/{events_b['public'].pk}/registrants.csv")
    assert f'filename="b-event-{events_b["public"].pk}-registrants.csv"' in response["Content-Disposition"]


def test_the_create_page_offers_park_wide_events_only_to_that_parks_operators(parks: dict[str, Any]) -> None:
    client = _client(parks["op_a"])
    assert client.get("/events/new/").status_code == 200  # current park: A (the default)
    client.cookies["parkos_park"] = "b"
    assert client.get("/events/new/").status_code == 403  # in park B they may organise nothing
    client = _client(parks["op_b"])
    client.cookies["parkos_park"] = "b"
    response = client.post("/events/new/", {
        "organiser": "park", "title": "乙园 篮球赛", "starts_at": (timezone.now() + timedelta(days=3)).strftime(
            "%Y-%m-%dT%H:%M"), "ends_at": (timezone.now() + timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place_kind": "park", "place": "球场", "capacity": 20, "audience": "everyone", "price_points": 0,
        "offer_hours": 24})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Event.objects.get(title="乙园 篮球赛").park == parks["b"]


# --- what lists, feeds and the API show --------------------------------------------------------------

def _api_ids(user: Any, query: str = "") -> set[int]:
    response = _client(user).get(f"/api/v1/events{query}")
    assert response.status_code == 200
    return {e["id"] for e in response.json()["items"]}


def test_lists_never_show_another_parks_private_events(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    public, invited, tenants, enterprise, a_public = (events_b[k] for k in ("public", "invited", "tenants",
                                                                            "enterprise", "a_public"))
    a_tenants = services.event_create(actor=parks["op_a"], data=event_data(title="甲园 租户专场", audience="tenants"))
    everyone = {public.pk, a_public.pk}
    seen = {
        "anonymous": (None, everyone),
        "member": (parks["member"], everyone),
        "op_a": (parks["op_a"], everyone | {a_tenants.pk}),
        "staff_a": (parks["staff_a"], everyone | {a_tenants.pk}),  # "park enterprises" = park A's
        "staff_b": (parks["staff_b"], everyone | {invited.pk, tenants.pk, enterprise.pk}),
        "op_b": (parks["op_b"], everyone | {invited.pk, tenants.pk, enterprise.pk}),
        "portfolio": (parks["portfolio"], everyone | {invited.pk, tenants.pk, enterprise.pk, a_tenants.pk}),
    }
    for who, (user, visible) in seen.items():
        assert _api_ids(user) == visible, who
        client = _client(user)
        page = client.get("/events/?park=all").content.decode()
        for event in (*events_b.values(), a_tenants):
            assert (f'data-event="{event.pk}"' in page) is (event.pk in visible), (who, event.title)
            assert client.get(f"/events/{event.pk}/").status_code == (200 if event.pk in visible else 404), who
            assert client.get(f"/api/v1/events/{event.pk}").status_code == (200 if event.pk in visible else 404)
            assert client.get(f"/events/{event.pk}/event.ics").status_code == (200 if event.pk in visible else 404)
        # ?park= filters to one park (the API by code or id).
        assert _api_ids(user, "?park=b") == {pk for pk in visible if Event.objects.get(pk=pk).park_id == parks["b"].pk}
        assert _api_ids(user, f"?park={parks['a'].pk}") == {
            pk for pk in visible if Event.objects.get(pk=pk).park_id == parks["a"].pk}
    assert _client().get("/api/v1/events?park=nowhere").status_code == 404
    # The restricted event is out of the tenants of park A's search too.
    assert tenants.pk not in {e.pk for e in selectors.event_list(viewer=parks["staff_a"], when="all")}


def test_the_calendar_shows_the_current_park_and_says_so(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    staff_b = parks["staff_b"]  # their enterprise is in park B: their current park
    client = _client(staff_b)
    page = client.get("/events/")
    html = page.content.decode()
    assert page.context["shown_park"] == parks["b"]
    assert f'data-event="{events_b["public"].pk}"' in html and f'data-event="{events_b["a_public"].pk}"' not in html
    assert "乙园" in html and 'href="/events/park/b.ics"' in html
    page = client.get("/events/?park=all")
    assert page.context["shown_park"] is None
    assert f'data-event="{events_b["a_public"].pk}"' in page.content.decode()
    page = client.get(f"/events/?park={parks['a'].code}")
    assert f'data-event="{events_b["public"].pk}"' not in page.content.decode()
    assert client.get("/events/?park=nowhere").status_code == 404
    # Month view, same park.
    month = timezone.localtime(events_b["public"].starts_at).strftime("%Y-%m")
    page = client.get(f"/events/?view=month&month={month}&park={parks['a'].code}")
    assert page.context["shown_park"] == parks["a"]
    assert all(e.park_id == parks["a"].pk for week in page.context["weeks"] for day in week for e in day["events"])


def test_a_parks_feed_holds_its_public_events_only(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    response = Client().get("/events/park/b.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    summaries = {str(c["summary"]) for c in Calendar.from_ical(response.content).walk("VEVENT")}
    assert summaries == {events_b["public"].title}
    a_feed = Calendar.from_ical(Client().get(f"/events/park/{parks['a'].code}.ics").content)
    assert {str(c["summary"]) for c in a_feed.walk("VEVENT")} == {events_b["a_public"].title}
    assert Client().get("/events/park/nowhere.ics").status_code == 404


def test_my_events_and_my_feed_span_my_parks(parks: dict[str, Any], events_b: dict[str, Event]) -> None:
    staff_b = parks["staff_b"]
    register(staff_b, events_b["invited"])
    register(staff_b, events_b["a_public"])
    client = _client(staff_b)
    mine = client.get("/events/mine/")
    shown = {r.event_id for r in mine.context["page"]}
    assert shown == {events_b["invited"].pk, events_b["a_public"].pk}
    assert "乙园" in mine.content.decode()  # each row names its park
    assert {e.pk for e in selectors.event_list(viewer=staff_b, mine=True)} == shown
    feed = mine.context["feed_url"].replace("http://testserver", "")
    assert {str(c["summary"]) for c in Calendar.from_ical(Client().get(feed).content).walk("VEVENT")} == {
        events_b["invited"].title, events_b["a_public"].title}
    only_b = Calendar.from_ical(Client().get(feed + "?park=b").content)
    assert {str(c["summary"]) for c in only_b.walk("VEVENT")} == {events_b["invited"].title}


def test_reminders_by_park(parks: dict[str, Any], events_b: dict[str, Event],
                           django_capture_on_commit_callbacks: Any) -> None:
    from parkos.notifications.models import Notification

    now = timezone.now()
    soon_a = EventFactory(park=parks["a"], starts_at=now + timedelta(hours=3))
    soon_b = EventFactory(building=parks["building_b"], starts_at=now + timedelta(hours=3))
    assert soon_b.park == parks["b"]
    register(parks["member"], soon_a)
    register(parks["member"], soon_b)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.events_remind(park=parks["b"]) == 1
    assert Event.objects.get(pk=soon_b.pk).reminded_at is not None
    assert Event.objects.get(pk=soon_a.pk).reminded_at is None
    note = Notification.objects.filter(recipient=parks["member"]).order_by("-pk").first()
    assert note is not None and "乙园" in note.body  # several parks: the reminder names it
    assert services.events_remind() == 1  # the rest: park A's


def test_the_map_seam_can_ask_one_park(parks: dict[str, Any]) -> None:
    now = timezone.now()
    hall = 7
    in_a = EventFactory(park=parks["a"], starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1),
                        map_room_id=hall)
    in_b = EventFactory(building=parks["building_b"], starts_at=now - timedelta(minutes=5),
                        ends_at=now + timedelta(hours=1), map_room_id=hall)
    assert selectors.event_happening_now(room=hall) == in_a.pk  # as before: any park
    assert selectors.event_happening_now(room=hall, park=parks["b"]) == in_b.pk
    assert selectors.event_happening_now(room=hall, park=parks["b"].pk) == in_b.pk
    next_b = selectors.event_next(viewer=parks["member"], room=hall, park=parks["b"])
    assert next_b is not None and next_b.pk == in_b.pk


def test_api_create_in_a_park(parks: dict[str, Any]) -> None:
    payload = {**event_data(), "starts_at": (timezone.now() + timedelta(days=4)).isoformat(),
               "ends_at": (timezone.now() + timedelta(days=4, hours=1)).isoformat()}
    client = _client(parks["op_a"])
    refused = client.post("/api/v1/events", {**payload, "park": "b"}, content_type="application/json")
    assert refused.status_code == 403
    created = client.post("/api/v1/events", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["park"] == parks["a"].code
    created = _client(parks["op_b"]).post("/api/v1/events", {**payload, "park": "b"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["park"] == "b" and created.json()["park_name"]


def test_list_queries_do_not_grow_with_parks(parks: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(parks["staff_b"])
    register(parks["staff_b"], EventFactory(title="乙园活动", building=parks["building_b"]))
    register(parks["staff_b"], EventFactory(title="甲园活动", park=parks["a"]))
    client.get("/events/mine/")  # the first visit creates the member's calendar feed

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = ("/events/?park=all", "/events/", "/api/v1/events", "/api/v1/events?park=b", "/events/mine/")
    for url in urls:  # the member's facts (roles, parks, their enterprises' roles) are read once, then kept
        client.get(url)
    small = {u: count(u) for u in urls}
    for i in range(4):
        register(parks["staff_b"], EventFactory(title=f"乙园活动{i}", building=parks["building_b"]))
        register(parks["staff_b"], EventFactory(title=f"甲园活动{i}", park=parks["a"]))
    assert {u: count(u) for u in urls} == small


def test_generated_events_and_registrations_are_in_their_parks() -> None:
    from parkos.enterprises.models import Building
    from parkos.generator.services import park_generate

    park_generate(scale="tiny", seed=5)
    events = Event.objects.all()
    assert events.exists()
    assert not events.filter(building__isnull=False).exclude(park_id=F("building__park_id")).exists()
    assert not events.filter(enterprise__isnull=False).exclude(park_id=F("enterprise__park_id")).exists()
    assert not Registration.objects.exclude(park_id=F("event__park_id")).exists()
    assert set(events.values_list("park_id", flat=True)) <= set(Building.objects.values_list("park_id", flat=True))


@pytest.mark.migration_history
@pytest.mark.django_db(transaction=True)
def test_migration_moves_events_and_registrations_into_their_parks() -> None:
    """Populated before events 0002: every row keeps existing; an event lands in its building's park (the
    default without one), a registration in its event's."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # An earlier transactional test may have flushed the park the migrations made: make it again.
    default = Park.objects.filter(is_default=True).first() or Park.objects.create(code="main", name="园区",
                                                                                     is_default=True)
    park_b = Park.objects.create(code="b", name="乙园")
    cache.clear()
    building_b = BuildingFactory(code="PB9", park=park_b)
    organiser, members = UserFactory(), [UserFactory() for _ in range(3)]
    before = [("events", "0001_initial")]
    MigrationExecutor(connection).migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        OldEvent, OldRegistration = old.get_model("events", "Event"), old.get_model("events", "Registration")
        start = timezone.now() + timedelta(days=2)
        made = {}
        for name, building_id in (("in_b", building_b.pk), ("no_building", None)):
            event = OldEvent.objects.create(title=name, starts_at=start, ends_at=start + timedelta(hours=1),
                                            capacity=5, building_id=building_id, place="x",
                                            created_by_id=organiser.pk)
            for i, member in enumerate(members):
                OldRegistration.objects.create(event=event, user_id=member.pk, status="confirmed", queued_at=start,
                                               ticket_code=f"{name}-{i}", ticket_hash=f"{name}-{i}")
            made[name] = event.pk
        counts = (OldEvent.objects.count(), OldRegistration.objects.count())
    finally:
        # Every app's latest state again, not just this migration: going back to 0001 also undid the later
        # migrations (of this app and of those depending on it), which the rest of the suite needs.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert (Event.objects.count(), Registration.objects.count()) == counts
    assert Event.objects.get(pk=made["in_b"]).park_id == park_b.pk
    assert Event.objects.get(pk=made["no_building"]).park_id == default.pk
    assert set(Registration.objects.filter(event_id=made["in_b"]).values_list("park_id", flat=True)) == {park_b.pk}
    assert set(Registration.objects.filter(event_id=made["no_building"]).values_list("park_id", flat=True)) == {
        default.pk}
