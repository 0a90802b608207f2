"""The member's booking journey in a real browser at 375 px: the building's grid for a day, a free cell
tapped, the form, the price to confirm ("uses 2 of your 20 remaining credits"), the booking's page; then a
weekly booking whose conflicting date is shown and left out. Nothing on the way scrolls the page sideways
(the grid scrolls inside its own box)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote

import pytest

from parkos.bookings.models import Booking, BookingSeries
from parkos.bookings.services.booking import booking_create
from parkos.bookings.tests.factories import (
    CreditPlanFactory,
    PlaceFactory,
    new_key,
    next_workday,
    staff_member,
)
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.enterprises.tests.factories import BuildingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_books_a_room_from_the_grid_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    building = BuildingFactory(code="A1", name="A1 创新中心")
    member = staff_member(plan=CreditPlanFactory(monthly_credits=20), display_name="林晓")
    room = PlaceFactory(building=building, name="A1-5F 小会议室", capacity=6, credits_per_hour=2)
    PlaceFactory(building=building, name="A1-5F 大会议室", capacity=20)
    day = next_workday(2, hour=8)
    booking_create(actor=staff_member(plan=CreditPlanFactory()), place=room, starts_at=day.replace(hour=9),
                   ends_at=day.replace(hour=10), title="别人的会", key=new_key())

    page = _as(browser, base, member)
    page.goto(f"{base}/bookings/grid/?building={building.pk}&day={day.date()}")
    assert page.locator("[data-testid=grid-row]").count() == 2
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-01-grid.png"), full_page=True)
    ten = urlquote(day.replace(hour=10).isoformat(), safe="/")
    page.locator(f"[data-testid=grid-row]:has-text('小会议室') a[href$='start={ten}']").click()
    page.wait_for_selector("[data-testid=book-form]")
    page.locator("#id_title").fill("客户演示")
    page.locator("#id_end").select_option("11:00")
    page.locator("[data-testid=next]").click()
    quote = page.locator("[data-testid=quote]").inner_text()
    assert "2" in quote and "20" in quote
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-02-quote.png"), full_page=True)
    page.locator("[data-testid=confirm]").click()
    page.wait_for_selector("[data-testid=booking]")
    booking = Booking.objects.get(title="客户演示")
    assert booking.credits == 2 and page.url.endswith(f"/bookings/b/{booking.pk}/")
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-03-booking.png"), full_page=True)

    page.goto(f"{base}/bookings/p/{room.pk}/weekly/")
    page.locator("#id_title").fill("周例会")
    page.locator("#id_first_date").fill(day.date().isoformat())
    page.locator("#id_last_date").fill((day.date() + dt.timedelta(days=14)).isoformat())
    page.locator("#id_start").select_option("09:00")
    page.locator("[data-testid=weekly-preview]").click()
    page.wait_for_selector("[data-testid=occurrences]")
    assert page.locator(".occurrence-problem").count() == 1  # the first date clashes with 别人的会
    page.screenshot(path=str(artifacts_dir / "bookings-04-weekly.png"), full_page=True)
    page.locator("[data-testid=weekly-preview]").click()  # leave the ticked date out
    page.locator("[data-testid=weekly-confirm]").click()
    page.wait_for_url("**/bookings/mine/")
    series = BookingSeries.objects.get()
    assert series.bookings.count() == 2 and fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-05-mine.png"), full_page=True)
