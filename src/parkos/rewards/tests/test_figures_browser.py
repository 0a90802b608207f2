"""An operator's figures at 375 px in a real browser: from the hub to the figures, a period chosen, the
tables scroll inside their cards (the page itself never scrolls sideways), the export downloads, and a
flag is resolved with a note."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.core.parks import park_default
from parkos.rewards.models import Flag
from parkos.rewards.services.redemption import redemption_create
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_reads_the_figures_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    park = park_default()
    operator = UserFactory(roles=[(Role.OPERATOR, park)])
    canteen = MerchantFactory(name="职工食堂", category="canteen")
    template = TemplateFactory(name="加班券（工作日晚九点后）")
    people = [UserFactory() for _ in range(4)]
    coupons = issue(template, *people, reason="browser")
    for n, (person, coupon) in enumerate(zip(people[:3], coupons[:3], strict=True)):
        redemption_create(actor=person, merchant=canteen, bill_fen=2600 + n, key=f"b{n}", channel="member_scan",
                          coupon_ids=[coupon.pk])
    flag = Flag.objects.create(park=park, merchant=canteen, kind="burst", count=130, window_start=timezone.now())

    base = live_server.url
    page = _as(browser, base, operator)
    page.goto(base + "/rewards/")
    page.locator("[data-testid=rewards-operator] a[href='/rewards/figures/']").click()
    page.wait_for_selector("[data-testid=totals]")
    assert page.locator("[data-testid=total-issued]").inner_text().strip() == "4"
    assert page.locator("[data-testid=total-redeemed]").inner_text().strip() == "3"
    assert "职工食堂" in page.locator("[data-testid=merchants]").inner_text()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-figures-01.png"), full_page=True)

    # A period before anything happened: nothing counted.
    earlier = timezone.localdate() - dt.timedelta(days=60)
    page.locator("[data-testid=start]").fill(earlier.isoformat())
    page.locator("[data-testid=end]").fill((earlier + dt.timedelta(days=5)).isoformat())
    page.locator("[data-testid=show]").click()
    page.wait_for_url(f"**start={earlier.isoformat()}**")
    assert page.locator("[data-testid=total-issued]").inner_text().strip() == "0"
    assert fits_width(page)

    with page.expect_download() as download:
        page.locator("[data-testid=export]").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(base + "/rewards/flags/")
    page.locator("[data-testid=flag-note-input]").fill("中午食堂高峰，正常")
    page.locator("[data-testid=flag-resolve]").click()
    page.wait_for_selector("[data-testid=no-flags]")
    assert fits_width(page)
    flag.refresh_from_db()
    assert flag.note == "中午食堂高峰，正常" and flag.resolved_by == operator
    page.screenshot(path=str(artifacts_dir / "rewards-figures-02-flags.png"), full_page=True)
