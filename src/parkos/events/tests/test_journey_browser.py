"""The event journey in a real browser: an organiser publishes a one-seat event, two members register
(the second is waitlisted), the first cancels, the second accepts the offered seat, and at the door two
check-in devices that lost the network both scan the ticket; when they come back online the server keeps
one check-in and the second device is told who was first."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.events.models import CheckIn, Event, Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(browser: Any, base: str, user: User) -> Any:
    """A browser page logged in as ``user`` (a real session, created the way log-in creates one)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 414, "height": 860}, locale="zh-CN")
    # Every wait below is for a positive signal (a page state); this is only its ceiling, generous because
    # the first page of a cold live server on a loaded 2-core machine can take well over 15 s.
    context.set_default_timeout(60_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": base}])
    return context.new_page()


def _status(page: Any) -> str:
    return str(page.locator("#registration").get_attribute("data-status"))


def test_event_journey_from_publication_to_offline_check_in(live_server: Any, browser: Any,
                                                             artifacts_dir: Path) -> None:
    base = live_server.url
    enterprise, organiser = enterprise_with_admin(UserFactory(display_name="刘博"))
    colleague = add_staff(enterprise, UserFactory(display_name="门口志愿者"))
    first, second = UserFactory(display_name="王雨桐"), UserFactory(display_name="陈立")

    # --- the organiser publishes a one-seat event ------------------------------------------------------
    host = _as(browser, base, organiser)
    host.goto(base + "/events/new/")
    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    host.locator("#id_title").fill("具身智能技术沙龙 & 「小范围」")
    host.locator("#id_description").fill("协作机器人与大模型的结合")
    host.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    host.locator("#id_ends_at").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    host.locator("#id_place").fill("A1 3F 路演厅")
    host.locator("#id_capacity").fill("1")
    host.locator("#id_questions").fill("* 公司名称\n参与方式 = 线下 / 线上")
    host.locator("[data-testid=event-save]").click()
    host.wait_for_load_state()
    assert re.search(r"/events/\d+/$", host.url), host.locator("main .error").all_inner_texts()
    event = Event.objects.get()
    assert event.enterprise == enterprise and event.capacity == 1
    assert host.locator("[data-testid=event-title]").inner_text() == "具身智能技术沙龙 & 「小范围」"
    host.screenshot(path=str(artifacts_dir / "events-01-published.png"), full_page=True)

    # --- two members register; the second is waitlisted --------------------------------------------------
    a = _as(browser, base, first)
    a.goto(f"{base}/events/{event.pk}/")
    a.locator("#id_q_q1").fill("思灵机器人")
    a.locator("#id_q_q2").select_option("线下")
    a.locator("[data-testid=register]").click()
    a.wait_for_load_state()
    assert _status(a) == "confirmed"
    assert a.locator(".ev-qr svg").count() == 1

    b = _as(browser, base, second)
    b.goto(f"{base}/events/{event.pk}/")
    b.locator("#id_q_q1").fill("个人")
    b.locator("[data-testid=register]").click()
    b.wait_for_load_state()
    assert _status(b) == "waitlisted"
    assert "1" in b.locator("[data-testid=waitlist-position]").inner_text()

    # --- the first cancels; the second gets the offer and accepts ----------------------------------------
    a.locator("[data-testid=cancel-registration]").click()
    a.wait_for_load_state()
    assert _status(a) in ("cancelled", "none")
    b.reload()
    assert _status(b) == "offered"
    b.locator("[data-testid=accept-offer]").click()
    b.wait_for_load_state()
    assert _status(b) == "confirmed"
    payload = b.locator("[data-testid=ticket-payload]").text_content().strip()
    assert payload.startswith(f"PKEV1.{event.pk}.")
    b.screenshot(path=str(artifacts_dir / "events-02-ticket.png"), full_page=True)
    assert Registration.objects.get(user=second).status == "confirmed"

    # --- two door devices load the ticket list, then lose the network -------------------------------------
    devices = []
    for user, name in ((colleague, "door-A"), (organiser, "door-B")):
        door = _as(browser, base, user)
        door.goto(f"{base}/events/{event.pk}/checkin/")
        door.wait_for_selector("#checkin[data-ready='1']")
        assert door.locator("#ci-total").inner_text() == "1"
        assert door.locator("#ci-net").inner_text() == "已联网"  # the connection, not an online event's 线上
        door.locator("#checkin summary").click()
        door.locator("#ci-device").fill(name)
        door.locator("#ci-device").dispatch_event("change")
        door.context.set_offline(True)
        devices.append(door)
    for door in devices:  # both scan the same ticket while offline
        door.locator("[data-testid=ci-code]").fill(payload)
        door.locator("[data-testid=ci-submit]").click()
        door.wait_for_selector("#ci-result[data-status='checked_in']")
        assert door.locator("#checkin").get_attribute("data-queue") == "1"
    devices[0].screenshot(path=str(artifacts_dir / "events-03-offline-scan.png"), full_page=True)
    assert not CheckIn.objects.exists()

    # --- back online: one check-in; the second device learns who was first --------------------------------
    # Positive signals only: the page says data-idle="1" once its queue is flushed and no request (sync or
    # ticket list) is in flight, so what it shows afterwards is the server's answer, not a guess.
    devices[0].context.set_offline(False)
    devices[0].wait_for_selector("#checkin[data-queue='0'][data-idle='1']", timeout=60_000)
    devices[1].context.set_offline(False)
    devices[1].wait_for_selector("#checkin[data-queue='0'][data-idle='1']", timeout=60_000)
    assert "door-A" in devices[1].locator("#ci-log li[data-status='already']").first.inner_text()
    checkin = CheckIn.objects.get()
    assert checkin.registration.user == second and checkin.device == "door-A"
    # Scanning again online is refused as a second check-in: the device knows from its synced list.
    devices[0].locator("[data-testid=ci-code]").fill(Registration.objects.get(user=second).short_code)
    devices[0].locator("[data-testid=ci-submit]").click()
    devices[0].wait_for_selector("#ci-result[data-status='already']")
    devices[0].wait_for_selector("#checkin[data-queue='0'][data-idle='1']")
    assert devices[0].locator("#checkin").get_attribute("data-queue") == "0"  # nothing sent for a known check-in
    devices[1].screenshot(path=str(artifacts_dir / "events-04-synced.png"), full_page=True)
    assert CheckIn.objects.count() == 1
    b.reload()
    assert b.locator("[data-testid=checked-in]").count() == 1


def test_a_ticket_list_older_than_the_last_sync_does_not_undo_a_check_in(live_server: Any, browser: Any) -> None:
    """The race behind the once-intermittent journey: back online, the page syncs its queue and reloads the
    ticket list at the same time. A list the server wrote before the sync landed, arriving after the sync's
    answer, used to mark the ticket "not checked in" again, so the next scan was welcomed a second time.
    Here the list is held back and answered with that older picture only after the sync is applied."""
    from parkos.accounts.models import Role
    from parkos.events.tests.factories import EventFactory, register

    operator = UserFactory(roles=[Role.OPERATOR], display_name="值班")
    event = EventFactory(created_by=operator)
    registration = register(UserFactory(display_name="张三"), event)
    base = live_server.url
    door = _as(browser, base, operator)
    door.goto(f"{base}/events/{event.pk}/checkin/")
    door.wait_for_selector("#checkin[data-ready='1'][data-idle='1']")
    stale = {"event": event.pk, "at": timezone.now().isoformat(), "tickets": [
        {"ticket": registration.ticket_hash, "name": "张三", "short": registration.short_code,
         "checked_in_at": None, "device": ""}]}
    held: list[Any] = []
    door.route(lambda url: url.endswith(f"/events/{event.pk}/checkin/tickets/"), lambda route: held.append(route))
    door.context.set_offline(True)
    door.locator("[data-testid=ci-code]").fill(registration.short_code)
    door.locator("[data-testid=ci-submit]").click()
    door.wait_for_selector("#ci-result[data-status='checked_in']")
    with door.expect_response(lambda r: r.url.endswith("/checkin/sync/") and r.ok):
        door.context.set_offline(False)
    door.wait_for_selector("#checkin[data-queue='0']")
    assert CheckIn.objects.filter(registration=registration).count() == 1
    for _attempt in range(600):  # polls for the held request (route handlers run while Playwright is called)
        if held:
            break
        door.wait_for_timeout(100)
    assert held, "the page did not reload its ticket list when the network came back"
    held[0].fulfill(json=stale)
    door.wait_for_selector("#checkin[data-idle='1']")
    door.locator("[data-testid=ci-code]").fill(registration.short_code)
    door.locator("[data-testid=ci-submit]").click()
    door.wait_for_selector("#ci-result[data-status='already']")
    assert door.locator("#checkin").get_attribute("data-queue") == "0"
    assert CheckIn.objects.filter(registration=registration).count() == 1
