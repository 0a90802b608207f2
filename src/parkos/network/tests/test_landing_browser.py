"""The landing journey in a real browser at 375 px: a member finds the programme, applies through the form
and lands on the application's page; the park's operator moves it to screening with a message; the
referring organisation's contact sees it among their referrals with the message, and not the operator's
internal note. Nothing scrolls the page sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.conftest import ensure_industries, fits_width
from parkos.conftest import phone_page as _as
from parkos.network.models import Landing, LandingStage
from parkos.network.services.landing import landing_note
from parkos.network.tests.test_landing_fixtures import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_apply_move_and_follow_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    ensure_industries()
    world = make_world()
    base = live_server.url

    page = _as(browser, base, world.applicant)
    page.goto(f"{base}/network/landing/")
    assert fits_width(page)
    page.locator("[data-testid=apply-link]").first.click()
    page.wait_for_selector("[data-testid=apply-form]")
    page.locator("#id_company_name").fill("Quantum Berlin GmbH")
    page.locator("#id_country").select_option(str(world.country.pk))
    page.locator("#id_city").select_option(str(world.city.pk))
    page.locator("#id_referred_by").select_option(str(world.org.pk))
    page.locator("#id_industry").select_option(str(world.industry.pk))
    page.locator("#id_team_size").fill("5")
    page.locator("#id_plan").fill("在园区设立研发中心，两年内团队扩展到 20 人。")
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "landing-01-apply.png"), full_page=True)
    page.locator("[data-testid=apply-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=timeline]")
    landing = Landing.objects.get()
    assert page.url.endswith(f"/network/landing/applications/{landing.pk}/")
    assert fits_width(page)

    landing_note(actor=world.operator, landing=landing, note="内部：创始人背景强")
    operator = _as(browser, base, world.operator)
    operator.goto(f"{base}/network/landing/pipeline/")
    assert operator.locator("[data-testid=landing-row]").count() == 1 and fits_width(operator)
    operator.screenshot(path=str(artifacts_dir / "landing-02-pipeline.png"), full_page=True)
    operator.locator("[data-testid=landing-row] a").first.click()
    operator.wait_for_selector("[data-testid=move-form]")
    operator.locator("#move_to_stage").select_option(LandingStage.SCREENING)
    operator.locator("#move_note").fill("请补充团队简历")
    operator.locator("[data-testid=move-form] button[type=submit]").click()
    operator.wait_for_selector(f"[data-testid=landing-stage]:has-text('{LandingStage.SCREENING.label}')")
    assert Landing.objects.get().stage == LandingStage.SCREENING and fits_width(operator)

    partner = _as(browser, base, world.contact)
    partner.goto(f"{base}/network/landing/referred/")
    partner.locator("[data-testid=landing-row] a").first.click()
    partner.wait_for_selector("[data-testid=timeline]")
    text = partner.locator("[data-testid=timeline]").inner_text()
    assert "请补充团队简历" in text and "创始人背景强" not in text
    assert fits_width(partner)
    partner.screenshot(path=str(artifacts_dir / "landing-03-partner.png"), full_page=True)
