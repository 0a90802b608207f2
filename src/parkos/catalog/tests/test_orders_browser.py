"""A service order's whole life in a real browser against the live server.

The enterprise finds a service in the catalog and requests it with an attachment; the butler accepts it
by handing it to a provider and comments using a reply template; the provider starts and delivers; the
enterprise confirms and rates. Each person logs in through the log-in page in their own browser
context. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.catalog.tests.factories import (
    SAMPLE_FIELDS,
    CategoryFactory,
    ProviderFactory,
    ReplyTemplateFactory,
    ServiceFactory,
    provider_with_member,
)
from parkos.conftest import browser_login
from parkos.enterprises.models import Industry
from parkos.enterprises.tests.factories import EnterpriseFactory, IndustryFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _industry() -> Industry:
    return Industry.objects.filter(parent__isnull=True).first() or IndustryFactory(code="ai")


def _login(browser: Any, base: str, user: Any) -> Any:
    return browser_login(browser, base, user, PASSWORD)


def _open_order(page: Any, base: str, order: ServiceOrder) -> None:
    page.goto(base + "/services/orders/")
    page.locator(f'li[data-order="{order.number}"] a').first.click()
    page.wait_for_url(re.compile(rf"/services/orders/{order.pk}/$"))


def _act(page: Any, action: str, *, reason: str = "") -> None:
    details = page.locator(f'details:has(summary[data-action-toggle="{action}"])')
    if details.get_attribute("open") is None:
        page.locator(f'summary[data-action-toggle="{action}"]').click()
    if reason:
        page.locator(f"#reason-{action}").fill(reason)
    page.locator(f'button[data-action="{action}"]').click()
    page.wait_for_load_state()


def _status(page: Any) -> str:
    return str(page.locator('[data-testid="order-status"]').get_attribute("data-status"))


def test_order_lifecycle_enterprise_butler_provider(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    butler = UserFactory(roles=[Role.BUTLER], display_name="张管家")
    enterprise = EnterpriseFactory(industry=_industry(), butler=butler, name="思灵机器人有限公司")
    admin = UserFactory(display_name="王芳")
    MembershipFactory(enterprise=enterprise, user=admin, role="admin")
    category = CategoryFactory(code="ip", name_zh="知识产权")
    park_provider = ProviderFactory(name="园区服务中心", is_park=True)
    provider, provider_user = provider_with_member(name="华夏知识产权代理")
    service = ServiceFactory(category=category, provider=park_provider, name_zh="商标注册申请",
                             fields=SAMPLE_FIELDS, materials=["营业执照复印件", "商标图样"])
    ReplyTemplateFactory(owner=butler, title="受理回复", body="{enterprise}您好，{number} 已交由服务商办理。")

    # --- the enterprise requests the service, with an attachment --------------------------------
    page = _login(browser, base, admin)
    page.goto(base + "/services/")
    page.screenshot(path=str(artifacts_dir / "orders-00-catalog.png"), full_page=True)
    page.locator(f'li[data-service="{service.code}"] a').click()
    page.wait_for_url(re.compile(rf"/services/{service.pk}/$"))
    page.locator('[data-action="request-service"]').click()
    page.wait_for_url(re.compile(rf"/services/{service.pk}/request/$"))
    form = page.locator('[data-testid="order-form"]')
    form.locator("#id_a_contact").fill("王芳 13800138000")
    form.locator("#id_a_kind").select_option("新办")
    form.locator("#id_note").fill("希望本月内提交")
    form.locator("#id_files").set_input_files(
        files=[{"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.screenshot(path=str(artifacts_dir / "orders-01-request.png"), full_page=True)
    form.locator('[data-action="submit-order"]').click()
    page.wait_for_url(re.compile(r"/services/orders/\d+/$"))
    order = ServiceOrder.objects.get(enterprise=enterprise)
    assert _status(page) == OrderStatus.SUBMITTED
    assert page.locator('a[data-file="营业执照.pdf"]').is_visible()
    assert page.locator('[data-testid="tracker"] [aria-current="step"]').count() == 1
    page.context.close()

    # --- the butler hands it to a provider and comments with a reply template --------------------
    page = _login(browser, base, butler)
    _open_order(page, base, order)
    details = page.locator('details:has(summary[data-action-toggle="assign"])')
    if details.get_attribute("open") is None:
        page.locator('summary[data-action-toggle="assign"]').click()
    page.locator('[data-testid="provider-select"]').select_option(str(provider.pk))
    page.locator('button[data-action="assign"]').click()
    page.wait_for_load_state()
    assert _status(page) == OrderStatus.ACCEPTED
    assert "华夏知识产权代理" in page.locator('[data-testid="order-provider"]').inner_text()
    page.locator("#reply-template").select_option(label="受理回复")
    assert page.locator("#id_body").input_value() == f"思灵机器人有限公司您好，{order.number} 已交由服务商办理。"
    page.locator('button[data-action="comment"]').click()
    page.wait_for_load_state()
    page.locator("#id_body").fill("内部：材料齐全，优先处理")
    page.locator("#id_internal").check()
    page.locator('button[data-action="comment"]').click()
    page.wait_for_load_state()
    assert page.locator('li.comment[data-internal="1"]').count() == 1
    page.screenshot(path=str(artifacts_dir / "orders-02-butler.png"), full_page=True)
    page.context.close()

    # --- the provider starts and delivers ---------------------------------------------------------
    page = _login(browser, base, provider_user)
    _open_order(page, base, order)
    assert page.locator('li.comment[data-internal="1"]').count() == 0  # internal notes: park staff only
    _act(page, "start")
    assert _status(page) == OrderStatus.IN_PROGRESS
    _act(page, "deliver", reason="商标申请已提交，受理通知书见附件")
    assert _status(page) == OrderStatus.DELIVERED
    page.context.close()

    # --- the enterprise confirms and rates --------------------------------------------------------
    page = _login(browser, base, admin)
    _open_order(page, base, order)
    assert page.locator('li.comment[data-internal="1"]').count() == 0
    assert "优先处理" not in page.content()
    _act(page, "confirm")
    assert _status(page) == OrderStatus.CONFIRMED
    details = page.locator('details:has(summary[data-action-toggle="rate"])')
    if details.get_attribute("open") is None:
        page.locator('summary[data-action-toggle="rate"]').click()
    page.locator('input[data-rating="5"]').check()
    page.locator("#reason-rate").fill("非常专业，速度很快")
    page.locator('button[data-action="rate"]').click()
    page.wait_for_load_state()
    assert _status(page) == OrderStatus.RATED
    assert "5/5" in page.locator('[data-testid="order-rating"]').inner_text()
    timeline = page.locator('[data-testid="timeline"] li')
    assert [timeline.nth(i).get_attribute("data-event") for i in range(timeline.count())] == [
        "submit", "assign", "start", "deliver", "confirm", "rate"]
    page.screenshot(path=str(artifacts_dir / "orders-03-rated.png"), full_page=True)
    # The small screen keeps the tracker readable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "orders-04-mobile.png"), full_page=True)
    page.context.close()

    order.refresh_from_db()
    assert (order.status, order.rating, order.provider_id) == (OrderStatus.RATED, 5, provider.pk)
