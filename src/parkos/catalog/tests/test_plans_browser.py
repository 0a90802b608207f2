"""A butler's resource-linking plan on a phone (375 px): a solar start-up is not proposed a medical-device
test; a category found by its name, with the category's path and the provider instead of internal codes;
an item put straight in first place. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog import recommend
from parkos.catalog.models import OrderStatus, Plan
from parkos.catalog.tests.factories import CategoryFactory, ServiceFactory, order_in
from parkos.conftest import fits_width, phone_page
from parkos.enterprises.tests.factories import EnterpriseFactory, IndustryFactory, enterprise_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_butlers_plan_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    recommend.model_reset()
    # The industries' data migration is flushed by earlier transactional tests: make them as the migration does.
    energy = IndustryFactory(code="energy", name_zh="新能源", name_en="New energy")
    medtech = IndustryFactory(code="medtech", name_zh="医疗健康", name_en="Medical technology")
    solar = IndustryFactory(code="energy-solar", name_zh="光伏", name_en="Solar", parent=energy)
    devices = IndustryFactory(code="medtech-devices", name_zh="医疗器械", name_en="Medical devices", parent=medtech)
    butler = UserFactory(roles=[Role.BUTLER], display_name="王管家")
    enterprise, _admin = enterprise_with_admin(butler=butler, industry=solar, name="晴川光伏科技有限公司")
    testing = CategoryFactory(code="testing", name_zh="检测认证")
    ccc = ServiceFactory(name_zh="产品检测与认证·CCC", category=testing)
    medical = ServiceFactory(name_zh="产品检测与认证·医疗器械注册检验", category=testing)
    safety = ServiceFactory(name_zh="电池安全检测", category=testing)
    for industry, services in ((solar, (safety, ccc)), (devices, (safety, medical))):
        for _ in range(3):
            peer = EnterpriseFactory(industry=industry)
            for service in services:
                order_in(OrderStatus.CONFIRMED, enterprise=peer, service=service)
    order_in(OrderStatus.CONFIRMED, enterprise=enterprise, service=safety, days_ago=400)
    capital = CategoryFactory(code="capital", name_zh="投融资")
    equity = CategoryFactory(code="capital-equity", name_zh="股权融资", parent=capital)
    ServiceFactory(code="capital-equity-002", name_zh="融资路演辅导", category=equity)
    base = live_server.url

    page = phone_page(browser, base, butler)
    # The workspace's table becomes one card per enterprise on a phone, each figure with its column's name.
    page.goto(f"{base}/services/butler/")
    assert not page.locator('[data-testid="workspace-table"] thead').is_visible()
    open_cell = page.locator(f'tr[data-enterprise="{enterprise.pk}"] td[data-col="open"]')
    assert open_cell.evaluate("td => getComputedStyle(td, '::before').content") == '"进行中工单"'
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "plans-00-workspace.png"), full_page=True)
    page.locator(f'tr[data-enterprise="{enterprise.pk}"] a').first.click()
    page.wait_for_url(re.compile(rf"/services/butler/enterprises/{enterprise.pk}/$"))
    page.locator('[data-action="plan-open"]').click()
    page.wait_for_url(re.compile(r"/services/plans/\d+/$"))
    proposed = page.locator('[data-testid="plan-items"] > li')
    assert page.locator(f'li[data-service="{ccc.pk}"]').count() == 1  # what fits is proposed
    assert page.locator(f'li[data-service="{medical.pk}"]').count() == 0  # another industry's is not
    page.locator("#plan-q").fill("投融资")
    found = page.locator('[data-testid="plan-found"]')
    found.first.wait_for()
    assert "投融资 › 股权融资" in found.first.inner_text() and "capital-equity" not in found.first.inner_text()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "plans-01-search.png"), full_page=True)
    found.first.locator('[data-action="plan-add"]').click()
    page.wait_for_load_state()
    count = proposed.count()
    assert count >= 3
    last = proposed.nth(count - 1)
    assert "融资路演辅导" in last.inner_text()
    last.locator("select[name=position]").select_option("1")
    last.locator('[data-action="item-place"]').click()
    page.wait_for_load_state()
    assert "融资路演辅导" in proposed.first.inner_text()
    plan = Plan.objects.get(enterprise=enterprise)
    assert plan.items.first().service.name_zh == "融资路演辅导"  # type: ignore[union-attr]
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "plans-02-moved.png"), full_page=True)
    # Discarding is behind its own fold, after the work, and says what it deletes.
    discard = page.locator('[data-testid="plan-discard"]')
    assert not discard.locator("button").is_visible()
    discard.locator("summary").click()
    discard.locator("button").click()
    page.wait_for_url(re.compile(rf"/services/butler/enterprises/{enterprise.pk}/$"))
    assert not Plan.objects.filter(pk=plan.pk).exists()
