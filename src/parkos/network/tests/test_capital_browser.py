"""The capital pages in a real browser at 375 px: an enterprise's admin records a confidential round in
US dollars through the form, sees its amount on the financing page, while a member of another enterprise
sees "Undisclosed" there; the park's figures and the funds' directory fit the phone's width."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import ensure_industries, fits_width
from parkos.conftest import phone_page as _as
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import enterprise_with_admin
from parkos.network.models import ExchangeRate, FinancingRecord, Fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recording_a_confidential_round_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    ensure_industries()
    park = park_default()
    enterprise, admin = enterprise_with_admin(park=park, name="手机测试科技有限公司")
    ExchangeRate.objects.create(currency="USD", valid_on=dt.date(2024, 1, 2), rate_to_cny=Decimal("7.1"))
    fund = Fund.objects.create(name_zh="移动端测试创投", stages=["seed"])
    base = live_server.url

    page = _as(browser, base, admin)
    page.goto(f"{base}/network/capital/enterprises/{enterprise.pk}/financing/")
    page.locator("[data-testid=record-round]").click()
    page.wait_for_selector("[data-testid=financing-form]")
    assert fits_width(page), "the record form scrolls sideways at 375 px"
    page.select_option("#id_round", "a")
    page.locator("#id_amount").fill("2500000.50")
    page.select_option("#id_currency", "USD")
    page.locator("#id_announced_on").fill("2024-05-20")
    page.locator("input[name=disclosure][value=confidential]").check()
    page.select_option("#id_lead_fund", str(fund.pk))
    page.locator("#id_other_investors").fill("某产业资本")
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=records]")
    record = FinancingRecord.objects.get(enterprise=enterprise)
    assert record.amount_minor == 250000050 and record.amount_cny_fen == 1775000355 and record.is_confidential
    amount = page.locator(f"[data-record='{record.pk}'] [data-testid=amount]").inner_text()
    assert amount == "US$2,500,000.50"
    page.screenshot(path=str(artifacts_dir / "network-financing-375.png"), full_page=True)
    assert fits_width(page)
    page.context.close()

    other = _as(browser, base, UserFactory())
    other.goto(f"{base}/network/capital/enterprises/{enterprise.pk}/financing/")
    text = other.locator(f"[data-record='{record.pk}'] [data-testid=amount]").inner_text()
    assert text in ("未披露", "Undisclosed") and "2,500,000" not in other.content()
    other.goto(f"{base}/network/capital/figures/?park={park.code}")
    other.wait_for_selector("[data-testid=headline]")
    assert "17,750,003" not in other.content()
    assert fits_width(other), "the figures page scrolls sideways at 375 px"
    other.screenshot(path=str(artifacts_dir / "network-figures-375.png"), full_page=True)
    other.goto(f"{base}/network/capital/funds/")
    other.wait_for_selector("[data-testid=funds]")
    assert "移动端测试创投" in other.content() and fits_width(other)
    other.context.close()
