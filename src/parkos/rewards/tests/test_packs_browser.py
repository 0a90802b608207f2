"""The gift-pack journey in a real browser at 375 px: a member claims a pack and sees its pickup code as
QR and text; the operator at the pickup desk types the code and hands the item over, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.rewards.models import PackClaim, Pickup
from parkos.rewards.tests.test_packs_fixtures import cast_fixture, make_pack  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_claims_a_pack_and_the_desk_hands_over(live_server: Any, browser: Any, cast: dict[str, Any],
                                                         artifacts_dir: Path) -> None:
    base = live_server.url
    pack = make_pack(cast, coupons=2)
    member = _as(browser, base, cast["staff"])
    member.goto(base + "/rewards/packs/")
    member.wait_for_selector("[data-testid=claimable]")
    assert "园区定制保温杯" in member.locator("[data-testid=claimable]").inner_text()
    assert fits_width(member)
    member.screenshot(path=str(artifacts_dir / "rewards-packs-01-to-claim.png"), full_page=True)
    member.locator("[data-testid=claim]").click()
    member.wait_for_selector("[data-testid=pickup-code]")
    code = member.locator("[data-testid=pickup-code]").inner_text().strip()
    assert PackClaim.objects.filter(pack=pack, user=cast["staff"]).count() == 1
    assert code == Pickup.objects.get(claim__pack=pack).code
    assert member.locator("[data-testid=pickup-qr] svg").count() == 1
    assert member.locator("[data-testid=claimable]").count() == 0
    assert fits_width(member)
    member.screenshot(path=str(artifacts_dir / "rewards-packs-02-claimed.png"), full_page=True)

    desk = _as(browser, base, cast["op_a"])
    desk.goto(base + "/rewards/packs/desk/")
    desk.locator("#id_code").fill(code.lower())
    desk.locator("[data-testid=hand-over]").click()
    desk.wait_for_selector("[data-testid=handed]")
    assert "王雨桐" in desk.locator("[data-testid=handed]").inner_text()
    assert Pickup.objects.get(code=code).picked_up_at is not None
    assert fits_width(desk)
    desk.screenshot(path=str(artifacts_dir / "rewards-packs-03-desk.png"), full_page=True)
    desk.locator("#id_code").fill(code)
    desk.locator("[data-testid=hand-over]").click()
    desk.wait_for_selector(".error")
    assert desk.locator("[data-testid=handed]").count() == 0

    desk.goto(f"{base}/rewards/packs/manage/{pack.pk}/")
    desk.wait_for_selector("[data-testid=figures]")
    assert fits_width(desk)
    desk.screenshot(path=str(artifacts_dir / "rewards-packs-04-detail.png"), full_page=True)
    member.reload()
    member.wait_for_selector("[data-testid=pickup]")
    assert member.locator("[data-testid=pickup-code]").count() == 0  # picked up: no code to show any more
