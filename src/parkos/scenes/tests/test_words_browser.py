"""Issue 15 on a 375 px phone: a proposal accepted into a deal, every button saying what it will do and
every flash what happened, the scene linking to its deal, and a colleague of the provider's enterprise
following the deal read-only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parkos.conftest import fits_width, phone_page
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.scenes.models import Deal
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "寻找试点客户：机器人巡检，两周内（北京）"


def _flash(page: Any) -> str:
    return str(page.locator("ul.messages").inner_text()).strip()


def _button(page: Any, action: str) -> Any:
    return page.locator(f"main [data-action={action}]").first


def test_accept_a_proposal_follow_the_deal_and_a_colleague_reads_it(live_server: Any, browser: Any,
                                                                    artifacts_dir: Path) -> None:
    base = live_server.url
    park_default()
    payer_enterprise, _ = enterprise_with_admin()
    provider_enterprise, _ = enterprise_with_admin()
    publisher = add_staff(payer_enterprise)
    responder = add_staff(provider_enterprise)
    colleague = add_staff(provider_enterprise)
    scene = SceneFactory(publisher=publisher, enterprise=payer_enterprise, title=TITLE, budget_fen=1_000_000)
    response = ResponseFactory(scene=scene, responder=responder, enterprise=provider_enterprise, price_fen=800_000)

    payer = phone_page(browser, base, publisher)
    payer.goto(f"{base}/scenes/responses/{response.pk}/")
    accept = _button(payer, "accept")
    assert accept.inner_text().strip() == "采纳此方案"
    accept.click()
    payer.locator("main button[type=submit]").click()  # the amount and one milestone come filled in
    payer.wait_for_url(re.compile(r"/scenes/deals/\d+/$"))
    deal = Deal.objects.get(response=response)
    assert _flash(payer) == f"方案已采纳，已生成交易 #{deal.pk}。双方可在此跟进。"
    assert payer.locator("#deal-status").inner_text().strip() == "交易进行中"
    payer.screenshot(path=str(artifacts_dir / "scenes-words-01-deal-made.png"), full_page=True)

    payer.goto(f"{base}/scenes/{scene.pk}/")
    assert payer.locator("main h1").inner_text().strip() == TITLE  # full-width punctuation as typed
    assert payer.locator("#scene-status").inner_text().strip() == "征集中"
    line = payer.locator(f"#scene-deals [data-deal='{deal.pk}']")
    assert "已成交" in line.inner_text() and "交易进行中" in line.inner_text()
    assert line.locator("a").get_attribute("href") == f"/scenes/deals/{deal.pk}/"
    assert fits_width(payer)
    payer.screenshot(path=str(artifacts_dir / "scenes-words-02-scene-links-deal.png"), full_page=True)

    provider = phone_page(browser, base, responder)
    provider.goto(f"{base}/scenes/deals/{deal.pk}/")
    # Ending the deal is folded, after the work: a dispute's button and reason show only when asked for.
    dispute = provider.locator('[data-fold="dispute"]')
    assert dispute.locator("summary").is_visible() and not _button(provider, "dispute").is_visible()
    assert dispute.bounding_box()["y"] > provider.locator("[data-milestone]").first.bounding_box()["y"]
    dispute.locator("summary").click()
    assert _button(provider, "dispute").is_visible()
    deliver = _button(provider, "deliver")
    assert deliver.inner_text().strip() == "确认交付"
    deliver.click()
    provider.wait_for_load_state()
    assert _flash(provider) == "已确认交付，等待发布方验收。"
    provider.screenshot(path=str(artifacts_dir / "scenes-words-03-delivered.png"), full_page=True)

    payer.goto(f"{base}/scenes/deals/{deal.pk}/")
    assert _button(payer, "accept").inner_text().strip() == "验收通过"
    _button(payer, "accept").click()
    payer.wait_for_load_state()
    assert _flash(payer) == "已验收通过。付款后请标记为已付款。"
    mark_paid = _button(payer, "mark_paid")
    assert mark_paid.inner_text().strip() == "标记为已付款"
    mark_paid.click()
    payer.wait_for_load_state()
    assert _flash(payer) == "已标记付款，等待对方确认收款。"
    assert payer.locator("[data-milestone] .badge").first.inner_text().strip() == "已验收"  # a status
    payer.screenshot(path=str(artifacts_dir / "scenes-words-04-marked-paid.png"), full_page=True)

    reader = phone_page(browser, base, colleague)
    reader.goto(f"{base}/scenes/{scene.pk}/")
    reader.locator(f"#scene-deals [data-deal='{deal.pk}'] a").click()
    reader.wait_for_url(re.compile(rf"/scenes/deals/{deal.pk}/$"))
    assert reader.locator("#deal-read-only").is_visible()
    assert reader.locator("main [data-action]").count() == 0
    assert fits_width(reader)
    reader.screenshot(path=str(artifacts_dir / "scenes-words-05-colleague-reads.png"), full_page=True)
    reader.locator("#deal-read-only").evaluate("note => note.scrollIntoView({block: 'center'})")  # above the tab bar
    reader.screenshot(path=str(artifacts_dir / "scenes-words-06-colleague-read-only-note.png"))
    assert reader.locator("#deal-scene").inner_text().strip() == f"来自场景：{TITLE}"
    for page in (payer, provider, reader):
        page.context.close()
