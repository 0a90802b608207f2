"""The operators' figures on the hand-built week (test_figures_fixtures.py), counted by hand; the other
park's operator sees nothing; the page and its exports; the query count."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from parkos.bookings.selectors.figures import figures_get, figures_period, figures_table
from parkos.bookings.tests.test_figures_fixtures import week_fixture  # noqa: F401
from parkos.core.errors import Forbidden, Invalid, NotAuthenticated

pytestmark = pytest.mark.django_db

WEEK = {"start": "2025-03-03", "end": "2025-03-09"}


def _figures(week: dict[str, Any], **kwargs: Any) -> Any:
    return figures_get(viewer=week["op_a"], park=week["a"], now=week["now"], **{**WEEK, **kwargs})


def test_occupancy_no_shows_credits_and_revenue_counted_by_hand(week: dict[str, Any]) -> None:
    f = _figures(week)
    room, venue = {p.place_id: p for p in f.places}[week["room"].pk], {p.place_id: p for p in f.places}[week["venue"].pk]
    # Room A: b1 2 h + b3 1.5 h + b6 1 h booked (b2 released, b4 cancelled) of 5 × 14 h open.
    assert (room.booked_minutes, room.open_minutes, room.occupancy_pct) == (270, 4200, 6.4)
    assert (room.bookings, room.due, room.released, room.no_show_pct) == (4, 4, 1, 25.0)
    assert (room.credits, room.charge_fen) == (8, 15_000)
    # Venue V: b5 2 h of 7 × 9 h, ¥1,000.
    assert (venue.booked_minutes, venue.open_minutes, venue.occupancy_pct) == (120, 3780, 3.2)
    assert (venue.bookings, venue.due, venue.released, venue.credits, venue.charge_fen) == (1, 1, 0, 0, 100_000)
    t = f.totals
    assert (t.booked_minutes, t.open_minutes, t.bookings, t.due, t.released) == (390, 7980, 5, 5, 1)
    assert (t.no_show_pct, t.credits, t.charge_fen) == (20.0, 8, 115_000)
    floors = {(r.building, r.floor): (r.places, r.booked_minutes, r.open_minutes) for r in f.floors}
    assert floors == {("甲楼", "5F"): (1, 270, 4200), ("甲楼", "1F"): (1, 120, 3780)}
    enterprises = {e.name: (e.bookings, e.booked_minutes, e.credits, e.charge_fen) for e in f.enterprises}
    assert enterprises == {"一号科技": (3, 180, 8, 0), "二号制造": (2, 210, 0, 115_000)}
    # By month: the credit months of the twelve months up to March (the statements' numbers).
    assert [(m.month.isoformat(), m.enterprises, m.granted, m.credits, m.charge_fen) for m in f.months] == [
        ("2025-03-01", 2, 10, 8, 115_000)]


def test_the_heat_map_by_weekday_and_hour(week: dict[str, Any]) -> None:
    f = _figures(week)
    booked = {(c.weekday, c.hour): c.booked_minutes for row in f.heat for c in row if c.booked_minutes}
    assert booked == {(0, 9): 60, (0, 10): 60, (2, 10): 60, (2, 11): 30, (4, 21): 60, (5, 10): 60, (5, 11): 60}
    cell = f.heat
    assert (cell[0][9].open_minutes, cell[0][9].occupancy_pct) == (120, 50.0)  # A and V open on Monday at 9
    assert (cell[0][8].open_minutes, cell[0][8].booked_minutes) == (60, 0)  # V opens at 9
    assert (cell[2][11].open_minutes, cell[2][11].occupancy_pct) == (120, 25.0)
    assert (cell[4][21].open_minutes, cell[4][21].occupancy_pct) == (60, 100.0)  # only A is open at 21:00
    assert (cell[5][10].open_minutes, cell[5][10].occupancy_pct, cell[5][10].level) == (60, 100.0, 5)
    assert (cell[6][10].open_minutes, cell[6][10].booked_minutes, cell[6][10].level) == (60, 0, 0)
    assert cell[5][8].open_minutes == 0 and cell[0][22].open_minutes == 0
    assert f.heat_hours == list(range(8, 22))


def test_a_period_without_the_week_is_empty_and_periods_are_bounded(week: dict[str, Any]) -> None:
    f = _figures(week, start="2025-03-10", end="2025-03-16")
    assert f.totals.bookings == 0 and f.totals.no_show_pct is None and not f.enterprises
    assert [m.charge_fen for m in f.months] == [115_000]  # the month's statements, whatever the days
    assert not _figures(week, start="2025-02-01", end="2025-02-28").months
    assert figures_period("2025-01-01", "2025-04-02") == (dt.date(2025, 1, 1), dt.date(2025, 4, 2))
    with pytest.raises(Invalid) as error:
        figures_period("2025-01-01", "2025-04-03")  # 93 days
    assert "end" in error.value.details
    with pytest.raises(Invalid):
        figures_period("2025-03-09", "2025-03-03")
    with pytest.raises(Invalid):
        figures_period("3 March", None)


def test_an_operator_of_another_park_and_members_see_nothing(week: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        figures_get(viewer=week["op_b"], park=week["a"], **WEEK)
    with pytest.raises(Forbidden):
        figures_get(viewer=week["admin1"], park=week["a"], **WEEK)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        figures_get(viewer=AnonymousUser(), park=week["a"], **WEEK)
    # Park B's own figures hold none of park A's bookings.
    assert figures_get(viewer=week["op_b"], park=week["b"], **WEEK).totals.bookings == 0
    client = Client()
    client.force_login(week["op_b"])
    assert client.get("/bookings/figures/", {**WEEK, "park": week["a"].code}).status_code == 403
    assert client.get("/api/v1/bookings/figures", {**WEEK, "park": week["a"].code}).status_code == 403


def test_figures_take_a_constant_number_of_queries(week: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    _figures(week)  # the policy's role lookups, cached on the user
    with django_assert_max_num_queries(6):
        _figures(week)


def test_the_page_shows_the_figures_and_each_table_downloads(week: dict[str, Any],
                                                            django_assert_max_num_queries: Any) -> None:
    client = Client()
    client.force_login(week["op_a"])
    with django_assert_max_num_queries(14):
        page = client.get("/bookings/figures/", WEEK)
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("甲-501", "报告厅", "一号科技", "二号制造", "20%", "¥1,150", "6.4%", 'data-testid="heat"'):
        assert text in html, text
    assert 'title="' in html  # heat map cells say what they hold
    sheets = {}
    for table in ("places", "floors", "heat", "noshow", "enterprises", "months"):
        response = client.get("/bookings/figures/", {**WEEK, "export": table})
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
        sheets[table] = list(load_workbook(io.BytesIO(response.content)).active.values)
    places = {row[0]: row for row in sheets["places"][1:]}
    assert places["甲-501"][4:] == (70, 4.5, 6.4, 4, 8, 150)
    assert places["报告厅"][4:] == (63, 2, 3.2, 1, 0, 1000)
    assert sheets["noshow"][-1][1:] == (5, 1, 20)
    assert {row[0]: row[1:] for row in sheets["enterprises"][1:]} == {"一号科技": (3, 3, 8, 0),
                                                                      "二号制造": (2, 3.5, 0, 1150)}
    assert sheets["months"][1:] == [("2025-03", 2, 10, 8, 1150)]
    heat = {(row[0], row[1]): row[2:] for row in sheets["heat"][1:]}
    assert heat[("星期六", "10:00")] == (1, 1, 100)
    assert client.get("/bookings/figures/", {**WEEK, "export": "nonsense"}).status_code == 404


def test_the_api_gives_the_same_figures(week: dict[str, Any]) -> None:
    client = Client()
    client.force_login(week["op_a"])
    body = client.get("/api/v1/bookings/figures", WEEK).json()
    assert body["totals"]["booked_minutes"] == 390 and body["totals"]["charge_fen"] == 115_000
    assert body["totals"]["no_show_pct"] == 20.0
    assert len(body["heat"]) == 7 and len(body["heat"][0]) == 24
    assert {p["name"]: p["booked_minutes"] for p in body["places"]} == {"甲-501": 270, "报告厅": 120}
    export = client.get("/api/v1/bookings/figures/export", {**WEEK, "table": "months"})
    assert export.status_code == 200
    assert list(load_workbook(io.BytesIO(export.content)).active.values)[1] == ("2025-03", 2, 10, 8, 1150)
    assert client.get("/api/v1/bookings/figures", {"start": "2025-03-09", "end": "2025-03-01"}).status_code == 400


def test_exports_of_the_selector_match_the_page(week: dict[str, Any]) -> None:
    f = _figures(week)
    header, rows = figures_table(f, "floors")
    assert len(header) == 6 and sorted(r[1] for r in rows) == ["1F", "5F"]
    with pytest.raises(Invalid):
        figures_table(f, "other")
