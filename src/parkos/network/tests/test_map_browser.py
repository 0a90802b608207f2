"""The network map on a phone (375 px): the world map scales to the screen with the partner countries
filled, China's map shows the 52 cities, and the list view carries every country; no sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.network.services.reference import reference_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_reads_the_network_map_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    reference_load()
    member = UserFactory(display_name="李明")
    page = _as(browser, base, member)
    page.goto(base + "/network/partners/map/")
    figures = page.locator("[data-testid=network-figures]").inner_text()
    assert "37" in figures and "13" in figures and "52" in figures
    svg = page.locator("[data-testid=map-world] svg")
    box = svg.bounding_box()
    assert box is not None and 300 <= box["width"] <= 375 and box["height"] > 100
    assert page.locator("path.is-partner").count() == 37
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "network-map-01-world.png"), full_page=True)

    page.locator("[data-testid=tab-china]").click()
    page.wait_for_selector("[data-testid=map-china]")
    assert page.locator("[data-testid=map-china] circle.net-marker").count() == 52
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "network-map-02-china.png"), full_page=True)

    page.locator("[data-testid=tab-list]").click()
    page.wait_for_selector("[data-testid=map-list]")
    assert page.locator("#country-DEU").is_visible()
    assert "中德创新合作中心" in page.locator("#country-DEU").inner_text()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "network-map-03-list.png"), full_page=True)

    # A partner country on the map is a link to its organisations in the list.
    page.goto(base + "/network/partners/map/")
    page.locator("a.net-partner-link").first.wait_for(state="attached")
    href = page.locator("a.net-partner-link").first.get_attribute("href") or ""
    assert href.startswith("?view=list#country-")


def test_a_member_filters_the_directory_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    reference_load()
    member = UserFactory(display_name="王芳")
    page = _as(browser, base, member)
    page.goto(base + "/network/partners/")
    assert fits_width(page)
    page.select_option("#f-kind", "international")
    page.select_option("#f-continent", "asia")
    page.locator("[data-testid=org-filter] button[type=submit]").click()
    page.wait_for_url("**kind=international**")
    names = page.locator("[data-testid=org-list] li strong").all_inner_texts()
    assert names and "中以科技创新合作平台" in names and "中德创新合作中心" not in names
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "network-partners-01-directory.png"), full_page=True)
    page.get_by_text("中以科技创新合作平台").click()
    page.wait_for_selector("[data-testid=org-name]")
    assert "chen.sy@cittip.example.org" in page.locator("[data-testid=contacts]").inner_text()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "network-partners-02-detail.png"), full_page=True)
