"""The month calendar on a phone (375 px) and a desktop (1280 px): all seven columns on the screen, and
every event the header counts reachable — a Sunday's too (issue 15: the grid was 576 px wide and cut the
weekend off). Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import PHONE, fits_width, phone_page
from parkos.events.tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TZ = ZoneInfo(settings.TIME_ZONE)
MONTH = "2027-03"  # starts on a Monday: the 7th and the 28th are Sundays, in the last column


def _at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=TZ)


def _page(browser: Any, base: str, user: Any, viewport: dict[str, int]) -> Any:
    return phone_page(browser, base, user, viewport)


def _inside(box: dict[str, float], width: int) -> bool:
    return box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def test_month_calendar_fits_a_phone_and_a_desktop(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    member = UserFactory()
    sunday = EventFactory(title="周日园区市集", starts_at=_at(28, 10), ends_at=_at(28, 12))
    early_sunday = EventFactory(title="周日晨跑", starts_at=_at(7, 7), ends_at=_at(7, 8))
    busy = [EventFactory(title=f"周六工作坊{i}", starts_at=_at(13, 9 + i), ends_at=_at(13, 10 + i)) for i in range(4)]
    # Over the month's end: counted once, shown on each of its days in March.
    spanning = EventFactory(title="跨月创业营", starts_at=_at(30, 9), ends_at=_at(2, 18, month=4))
    EventFactory(title="四月活动", starts_at=_at(10, 9, month=4), ends_at=_at(10, 10, month=4))  # not this month
    counted = {e.pk for e in (sunday, early_sunday, *busy, spanning)}
    url = f"{live_server.url}/events/?view=month&month={MONTH}"

    # --- a phone -------------------------------------------------------------------------------------
    page = _page(browser, live_server.url, member, PHONE)
    page.goto(url)
    grid = page.locator("[data-testid=month-grid]")
    # The filters other than the search box are folded: the month starts on the first screen.
    assert page.locator("#ev-q").is_visible() and page.locator("#ev-place").is_hidden()
    assert grid.bounding_box()["y"] < PHONE["height"]
    assert f"{len(counted)} " in page.locator(".ev-month-nav .muted").inner_text()
    assert fits_width(page)
    assert _inside(grid.bounding_box(), PHONE["width"])
    headers = grid.locator("thead th")
    assert headers.count() == 7
    assert _inside(headers.nth(6).bounding_box(), PHONE["width"])  # Sunday's column is on the screen
    assert page.locator(".ev-chip").first.is_hidden()  # the cells carry dots, not titles
    sunday_cell = grid.locator("td[data-date='2027-03-28'] a.ev-day")
    assert sunday_cell.is_visible() and _inside(sunday_cell.bounding_box(), PHONE["width"])
    assert sunday_cell.locator(".ev-dot").count() == 1
    assert grid.locator("td[data-date='2027-03-13'] .ev-n").inner_text() == "4"
    assert grid.locator("td[data-date='2027-03-31'] .ev-dot").count() == 1  # the spanning event's middle day
    # The list under the grid holds every event the header counts, and nothing else.
    agenda = page.locator("[data-testid=month-agenda]")
    shown = {int(pk) for pk in agenda.locator("[data-event]").evaluate_all("els => els.map(e => e.dataset.event)")}
    assert shown == counted
    page.screenshot(path=str(artifacts_dir / "events-month-phone.png"), full_page=True)
    # Tapping the Sunday brings its events into view.
    sunday_cell.click()
    page.wait_for_url("**#ev-day-2027-03-28")
    day = page.locator("#ev-day-2027-03-28")
    assert day.locator(f"[data-event='{sunday.pk}']").is_visible()
    box = day.bounding_box()
    assert 0 <= box["y"] < PHONE["height"] and _inside(box, PHONE["width"])
    page.screenshot(path=str(artifacts_dir / "events-month-phone-sunday.png"))
    page.context.close()

    # --- a desktop: the titles sit in the cells, Sunday's included -------------------------------------
    page = _page(browser, live_server.url, member, {"width": 1280, "height": 800})
    page.goto(url)
    assert fits_width(page)
    for title in ("周日园区市集", "周日晨跑", "周六工作坊3", "跨月创业营"):
        chip = page.locator(".ev-chip", has_text=title).first
        assert chip.is_visible() and _inside(chip.bounding_box(), 1280), title
    assert page.locator("#ev-place").is_visible()  # a desktop shows the filters unfolded
    assert page.locator(".ev-agenda-day").first.is_hidden()  # the list shows only a picked day
    page.screenshot(path=str(artifacts_dir / "events-month-desktop.png"))
    page.locator("td[data-date='2027-03-13'] a.ev-day").click()
    picked = page.locator("#ev-day-2027-03-13")
    picked.wait_for()
    assert picked.locator("[data-event]").count() == 4
    assert page.locator(".ev-agenda-day:visible").count() == 1
    page.context.close()
