"""The butler builds and sends a resource-linking plan; the enterprise admin requests a service from
it in one step. A real browser against the live server; screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.catalog import recommend
from parkos.catalog.models import OrderStatus, Plan, PlanStatus, ServiceOrder
from parkos.catalog.tests.factories import ServiceFactory, order_in
from parkos.conftest import browser_login
from parkos.enterprises.models import Industry
from parkos.enterprises.tests.factories import EnterpriseFactory, IndustryFactory, enterprise_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser: Any, base: str, user: Any) -> Any:
    return browser_login(browser, base, user, PASSWORD)


def test_butler_sends_plan_and_enterprise_requests_from_it(live_server: Any, browser: Any,
                                                           artifacts_dir: Path) -> None:
    recommend.model_reset()
    industry = Industry.objects.filter(parent__isnull=True).first() or IndustryFactory(code="ai")
    butler = UserFactory(roles=[Role.BUTLER], display_name="王管家")
    enterprise, admin = enterprise_with_admin(butler=butler, industry=industry, name="星河智能科技有限公司",
                                              needs="近期要申请商标注册，并寻找融资路演机会。")
    trademark = ServiceFactory(name_zh="商标注册代办", tags=["商标"])
    roadshow = ServiceFactory(name_zh="融资路演", tags=["融资"])
    extra = ServiceFactory(name_zh="员工体检套餐")
    peer = EnterpriseFactory(industry=industry)
    order_in(OrderStatus.CONFIRMED, enterprise=peer, service=roadshow)
    base = live_server.url

    page = _login(browser, base, butler)
    page.goto(base + "/services/butler/")
    page.screenshot(path=str(artifacts_dir / "workspace-home.png"), full_page=True)
    page.locator(f'tr[data-enterprise="{enterprise.pk}"] a').first.click()
    page.wait_for_url(re.compile(rf"/services/butler/enterprises/{enterprise.pk}/$"))
    page.locator("#id_body").fill("创始人关注融资节奏")
    page.locator('[data-action="note-add"]').click()
    page.wait_for_load_state()
    assert page.locator('[data-testid="notes"]').inner_text().count("创始人关注融资节奏") == 1
    page.locator('[data-action="plan-open"]').click()
    page.wait_for_url(re.compile(r"/services/plans/\d+/$"))
    plan = Plan.objects.get(enterprise=enterprise)
    items = page.locator('[data-testid="plan-items"] > li')
    assert items.count() >= 2
    assert page.locator(f'li[data-service="{trademark.pk}"] .plan-reason').inner_text().strip()
    # Add a service by searching for it, then put it first and rewrite its reason.
    page.locator("#plan-q").fill("员工体检")
    page.locator('[data-action="plan-add"]').first.click()
    page.wait_for_load_state()
    added = page.locator(f'li[data-service="{extra.pk}"]')
    while page.locator('[data-testid="plan-items"] > li').first.get_attribute("data-service") != str(extra.pk):
        added.locator('[data-action="item-up"]').click()
        page.wait_for_load_state()
        added = page.locator(f'li[data-service="{extra.pk}"]')
    added.locator('input[name="reason"]').fill("年底体检季，团队扩张后值得安排")
    added.locator('[data-action="item-reason"]').click()
    page.wait_for_load_state()
    page.locator("#id_message").fill("根据贵司近况，建议优先办理以下事项。")
    page.screenshot(path=str(artifacts_dir / "workspace-plan-draft.png"), full_page=True)
    page.locator('[data-action="plan-send"]').click()
    page.wait_for_load_state()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SENT and plan.items.first().service_id == extra.pk  # type: ignore[union-attr]
    page.context.close()

    page = _login(browser, base, admin)
    page.goto(base + "/services/plans/")
    page.locator(f'a[href="/services/plans/{plan.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/services/plans/{plan.pk}/$"))
    assert "年底体检季" in page.locator('[data-testid="plan-items"]').inner_text()
    assert "创始人关注融资节奏" not in page.content()
    page.locator(f'li[data-service="{trademark.pk}"] [data-action="item-request"]').click()
    page.wait_for_url(re.compile(r"/services/orders/\d+/$"))
    order = ServiceOrder.objects.get(enterprise=enterprise, service=trademark)
    assert order.plan_item is not None and order.plan_item.plan_id == plan.pk
    page.goto(base + f"/services/plans/{plan.pk}/")
    assert order.number in page.locator(f'li[data-service="{trademark.pk}"]').inner_text()
    page.screenshot(path=str(artifacts_dir / "workspace-plan-received.png"), full_page=True)
    page.context.close()
