"""The operators' figures page in a real browser at 375 px, on the hand-built week: the page never scrolls
sideways (its tables and the heat map scroll inside their boxes), the heat map holds its numbers, and a
table downloads. The place form at the same width, for the screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.bookings.tests.test_figures_fixtures import week_fixture  # noqa: F401
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_figures_page_on_a_phone(live_server: Any, browser: Any, week: dict[str, Any],
                                     artifacts_dir: Path) -> None:
    base = live_server.url
    page = _as(browser, base, week["op_a"])
    page.goto(base + "/bookings/figures/?start=2025-03-03&end=2025-03-09")
    page.wait_for_selector("[data-testid=heat]")
    assert page.locator("[data-testid=total-noshow]").inner_text().strip() == "20%"
    assert page.locator("[data-testid=total-revenue]").inner_text().strip() == "¥1,150"
    saturday_10 = page.locator("[data-testid=heat] tbody tr").nth(5).locator("td").nth(2)  # 08, 09, 10
    assert saturday_10.inner_text().strip() == "100" and "100%" in (saturday_10.get_attribute("title") or "")
    page.screenshot(path=str(artifacts_dir / "bookings-figures-375.png"), full_page=True)
    assert fits_width(page), "the page scrolls sideways at 375 px"
    heat_box = page.locator(".heat-wrap").bounding_box()
    assert heat_box is not None and heat_box["x"] + heat_box["width"] <= 376
    with page.expect_download() as download:
        page.locator("[data-testid=export-places]").click()
    assert download.value.suggested_filename.startswith("bookings-places-")

    page.goto(base + "/bookings/manage/places/new/")
    page.wait_for_selector("[data-testid=place-form]")
    page.screenshot(path=str(artifacts_dir / "bookings-place-form-375.png"), full_page=True)
    assert fits_width(page), "the place form scrolls sideways at 375 px"
    page.locator("#id_name").fill("手机会议室")
    page.locator("#id_capacity").fill("0")
    page.locator("[data-testid=save]").click()
    page.wait_for_selector(".has-error")
    assert page.locator(".has-error #id_capacity").count() == 1
    page.screenshot(path=str(artifacts_dir / "bookings-place-form-error-375.png"), full_page=True)
    page.context.close()
