"""The operators' dashboard over the hand-built fortnight (tests/dashboards_fixtures.py): the figures against the
previous week, the period's validation with its translated messages, empty states, who sees what (the park's
operator, an operator of another park, a portfolio operator, a member, the anonymous), the XLSX export of each
table, a bounded number of queries, and the page in a real browser at 375 px."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from parkos.core.errors import Invalid
from parkos.insights.selectors import dashboards as selectors
from parkos.insights.services import rollups
from parkos.insights.tests.dashboards_fixtures import MON, PREV_MON, SUN, build_week, week_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

WEEK = f"start={MON.isoformat()}&end={SUN.isoformat()}"


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def rolled(week: dict[str, Any]) -> dict[str, Any]:
    for park in (week["a"], week["b"]):
        rollups.rollups_update(park=park, start=PREV_MON, end=SUN)
    return week


def _figures(response: Any, section: str) -> dict[str, Any]:
    return {f.key: f for f in response.context["d"].section(section).figures}


# --- the figures --------------------------------------------------------------------------------------------

def test_the_weeks_figures_against_the_week_before(rolled: dict[str, Any]) -> None:
    response = _client(rolled["op_a"]).get(f"/insights/dashboard/?park={rolled['a'].code}&{WEEK}")
    assert response.status_code == 200
    d = response.context["d"]
    assert (d.period.start, d.period.end, d.period.prev_start, d.period.prev_end) == (
        MON, SUN, PREV_MON, MON - dt.timedelta(days=1))

    orders = _figures(response, "orders")
    assert (orders["orders_submitted"].value, orders["orders_submitted"].previous) == (3, 1)
    assert orders["orders_submitted"].change_pct == 200.0 and orders["orders_submitted"].trend == "up"
    assert orders["orders_delivered"].value == 2 and orders["orders_within_sla"].value == 50.0
    assert orders["orders_turnaround"].value == 3.0 and orders["orders_turnaround"].better == "down"
    assert orders["orders_rating"].value == 4.0 and orders["orders_rating"].previous is None

    active = _figures(response, "active")
    assert active["active_daily"].value == pytest.approx(5 / 7) and active["active_daily"].previous == pytest.approx(1 / 7)
    assert active["active_peak"].value == 3 and active["active_peak"].note == MON.isoformat()
    assert (active["active_week"].value, active["active_week"].previous) == (3, 1)
    assert (active["active_month"].value, active["active_month"].previous) == (3, 1)  # March against February

    presence = _figures(response, "presence")
    assert presence["present_daily"].value == pytest.approx(3 / 7)
    assert presence["hours_each"].value == pytest.approx((20.5 + 3) / 3)
    assert presence["late"].value == 1
    buildings = response.context["d"].table("presence-buildings")
    # TA1: 23.5 person-hours over 10,000 m² and seven days: 0.34 per 1,000 m² a day.
    assert buildings.rows == [["TA1 创新楼", 10_000, 23.5, 0.34, 0.0]]
    assert buildings.cells == [["TA1 创新楼", "10000", "23.5", "0.34", "0.00"]]
    heat = response.context["d"].table("presence-heat")
    monday = heat.rows[0]
    assert monday[0] == str(selectors.WEEKDAYS[0]) and monday[1 + 9] == 1.0 and monday[1 + 10] == 2.0 and monday[1 + 22] == 0.5
    assert heat.rows[1][1 + 9] == 1.0  # Tuesday 09:00

    community = _figures(response, "community")
    assert community["posts"].value == 1 and community["comments"].value == 1
    assert community["suggestions_on_time"].value == pytest.approx(100 / 3)
    with translation.override("zh-hans"):
        assert community["suggestions_on_time"].note == gettext("%(on_time)s of %(due)s due") % {"on_time": 1, "due": 3}

    events = _figures(response, "events")
    assert events["events_held"].value == 1 and events["events_confirmed"].value == 2
    assert events["events_attendance"].value == 50.0 and events["events_no_shows"].value == 1

    scenes = _figures(response, "scenes")
    assert (scenes["scenes_published"].value, scenes["scenes_proposals"].value, scenes["scenes_deals"].value) == (1, 1, 1)
    assert scenes["scenes_value"].text == "¥1,000"

    rewards = _figures(response, "rewards")
    assert rewards["rewards_issued"].value == 2 and rewards["rewards_redeemed"].value == 1
    assert rewards["rewards_cost"].text == "¥15" and rewards["rewards_budget"].value == pytest.approx(0.2)
    assert rewards["rewards_budget"].previous is None  # no budget before the template existed

    body = response.content.decode()
    assert 'data-testid="value-orders_submitted">3<' in body and "↑" in body
    assert '<script id="dashboard-charts" type="application/json">' in body
    assert "<script>" not in body  # data only: the charts are drawn by the page's script file


def test_the_portfolio_sees_every_park_added_up(rolled: dict[str, Any]) -> None:
    response = _client(rolled["portfolio"]).get(f"/insights/dashboard/?park=all&{WEEK}")
    assert response.status_code == 200
    assert response.context["d"].park is None
    events = _figures(response, "events")
    assert events["events_held"].value == 2 and events["events_no_shows"].value == 2  # park A's and park B's
    assert _figures(response, "community")["posts"].value == 2
    # A portfolio operator may also choose one park.
    one = _client(rolled["portfolio"]).get(f"/insights/dashboard/?park=b&{WEEK}")
    assert _figures(one, "community")["posts"].value == 1


def test_long_periods_are_charted_by_week(rolled: dict[str, Any]) -> None:
    response = _client(rolled["op_a"]).get(f"/insights/dashboard/?park={rolled['a'].code}&start=2025-12-01&end=2026-03-08")
    d = response.context["d"]
    assert d.period.by_week and d.period.days == 98
    table = d.table("orders")
    assert table.columns[0].label == gettext("Week starting")
    row = next(r for r in table.rows if r[0] == MON)
    assert row[1] == 3  # the week of Monday 03-02: three orders submitted


# --- the period ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "field", "message"), [
    ("start=2026-13-01", "start", "请输入日期，例如 2026-12-01。"),
    ("start=2026-03-08&end=2026-03-01", "end", None),
    ("start=2030-01-01", "start", None),
    ("start=2024-01-01&end=2026-03-01", "end", None),
    ("start=1999-12-01&end=2000-01-01", "start", None),
])
def test_a_wrong_period_is_said_next_to_its_field_and_the_last_30_days_shown(
        rolled: dict[str, Any], query: str, field: str, message: str | None) -> None:
    response = _client(rolled["op_a"]).get(f"/insights/dashboard/?park={rolled['a'].code}&{query}")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    if message:
        assert errors[field] == [message]
    today = timezone.localdate()
    assert response.context["d"].period == selectors.Period(today - dt.timedelta(days=29), today, "30")
    assert 'class="error" role="alert"' in response.content.decode()


def test_the_periods_own_messages_are_translated() -> None:
    with translation.override("zh-hans"):
        with pytest.raises(Invalid) as before:
            selectors.dashboard_period(start="2026-03-08", end="2026-03-01", today=dt.date(2026, 12, 5))
        with pytest.raises(Invalid) as future:
            selectors.dashboard_period(start="2026-12-06", today=dt.date(2026, 12, 5))
        assert before.value.details["end"] == ["结束日期早于开始日期。"]  # a message the catalog already has
    assert before.value.code == "ends_before_start" and future.value.code == "future"
    assert future.value.details["start"]


def test_presets_and_partial_periods() -> None:
    today = dt.date(2026, 12, 5)
    assert selectors.dashboard_period(preset="7", today=today) == selectors.Period(dt.date(2026, 11, 29), today, "7")
    assert selectors.dashboard_period(preset="year", today=today).start == dt.date(2026, 1, 1)
    assert selectors.dashboard_period(start="2026-12-01", today=today) == selectors.Period(dt.date(2026, 12, 1), today)
    assert selectors.dashboard_period(end="2026-11-30", today=today).start == dt.date(2026, 11, 1)
    period = selectors.dashboard_period(start="2026-01-01", end="2026-12-05", today=today)
    assert period.days == 339 and period.prev_end == dt.date(2025, 12, 31) and period.prev_start == dt.date(2025, 1, 27)


def test_the_preset_links_pick_their_period(rolled: dict[str, Any]) -> None:
    response = _client(rolled["op_a"]).get(f"/insights/dashboard/?park={rolled['a'].code}&preset=90")
    d = response.context["d"]
    assert d.period.days == 90 and d.period.end == timezone.localdate() and d.period.preset == "90"
    assert 'class="chip is-active" aria-current="true" data-testid="preset-90"' in response.content.decode()


# --- empty states -------------------------------------------------------------------------------------------

def test_a_park_never_rolled_up_says_so(week: dict[str, Any]) -> None:
    response = _client(week["op_a"]).get(f"/insights/dashboard/?park={week['a'].code}&{WEEK}")
    assert response.status_code == 200
    assert 'data-testid="dashboard-empty"' in response.content.decode()


def test_an_empty_park_shows_empty_sections(db: None) -> None:
    from parkos.accounts.models import Role
    from parkos.accounts.tests.factories import UserFactory
    from parkos.core.parks import park_default

    park = park_default()
    rollups.rollups_update(park=park)
    response = _client(UserFactory(roles=[(Role.OPERATOR, park)])).get("/insights/dashboard/")
    body = response.content.decode()
    assert response.status_code == 200 and response.context["d"].park == park
    for section in ("active", "presence", "orders", "community", "events", "scenes", "rewards"):
        assert f'data-testid="empty-{section}"' in body
    assert response.context["d"].section("orders").figures[0].text == "0"


# --- who sees what ------------------------------------------------------------------------------------------

def test_permissions(rolled: dict[str, Any]) -> None:
    a, b = rolled["a"].code, rolled["b"].code
    assert _client(rolled["op_a"]).get(f"/insights/dashboard/?park={a}").status_code == 200
    # An operator of park B learns nothing of park A: not found; nor the portfolio's figures.
    assert _client(rolled["op_b"]).get(f"/insights/dashboard/?park={a}").status_code == 404
    assert _client(rolled["op_b"]).get(f"/insights/dashboard/?park={a}&export=orders").status_code == 404
    assert _client(rolled["op_b"]).get("/insights/dashboard/?park=all").status_code == 403
    # Without a park, an operator sees their own park (not the current one of the header).
    own = _client(rolled["op_b"]).get("/insights/dashboard/")
    assert own.status_code == 200 and own.context["d"].park == rolled["b"]
    assert _client(rolled["member"]).get("/insights/dashboard/").status_code == 403
    assert _client(rolled["member"]).get(f"/insights/dashboard/?park={a}").status_code == 403
    anonymous = _client().get("/insights/dashboard/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert _client(rolled["op_a"]).get("/insights/dashboard/?park=nowhere").status_code == 404
    assert _client(rolled["portfolio"]).get(f"/insights/dashboard/?park={b}").status_code == 200


def test_the_park_picker_lists_only_the_viewers_parks(rolled: dict[str, Any]) -> None:
    body = _client(rolled["op_a"]).get("/insights/dashboard/").content.decode()
    assert 'name="park" value="' in body and "乙园" not in body
    body = _client(rolled["portfolio"]).get("/insights/dashboard/").content.decode()
    assert 'value="b"' in body and 'value="all"' in body


# --- exports and cost ---------------------------------------------------------------------------------------

def test_each_table_downloads_as_xlsx_with_its_rows(rolled: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    client = _client(rolled["op_a"])
    response = client.get(f"/insights/dashboard/?park={rolled['a'].code}&{WEEK}&export=orders&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="dashboard-{rolled["a"].code}-orders-2026-03-02-2026-03-08.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    with translation.override("zh-hans"):
        assert rows[0][:3] == (gettext("Day"), gettext("Submitted"), gettext("Delivered")) and len(rows[0]) == 9
    assert len(rows) == 1 + 7
    assert rows[1][0].date() == MON if hasattr(rows[1][0], "date") else rows[1][0] == MON
    assert rows[1][1] == 2 and rows[2][1] == 1 and rows[3][2] == 1 and rows[3][3] == 1
    buildings = load_workbook(io.BytesIO(client.get(
        f"/insights/dashboard/?park={rolled['a'].code}&{WEEK}&export=presence-buildings&format=xlsx").content)).active
    assert list(buildings.iter_rows(values_only=True))[1] == ("TA1 创新楼", 10000, 23.5, 0.34, 0)
    heat = list(load_workbook(io.BytesIO(client.get(
        f"/insights/dashboard/?park={rolled['a'].code}&{WEEK}&export=presence-heat&format=xlsx").content)).active
        .iter_rows(values_only=True))
    assert len(heat) == 8 and heat[1][11] == 2.0
    assert client.get(f"/insights/dashboard/?park={rolled['a'].code}&export=nothing").status_code == 404
    csv = client.get(f"/insights/dashboard/?park={rolled['a'].code}&{WEEK}&export=scenes&format=csv")
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").splitlines()[1].startswith("2026-03-02,1,0,0")


def test_the_page_costs_a_bounded_number_of_queries(rolled: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    client = _client(rolled["portfolio"])
    client.get(f"/insights/dashboard/?park={rolled['a'].code}&{WEEK}")
    # Session and user, roles, the rollups (five queries), the last run, the buildings.
    with django_assert_max_num_queries(12):
        assert client.get(f"/insights/dashboard/?park={rolled['a'].code}&{WEEK}").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/insights/dashboard/?park=all&start=2025-03-09&end=2026-03-08").status_code == 200


def test_the_vendored_echarts_keeps_its_licence() -> None:
    vendor = Path(__file__).resolve().parents[1] / "static" / "insights" / "vendor" / "echarts"
    head = (vendor / "echarts.min.js").read_text(encoding="utf-8")[:800]
    assert "Licensed to the Apache Software Foundation (ASF)" in head and "Apache License, Version 2.0" in head
    assert "Apache License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    assert "Apache ECharts" in (vendor / "NOTICE").read_text(encoding="utf-8")


# --- in a real browser --------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_on_a_phone_and_the_big_screen(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    from parkos.conftest import ensure_industries, fits_width, phone_page

    ensure_industries()
    world = build_week()
    for park in (world["a"], world["b"]):
        rollups.rollups_update(park=park, start=PREV_MON, end=SUN)
    base = live_server.url
    page = phone_page(browser, base, world["op_a"])
    page.goto(f"{base}/insights/dashboard/?park={world['a'].code}&{WEEK}")
    page.wait_for_selector("#chart-active canvas")
    page.wait_for_selector("#chart-heat canvas")
    assert page.locator("[data-testid=value-orders_submitted]").inner_text().strip() == "3"
    assert page.locator("[data-testid=change-orders_submitted]").inner_text().strip().endswith("+200.0%")
    assert page.locator("[data-drawn]").count() == len(page.locator(".dash-chart").all())
    assert fits_width(page), "the dashboard scrolls sideways at 375 px"
    page.locator("[data-testid=table-orders] summary").click()
    assert page.locator("[data-testid=table-orders] tbody tr").count() == 7
    page.screenshot(path=str(artifacts_dir / "insights-dashboard-375.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("[data-testid=export-orders]").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    screen = page.context.new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.goto(f"{base}/insights/screen/?park={world['a'].code}")
    screen.wait_for_selector("#screen-chart canvas")
    assert screen.locator("[data-testid=screen-orders-open]").inner_text().strip() == "2"  # o0 and o3 are open
    screen.screenshot(path=str(artifacts_dir / "insights-screen-1920.png"))
    page.context.close()


def test_an_unknown_preset_is_said_on_top_of_the_form(rolled: dict[str, Any]) -> None:
    response = _client(rolled["op_a"]).get(f"/insights/dashboard/?park={rolled['a'].code}&preset=decade")
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert 'class="error form-error dash-park" role="alert"' in response.content.decode()
    assert response.context["d"].period.days == 30
