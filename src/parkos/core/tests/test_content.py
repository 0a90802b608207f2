"""Content in three languages (core/content.py): zh-Hans as stored, zh-Hant converted by OpenCC where no
Traditional text was written, English where written and else the original whole, and every conversion
cached."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from parkos.core import content
from parkos.core.content import localized, localized_key, localized_list, to_hant


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    to_hant.cache_clear()
    yield
    to_hant.cache_clear()


def test_zh_hans_is_the_stored_text() -> None:
    with translation.override("zh-hans"):
        assert localized("软件著作权登记", "Software copyright registration") == "软件著作权登记"
        assert localized("软件著作权登记", "", "軟體") == "软件著作权登记"


def test_zh_hant_converts_where_nothing_traditional_was_written() -> None:
    with translation.override("zh-hant"):
        assert localized("软件著作权登记", "Software copyright registration") == "軟件著作權登記"
        # Characters, not Taiwanese phrasing (s2tw, as the message catalogs): 代码 stays 代碼.
        assert localized("源代码") == "源代碼"
        assert localized("软件", hant="軟體") == "軟體"
        assert localized("GPU 算力") == "GPU 算力"
        assert localized("") == ""


def test_english_uses_the_english_field_else_the_original_whole() -> None:
    with translation.override("en"):
        assert localized("软件著作权登记", "Software copyright registration") == "Software copyright registration"
        assert localized("软件著作权登记", "") == "软件著作权登记"
        # A half translation is no translation: the Chinese name shows whole.
        assert localized("云启智能科技（北京）有限公司", "云启 Technology Co., Ltd.") == "云启智能科技（北京）有限公司"
        assert localized("", "Only English") == "Only English"


def test_specs_and_lists() -> None:
    spec = {"name": "contact", "label": "联系人及电话", "label_en": "Contact person and phone"}
    with translation.override("en"):
        assert localized_key(spec, "label") == "Contact person and phone"
        assert localized_key({"name": "x"}, "label", "x") == "x"
        assert localized_list(["护照", "学历证明"], ["Passport"]) == ["Passport", "学历证明"]
    with translation.override("zh-hant"):
        assert localized_key(spec, "label") == "聯繫人及電話"
        assert localized_list(["护照", "学历证明"], ["Passport"]) == ["護照", "學歷證明"]
    with translation.override("zh-hans"):
        assert localized_list(["护照"], None) == ["护照"]


def test_template_filter_and_tag() -> None:
    template = Template('{% load parkos_content %}{{ text|hant }}|{% localized spec "label" %}')
    context = Context({"text": "<b>园区</b>", "spec": {"label": "技术领域", "label_en": "Technical field"}})
    with translation.override("zh-hant"):
        assert template.render(context) == "&lt;b&gt;園區&lt;/b&gt;|技術領域"
    with translation.override("en"):
        assert template.render(context) == "&lt;b&gt;园区&lt;/b&gt;|Technical field"


def test_each_distinct_string_is_converted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = content._convert

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(content, "_convert", counting)
    with translation.override("zh-hant"):
        for _ in range(50):
            assert localized("法律服务") == "法律服務"
            localized("知识产权")
            localized("ASCII only")
    assert sorted(calls) == ["法律服务", "知识产权"]
