"""A service's request form on a phone in Traditional Chinese and in English: the form's labels, its
choices, the materials and the provider read in the language chosen, and the enterprise's name is
never half translated. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from parkos.catalog.tests.factories import CategoryFactory, ProviderFactory, ServiceFactory
from parkos.catalog.tests.test_content_languages import FIELDS, MIXED
from parkos.conftest import fits_width, phone_page
from parkos.enterprises.tests.factories import IndustryFactory, enterprise_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_form_in_traditional_chinese_and_english(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    industry = IndustryFactory(code="ai-x", name_zh="人工智能", name_en="Artificial intelligence")
    _enterprise, admin = enterprise_with_admin(name="云启智能科技（北京）有限公司", name_en=MIXED, industry=industry)
    service = ServiceFactory(
        category=CategoryFactory(code="finance-x", name_zh="代理记账与申报", name_en="Bookkeeping and filings"),
        provider=ProviderFactory(name="北京账易通财务咨询有限公司", name_en="Zhangyitong Accounting"),
        name_zh="代理记账与纳税申报", name_en="Bookkeeping and tax filing",
        materials=["营业执照副本复印件", "银行对账单"], materials_en=["Copy of the business licence"], fields=FIELDS)
    base = live_server.url
    page = phone_page(browser, base, admin)
    seen = {}
    for language in ("zh-hant", "en"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
        page.goto(f"{base}/services/{service.pk}/")
        detail = page.locator("main").inner_text()
        page.screenshot(path=str(artifacts_dir / f"content-service-{language}.png"), full_page=True)
        page.locator('[data-action="request-service"]').click()
        page.wait_for_load_state()
        assert fits_width(page)
        page.screenshot(path=str(artifacts_dir / f"content-request-form-{language}.png"), full_page=True)
        seen[language] = detail + page.locator("main").inner_text() \
            + " ".join(page.locator("select option").all_inner_texts())
    hant, en = seen["zh-hant"], seen["en"]
    for text in ("代理記賬與納稅申報", "聯繫人及電話", "小規模納稅人", "營業執照副本複印件", "北京賬易通財務諮詢有限公司",
                 "雲啟智能科技（北京）有限公司"):
        assert text in hant, text
    for text in ("Bookkeeping and tax filing", "Contact person and phone", "Small-scale taxpayer",
                 "Copy of the business licence", "Zhangyitong Accounting", "云启智能科技（北京）有限公司"):
        assert text in en, text
    assert "云启 Technology" not in hant + en
