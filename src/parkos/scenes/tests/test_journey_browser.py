"""A scene from publication to a completed deal, in a real browser, as the publisher and the
responder in two separate sessions: publish, respond, ask in the private thread, accept with two
milestones, deliver, accept, mark paid, confirm, review each other."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.core import ledger
from parkos.scenes.models import Deal, Review, Scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    main = page.locator("main")
    main.locator("#id_login").fill(email)
    main.locator("#id_password").fill(PASSWORD)
    main.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    return page


def _act(page: Any, action: str) -> None:
    page.locator(f"main button[data-action={action}]").first.click()
    page.wait_for_load_state()


def test_scene_to_completed_deal_in_the_browser(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    publisher_user = UserFactory(email="publisher@example.cn", display_name="刘博")
    provider_user = UserFactory(email="provider@example.cn", display_name="王雨桐")
    publisher = _login(browser, base, "publisher@example.cn")
    provider = _login(browser, base, "provider@example.cn")

    publisher.goto(base + "/scenes/new/")
    form = publisher.locator("main form")
    form.locator("#id_kind").select_option("launch")
    form.locator("#id_title").fill("产品发布会需要场地与200位观众")
    form.locator("#id_description").fill("十二月中旬，半天，需要音响与签到。")
    form.locator("#id_budget").fill("30000")
    form.locator("button[name=publish]").click()
    publisher.wait_for_url(re.compile(r"/scenes/\d+/$"))
    scene = Scene.objects.get(publisher=publisher_user)
    assert scene.status == Scene.Status.OPEN
    publisher.screenshot(path=str(artifacts_dir / "scenes-01-published.png"), full_page=True)

    provider.goto(base + "/scenes/")
    provider.locator(f"[data-scene='{scene.pk}'] a").first.click()
    provider.locator("#respond #id_price").fill("10000")
    provider.locator("#respond #id_plan").fill("C2 会议中心报告厅，可容纳 220 人。")
    provider.locator("#respond button[type=submit]").click()
    provider.wait_for_url(re.compile(r"/scenes/responses/\d+/$"))
    response_url = provider.url

    publisher.goto(base + f"/scenes/{scene.pk}/")
    publisher.locator("#responses [data-response] a").first.click()
    publisher.locator("#thread #id_body").fill("能提供同传设备吗？")
    publisher.locator("#thread button[type=submit]").click()
    publisher.locator("#thread .thread").wait_for()
    provider.goto(response_url)
    assert "能提供同传设备吗？" in provider.locator("#thread").inner_text()
    # An outsider cannot open the thread.
    outsider = _login(browser, base, UserFactory().email)
    assert outsider.goto(response_url).status == 404

    publisher.goto(response_url)
    publisher.locator("main a[data-action=accept]").click()
    publisher.locator("#id_amount").fill("10000")
    publisher.locator("#id_m1_title").fill("场地确认")
    publisher.locator("#id_m1_amount").fill("4000")
    publisher.locator("#id_m2_title").fill("活动执行")
    publisher.locator("#id_m2_amount").fill("5000")  # does not add up: refused
    publisher.locator("main button[type=submit]").click()
    assert publisher.locator(".form-error").count() == 1 and not Deal.objects.exists()
    publisher.locator("#id_m2_amount").fill("6000")
    publisher.locator("main button[type=submit]").click()
    publisher.wait_for_url(re.compile(r"/scenes/deals/\d+/$"))
    deal = Deal.objects.get()
    deal_url = publisher.url

    provider.goto(deal_url)
    for _ in range(2):
        _act(provider, "deliver")
    publisher.goto(deal_url)
    for _ in range(2):
        _act(publisher, "accept")
        _act(publisher, "mark_paid")
    provider.goto(deal_url)
    for _ in range(2):
        _act(provider, "confirm_paid")
    assert provider.locator("[data-deal-status]").get_attribute("data-deal-status") == "completed"
    deal.refresh_from_db()
    assert deal.status == Deal.Status.COMPLETED and deal.paid_fen == 1_000_000

    for page, rating, text in ((publisher, "5", "专业准时"), (provider, "4", "付款及时")):
        page.goto(deal_url)
        page.locator("#reviews #id_rating").select_option(rating)
        page.locator("#reviews #id_text").fill(text)
        page.locator("#reviews button[type=submit]").click()
        page.wait_for_load_state()
    assert Review.objects.count() == 2
    provider.screenshot(path=str(artifacts_dir / "scenes-02-deal-completed.png"), full_page=True)
    provider.goto(base + "/scenes/proposals/")
    assert provider.locator(".scene-reputation").get_attribute("data-reviews") == "1"
    assert ledger.ledger_check().ok
    assert provider_user.pk == deal.provider_id
    for p in (publisher, provider, outsider):
        p.context.close()
