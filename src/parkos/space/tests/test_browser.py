"""Two people on the demo map in two real browsers, and the text view driven by the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.space.demo_map import build
from parkos.space.models import SpaceMap

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


def logged_in(browser: Any, live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def test_two_members_see_each_other_move_and_chat(browser, live_server, space_server, settings, artifacts_dir):
    settings.SPACE_PUBLIC_URL = space_server.url
    SpaceMap.objects.create(slug="park", name="东升数字园区", tiled=build([]), is_default=True)
    alice, bob = UserFactory(display_name="王雨桐"), UserFactory(display_name="陈立")
    pa, pb = logged_in(browser, live_server, alice), logged_in(browser, live_server, bob)
    try:
        pa.goto(f"{live_server.url}/space/")
        pb.goto(f"{live_server.url}/space/park/")
        for p in (pa, pb):
            p.wait_for_function("window.parkSpace && window.parkSpace.me !== null")
        pa.wait_for_function(f"!!window.parkSpace.people[{bob.pk}]")
        start = pb.evaluate(f"[window.parkSpace.people[{alice.pk}].x, window.parkSpace.people[{alice.pk}].y]")
        pa.locator("canvas.space-canvas").focus()
        # Three steps towards the middle of the plaza (newcomers appear anywhere along it), so both stay
        # in the plaza to talk to the room below.
        key = "ArrowLeft" if start[0] > 40 else "ArrowRight"
        for _ in range(3):
            pa.keyboard.down(key)
            pa.wait_for_timeout(210)
            pa.keyboard.up(key)
        pb.wait_for_function(f"window.parkSpace.people[{alice.pk}].x !== {start[0]}")
        # Both appeared on the plaza, not necessarily within earshot: talk to the room.
        pb.locator("form.space-say select[name=scope]").select_option("room")
        pb.locator("form.space-say input[name=text]").fill("一起去食堂吗？")
        pb.locator("form.space-say button").click()
        pa.locator(".space-chat").get_by_text("一起去食堂吗？").wait_for()
        pa.locator("button.space-who").click()
        pa.locator(".space-people").get_by_text("陈立").wait_for()
        pa.screenshot(path=str(artifacts_dir / "space-map.png"))
    finally:
        pa.context.close()
        pb.context.close()


def test_the_text_view_works_from_the_keyboard(browser, live_server, space_server, settings, artifacts_dir):
    settings.SPACE_PUBLIC_URL = space_server.url
    SpaceMap.objects.create(slug="park", name="东升数字园区", tiled=build([]), is_default=True)
    member = UserFactory(display_name="许教授")
    page = logged_in(browser, live_server, member)
    try:
        page.goto(f"{live_server.url}/space/park/text/")
        page.wait_for_function("window.parkSpace && window.parkSpace.me !== null")
        here = page.locator(".space-here")
        page.wait_for_function("document.querySelector('.space-here').textContent.includes('中心广场')")
        before = here.text_content()
        east = page.locator("button[data-step='1,0']")
        east.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.querySelector('.space-here').textContent !== {before!r}")
        canteen = page.get_by_role("button", name="园区食堂")
        canteen.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelector('.space-here').textContent.includes('园区食堂')", timeout=30_000)
        page.screenshot(path=str(artifacts_dir / "space-text.png"), full_page=True)
    finally:
        page.context.close()


def test_a_person_is_reported_from_the_text_view_with_the_keyboard(browser, live_server, space_server, settings):
    from parkos.community.models import Report
    from parkos.space import presence, selectors, services
    from parkos.space.tests.conftest import join

    settings.SPACE_PUBLIC_URL = space_server.url
    space = SpaceMap.objects.create(slug="park", name="东升数字园区", tiled=build([]), is_default=True)
    member, rude = UserFactory(display_name="许教授"), UserFactory(display_name="李某")
    services.preference_save(actor=rude, show_in_park=True, followable=True)
    gates_provider = presence.presence_provider_get()  # put back afterwards (access registers the real one)
    presence.presence_provider_register(lambda ids: set(ids))  # the gates: everyone asked about came in
    page = logged_in(browser, live_server, member)
    peer = join(space_server, selectors.ticket_for(user=rude, space=space), slug="park")
    try:
        page.goto(f"{live_server.url}/space/park/text/")
        page.wait_for_function("window.parkSpace && window.parkSpace.me !== null")
        page.locator("button.space-who").focus()
        page.keyboard.press("Enter")
        report = page.locator(f".space-people li[data-id='{rude.pk}'] [data-testid='space-report']")
        report.wait_for()
        # Consent given and the gates say so: the list says "in the park today" (in the page's language).
        assert page.evaluate(f"""document.querySelector(".space-people li[data-id='{rude.pk}'] span").textContent
            .includes(JSON.parse(document.getElementById('space-config').textContent).i18n['in the park today'])""")
        report.focus()
        page.keyboard.press("Enter")
        dialog = page.locator("[data-testid='space-report-dialog']")
        dialog.wait_for(state="visible")
        assert page.evaluate("document.activeElement.name") == "reason"  # focus moved into the form
        page.locator("#space-report-reason").select_option("abuse")
        page.keyboard.press("Tab")
        page.keyboard.type("在聊天气泡里辱骂他人")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.dataset.testid") == "space-report-submit"
        page.keyboard.press("Enter")
        dialog.wait_for(state="hidden")
        page.wait_for_function("document.activeElement && document.activeElement.dataset.testid === 'space-report'")
        found = Report.objects.filter(reporter=member).select_related("case").first()
        assert found is not None and found.case.subject_id == rude.pk and found.reason == "abuse"
        assert found.detail == "在聊天气泡里辱骂他人" and found.context_url == "/space/park/"
    finally:
        presence.presence_provider_register(gates_provider) if gates_provider else presence.presence_provider_clear()
        peer.ws.close()
        page.context.close()


def test_the_joystick_hint_shows_once_on_a_phone(browser, live_server, space_server, settings, artifacts_dir):
    from parkos.conftest import phone_page

    settings.SPACE_PUBLIC_URL = space_server.url
    SpaceMap.objects.create(slug="park", name="东升数字园区", tiled=build([]), is_default=True)
    page = phone_page(browser, live_server.url, UserFactory(display_name="王雨桐"))
    try:
        page.goto(f"{live_server.url}/space/park/")
        hint = page.locator(".space-hint")
        hint.get_by_text("拖动摇杆移动，点击地点前往").wait_for()
        page.screenshot(path=str(artifacts_dir / "space-hint-375.png"))
        hint.locator("button").click()
        assert hint.is_hidden()
        page.reload()
        page.wait_for_function("window.parkSpace && window.parkSpace.me !== null")
        assert hint.is_hidden()
    finally:
        page.context.close()
