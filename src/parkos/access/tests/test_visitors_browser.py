"""The visitor journey in a real browser at 375 px: a member invites a visitor, copies the link, and the
visitor opens it in a fresh browser (no account, no cookies) and sees their pass with its QR code; once the
host cancels, the same link says so and shows no code."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.models import VisitorPass
from parkos.access.services import visitors as services
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.conftest import phone_page as _as
from parkos.enterprises.tests.factories import BuildingFactory, enterprise_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}



def test_a_member_invites_and_the_visitor_opens_the_pass(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    _enterprise, host = enterprise_with_admin(name="思灵机器人")
    area = AreaFactory(building=BuildingFactory(code="VJ1"), name="A1大堂")
    GateFactory(area=area, name="东门闸机")
    GateFactory(area=area, name="西门闸机")

    page = _as(browser, base, host)
    page.goto(base + "/access/visitors/")
    start = timezone.localtime() + dt.timedelta(minutes=5)
    page.locator("#id_name").fill("张伟")
    page.locator("#id_mobile").fill("138 1234 5678")
    page.locator("#id_valid_from").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_valid_until").fill((start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("A1大堂 · 东门闸机").check()
    page.locator("#id_purpose").fill("参观展厅")
    page.locator("[data-testid=invite-submit]").click()
    page.wait_for_url(re.compile(r"/access/visitors/\d+/$"))
    visitor = VisitorPass.objects.get()
    assert visitor.mobile == "13812345678" and [g.name for g in visitor.gates.all()] == ["东门闸机"]
    assert page.locator("[data-testid=visitor-share] svg").count() == 1
    # nothing is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts_dir / "visitors-01-invited.png"), full_page=True)
    link = page.locator("[data-testid=visitor-link]").input_value()
    assert link.startswith(base + "/access/v/")

    # --- the visitor: a fresh browser, no account -------------------------------------------------------
    visitor_context = browser.new_context(viewport=PHONE, locale="zh-CN")
    visitor_context.set_default_timeout(60_000)
    pass_page = visitor_context.new_page()
    pass_page.goto(link)
    assert pass_page.locator("[data-testid=pass-name]").inner_text() == "张伟"
    assert pass_page.locator("[data-testid=pass-enterprise]").inner_text() == "思灵机器人"
    qr = pass_page.locator("[data-testid=pass-qr] svg")
    assert qr.count() == 1 and qr.bounding_box()["width"] >= 200
    text = pass_page.locator("body").inner_text()
    assert "东门闸机" in text and "西门闸机" not in text and "5678" not in text and "参观展厅" not in text
    assert pass_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    pass_page.screenshot(path=str(artifacts_dir / "visitors-02-pass.png"), full_page=True)
    # the code in the QR is the one the gate looks the pass up by
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert services.visitor_pass_by_code(services.pass_code(token)) == visitor

    # --- the host cancels; the same link now says so -------------------------------------------------
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=visitor-cancel]").click()
    page.wait_for_selector("[data-status=cancelled]")
    pass_page.reload()
    assert pass_page.locator("[data-testid=pass-closed]").is_visible()
    assert pass_page.locator("svg").count() == 0
    visitor_context.close()
