"""Issue 15 at 375 px: a join request reaches the admin's bell, the approval reaches the member's;
removing a colleague asks first; an invitation shows its QR code. Then an order of an enterprise
without a butler: the member is told the park team has it, cancelling is folded away and confirmed, and
a butler of the park takes it from the park queue."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.catalog.tests.factories import ServiceFactory
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import InvitationFactory, add_staff, enterprise_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_join_request_approval_removal_and_qr(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    enterprise, admin = enterprise_with_admin(admin=UserFactory(display_name="王芳"), name="思灵机器人有限公司")
    leaving = add_staff(enterprise, UserFactory(display_name="周杰"))
    joiner = UserFactory(display_name="李娜")
    invitation = InvitationFactory(enterprise=enterprise, requires_approval=True, max_uses=5)

    member = _as(browser, base, joiner)
    member.goto(f"{base}/enterprises/join/{invitation.token}/")
    member.locator("main form button[type=submit]").click()
    member.wait_for_url(re.compile(rf"/enterprises/{enterprise.pk}/$"))

    boss = _as(browser, base, admin)
    boss.goto(f"{base}/notifications/")
    item = boss.locator("[data-kind=enterprise] .notif-link")
    assert "李娜 申请加入思灵机器人有限公司" in item.inner_text()
    assert fits_width(boss)
    boss.screenshot(path=str(artifacts_dir / "issue15-01-admin-bell.png"), full_page=True)
    item.click()
    boss.wait_for_url(re.compile(rf"/enterprises/{enterprise.pk}/staff/$"))
    boss.locator(f"form[action$='/staff/{joiner.pk}/approve/'] button").click()
    boss.wait_for_url(re.compile(r"/staff/$"))
    assert Membership.objects.get(user=joiner).status == Membership.Status.ACTIVE

    member.goto(f"{base}/notifications/")
    assert "您已加入思灵机器人有限公司" in member.locator("[data-kind=enterprise] .notif-link").inner_text()
    member.screenshot(path=str(artifacts_dir / "issue15-02-member-bell.png"), full_page=True)

    # Removing a colleague: the first tap only asks.
    confirm = boss.locator(f"[data-testid=remove-{leaving.pk}] [data-testid=confirm-remove]")
    assert not confirm.is_visible()
    boss.locator(f"[data-testid=remove-{leaving.pk}] summary").click()
    assert confirm.is_visible() and "周杰" in boss.locator(f"[data-testid=remove-{leaving.pk}]").inner_text()
    assert fits_width(boss)
    boss.screenshot(path=str(artifacts_dir / "issue15-03-remove-confirm.png"), full_page=True)
    confirm.click()
    boss.wait_for_url(re.compile(r"/staff/$"))
    assert not Membership.objects.filter(user=leaving).exists()

    # The invitation's QR code.
    boss.locator("[data-testid=invite-qr-link]").first.click()
    boss.wait_for_url(re.compile(r"/invitations/\d+/$"))
    qr = boss.locator("[data-testid=invite-qr] svg")
    assert qr.is_visible() and qr.bounding_box()["width"] > 150
    assert boss.locator("[data-testid=qr-download]").is_visible() and fits_width(boss)
    boss.screenshot(path=str(artifacts_dir / "issue15-04-invite-qr.png"), full_page=True)


def test_order_without_butler_goes_to_the_park_queue(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    enterprise, admin = enterprise_with_admin(admin=UserFactory(display_name="王芳"), name="无管家科技有限公司")
    service = ServiceFactory(name_zh="商标注册申请")
    butler = UserFactory(roles=[Role.BUTLER], display_name="企业管家 · 陈立")

    member = _as(browser, base, admin)
    member.goto(f"{base}/services/{service.pk}/request/")
    member.locator('[data-action="submit-order"]').click()
    member.wait_for_url(re.compile(r"/services/orders/\d+/$"))
    order = ServiceOrder.objects.get(enterprise=enterprise)
    body = member.locator("main").inner_text()
    assert "已提交，园区管家团队会尽快接单" in body and "管家" in member.locator("[data-testid=order-butler]").inner_text()
    # Cancelling is folded under "更多操作" and asks for a tick first.
    more = member.locator("[data-testid=more-actions]")
    assert more.get_attribute("open") is None and "更多操作" in more.locator("summary").inner_text()
    assert not member.locator('button[data-action="cancel"]').is_visible()
    assert fits_width(member)
    member.screenshot(path=str(artifacts_dir / "issue15-05-order-queued.png"), full_page=True)
    more.locator("summary").click()
    member.locator('button[data-action="cancel"]').click()  # not ticked: the browser refuses to send it
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.SUBMITTED
    member.screenshot(path=str(artifacts_dir / "issue15-06-cancel-confirm.png"), full_page=True)

    desk = _as(browser, base, butler)
    desk.goto(f"{base}/services/butler/")
    row = desk.locator(f"[data-testid=park-queue] [data-order='{order.pk}']")
    assert "未分配 · 园区待接单" in row.inner_text()
    assert fits_width(desk)
    desk.screenshot(path=str(artifacts_dir / "issue15-07-park-queue.png"), full_page=True)
    row.locator("[data-testid=claim]").click()
    desk.wait_for_url(re.compile(rf"/services/orders/{order.pk}/$"))
    assert ServiceOrder.objects.get(pk=order.pk).butler_id == butler.pk

    member.reload()
    assert member.locator("[data-testid=order-butler]").inner_text().strip() == "陈立"
    member.screenshot(path=str(artifacts_dir / "issue15-08-order-taken.png"), full_page=True)
