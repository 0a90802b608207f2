"""The wallet journey in a real browser at 375 px: a member opens their wallet, sees the coupon with its
rules, opens it, and the QR code is drawn from a code the server accepts; when its 30 seconds run out the
page fetches the next one, which the server accepts too."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.rewards import codes
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_opens_a_coupon_and_shows_its_rotating_qr_code(live_server: Any, browser: Any,
                                                                 artifacts_dir: Path) -> None:
    base = live_server.url
    member = UserFactory(display_name="张伟")
    cafe = MerchantFactory(name="园区咖啡", category="cafe", location="A2 一层")
    template = TemplateFactory(name="加班券", min_spend_fen=3000, transferable=True)
    template.merchants.add(cafe)
    (coupon,) = issue(template, member)

    page = _as(browser, base, member)
    page.goto(base + "/rewards/wallet/")
    assert page.locator("[data-testid=coupon-name]").inner_text() == "加班券"
    assert page.locator("[data-testid=tab-available] .facet-count").inner_text() == "1"
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-wallet-01-list.png"), full_page=True)

    page.locator("[data-testid=coupon-name]").click()
    page.wait_for_selector("#coupon-qr-card[data-ready='1']")
    assert page.locator("[data-testid=coupon-qr] svg").count() == 1
    assert page.locator("[data-testid=coupon-code]").inner_text().replace(" ", "") == coupon.code
    assert "园区咖啡" in page.locator("[data-testid=coupon-merchants]").inner_text()
    shown = page.locator("#coupon-qr-card").get_attribute("data-code") or ""
    codes.coupon_code_check(codes.coupon_code_parse(shown), owner_id=member.pk)  # the till would accept it
    assert fits_width(page)
    box = page.locator("[data-testid=coupon-qr] svg").bounding_box()
    assert box is not None and box["width"] >= 200  # big enough to scan from a phone held out
    page.screenshot(path=str(artifacts_dir / "rewards-wallet-02-coupon.png"), full_page=True)

    page.wait_for_function(
        f"document.getElementById('coupon-qr-card').dataset.code !== '{shown}'", timeout=45_000)
    rotated = page.locator("#coupon-qr-card").get_attribute("data-code") or ""
    later = codes.coupon_code_parse(rotated)
    assert later.window == codes.coupon_code_parse(shown).window + 1
    codes.coupon_code_check(later, owner_id=member.pk, now=time.time())
