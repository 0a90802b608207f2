from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parkos.search import services
from parkos.search.tests.factories import enterprise
from parkos.search.tests.test_api import BAD_INPUTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed() -> Any:
    ent = enterprise(name="北京思灵机器人有限公司", short_name="思灵机器人", tags="法务",
                     description="研发 & 销售 协作机器人")
    services.document_index(kind="enterprise", object_id=ent.pk)
    return ent


def test_results_page_with_facets_and_highlight(indexed: Any) -> None:
    html = Client().get("/search/", {"q": "思靈"}).content.decode()
    assert "<mark>思灵</mark>" in html
    assert 'class="facet' in html
    assert "研发 &amp; 销售" in html


def test_document_text_is_escaped_on_the_page() -> None:
    from parkos.search.registry import IndexDoc

    row = services.document_build(kind="service", object_id=7, doc=IndexDoc(
        title="<img src=x onerror=alert(1)>法务", url="/x/", body="<script>alert(1)</script> 法务"))
    services._write("service", [7], [row])
    html = Client().get("/search/", {"q": "法务"}).content.decode()
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_htmx_gets_the_results_block_only(indexed: Any) -> None:
    html = Client().get("/search/", {"q": "法务"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "北京思灵机器人有限公司" in html.replace("<mark>", "").replace("</mark>", "")


def test_header_box_instant_results(indexed: Any) -> None:
    html = Client().get("/search/suggest/", {"q": "思灵"}).content.decode()
    assert 'href="/enterprises/' in html
    assert Client().get("/search/suggest/", {"q": ""}).content.decode().strip() == ""


def test_every_page_has_the_header_search_box() -> None:
    html = Client().get("/").content.decode()
    assert 'id="topsearch-q"' in html and 'action="/search/"' in html


def test_nothing_found_and_did_you_mean(indexed: Any) -> None:
    services.document_index(kind="enterprise", object_id=enterprise(name="Agile Robots 有限公司").pk)
    html = Client().get("/search/", {"q": "robts"}).content.decode()
    assert "?q=robot" in html


@pytest.mark.parametrize("q", BAD_INPUTS)
def test_bad_input_pages_render(indexed: Any, q: str) -> None:
    for url in ("/search/", "/search/suggest/"):
        response = Client().get(url, {"q": q, "page": "x"})
        assert response.status_code == 200


def test_results_read_traditional_in_zh_hant_with_their_highlight(indexed: Any) -> None:
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-hant").get("/search/", {"q": "思灵"},
                                                       headers={"Cookie": "django_language=zh-hant"}).content.decode()
    assert "<mark>思靈</mark>機器人" in html and "思灵机器人" not in html.split("<main")[-1].split("</main>")[0]
    assert "研發 &amp; 銷售" in html  # converted, still escaped
