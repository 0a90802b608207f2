"""The logged-in home at 375 px: the everyday-service tiles in a 4-column grid, cards stacked, nothing wider
than the phone; a butler also sees the butler block (workspace, overdue orders, appointment slots)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory, butler
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_and_butler_home_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    page = _as(browser, base, UserFactory(display_name="林晓"))
    page.goto(f"{base}/")
    tiles = page.get_by_test_id("home-tiles").locator("a")
    assert tiles.count() == 12
    # Four tiles a row: the first four share a top edge, the fifth starts the next row.
    tops = [tiles.nth(i).bounding_box()["y"] for i in range(5)]
    assert len(set(tops[:4])) == 1 and tops[4] > tops[0]
    assert page.get_by_role("link", name="预约管家").is_visible()
    assert page.get_by_test_id("developers").count() == 0
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "home-member-375.png"), full_page=True)
    page.get_by_role("link", name="报修").click()
    page.wait_for_url("**/services/?q=*")
    page.context.close()

    page = _as(browser, base, butler(display_name="王管家"))
    page.goto(f"{base}/")
    assert page.get_by_test_id("butler-links").get_by_role("link", name="超时工单").is_visible()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "home-butler-375.png"), full_page=True)
    page.context.close()
