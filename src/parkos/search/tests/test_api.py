from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parkos.accounts.services import token_create
from parkos.search import services
from parkos.search.tests.factories import enterprise, member

pytestmark = pytest.mark.django_db

BAD_INPUTS = [
    # "法" * 400: well past the query cap, yet within the URL limit (longer URLs get the 414 envelope).
    "", "   ", "法" * 400, "!!!", "？？？……", '"', '"""', "*", "思*", "NEAR", "NEAR(思灵 法务)", "-", "--", "- 法务",
    "a OR b", "AND", "'; DROP TABLE search_document; --", "1' OR '1'='1", "思灵 robots 機器人 ＡＢＣ", "\x00\x01",
    "🤖🏭", "^", "col:思灵", "title_seg:法务", "{title_seg}: x", "\u202e思灵", "ﬁ", "%", "_",
]


@pytest.fixture
def park() -> dict[str, Any]:
    alice = member(display_name="欧阳法务", bio="专注法务")
    ent = enterprise(name="北京思灵机器人有限公司", short_name="思灵机器人", tags="法务, 协作机器人",
                     name_en="Agile Robots (Beijing) Co., Ltd.")
    services.document_index(kind="enterprise", object_id=ent.pk)
    services.document_index(kind="person", object_id=alice.pk)
    return {"alice": alice, "ent": ent}


def test_anonymous_sees_public_hits_only(park: dict[str, Any]) -> None:
    body = Client().get("/api/v1/search", {"q": "法务"}).json()
    assert [h["kind"] for h in body["hits"]] == ["enterprise"]
    assert body["facets"] == [{"kind": "enterprise", "label": body["facets"][0]["label"], "count": 1}]
    assert "<mark>" in body["hits"][0]["title_html"] or "<mark>" in body["hits"][0]["snippet_html"]


def test_member_sees_people_with_facets_and_kind_filter(park: dict[str, Any]) -> None:
    client = Client()
    client.force_login(member())
    body = client.get("/api/v1/search", {"q": "法务"}).json()
    assert body["total"] == 2
    assert {f["kind"] for f in body["facets"]} == {"enterprise", "person"}
    only = client.get("/api/v1/search", {"q": "法务", "kind": "person"}).json()
    assert [h["title"] for h in only["hits"]] == ["欧阳法务"]
    assert only["total"] == 1


def test_token_auth_sees_people(park: dict[str, Any]) -> None:
    _token, raw = token_create(actor=member(), name="script")
    body = Client().get("/api/v1/search", {"q": "欧阳"}, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert [h["title"] for h in body["hits"]] == ["欧阳法务"]
    bad = Client().get("/api/v1/search", {"q": "欧阳"}, HTTP_AUTHORIZATION="Bearer pk_nope").json()
    assert bad["hits"] == []


@pytest.mark.parametrize("q", BAD_INPUTS)
def test_bad_input_gives_a_clean_answer(park: dict[str, Any], q: str) -> None:
    response = Client().get("/api/v1/search", {"q": q})
    assert response.status_code == 200, response.content
    body = response.json()
    assert isinstance(body["hits"], list)
    text = str(body).lower()
    assert "fts5" not in text and "syntax" not in text and "tsquery" not in text


def test_empty_and_punctuation_explain_themselves(park: dict[str, Any]) -> None:
    assert Client().get("/api/v1/search", {"q": ""}).json()["message"]
    assert Client().get("/api/v1/search", {"q": "？？"}).json()["message"]
    long = Client().get("/api/v1/search", {"q": "法务" * 200}).json()
    assert long["message"] and len(long["query"]) == 100


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "-3"}, {"page": "99999999"}, {"kind": "<script>"},
                                    {"kind": "nope"}, {"sort": "drop"}])
def test_odd_parameters_are_clamped(park: dict[str, Any], params: dict[str, str]) -> None:
    response = Client().get("/api/v1/search", {"q": "法务", **params})
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert response.json()["code"] == "invalid"


def test_openapi_lists_search() -> None:
    assert "/api/v1/search" in Client().get("/api/openapi.json").json()["paths"]
