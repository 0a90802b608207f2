"""The logged-in home at 375 px: the everyday-service tiles in a 4-column grid, then the member's own blocks
(to-dos, orders' progress, events, notices, group posts) stacked, nothing wider than the phone; a butler also
sees the butler block (overdue count, workspace, appointment slots), an operator today's figures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory, butler, operator
from parkos.conftest import ensure_industries, fits_width
from parkos.conftest import phone_page as _as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _member_with_data() -> Any:
    """A member of an enterprise with an order to rate, one in progress, an event ahead, an unread notice
    and a post in their group; their long names must wrap, not widen the page."""
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.tests.factories import ServiceFactory, order_in
    from parkos.community.tests.factories import add_member, group_with_admin, make_post
    from parkos.enterprises.tests.factories import enterprise_with_admin
    from parkos.events.tests.factories import EventFactory, register
    from parkos.notifications.tests.factories import NotificationFactory

    ensure_industries()
    member = UserFactory(display_name="林晓")
    enterprise, _admin = enterprise_with_admin(member, name="青山智能科技有限公司")
    service = ServiceFactory(name_zh="高新技术企业认定申报辅导与材料准备全流程服务")
    order_in(S.CONFIRMED, enterprise=enterprise, requested_by=member, service=service)
    order_in(S.IN_PROGRESS, enterprise=enterprise, requested_by=member, service=ServiceFactory(name_zh="工位报修"))
    register(member, EventFactory(title="具身智能技术沙龙：机器人与大模型的下一步",
                                  starts_at=timezone.now() + timedelta(days=2)))
    NotificationFactory(recipient=member, title="您的工单 T0001 已交付，请确认")
    group, admin = group_with_admin(name="园区跑团")
    add_member(group, member)
    make_post(author=admin, body="周六早上七点，中央草坪集合，一起跑五公里，跑完有早餐。", group=group)
    return member


def test_member_and_butler_home_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    page = _as(browser, base, _member_with_data())
    page.goto(f"{base}/")
    tiles = page.get_by_test_id("home-tiles").locator("a")
    assert tiles.count() == 12
    # Four tiles a row: the first four share a top edge, the fifth starts the next row.
    tops = [tiles.nth(i).bounding_box()["y"] for i in range(5)]
    assert len(set(tops[:4])) == 1 and tops[4] > tops[0]
    assert page.get_by_role("link", name="预约管家").is_visible()
    assert page.get_by_test_id("developers").count() == 0
    # A one-line greeting instead of the visitors' headline: every tile and the to-dos' heading on the first screen.
    assert "你好" in page.get_by_test_id("greeting").inner_text()
    assert tiles.nth(11).bounding_box()["y"] + 60 < 812 and page.get_by_test_id("home-todo").bounding_box()["y"] < 812
    # The member's blocks, with their data, below the tiles.
    todo = page.get_by_test_id("home-todo")
    assert todo.get_by_role("link", name="高新技术企业认定申报辅导与材料准备全流程服务").is_visible()
    assert todo.bounding_box()["y"] > tiles.nth(11).bounding_box()["y"]
    assert page.get_by_test_id("home-orders").get_by_role("link", name="工位报修").is_visible()
    assert page.get_by_test_id("home-events").get_by_text("具身智能技术沙龙").is_visible()
    assert page.get_by_test_id("home-notices").get_by_role("link", name="您的工单 T0001 已交付，请确认").is_visible()
    assert page.get_by_test_id("home-group-posts").get_by_text("园区跑团").is_visible()
    for block in ("home-todo", "home-orders", "home-events", "home-notices", "home-group-posts"):
        box = page.get_by_test_id(block).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 + 1, block
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "home-member-375.png"), full_page=True)
    tiles.get_by_text("报修", exact=True).click()
    page.wait_for_url("**/services/?q=*")
    page.context.close()

    page = _as(browser, base, butler(display_name="王管家"))
    page.goto(f"{base}/")
    assert page.get_by_test_id("butler-links").get_by_role("link", name="超时工单").is_visible()
    assert page.get_by_test_id("butler-overdue").is_visible()
    # A new member's blocks say there is nothing yet (and still link to the full lists).
    assert page.get_by_test_id("home-notices").locator(".home-empty").is_visible()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "home-butler-375.png"), full_page=True)
    page.get_by_test_id("home-butler").evaluate("el => { el.scrollIntoView(); window.scrollBy(0, -110); }")  # clear of the bottom tab bar
    page.screenshot(path=str(artifacts_dir / "home-butler-block-375.png"))
    page.context.close()

    # An operator: today's figures of the current park, a grid of tiles that wraps within the phone.
    page = _as(browser, base, operator(display_name="赵运营"))
    page.goto(f"{base}/")
    today = page.get_by_test_id("home-today")
    assert today.get_by_text("今日新工单").is_visible() and today.get_by_text("今日访客").is_visible()
    assert fits_width(page)
    today.evaluate("el => { el.scrollIntoView(); window.scrollBy(0, -110); }")
    page.screenshot(path=str(artifacts_dir / "home-operator-today-375.png"))
    page.context.close()
