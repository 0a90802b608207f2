"""A member's year report on a 375 px phone: the home page says it is here, the story's cards are each a
full screen and are swiped through sideways, the keyword card says why, and the gift pack is claimed
from the last cards. Nothing on the page is wider than the phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parkos.accounts.tests.factories import operator
from parkos.conftest import fits_width, phone_page
from parkos.insights.models import GiftOffer, YearReport
from parkos.insights.services import publication
from parkos.insights.services import year_reports as services
from parkos.insights.tests.conftest import YEAR
from parkos.rewards.models import GiftPack, PackClaim, PackItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reading_my_year_on_a_phone_and_claiming_the_gift(live_server: Any, browser: Any, artifacts_dir: Path,
                                                          small_park: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(services.MINIMUM, "event_regular", 1)
    park, alice = small_park["park"], small_park["alice"]
    now = timezone.now()
    pack = GiftPack.objects.create(park=park, name="活动达人礼包", audience=GiftPack.Audience.GRANTED, stock=10,
                                   claim_from=now - dt.timedelta(days=1), claim_until=now + dt.timedelta(days=30),
                                   status=GiftPack.Status.OPEN)
    PackItem.objects.create(pack=pack, kind=PackItem.Kind.PHYSICAL, name="园区帆布袋", pickup_place="服务中心")
    GiftOffer.objects.create(park=park, year=YEAR, dimension="event_regular", pack=pack)
    run = services.year_report_run(park=park, year=YEAR)
    services.run_publish_at_set(actor=operator(), run=run, publish_at=now - dt.timedelta(minutes=1))
    publication.reports_announce_due()
    report = YearReport.objects.get(user=alice, year=YEAR)

    base = live_server.url
    page = phone_page(browser, base, alice)
    page.goto(base + "/")
    page.locator("[data-testid=home-year-report]").click()
    page.wait_for_selector("[data-testid=story]")
    assert page.url.endswith(f"/insights/reports/{report.pk}/")
    assert fits_width(page), "the story is wider than the phone"
    cards = page.locator("[data-testid=story] > section")
    assert cards.count() >= 6
    width = page.evaluate("window.innerWidth")
    assert cards.first.bounding_box()["width"] == pytest.approx(width, abs=1)  # a card is the whole screen
    page.screenshot(path=str(artifacts_dir / "year-report-01-cover.png"))
    page.evaluate(f"document.querySelector('.yr-cards').scrollLeft = {width}")  # one swipe
    keyword = page.locator("[data-testid=keyword]")
    keyword.wait_for()
    assert keyword.inner_text() == "活动达人"
    # Scrolling is smooth: wait until the keyword card has slid to the screen's left edge.
    page.wait_for_function("Math.abs(document.querySelector('[data-testid=card-keyword]')"
                           ".getBoundingClientRect().x) < 2")
    page.screenshot(path=str(artifacts_dir / "year-report-02-keyword.png"))
    gift = page.locator("[data-testid=gift-claim]")
    gift.scroll_into_view_if_needed()
    gift.click()
    page.wait_for_selector("[data-testid=gift-claimed]")
    assert PackClaim.objects.filter(pack=pack, user=alice).count() == 1
    page.screenshot(path=str(artifacts_dir / "year-report-03-gift.png"))
