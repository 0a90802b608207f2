"""The header search box and the results page in headless Chromium, as a member uses them."""

from __future__ import annotations

from typing import Any

import pytest

from parkos.accounts.tests.factories import PASSWORD
from parkos.search import services
from parkos.search.tests.factories import enterprise, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_header_box_instant_results_then_facets(live_server: Any, page: Any, artifacts_dir: Any) -> None:
    ent = enterprise(name="北京思灵机器人有限公司", short_name="思灵机器人", tags="法务, 协作机器人")
    alice = member(display_name="欧阳法务", bio="专注法务")
    services.document_index(kind="enterprise", object_id=ent.pk)
    services.document_index(kind="person", object_id=alice.pk)
    member(email="viewer@example.cn")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "viewer@example.cn")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)

    page.fill("#topsearch-q", "思靈")  # Traditional finds Simplified
    pop = page.locator(".search-pop")
    # The box may first show an answer for a shorter query that is still on its way: wait for the hit.
    pop.get_by_text("北京思灵机器人有限公司").first.wait_for(timeout=30_000)
    page.press("#topsearch-q", "Enter")
    page.wait_for_url(lambda url: "/search/" in url)

    page.fill("#search-q", "法务")
    page.locator("#search-results .search-hit").nth(1).wait_for()  # htmx: the enterprise and the person
    assert page.locator(".facets .facet").count() == 3  # all, enterprises, people
    page.locator(".facets .facet").nth(2).click()
    page.wait_for_url(lambda url: "kind=person" in url)
    assert page.locator(".search-hit").all_inner_texts()[0].count("欧阳法务") == 1
    assert page.locator(".search-hit").count() == 1
    page.screenshot(path=str(artifacts_dir / "search-results.png"), full_page=True)


def test_phone_results_come_first_and_filters_open_in_a_drawer(live_server: Any, browser: Any, artifacts_dir: Any) -> None:
    from parkos.conftest import fits_width, phone_page

    ent = enterprise(name="北京思灵机器人有限公司", short_name="思灵机器人", tags="法务, 协作机器人")
    services.document_index(kind="enterprise", object_id=ent.pk)
    viewer = member(email="phone-viewer@example.cn")
    page = phone_page(browser, live_server.url, viewer)
    page.goto(f"{live_server.url}/search/?q=法务")
    hit = page.locator(".search-hit").first
    box = hit.bounding_box()
    assert box is not None and box["y"] < 812  # the first result is on the first screen
    assert not page.locator(".facets .facet").first.is_visible()  # the filters wait in the drawer
    page.locator(".search-filters summary").click()
    assert page.locator(".facets .facet").first.is_visible()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "search-phone.png"), full_page=True)
