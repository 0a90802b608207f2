"""The service catalog on a phone (375 px): the services first, the category tree folded into one line
that says which category is shown, the other filters folded too; on a desktop both stand open beside the
results. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.tests.factories import CategoryFactory, ServiceFactory
from parkos.conftest import PHONE, fits_width, phone_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_catalog_shows_services_first_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    for n in range(12):  # a tree long enough to push everything below the first screen if it stood open
        parent = CategoryFactory(code=f"top-{n}", name_zh=f"一级类别{n}")
        for m in range(2):
            child = CategoryFactory(code=f"top-{n}-{m}", name_zh=f"二级类别{n}-{m}", parent=parent)
            ServiceFactory(name_zh=f"园区服务{n}-{m}", category=child)
    base = live_server.url
    page = phone_page(browser, base, UserFactory())
    page.goto(f"{base}/services/")
    tree = page.get_by_test_id("catalog-tree")
    assert "全部服务" in tree.locator("summary").inner_text()
    assert not tree.locator("nav").is_visible() and not page.locator("#svc-provider").is_visible()
    first = page.locator("#results a[href^='/services/']").first
    assert first.bounding_box()["y"] < PHONE["height"]  # a service on the first screen
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "catalog-phone.png"))
    tree.locator("summary").click()
    tree.locator("a[data-category='top-3-1']").click()
    page.wait_for_url("**category=top-3-1")
    assert "二级类别3-1" in page.get_by_test_id("catalog-tree").locator("summary").inner_text()
    page.context.close()

    wide = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    wide.goto(f"{base}/services/")
    assert wide.get_by_test_id("catalog-tree").locator("nav").is_visible()
    assert wide.locator("#svc-provider").is_visible()
    wide.context.close()
