"""The operator's journey in a real browser at 375 px: create a coupon, activate it, issue it to an
enterprise's staff (preview, then confirm) and see the batch; every page fits the phone's width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.rewards.models import Coupon, CouponTemplate
from parkos.rewards.tests.factories import MerchantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_creates_a_coupon_and_grants_it_to_an_enterprise(live_server: Any, browser: Any,
                                                                   artifacts_dir: Path) -> None:
    park = park_default()
    cache.clear()
    MerchantFactory(park=park, name="园区咖啡", category="cafe")
    enterprise, _admin = enterprise_with_admin(park=park, name="星火科技有限公司")
    for _n in range(2):
        add_staff(enterprise)
    operator = UserFactory(roles=[(Role.OPERATOR, park)])
    base = live_server.url
    page = _as(browser, base, operator)

    page.goto(base + "/rewards/templates/new/")
    page.locator("#id_name").fill("加班晚餐券")
    page.locator("#id_value_fen").fill("20")
    page.locator("#id_min_spend_fen").fill("30")
    page.locator("#id_valid_days").fill("7")
    page.locator("#id_budget_count").fill("100")
    page.locator("#id_budget_fen").fill("2000")
    page.get_by_label("园区咖啡").check()
    assert fits_width(page)
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=template-name]")
    template = CouponTemplate.objects.get(name="加班晚餐券")
    assert (template.value_fen, template.min_spend_fen, template.budget_fen, template.status) == (2000, 3000, 200_000, "draft")
    page.locator("[data-testid=status-active]").click()
    page.wait_for_selector("[data-testid=grant-link]")
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-templates-01-detail.png"), full_page=True)

    page.locator("[data-testid=grant-link]").click()
    page.locator("input[name=to][value=enterprise]").check()
    page.locator("#id_enterprise").select_option(label="星火科技有限公司")
    page.locator("[data-testid=grant-preview]").click()
    page.wait_for_selector("[data-testid=preview]")
    line = page.locator("[data-testid=preview-line]").inner_text()
    assert "3" in line and "¥60" in line
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-templates-02-preview.png"), full_page=True)
    page.locator("[data-testid=grant-confirm]").click()
    page.wait_for_selector("[data-testid=batch]")
    assert "3" in page.locator("[data-testid=batch-issued]").inner_text()
    assert Coupon.objects.filter(template=template).count() == 3
    assert fits_width(page)

    page.goto(base + "/rewards/templates/")
    assert page.locator("[data-testid=template-link]").first.inner_text() == "加班晚餐券"
    assert fits_width(page)
    page.context.close()
