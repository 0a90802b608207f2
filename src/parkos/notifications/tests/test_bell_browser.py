"""The bell in a real browser: pages from the live server, the socket from the real daphne process.

Alice has a page open; Carol replies (a notification is sent and committed); without a reload the
badge shows 1 and a toast appears; the dropdown lists it; opening it marks it read and follows the
link. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.notifications.models import Notification
from parkos.notifications.services import notification_send

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


def test_notification_arrives_live_and_opens(page: Any, live_server: Any, ws_server: Any, settings: Any,
                                             artifacts_dir: Path) -> None:
    settings.WS_PORT = ws_server.port  # the page asks for the socket on this port of the same host
    alice = UserFactory(language="en", display_name="Alice")
    carol = UserFactory(display_name="Carol")
    client = Client()
    assert client.login(email=alice.email, password=PASSWORD)
    host = live_server.url.split("//", 1)[1].split(":", 1)[0]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "domain": host, "path": "/",
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])

    page.goto(f"{live_server.url}/notifications/")
    bell = page.locator("#notif-bell")
    badge = bell.locator("[data-bell-count]")
    assert badge.is_hidden()
    page.wait_for_selector("#notif-bell[data-live]")

    with transaction.atomic():
        notification_send(recipients=[alice], kind="reply", title="Carol replied to your post",
                          url="/notifications/settings/", actor=carol)
    page.wait_for_selector("#notif-bell [data-bell-count='1']")
    assert badge.inner_text() == "1"
    toast = page.locator(".notif-toast")
    assert "Carol replied to your post" in toast.inner_text()
    page.screenshot(path=str(artifacts_dir / "notifications-live-toast.png"))

    bell.locator("summary").click()
    item = page.locator("#notif-bell-pop .bell-list a").first
    item.wait_for()
    assert "Carol replied to your post" in item.inner_text()
    page.screenshot(path=str(artifacts_dir / "notifications-bell-open.png"))
    item.click()
    page.wait_for_url(f"{live_server.url}/notifications/settings/")
    assert Notification.objects.get(recipient=alice).read_at is not None
    assert page.locator("#notif-bell [data-bell-count]").is_hidden()

    # Small screens: the bell stays in the header next to the menu button.
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.locator("#notif-bell summary").is_visible()
    page.screenshot(path=str(artifacts_dir / "notifications-mobile.png"))
