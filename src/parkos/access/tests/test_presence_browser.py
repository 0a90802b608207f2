"""My time in the park on a 375 px phone: the member sees this week, the month and its calendar, agrees
to share with their enterprise, and the enterprise's admin then sees the totals over the three
colleagues who agreed (no one's own days). The page fits the phone's width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.models import AccessPreference
from parkos.access.services.presence import preference_set
from parkos.access.tests.factories import GateFactory
from parkos.access.tests.presence_fixtures import walk
from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width as _fits
from parkos.conftest import phone_page as _as
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def test_my_time_in_the_park_and_sharing_it_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    enterprise, admin = enterprise_with_admin(UserFactory(display_name="赵敏"))
    member = add_staff(enterprise, UserFactory(display_name="李想"))
    colleagues = [add_staff(enterprise, UserFactory(display_name=f"同事{i}")) for i in range(2)]
    gate = GateFactory()
    today = timezone.localdate()
    for user in (member, *colleagues):
        walk(user, gate, today, "in 00:05", "out 08:35")
    for user in colleagues:
        preference_set(actor=user, share_with_enterprise=True)

    page = _as(browser, base, member)
    page.goto(base + "/access/me/presence/")
    assert page.locator("[data-testid=week-hours]").inner_text().startswith("8.5")
    cell = page.locator(f"[data-day='{today:%Y-%m-%d}'] .hours")
    assert cell.inner_text().startswith("8.5")
    assert _fits(page), "the calendar overflows a 375 px screen"
    page.screenshot(path=str(artifacts_dir / "presence-01-mine.png"), full_page=True)
    page.locator("[data-testid=share-start]").click()
    page.wait_for_selector("[data-testid=share-stop]")
    assert enterprise.name in page.locator("[data-testid=share-status]").inner_text()
    assert AccessPreference.objects.get(user=member).share_with_enterprise is True

    boss = _as(browser, base, admin)
    boss.goto(f"{base}/access/enterprises/{enterprise.pk}/presence/")
    assert boss.locator("[data-testid=enterprise-people]").inner_text() == "3"
    assert boss.locator("[data-testid=enterprise-average]").inner_text().startswith("8.5")
    body = boss.locator("main").inner_text()
    assert "李想" not in body and "同事0" not in body
    assert _fits(boss)
    boss.screenshot(path=str(artifacts_dir / "presence-02-enterprise.png"), full_page=True)

    # The member stops sharing: the admin's page no longer shows figures (two colleagues are too few).
    page.locator("[data-testid=share-stop]").click()
    page.wait_for_selector("[data-testid=share-start]")
    boss.reload()
    assert boss.locator("[data-testid=enterprise-hidden]").count() == 1
