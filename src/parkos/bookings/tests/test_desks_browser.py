"""A hot desk booked on a phone (375 px, touch): the floor plan fits the screen, a tap on a free desk shows it
with the Book button, a tap on that books the day, and the plan then shows the desk as the member's. Names of
another enterprise's people never reach this member's page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import operator
from parkos.bookings.models import Booking
from parkos.bookings.services.desks import allocation_create, desk_assign, desk_book
from parkos.bookings.tests.factories import new_key, staff_member
from parkos.bookings.tests.factories_desks import FloorPlanFactory, desks_on, workday
from parkos.conftest import PHONE, fits_width
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _touch_phone(browser: Any, base: str, user: Any) -> Any:
    """Like conftest's phone_page, with a touch screen (so the test taps, as a thumb does)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    context.set_default_timeout(60_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base}])
    return context.new_page()


def test_a_member_books_a_free_desk_by_tapping_it_on_a_phone(live_server: Any, browser: Any,
                                                              artifacts_dir: Path) -> None:
    base = live_server.url
    member = staff_member(display_name="林晓")
    tenant = EnterpriseFactory(name="星河机器人有限公司")
    admin = staff_member(tenant, admin=True)
    plan = FloorPlanFactory(name="5F 开放工位区")
    desks_on(plan, 8, prefix="A", y=110)
    row_b = desks_on(plan, 8, prefix="B", y=250)
    row_c = desks_on(plan, 8, prefix="C", y=450)
    day = workday()
    allocation = allocation_create(actor=operator(), park=park_default(), enterprise=tenant, desks=row_c[:4],
                                   starts_on=day, ends_on=day + dt.timedelta(days=180), source="competition")
    desk_assign(actor=admin, allocated_desk=allocation.allocated.order_by("desk__name").first(),
                occupant=staff_member(tenant, display_name="王小明"))
    desk_book(actor=staff_member(), desk=row_b[0], day=day, key=new_key())

    page = _touch_phone(browser, base, member)
    page.goto(f"{base}/bookings/desks/plans/{plan.pk}/?day={day.isoformat()}")
    svg = page.locator("[data-testid=floorplan]")
    box = svg.bounding_box()
    assert box is not None and 300 <= box["width"] <= 375  # the whole floor on the screen
    assert page.locator("[data-testid=desk]").count() == 24
    assert "王小明" not in page.content()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-desks-01-plan.png"), full_page=True)

    page.locator('[data-testid=desk][data-name="B03"]').tap()
    panel = page.locator("[data-testid=desk-panel]")
    panel.wait_for(state="visible")
    assert panel.locator("[data-testid=panel-name]").inner_text() == "B03"
    assert page.locator('[data-testid=desk][data-name="B03"]').get_attribute("class").endswith("is-selected")
    assert "desk=" in page.url  # the address names the desk, as the link without JavaScript does
    book = page.locator("[data-testid=book-desk]")
    assert book.is_visible() and fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-desks-02-chosen.png"), full_page=False)

    book.tap()
    page.wait_for_selector("[data-testid=my-desk]")
    booking = Booking.objects.get(organiser=member)
    assert booking.place.name == "B03" and booking.status == "confirmed"
    assert page.locator('[data-testid=desk][data-name="B03"]').get_attribute("data-state") == "mine"
    assert page.locator('[data-testid=desk][data-name="B01"]').get_attribute("data-state") == "booked"
    assert page.locator('[data-testid=desk][data-name="C01"]').get_attribute("data-state") == "allocated"
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-desks-03-booked.png"), full_page=True)

    page.locator('[data-testid=desk][data-name="B05"]').tap()  # one desk a day: shown, not offered
    panel.wait_for(state="visible")
    assert page.locator("[data-testid=book-desk]").is_hidden()
    page.context.close()


def test_an_operator_adds_a_desk_by_clicking_the_plan_and_an_admin_seats_a_colleague(
        live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    from parkos.bookings.models import Place

    base = live_server.url
    plan = FloorPlanFactory(name="6F 联合办公", floor="6F", width=800, height=400)
    desks_on(plan, 4, prefix="A", y=100)
    tenant = EnterpriseFactory(name="星河机器人有限公司")
    admin = staff_member(tenant, admin=True, display_name="周管理")
    staff_member(tenant, display_name="王小明")
    day = workday()
    allocation_create(actor=operator(), park=park_default(), enterprise=tenant, desks=list(plan.desks.all()[:2]),
                      starts_on=day, ends_on=day + dt.timedelta(days=180), source="competition",
                      note="创新大赛一等奖：工位6个月")

    page = _touch_phone(browser, base, operator())
    page.goto(f"{base}/bookings/desks/manage/{plan.pk}/")
    svg = page.locator("[data-testid=floorplan]")
    box = svg.bounding_box()
    assert box is not None
    # A click at 3/4 across and 3/4 down the plan: a desk at about (600, 300) in plan units.
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75)
    page.wait_for_selector('[data-testid=desk][data-name="6F-05"]')
    added = Place.objects.get(floor_plan=plan, name="6F-05")
    assert abs(added.x - 600) <= 8 and abs(added.y - 300) <= 8
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-desks-04-editor.png"), full_page=True)
    page.context.close()

    page = _touch_phone(browser, base, admin)
    page.goto(f"{base}/bookings/desks/ours/")
    assert "创新大赛一等奖" in page.locator("[data-testid=allocation]").inner_text()
    page.locator("[data-testid=assign-form] select").first.select_option(label="王小明")
    page.locator("[data-testid=assign-form] button").first.tap()
    page.wait_for_selector(".msg")
    assert page.locator("[data-testid=assign-form] select").first.input_value() != ""
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "bookings-desks-05-ours.png"), full_page=True)
    page.context.close()
