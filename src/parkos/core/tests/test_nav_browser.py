"""The shell's navigation in Chromium: a member's phone (375 px) with the bottom tab bar, 我的 with its
wallet and language switch, the search and bell pop-ups inside the screen, the 404 page; and a 1280 px
desktop where the tab bar is hidden and the header's first row holds the brand and the language selector."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width, phone_page
from parkos.events.tests.factories import EventFactory, register
from parkos.notifications.tests.factories import NotificationFactory
from parkos.search import services as search_services
from parkos.search.tests.factories import enterprise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _inside(page: Any, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (selector, box)


def test_phone_tab_bar_me_wallet_language_and_popups(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    ent = enterprise(name="北京思灵机器人有限公司", short_name="思灵机器人")
    search_services.document_index(kind="enterprise", object_id=ent.pk)
    member: Any = UserFactory(display_name="林晓")
    event: Any = EventFactory(price_points=30)
    register(member, event)
    NotificationFactory(recipient=member, title="您的工单有新进展")
    page = phone_page(browser, base, member)
    try:
        page.goto(base + "/")
        tabbar = page.locator("nav.tabbar")
        assert tabbar.is_visible()
        assert page.locator(".tab.is-active").get_attribute("data-tab") == "home"
        assert page.locator("[data-tab-count]").inner_text() == "1"
        bar = tabbar.bounding_box()
        assert bar is not None and abs(bar["y"] + bar["height"] - 812) <= 1, "the tab bar sits at the bottom"
        # The end of the page scrolls clear of the bar: nothing is hidden behind it.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        footer = page.locator("footer").bounding_box()
        bar = tabbar.bounding_box()
        assert footer is not None and bar is not None and footer["y"] + footer["height"] <= bar["y"] + 1
        # The ☰ menu is shorter: what the tabs and 我的 hold is not repeated there.
        page.locator(".nav-burger").click()
        assert page.locator("header nav").get_by_role("link", name="企业", exact=True).is_visible()
        assert not page.locator("header nav").get_by_role("link", name="服务", exact=True).is_visible()
        assert not page.locator("#lang-select").is_visible()
        assert fits_width(page)
        page.screenshot(path=str(artifacts_dir / "nav-375-menu.png"))
        page.locator(".nav-burger").click()

        for tab, path in (("services", "/services/"), ("community", "/community/"),
                          ("messages", "/notifications/"), ("me", "/accounts/me/")):
            page.locator(f'.tab[data-tab="{tab}"]').click()
            page.wait_for_url(base + path)
            assert page.locator(".tab.is-active").get_attribute("data-tab") == tab
            assert page.locator(".tab.is-active").get_attribute("aria-current") == "page"
            assert fits_width(page), path
        page.screenshot(path=str(artifacts_dir / "nav-375-me.png"), full_page=True)
        assert page.locator('[data-testid="wallet-points"]').inner_text().startswith("30")
        assert "积分" in page.locator('[data-testid="wallet-points"]').inner_text()

        # 我的 → English and back.
        page.locator(".me-lang").get_by_role("button", name="English").click()
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.url == base + "/accounts/me/"
        assert page.locator('.tab[data-tab="me"]').inner_text().strip() == "Me"
        assert "Points" in page.locator('[data-testid="wallet-points"]').inner_text()
        page.locator(".me-lang").get_by_role("button", name="简体中文").click()
        page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
        assert page.locator('.tab[data-tab="me"]').inner_text().strip() == "我的"

        # The search suggestions and the bell's pop-up stay inside the screen.
        page.goto(base + "/")
        page.fill("#topsearch-q", "思灵")
        page.locator(".search-pop").get_by_text("北京思灵机器人有限公司").first.wait_for(timeout=30_000)
        _inside(page, ".search-pop")
        page.screenshot(path=str(artifacts_dir / "nav-375-search-pop.png"))
        page.locator("#notif-bell summary").click()
        page.locator("#notif-bell-pop").get_by_text("您的工单有新进展").wait_for()
        _inside(page, "#notif-bell-pop")
        assert fits_width(page)
        page.screenshot(path=str(artifacts_dir / "nav-375-bell-pop.png"))

        # A page that does not exist, on a live server running as in production (DEBUG off).
        assert not settings.DEBUG
        response = page.goto(base + "/no-such-place/")
        assert response is not None and response.status == 404
        assert page.locator("main h1").inner_text() == "页面不存在"
        assert fits_width(page)
        page.screenshot(path=str(artifacts_dir / "nav-375-404.png"))
    finally:
        page.context.close()


def test_desktop_header_fits_one_row_and_hides_the_tab_bar(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    member: Any = UserFactory(display_name="欧阳晓明", is_superuser=True)  # the longest menu: every role's links
    page = phone_page(browser, base, member)
    page.set_viewport_size({"width": 1280, "height": 800})
    try:
        for lang in ("zh-hans", "en"):
            page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}])
            page.goto(base + "/")
            assert not page.locator("nav.tabbar").is_visible()
            brand = page.locator("header .brand").bounding_box()
            selector = page.locator("#lang-select").bounding_box()
            assert brand is not None and selector is not None
            brand_middle, selector_middle = brand["y"] + brand["height"] / 2, selector["y"] + selector["height"] / 2
            assert abs(brand_middle - selector_middle) <= 4, (lang, brand, selector)
            # The places to go make one second row: the first and last links share a line.
            links = page.locator("header nav.nav > a, header nav.nav .nav-more-button")
            first, last = links.first.bounding_box(), links.last.bounding_box()
            assert first is not None and last is not None and abs(first["y"] - last["y"]) <= 2, lang
            page.screenshot(path=str(artifacts_dir / f"nav-1280-{lang}.png"))
        page.locator(".nav-more-button").click()
        assert page.locator(".nav-more-list").get_by_role("link", name="Back office").is_visible()
        page.screenshot(path=str(artifacts_dir / "nav-1280-more.png"))
        page.keyboard.press("Escape")
        assert not page.locator(".nav-more-list").is_visible()
    finally:
        page.context.close()
