"""The till in a real browser at 375 px: the cashier types the member's current coupon code (as a
handheld scanner would: the code, then Enter), enters the bill, sees the quote computed by the server,
confirms, and the redemption is in today's list; nothing is wider than the phone. Then a member pays by
the shop's printed code and the till's list picks it up by itself."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.rewards.codes import coupon_code_current
from parkos.rewards.models import Coupon, Redemption
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cashier_redeems_a_typed_code_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    merchant = MerchantFactory(name="园区咖啡", category="cafe", location="A1 一层大堂")
    cashier = cashier_of(merchant, UserFactory(display_name="收银员小周"))
    member = UserFactory(display_name="李明")
    [coupon] = issue(TemplateFactory(name="加班咖啡券", value_fen=2000, min_spend_fen=2500), member,
                     reason=f"b:{secrets.token_hex(4)}")

    page = _as(browser, base, cashier)
    page.goto(f"{base}/rewards/till/{merchant.pk}/")
    page.wait_for_selector("#id_codes")
    assert page.locator("[data-testid=till-empty]").count() == 1
    page.locator("#id_codes").fill(coupon_code_current(code=coupon.code, owner_id=member.pk))
    page.locator("#id_codes").press("Enter")  # a scanner's Enter: take the code, move to the bill
    assert page.evaluate("document.activeElement.id") == "id_bill"
    page.locator("#id_bill").fill("20")
    page.wait_for_selector("#till-quote [data-status=error]")  # below the minimum spend: the server says so
    assert page.locator("#till-quote [data-status=error]").get_attribute("data-code") == "min_spend"
    page.locator("#id_bill").fill("38.5")
    page.wait_for_selector("#till-quote [data-status=ok]")
    assert page.locator("[data-testid=quote-discount]").inner_text() == "¥20"
    assert page.locator("[data-testid=quote-pay]").inner_text() == "¥18.50"
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-till-01-quote.png"), full_page=True)
    page.locator("[data-testid=till-confirm]").click()
    page.wait_for_selector("[data-testid=till-row]")
    assert Redemption.objects.get().discount_fen == 2000
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.USED
    assert page.locator("[data-testid=till-totals]").get_attribute("data-count") == "1"
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-till-02-redeemed.png"), full_page=True)

    # A member pays by the shop's printed code on their own phone; the till's list shows it unasked.
    [other] = issue(TemplateFactory(name="下午茶券", value_fen=1000), member, reason=f"b:{secrets.token_hex(4)}")
    phone = _as(browser, base, member)
    phone.goto(f"{base}/rewards/pay/{merchant.pay_token}/")
    phone.locator(f"input[name=coupons][value='{other.pk}']").check()
    phone.locator("#id_bill").fill("25")
    phone.locator("[data-testid=pay-confirm]").click()
    phone.wait_for_selector("[data-testid=pay-done]")
    assert phone.locator("[data-testid=pay-done-amount]").inner_text() == "¥15"
    assert fits_width(phone)
    phone.screenshot(path=str(artifacts_dir / "rewards-pay-01-done.png"), full_page=True)
    page.wait_for_function("document.querySelectorAll('[data-testid=till-row]').length === 2", timeout=30_000)
