"""The strict Content-Security-Policy in Chromium: the pages that used to carry inline scripts and on…=
handlers, the back office and the API's docs report no violation, and what those scripts did still
works from parkos.js (filters open on a wide screen, forms that ask first, selects that send their form,
a link that selects itself)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from parkos.accounts.tests.factories import UserFactory
from parkos.community.tests.factories import make_post
from parkos.conftest import ensure_industries, phone_page
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The browser fixture's contexts enforce the policy here (elsewhere they bypass it: see conftest._Chromium).
BROWSER_ENFORCES_CSP = True

DESKTOP = {"width": 1280, "height": 900}
# Injected by Playwright (outside the page's policy): every violation the page reports.
RECORD = """window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});"""


class Watch:
    """A page with both ears on the policy: the violation events and Chromium's console errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD)
        page.on("console", lambda msg: self.console.append(msg.text)
                if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)

    def open(self, url: str) -> Any:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        assert "script-src 'self';" in response.headers["content-security-policy"] + ";"
        self.page.wait_for_load_state("load")
        self.clean(url)
        return response

    def clean(self, where: str) -> None:
        assert self.page.evaluate("window.__csp") == [], where
        assert self.console == [], where


def answer(asked: list[str], *, accept: bool) -> Any:
    """A dialog handler that notes the question and answers it."""
    def handle(dialog: Any) -> None:
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()
    return handle


def test_member_pages_run_without_violations_and_keep_their_behaviour(live_server: Any, browser: Any) -> None:
    ensure_industries()
    base = live_server.url
    member: Any = UserFactory()
    post = make_post(member, body="园区里的桂花开了")
    enterprise, _admin = enterprise_with_admin(member)
    add_staff(enterprise)
    page = phone_page(browser, base, member, viewport=DESKTOP)
    watch = Watch(page)
    try:
        watch.open(base + "/")
        # Pages with scripts of their own (QR codes, floor plans, the network map).
        for path in ("/rewards/", "/access/", "/bookings/", "/network/", "/competitions/", "/accounts/me/"):
            watch.open(base + path)
        # Wide screen: the filters that an inline script used to open are open.
        watch.open(base + "/services/")
        assert page.locator("#catalog-tree").evaluate("d => d.open")
        assert page.locator("#catalog-filter-more").evaluate("d => d.open")
        watch.open(base + "/events/")
        assert page.locator("#ev-filters").evaluate("d => d.open")
        watch.open(base + "/search/?q=" + "园区")
        assert page.locator("#search-filters").evaluate("d => d.open")
        # … and when htmx swaps them in with new results.
        watch.open(base + "/search/")
        assert page.locator("#search-filters").count() == 0
        page.locator("#search-q").fill("机器人")
        page.locator("#search-filters").wait_for(state="attached")
        page.wait_for_function("document.getElementById('search-filters').open")
        watch.clean("search results swapped in")

        # A select that sends its form when changed (was onchange=).
        watch.open(base + "/notifications/")
        kind = page.locator("#notif-kind option").nth(1).get_attribute("value")
        with page.expect_navigation():
            page.locator("#notif-kind").select_option(kind)
        assert f"kind={kind}" in page.url
        watch.clean("notifications filtered")

        # The calendar link selects itself when clicked (was onclick=).
        watch.open(base + "/events/mine/")
        page.locator("[data-testid=feed-url]").click()
        assert page.locator("[data-testid=feed-url]").evaluate(
            "i => i.selectionStart === 0 && i.selectionEnd === i.value.length && i.value.length > 0")

        # Forms that ask first (was onsubmit=): no, and nothing is sent; yes, and it is.
        watch.open(base + reverse("enterprises:staff", args=[enterprise.pk]))
        asked: list[str] = []
        page.once("dialog", answer(asked, accept=False))
        page.locator("form[data-confirm] button").first.click()
        page.wait_for_timeout(300)
        assert len(asked) == 1 and asked[0]
        assert "/staff/" in page.url and "make-admin" not in page.url
        post_url = base + reverse("community:post", args=[post.pk])
        watch.open(post_url)
        asked.clear()
        page.once("dialog", answer(asked, accept=False))
        page.locator("form[data-confirm] button").click()
        page.wait_for_timeout(300)
        assert len(asked) == 1 and page.url == post_url
        page.once("dialog", answer(asked, accept=True))
        with page.expect_navigation():
            page.locator("form[data-confirm] button").click()
        assert len(asked) == 2 and page.url.rstrip("/").endswith("/community")
        watch.clean("post deleted")

        # The language select sends its form (was onchange=).
        with page.expect_navigation():
            page.locator("#lang-select").select_option("en")
        assert page.locator("html").get_attribute("lang") == "en"
        watch.clean("language changed")
    finally:
        page.context.close()


def test_the_back_office_and_the_api_docs_run_without_violations(live_server: Any, browser: Any) -> None:
    ensure_industries()
    base = live_server.url
    admin: Any = UserFactory(is_superuser=True)
    page = phone_page(browser, base, admin, viewport=DESKTOP)
    watch = Watch(page)
    try:
        watch.open(base + "/admin/")
        watch.open(base + "/admin/accounts/user/")
        watch.open(base + f"/admin/accounts/user/{admin.pk}/change/")
        watch.open(base + "/api/v1/docs")
        # Swagger UI (ninja's copy, served from our static files) started. Drawing the whole API (a 1.3 MB
        # schema) takes a loaded machine a minute and was seen clean; starting is what the policy could stop.
        page.locator("#swagger-ui .swagger-ui").first.wait_for()
        watch.clean("api docs started")
        # The ears work: an inline script that a page adds is refused, and heard.
        page.evaluate("""() => { const s = document.createElement("script");
                                 s.textContent = "window.__ran = 1"; document.body.appendChild(s); }""")
        page.wait_for_function("window.__csp.length > 0")
        assert page.evaluate("window.__ran") is None
        assert "script-src" in page.evaluate("window.__csp")[0]
    finally:
        page.context.close()
