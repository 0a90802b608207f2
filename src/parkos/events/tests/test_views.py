"""Pages, API, search and calendars: who sees what (organiser, colleague, tenant, outsider), bad input,
user text rendered as text, and query counts on the lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from parkos.accounts.tests.factories import UserFactory
from parkos.events import services
from parkos.events.models import Event, Registration
from parkos.events.tests.factories import EventFactory, event_data, register

pytestmark = pytest.mark.django_db
S = Registration.Status


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def restricted(cast: dict[str, Any]) -> dict[str, Event]:
    return {
        "tenants": services.event_create(actor=cast["organiser"], data=event_data(
            title="租户专场 企业开放日", audience="tenants", enterprise=cast["enterprise"].pk)),
        "invited": services.event_create(actor=cast["operator"], data=event_data(
            title="闭门会 投资人早餐会", audience="invited", invitees=[cast["tenant"].pk])),
        "public": services.event_create(actor=cast["operator"], data=event_data(title="园区夜跑 公开活动")),
    }


def test_audience_is_enforced_on_pages_api_and_ics(cast: dict[str, Any], restricted: dict[str, Event]) -> None:
    tenants, invited, public = restricted["tenants"], restricted["invited"], restricted["public"]
    seen = {
        "anonymous": (None, {public.pk}),
        "outsider": (cast["outsider"], {public.pk}),
        "tenant": (cast["tenant"], {public.pk, tenants.pk, invited.pk}),
        "colleague": (cast["colleague"], {public.pk, tenants.pk}),
        "operator": (cast["operator"], {public.pk, tenants.pk, invited.pk}),
    }
    for who, (user, visible) in seen.items():
        client = _client(user)
        api_ids = {e["id"] for e in client.get("/api/v1/events").json()["items"]}
        assert api_ids == visible, who
        page = client.get("/events/").content.decode()
        for event in (tenants, invited, public):
            shown = event.pk in visible
            assert (f'data-event="{event.pk}"' in page) is shown, (who, event.title)
            assert client.get(f"/events/{event.pk}/").status_code == (200 if shown else 404), (who, event.title)
            assert client.get(f"/api/v1/events/{event.pk}").status_code == (200 if shown else 404)
            assert client.get(f"/events/{event.pk}/event.ics").status_code == (200 if shown else 404)
    assert _client(cast["outsider"]).post(f"/api/v1/events/{tenants.pk}/registration", {},
                                          content_type="application/json").status_code == 404


def test_audience_is_enforced_in_search(cast: dict[str, Any], restricted: dict[str, Event],
                                        django_capture_on_commit_callbacks: Any) -> None:
    from parkos.search.selectors import search
    from parkos.search.services import reindex

    reindex(kinds=["event"], fresh=True)

    def found(user: Any, q: str) -> set[int]:
        return {h.object_id for h in search(viewer=user, q=q, kind="event").hits}

    assert found(cast["outsider"], "企业开放日") == set()
    assert found(None, "投资人早餐会") == set()
    assert found(cast["tenant"], "企业开放日") == {restricted["tenants"].pk}
    assert found(cast["tenant"], "投资人早餐会") == {restricted["invited"].pk}
    assert found(cast["colleague"], "投资人早餐会") == set()
    assert found(None, "夜跑") == {restricted["public"].pk}
    # A cancelled event leaves the index.
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=cast["operator"], event=restricted["public"])
    assert found(cast["operator"], "夜跑") == set()


def test_member_calendar_feed_by_token_without_session(cast: dict[str, Any], restricted: dict[str, Event]) -> None:
    member = cast["tenant"]
    register(member, restricted["invited"])
    mine = _client(member).get("/events/mine/")
    assert mine.status_code == 200
    feed_url = mine.context["feed_url"]
    body = Client().get(feed_url.replace("http://testserver", "")).content
    calendar = Calendar.from_ical(body)
    summaries = [str(c["summary"]) for c in calendar.walk("VEVENT")]
    assert summaries == [restricted["invited"].title]
    assert Client().get("/events/feed/not-a-token.ics").status_code == 404
    # Renewing the link kills the old one.
    _client(member).post("/events/mine/")
    assert Client().get(feed_url.replace("http://testserver", "")).status_code == 404


def test_single_event_ics(cast: dict[str, Any]) -> None:
    event = EventFactory(title="国际人才政策宣讲会")
    body = Client().get(f"/events/{event.pk}/event.ics")
    assert body["Content-Type"].startswith("text/calendar")
    vevent = Calendar.from_ical(body.content).walk("VEVENT")[0]
    assert str(vevent["summary"]) == "国际人才政策宣讲会"
    assert vevent.decoded("dtstart") == event.starts_at.replace(microsecond=0)


def test_titles_and_answers_are_rendered_as_text(cast: dict[str, Any]) -> None:
    event = EventFactory(title="路演 & <b>日", description='<img src=x onerror="alert(1)">',
                         questions=[{"id": "q1", "label": "<i>公司</i>", "kind": "text", "required": False}])
    register(cast["tenant"], event, {"q1": "<script>alert(2)</script>"})
    page = _client(cast["tenant"]).get(f"/events/{event.pk}/").content.decode()
    assert "<b>日" not in page and "&lt;b&gt;日" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    listing = _client(event.created_by).get(f"/events/{event.pk}/registrants/").content.decode()
    assert "<script>alert(2)" not in listing and "&lt;script&gt;alert(2)" in listing
    assert "<i>公司</i>" not in listing


def test_pages_register_waitlist_offer_and_cancel(cast: dict[str, Any]) -> None:
    event = EventFactory(capacity=1, questions=[{"id": "q1", "label": "公司", "kind": "text", "required": True}])
    a, b = _client(cast["tenant"]), _client(cast["outsider"])
    refused = a.post(f"/events/{event.pk}/register/", {})
    assert refused.status_code == 400 and not Registration.objects.exists()
    assert a.post(f"/events/{event.pk}/register/", {"q_q1": "思灵"}).status_code == 302
    assert b.post(f"/events/{event.pk}/register/", {"q_q1": "个人"}).status_code == 302
    page = b.get(f"/events/{event.pk}/")
    assert 'data-status="waitlisted"' in page.content.decode()
    a.post(f"/events/{event.pk}/registration/cancel/")
    assert 'data-status="offered"' in b.get(f"/events/{event.pk}/").content.decode()
    b.post(f"/events/{event.pk}/registration/accept/")
    page = b.get(f"/events/{event.pk}/").content.decode()
    assert 'data-status="confirmed"' in page and "<svg" in page


def test_create_page_for_staff_refused_for_outsider(cast: dict[str, Any]) -> None:
    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    form = {"organiser": f"enterprise:{cast['enterprise'].pk}", "title": "具身智能技术沙龙", "description": "欢迎",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "place_kind": "park",
            "place": "A2 报告厅", "capacity": "20", "audience": "everyone", "questions": "* 公司\n参与方式 = 线下 / 线上",
            "price_points": "0", "offer_hours": "12"}
    response = _client(cast["colleague"]).post("/events/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert event.enterprise == cast["enterprise"] and event.questions[1]["choices"] == ["线下", "线上"]
    assert _client(cast["outsider"]).get("/events/new/").status_code == 403
    # Someone else's enterprise cannot be chosen.
    bad = _client(cast["tenant"]).post("/events/new/", {**form, "organiser": f"enterprise:{cast['enterprise'].pk}"})
    assert bad.status_code == 400 and Event.objects.count() == 1
    english = _client(cast["colleague"])
    english.cookies["django_language"] = "en"  # pages follow the language cookie, not Accept-Language
    past = english.post("/events/new/", {**form, "starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T12:00"})
    assert past.status_code == 400 and "must start in the future" in past.content.decode()


def test_export_and_registrants_only_for_the_organiser_side(cast: dict[str, Any]) -> None:
    event = services.event_create(actor=cast["colleague"], data=event_data(
        enterprise=cast["enterprise"].pk, questions=[{"label": "公司", "kind": "text"}]))
    register(cast["tenant"], event, {"q1": "=HYPERLINK(\"http://evil\")"})
    organiser = _client(cast["colleague"])
    xlsx = organiser.get(f"/events/{event.pk}/registrants.xlsx")
    assert xlsx.status_code == 200
    import io

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == cast["tenant"].display_name and rows[1][-1].startswith("'=")
    csv_body = organiser.get(f"/events/{event.pk}/registrants.csv").content.decode("utf-8-sig")
    assert cast["tenant"].display_name in csv_body
    assert _client(cast["organiser"]).get(f"/events/{event.pk}/registrants.csv").status_code == 200  # the admin
    for who in ("tenant", "outsider"):
        assert _client(cast[who]).get(f"/events/{event.pk}/registrants.csv").status_code in (403, 404)
        assert _client(cast[who]).get(f"/api/v1/events/{event.pk}/registrants").status_code == 403


def test_month_view_and_filters(cast: dict[str, Any]) -> None:
    event = EventFactory(title="东升杯创业大赛路演日")
    month = timezone.localtime(event.starts_at).strftime("%Y-%m")
    page = _client().get(f"/events/?view=month&month={month}").content.decode()
    assert "东升杯创业大赛路演日" in page and 'data-testid="month-grid"' in page
    assert "东升杯" not in _client().get("/events/?place=online").content.decode()
    assert "东升杯" in _client().get("/events/?q=路演").content.decode()


def test_list_query_counts_do_not_grow(cast: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    for i in range(3):
        register(cast["tenant"], EventFactory(title=f"活动{i}"))
    client = _client(cast["tenant"])
    for url in ("/events/", "/events/mine/"):  # the first visit creates the member's calendar feed
        client.get(url)

    def count(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    small = {u: count(u) for u in ("/events/", "/api/v1/events", "/events/mine/")}
    for i in range(12):
        register(cast["tenant"], EventFactory(title=f"更多活动{i}", audience="tenants"))
    for url, n in small.items():
        assert count(url) == n, url
    # 13: the page resolves the current park (the member's parks: their enterprise's, followed ones).
    with django_assert_max_num_queries(13):
        client.get("/events/")


def test_api_register_cancel_accept(cast: dict[str, Any]) -> None:
    event = EventFactory(capacity=1)
    a, b = _client(cast["tenant"]), _client(cast["outsider"])
    first = a.post(f"/api/v1/events/{event.pk}/registration", {}, content_type="application/json").json()
    assert first["status"] == "confirmed" and first["ticket_payload"].startswith("PKEV1.")
    again = a.post(f"/api/v1/events/{event.pk}/registration", {}, content_type="application/json").json()
    assert again["id"] == first["id"]
    second = b.post(f"/api/v1/events/{event.pk}/registration", {}, content_type="application/json").json()
    assert second["status"] == "waitlisted" and second["waitlist_position"] == 1 and second["ticket_payload"] is None
    assert a.delete(f"/api/v1/events/{event.pk}/registration").json()["status"] == "cancelled"
    assert b.post(f"/api/v1/events/{event.pk}/registration/accept").json()["status"] == "confirmed"
    closed = EventFactory(registration_closes_at=timezone.now() - timedelta(minutes=5))
    response = a.post(f"/api/v1/events/{closed.pk}/registration", {}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "closed"
    assert Client().post(f"/api/v1/events/{event.pk}/registration", {},
                         content_type="application/json").status_code == 401


def test_api_create_validates(cast: dict[str, Any]) -> None:
    start = timezone.now() + timedelta(days=3)
    body = {"title": "国际人才政策宣讲会", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "place": "C2 会议中心", "capacity": 80, "enterprise": cast["enterprise"].pk,
            "questions": [{"label": "国籍", "kind": "choice", "choices": ["中国", "其他"], "required": True}]}
    created = _client(cast["organiser"]).post("/api/v1/events", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["questions"][0]["id"] == "q1"
    bad = _client(cast["organiser"]).post("/api/v1/events", {**body, "capacity": 0}, content_type="application/json")
    assert bad.status_code == 400 and "capacity" in bad.json()["details"]
    assert _client(cast["outsider"]).post("/api/v1/events", {**body, "enterprise": None},
                                          content_type="application/json").status_code == 403
    assert Event.objects.count() == 1
    assert UserFactory  # factories import used by other tests in this module
