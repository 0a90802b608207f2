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
        # Rooms the member may not enter are listed as locked, with why, and offered as no destination.
        locked = page.locator("[data-testid='space-locked']")
        assert "会议室 2" in locked.text_content() and "仅受邀者可进入此房间。" in locked.text_content()
        assert page.get_by_role("button", name="会议室 2").count() == 0
        canteen = page.get_by_role("button", name="园区食堂")
        canteen.focus()
        page.keyboard.press("Enter")
        # On the way the page says where to, through where, and how far; and where it arrived.
        progress = page.locator("[data-testid='space-progress']")
        page.wait_for_function("""(() => { const t = document.querySelector("[data-testid='space-progress']").textContent;
            return t.startsWith('正在前往 园区食堂') && / · 还有 \\d+ 步$/.test(t); })()""")
        page.screenshot(path=str(artifacts_dir / "space-text-walking.png"), full_page=True)
        page.wait_for_function("document.querySelector('.space-here').textContent.includes('园区食堂')", timeout=30_000)
        page.wait_for_function("document.querySelector(\"[data-testid='space-progress']\").textContent === '已到达 园区食堂'")
        # A walk can be stopped half way, from the keyboard.
        page.get_by_role("button", name="中心广场").focus()
        page.keyboard.press("Enter")
        stop = page.locator("[data-testid='space-stop']")
        stop.wait_for()
        page.wait_for_timeout(600)
        stop.focus()
        page.keyboard.press("Enter")
        assert progress.text_content() == "已停止。"
        at = page.evaluate("[window.parkSpace.people[window.parkSpace.me].x, window.parkSpace.people[window.parkSpace.me].y]")
        page.wait_for_timeout(600)
        assert page.evaluate("[window.parkSpace.people[window.parkSpace.me].x, window.parkSpace.people[window.parkSpace.me].y]") == at
        assert "中心广场" not in page.locator(".space-here").text_content()
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


def test_on_a_phone_chat_lies_over_the_map_who_is_here_is_live_and_names_never_overlap(
        browser, live_server, space_server, settings, artifacts_dir):
    from parkos.conftest import fits_width, phone_page

    settings.SPACE_PUBLIC_URL = space_server.url
    SpaceMap.objects.create(slug="park", name="东升数字园区", tiled=build([]), is_default=True)
    alice, bob = UserFactory(display_name="王雨桐"), UserFactory(display_name="陈立")
    pa = phone_page(browser, live_server.url, alice)
    pb = None
    count = "document.querySelector('[data-testid=space-count]').textContent"
    try:
        pa.goto(f"{live_server.url}/space/park/")
        pa.wait_for_function("window.parkSpace && window.parkSpace.me !== null")
        pa.locator(".space-hint button").click()
        pa.wait_for_function(f"{count} === '1'")
        assert pa.locator(".space-connection").text_content() == "已连接"
        # A second member opens the map: the count and the list follow without anyone pressing Refresh.
        pb = phone_page(browser, live_server.url, bob)
        pb.goto(f"{live_server.url}/space/park/")
        pa.wait_for_function(f"{count} === '2'")
        pa.locator(".space-people").get_by_text("陈立").wait_for()
        # The chat is a bar over the foot of the map: the latest line and how many are unread.
        canvas = pa.locator("canvas.space-canvas").bounding_box()
        bar = pa.locator("[data-testid='space-chatbox']").bounding_box()
        assert canvas["y"] + canvas["height"] * 0.8 < bar["y"] and bar["y"] + bar["height"] <= canvas["y"] + canvas["height"] + 1
        pb.locator(".space-hint button").click()
        pb.locator("[data-testid='space-chat-bar']").click()
        pb.locator("form.space-say select[name=scope]").select_option("room")
        pb.locator("form.space-say input[name=text]").fill("一起去食堂吗？")
        pb.locator("form.space-say button").click()
        pa.locator(".space-chat-latest").get_by_text("一起去食堂吗？").wait_for()
        assert pa.locator(".space-chat-unread").text_content() == "1 条新消息"
        pa.screenshot(path=str(artifacts_dir / "space-phone-chat-bar.png"))
        # Tapped, it opens as a sheet over the lower part of the map; the map above stays in sight and walkable.
        pa.locator("[data-testid='space-chat-bar']").click()
        sheet = pa.locator("[data-testid='space-chatbox']").bounding_box()
        assert pa.locator(".space-chat").get_by_text("一起去食堂吗？").is_visible()
        assert sheet["y"] > canvas["y"] + canvas["height"] * 0.3 and sheet["y"] + sheet["height"] <= canvas["y"] + canvas["height"] + 1
        assert pa.locator(".space-chat-unread").is_hidden()
        assert fits_width(pa)
        # Bob walks up to Alice ("Go to"): on adjacent tiles, their names do not overlap.
        pb.locator(f".space-people li[data-id='{alice.pk}'] [data-testid='space-go']").click()
        pa.wait_for_function(f"""(() => {{ const s = window.parkSpace, a = s.people[s.me], b = s.people[{bob.pk}];
            return b && Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) <= 1 && performance.now() - b.t0 > 400
              && window.parkSpaceView.labels.filter(l => !l.bubble).length === 2; }})()""")
        boxes = pa.evaluate("window.parkSpaceView.labels")
        assert {b["id"] for b in boxes} == {alice.pk, bob.pk}
        assert not overlapping(boxes), boxes
        pa.screenshot(path=str(artifacts_dir / "space-phone-chat-sheet.png"))
        # The layout itself, for two avatars side by side, one above the other, corner to corner, on one tile,
        # and a crowd of six on adjacent tiles: no two boxes meet.
        for others in ([[32, 0]], [[0, 32]], [[32, 32]], [[0, 0]], [[32, 0], [64, 0], [0, 32], [32, 32], [-32, 0]]):
            laid = pa.evaluate("""(others) => {
                const items = [[0, 0], ...others].map((d, i) => ({id: i + 1, x: 150 + d[0], y: 150 + d[1], r: 12, w: 90, h: 16}));
                return window.ParkSpaceInternals.layoutLabels(items, n => 24); }""", others)
            assert not overlapping(laid), (others, laid)
            assert laid[0]["id"] == 1  # the first (me) always keeps its label
        # The map stays walkable with the sheet open: a tap above it walks there.
        start = pa.evaluate("[window.parkSpace.people[window.parkSpace.me].x, window.parkSpace.people[window.parkSpace.me].y]")
        pa.mouse.click(canvas["x"] + canvas["width"] / 2 + 64, canvas["y"] + 40)
        pa.wait_for_function(f"window.parkSpace.people[window.parkSpace.me].y < {start[1]}")
        # Bob leaves: the count goes back down.
        pb.context.close()
        pb = None
        pa.wait_for_function(f"{count} === '1'")
        # The text view on the same phone: the connection's state, the rooms one may not enter.
        pa.goto(f"{live_server.url}/space/park/text/")
        pa.wait_for_function("window.parkSpace && window.parkSpace.me !== null")
        pa.wait_for_function(f"{count} === '1'")
        assert pa.locator(".space-connection").text_content() == "已连接"
        assert fits_width(pa)
        pa.screenshot(path=str(artifacts_dir / "space-phone-text.png"), full_page=True)
    finally:
        pa.context.close()
        if pb is not None:
            pb.context.close()


def overlapping(boxes: list[dict[str, Any]]) -> bool:
    return any(a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
               for i, a in enumerate(boxes) for b in boxes[i + 1:])
