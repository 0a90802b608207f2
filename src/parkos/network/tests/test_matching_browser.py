"""An investor's matched enterprises in a real browser at 375 px: cards with their reasons, nothing wider than
the screen, and the enterprise's card leads to its page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.conftest import ensure_industries, fits_width
from parkos.conftest import phone_page as _as
from parkos.enterprises.tests.factories import EnterpriseFactory
from parkos.network.tests.test_matching import industry, make_investor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_matched_enterprises_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    ensure_industries()  # an earlier transactional test may have flushed the taxonomy
    start_up = EnterpriseFactory(name="深瞳视觉科技有限公司", industry=industry("ai-vision"), stage="seed",
                                 description="用大模型和计算机视觉做工业质检的初创团队", tags=["大模型"])
    EnterpriseFactory(name="青禾医疗科技有限公司", industry=industry("medtech"), stage="series_b")
    investor = make_investor()
    base = live_server.url
    page = _as(browser, base, investor.user)
    page.goto(base + "/network/matching/enterprises/")
    page.wait_for_selector("[data-testid=match]")
    first = page.locator("[data-testid=match]").first
    assert "深瞳视觉科技有限公司" in first.inner_text()
    assert first.locator("[data-testid=reasons]").inner_text().strip()
    page.screenshot(path=str(artifacts_dir / "network-matching-375.png"), full_page=True)
    assert fits_width(page), "the page scrolls sideways at 375 px"
    first.locator("a").click()
    page.wait_for_url(f"**/enterprises/{start_up.pk}/")
    page.context.close()
