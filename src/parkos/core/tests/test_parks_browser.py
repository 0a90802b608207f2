"""Two parks, each in its own colours, in a real browser against the live server: a visitor sees the
default park's branding in the header, switches to the other park with the header's form (by mouse, then
back by keyboard) and the header takes that park's name and colour; the parks page lists both. On a
small screen the switcher stays usable. Screenshots go to test-artifacts/ for a human eye."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from parkos.core.models import Park

# Playwright's sync API runs an event loop on this thread; the test's own ORM calls are still synchronous.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _parks() -> tuple[Park, Park]:
    """Transactional tests flush the default park the migration made: make the two demo-like parks."""
    main, _created = Park.objects.update_or_create(
        code="main", defaults={"name": "中关村智造园", "name_en": "Zhongguancun Smart Manufacturing Park",
                               "is_default": True, "brand_colour": "#0b7a5c", "accent_colour": "#e3f4ee"})
    small, _created = Park.objects.update_or_create(
        code="yizhuang", defaults={"name": "亦庄创新港", "name_en": "Yizhuang Innovation Harbour", "position": 1,
                                   "brand_colour": "#1d4ed8", "accent_colour": "#dbeafe"})
    cache.clear()
    return main, small


def _header_brand(page: Any) -> str:
    return str(page.evaluate(
        "getComputedStyle(document.querySelector('header.topbar')).getPropertyValue('--brand').trim()"))


def _park_name_colour(page: Any) -> str:
    return str(page.evaluate("getComputedStyle(document.querySelector('header .brand-park')).color"))


def test_two_parks_render_with_their_own_branding_and_the_header_switches(
    live_server: Any, page: Any, browser: Any, artifacts_dir: Path
) -> None:
    _parks()
    base = live_server.url

    page.goto(base + "/")
    header = page.locator("header.topbar")
    assert header.locator(".brand-park").inner_text() == "中关村智造园"
    assert _header_brand(page) == "#0b7a5c"
    assert _park_name_colour(page) == "rgb(11, 122, 92)"
    assert page.title().endswith("· 中关村智造园")
    page.screenshot(path=str(artifacts_dir / "parks-01-main.png"), full_page=False)

    # Switch with the header's form: the page comes back, now in the small park's name and colours.
    page.select_option("#park-select", "yizhuang")
    with page.expect_navigation():
        header.locator(".park-switch button[type=submit]").click()
    assert page.url.rstrip("/") == base.rstrip("/")
    assert header.locator(".brand-park").inner_text() == "亦庄创新港"
    assert _header_brand(page) == "#1d4ed8"
    assert _park_name_colour(page) == "rgb(29, 78, 216)"
    assert page.locator("#park-select").input_value() == "yizhuang"
    page.screenshot(path=str(artifacts_dir / "parks-02-yizhuang.png"), full_page=False)

    # The parks page lists both, each card in its own colour, the shown one marked; then back by keyboard.
    page.goto(base + "/parks/")
    cards = page.locator("main .park-card")
    assert cards.count() == 2
    brands = page.evaluate("[...document.querySelectorAll('main .park-card')].map("
                           "c => getComputedStyle(c).getPropertyValue('--brand').trim())")
    assert brands == ["#0b7a5c", "#1d4ed8"]
    assert _header_brand(page) == "#1d4ed8"
    page.screenshot(path=str(artifacts_dir / "parks-03-parks-page.png"), full_page=True)
    page.focus("#park-select")
    page.select_option("#park-select", "main")
    page.keyboard.press("Tab")  # to the switch button
    focused = page.evaluate("document.activeElement.closest('.park-switch') !== null && "
                            "document.activeElement.tagName")
    assert focused == "BUTTON"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + "/parks/"
    assert _header_brand(page) == "#0b7a5c"
    assert page.locator("header .brand-park").inner_text() == "中关村智造园"

    # A small screen: the park's name and the switcher stay on screen and usable.
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    try:
        phone = context.new_page()
        phone.goto(base + "/")
        assert phone.locator("header .brand-park").is_visible()
        assert phone.locator("#park-select").is_visible()
        box = phone.locator("#park-select").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 375
        phone.select_option("#park-select", "yizhuang")
        with phone.expect_navigation():
            phone.locator("header .park-switch button[type=submit]").click()
        assert _header_brand(phone) == "#1d4ed8"
        phone.screenshot(path=str(artifacts_dir / "parks-04-phone-yizhuang.png"), full_page=False)
    finally:
        context.close()
