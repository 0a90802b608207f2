"""The catalog's content in three languages: a service page and its request form in zh-Hans (as stored),
zh-Hant (converted by OpenCC where nothing Traditional was written) and English (the English fields, else
the Chinese whole: never "云启 Technology Co., Ltd."); each distinct string is converted once per
process, and no language costs a query more."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from parkos.catalog.services.catalog import fields_validate, materials_en_validate
from parkos.catalog.tests.factories import CategoryFactory, ProviderFactory, ServiceFactory
from parkos.core import content
from parkos.enterprises.tests.factories import IndustryFactory, enterprise_with_admin

pytestmark = pytest.mark.django_db

MIXED = "云启 Technology Co., Ltd."
FIELDS = [
    {"name": "contact", "label": "联系人及电话", "label_en": "Contact person and phone", "type": "text",
     "required": True},
    {"name": "taxpayer_type", "label": "纳税人类型", "label_en": "Taxpayer type", "type": "choice", "required": True,
     "choices": ["小规模纳税人", "一般纳税人"], "choices_en": ["Small-scale taxpayer", "General taxpayer"]},
    {"name": "summary", "label": "补充说明", "type": "textarea", "required": False},  # no English written
]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    industry = IndustryFactory(code="ai-x", name_zh="人工智能", name_en="Artificial intelligence")
    enterprise, admin = enterprise_with_admin(name="云启智能科技（北京）有限公司", name_en=MIXED, industry=industry)
    category = CategoryFactory(code="finance-x", name_zh="代理记账与申报", name_en="Bookkeeping and filings")
    provider = ProviderFactory(name="北京账易通财务咨询有限公司", name_en="Zhangyitong Accounting")
    service = ServiceFactory(
        category=category, provider=provider, name_zh="代理记账与纳税申报", name_en="Bookkeeping and tax filing",
        description_zh="按月记账、报税。", description_en="Monthly books and tax returns.",
        materials=["营业执照副本复印件", "银行对账单"], materials_en=["Copy of the business licence"],
        fields=FIELDS, tags=["财税"])
    return {"enterprise": enterprise, "admin": admin, "service": service, "industry": industry}


def _get(user: Any, url: str, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_service_page_and_form_in_three_languages(world: dict[str, Any]) -> None:
    service, admin = world["service"], world["admin"]
    pages = {lang: _get(admin, reverse("catalog:service_detail", args=[service.pk]), lang)
             + _get(admin, reverse("catalog:order_create", args=[service.pk]), lang)
             for lang in ("zh-hans", "zh-hant", "en")}

    hans = pages["zh-hans"]
    for text in ("代理记账与纳税申报", "联系人及电话", "小规模纳税人", "营业执照副本复印件", "北京账易通财务咨询有限公司",
                 "云启智能科技（北京）有限公司", "#财税"):
        assert text in hans

    hant = pages["zh-hant"]
    for text in ("代理記賬與納稅申報", "代理記賬與申報", "聯繫人及電話", "納稅人類型", "小規模納稅人", "補充說明",
                 "營業執照副本複印件", "銀行對賬單", "北京賬易通財務諮詢有限公司", "雲啟智能科技（北京）有限公司",
                 "按月記賬、報稅。", "#財稅"):
        assert text in hant, text
    for text in ("联系人及电话", "营业执照副本复印件", "云启智能科技", "代理记账"):
        assert text not in hant, text

    en = pages["en"]
    for text in ("Bookkeeping and tax filing", "Bookkeeping and filings", "Contact person and phone", "Taxpayer type",
                 "Small-scale taxpayer", "Copy of the business licence", "Zhangyitong Accounting",
                 "Monthly books and tax returns."):
        assert text in en, text
    # Where no English was written the original shows whole: the label, the material and the enterprise.
    for text in ("补充说明", "银行对账单", "云启智能科技（北京）有限公司"):
        assert text in en, text
    # The choice's value is still the stored Chinese (what the service checks answers against).
    assert 'value="小规模纳税人"' in en
    for page in pages.values():
        assert MIXED not in page and "云启 Technology" not in page


def test_industry_and_enterprise_names(world: dict[str, Any]) -> None:
    industry, enterprise = world["industry"], world["enterprise"]
    with translation.override("zh-hant"):
        assert industry.name == "人工智能" and enterprise.display_name == "雲啟智能科技（北京）有限公司"
    with translation.override("en"):
        assert industry.name == "Artificial intelligence" and enterprise.display_name == "云启智能科技（北京）有限公司"
        enterprise.name_en = "Yunqi Intelligent Technology (Beijing) Co., Ltd."
        assert enterprise.display_name == enterprise.name_en


def test_english_of_form_fields_and_materials_is_kept_by_the_checks() -> None:
    clean = fields_validate(FIELDS)
    assert clean[0]["label_en"] == "Contact person and phone"
    assert clean[1]["choices_en"] == ["Small-scale taxpayer", "General taxpayer"]
    assert "label_en" not in clean[2] and "choices_en" not in clean[0]
    assert materials_en_validate(["Passport", " ", ""]) == ["Passport"]
    assert materials_en_validate(["", "Passport"]) == ["", "Passport"]


def test_the_list_converts_each_string_once_and_costs_no_query(world: dict[str, Any],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    category, provider = world["service"].category, world["service"].provider
    for n in range(24):
        ServiceFactory(category=category, provider=provider, name_zh=f"代理记账服务{n % 4}", name_en="",
                       description_zh="按月记账、报税。")
    calls: list[str] = []
    real = content._convert

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(content, "_convert", counting)
    content.to_hant.cache_clear()
    admin = world["admin"]
    queries = {}
    for lang in ("zh-hans", "zh-hant", "en", "zh-hant"):
        client = Client()
        client.force_login(admin)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        client.get("/services/")  # warm the per-process caches (park, nav) before counting
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/services/").content.decode()
        queries[lang] = len(captured)
        if lang == "zh-hant":
            assert "代理記賬服務0" in html and "北京賬易通財務諮詢有限公司" in html
    assert len(calls) == len(set(calls)), [c for c in set(calls) if calls.count(c) > 1]
    assert "代理记账服务0" in calls and "按月记账、报税。" in calls
    assert queries["zh-hant"] == queries["zh-hans"] == queries["en"]


def test_a_demo_catalog_seeded_before_the_english_gets_it_once(world: dict[str, Any]) -> None:
    from parkos.catalog import catalog_data
    from parkos.catalog.demo import _add_english, _without_english
    from parkos.catalog.models import Service

    spec = next(s for s in catalog_data.services() if s.materials and any("choices_en" in f for f in s.fields))
    old = ServiceFactory(code=spec.code, materials=spec.materials, materials_en=[], fields=_without_english(spec.fields))
    edited = ServiceFactory(code="edited-x", materials=["自备材料"], materials_en=[], fields=[])
    added: dict[str, int] = {}
    _add_english([spec, catalog_data.ServiceSpec(**{**spec.__dict__, "code": "edited-x"})], added)
    old.refresh_from_db()
    assert old.materials_en == spec.materials_en and old.fields == spec.fields and added["catalog_services_english"] == 1
    assert Service.objects.get(pk=edited.pk).materials_en == []  # an operator's own materials stay as they are
    with translation.override("en"):
        assert all(label for label in old.materials_display) and old.materials_display[0] != spec.materials[0]
    _add_english([spec], added := {})
    assert added == {}
