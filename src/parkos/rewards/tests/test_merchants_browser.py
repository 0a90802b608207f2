"""The merchants journey in a real browser at 375 px: an operator creates a merchant, adds its cashier by
mobile number, sees the pay code drawn as a QR code, closes last month's statement; the cashier opens
the statements page (masked members, what the park owes) and downloads it as Excel. No page is wider
than the phone."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.rewards.models import Merchant, MerchantStaff, Settlement
from parkos.rewards.services.settlements import local_today
from parkos.rewards.tests.test_merchants_fixtures import beijing, cast_fixture, redeem  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_sets_up_a_merchant_and_its_cashier_reads_the_statement(
        live_server: Any, browser: Any, cast: dict[str, Any], artifacts_dir: Path) -> None:
    base = live_server.url
    op = _as(browser, base, cast["op_a"])
    op.goto(base + "/rewards/merchants/")
    assert fits_width(op)
    op.locator("[data-testid=merchant-new]").click()
    op.locator("#id_name").fill("园区面包房")
    op.locator("#id_category").select_option("store")
    op.locator("#id_location").fill("2号楼一层")
    op.locator("[data-testid=save]").click()
    op.wait_for_selector("[data-testid=merchant-name]")
    merchant = Merchant.objects.get(name="园区面包房")
    op.wait_for_selector("[data-testid=pay-qr][data-ready='1'] svg")
    op.locator("#id_staff-user").fill("13800138001")
    op.locator("#id_staff-role").select_option("cashier")
    op.locator("[data-testid=staff-add]").click()
    op.wait_for_selector(f"[data-staff='{cast['member'].pk}']")
    assert MerchantStaff.objects.get(merchant=merchant).user == cast["member"]
    assert fits_width(op)
    op.screenshot(path=str(artifacts_dir / "rewards-merchants-01-detail.png"), full_page=True)

    # Last month: two redemptions at the new shop, then the operator closes the month.
    first = local_today().replace(day=1) - dt.timedelta(days=1)
    redeem(merchant, cast["outsider"], cast["template"], bill_fen=3000, at=beijing(first.replace(day=2), 12))
    redeem(merchant, cast["outsider"], cast["template"], bill_fen=1200, at=beijing(first.replace(day=3), 18))
    op.goto(f"{base}/rewards/merchants/{merchant.pk}/")
    op.locator("[data-testid=close]").click()
    op.wait_for_selector("[data-settlement]")
    settlement = Settlement.objects.get(merchant=merchant)
    assert (settlement.redemptions, settlement.total_fen) == (2, 2000 + 1200)

    qr = _as(browser, base, cast["op_a"])
    qr.goto(f"{base}/rewards/merchants/{merchant.pk}/qr/")
    qr.wait_for_selector("[data-testid=pay-qr][data-ready='1'] svg")
    assert fits_width(qr)

    cashier = _as(browser, base, cast["member"])
    cashier.goto(base + "/rewards/merchants/")
    cashier.locator("[data-testid=my-statements]").click()
    cashier.wait_for_selector("[data-testid=owed]")
    cashier.locator("a[href*='settlement=']").first.click()
    cashier.wait_for_selector("[data-testid=statement-rows]")
    table = cashier.locator("[data-testid=statement-rows]").inner_text()
    assert cast["outsider"].display_name not in table and cast["outsider"].display_name[0] + "**" in table
    assert "¥32" in cashier.locator("[data-testid=discount-total]").inner_text()
    assert fits_width(cashier)
    cashier.screenshot(path=str(artifacts_dir / "rewards-merchants-02-statement.png"), full_page=True)
    with cashier.expect_download() as download:
        cashier.locator("[data-testid=download-xlsx]").click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet is not None and sheet.max_row == 4  # header, two rows, the total
