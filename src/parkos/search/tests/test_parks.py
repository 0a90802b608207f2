"""One index across the portfolio, filterable by park; another park's restricted documents stay out of reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from parkos.core import policy
from parkos.core.models import Park
from parkos.core.parks import COOKIE, park_default
from parkos.search import selectors, services
from parkos.search.models import SearchDocument, Visibility
from parkos.search.registry import IndexDoc
from parkos.search.tests.factories import enterprise, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio() -> dict[str, Any]:
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B")
    cache.clear()  # the park list is cached; every test starts from the database
    park_a = park_default()
    ours = enterprise(name="甲园法务咨询有限公司", tags="法务")
    theirs = enterprise(name="乙园法务服务有限公司", tags="法务", park="b")
    person = member(display_name="欧阳法务", bio="专注法务")
    for kind, pk in (("enterprise", ours.pk), ("enterprise", theirs.pk), ("person", person.pk)):
        services.document_index(kind=kind, object_id=pk)
    return {"a": park_a, "b": park_b, "ours": ours, "theirs": theirs, "person": person}


def test_documents_carry_their_objects_park_and_portfolio_wide_content_none(portfolio: dict[str, Any]) -> None:
    park_of = dict(SearchDocument.objects.values_list("object_id", "park_id").filter(kind="enterprise"))
    assert park_of == {portfolio["ours"].pk: portfolio["a"].pk, portfolio["theirs"].pk: portfolio["b"].pk}
    assert SearchDocument.objects.get(kind="person").park_id is None  # people span the portfolio
    services.reindex(fresh=True, kinds=["enterprise", "person"])  # the reindex command keeps it
    assert dict(SearchDocument.objects.values_list("object_id", "park_id").filter(kind="enterprise")) == park_of


def test_the_api_filters_by_park_and_counts_per_park(portfolio: dict[str, Any]) -> None:
    client = Client()
    client.force_login(member())
    every = client.get("/api/v1/search", {"q": "法务"}).json()
    assert every["park"] is None and every["total"] == 3
    assert {p["code"]: p["count"] for p in every["parks"]} == {portfolio["a"].code: 1, "b": 1}
    only_b = client.get("/api/v1/search", {"q": "法务", "park": "b"}).json()
    assert only_b["park"] == "b"
    assert {h["title"] for h in only_b["hits"]} == {"乙园法务服务有限公司", "欧阳法务"}  # and portfolio-wide
    assert only_b["total"] == 2 and {f["kind"]: f["count"] for f in only_b["facets"]} == {"enterprise": 1,
                                                                                         "person": 1}
    by_id = client.get("/api/v1/search", {"q": "法务", "park": str(portfolio["a"].pk)}).json()
    assert "乙园法务服务有限公司" not in {h["title"] for h in by_id["hits"]}
    unknown = client.get("/api/v1/search", {"q": "法务", "park": "nowhere"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


def _restricted(park: Park | None, object_id: int) -> None:
    """A restricted document for the park's operators (as events and scenes index theirs)."""
    doc = IndexDoc(title=f"闭门法务会{object_id}", url=f"/events/{object_id}/", visibility=Visibility.AUDIENCE,
                   audience=["role:operator"])
    row = services.document_build(kind="event", object_id=object_id, doc=doc,
                                  park_id=park.pk if park is not None else None)
    services._write("event", [object_id], [row])


def test_another_parks_restricted_documents_never_reach_its_operators(portfolio: dict[str, Any]) -> None:
    _restricted(portfolio["a"], 1)
    _restricted(portfolio["b"], 2)
    _restricted(None, 3)  # portfolio-wide: for operators anywhere
    operator_a = member(roles=[(policy.OPERATOR, portfolio["a"])])
    operator_b = member(roles=[(policy.OPERATOR, portfolio["b"])])
    everywhere = member(roles=[policy.OPERATOR])

    def seen(user: Any, **kwargs: Any) -> set[str]:
        return {h.title for h in selectors.search(viewer=user, q="闭门", **kwargs).hits}

    assert seen(operator_a) == {"闭门法务会1", "闭门法务会3"}
    assert seen(operator_a, park=portfolio["b"]) == {"闭门法务会3"}  # the filter never widens what one may see
    assert seen(operator_b) == {"闭门法务会2", "闭门法务会3"}
    assert seen(everywhere) == {"闭门法务会1", "闭门法务会2", "闭门法务会3"}
    assert seen(member()) == set() and seen(None) == set()
    # Counts and facets never tell either.
    result = selectors.search(viewer=operator_a, q="闭门")
    assert result.total == 2 and [(p.code, n) for p, n in result.parks] == [(portfolio["a"].code, 1)]


def test_the_results_page_shows_the_park_facet_current_park_first(portfolio: dict[str, Any]) -> None:
    client = Client()
    client.force_login(member())
    client.cookies[COOKIE] = "b"
    response = client.get("/search/", {"q": "法务"})
    facets = response.context["park_facets"]
    assert [(p.code, n, current) for p, n, current in facets] == [("b", 1, True), (portfolio["a"].code, 1, False)]
    html = response.content.decode()
    assert 'aria-current="true">' in html and "park=b" in html
    assert response.context["result"].total == 3  # default: every park
    narrowed = client.get("/search/", {"q": "法务", "park": "b"})
    assert narrowed.context["result"].total == 2
    assert "甲园法务咨询有限公司" not in narrowed.content.decode()
    # The header's instant box is unchanged: every park.
    assert "甲园" in client.get("/search/suggest/", {"q": "法务"}).content.decode()


def test_park_facets_and_the_park_filter_add_no_query(portfolio: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = member(roles=[(policy.OPERATOR, portfolio["b"])])
    selectors.search(viewer=viewer, q="法务")  # warm the cached park list

    def queries(**kwargs: Any) -> int:
        fresh = type(viewer).objects.get(pk=viewer.pk)  # no per-request caches carried over
        with CaptureQueriesContext(connection) as ctx:
            selectors.search(viewer=fresh, q="法务", **kwargs)
        return len(ctx.captured_queries)

    every = queries()
    for n in range(3):  # more parks' documents: the same queries
        extra = enterprise(name=f"乙园第{n}法务所有限公司", tags="法务", park="b")
        services.document_index(kind="enterprise", object_id=extra.pk)
    assert queries() == every and queries(park=portfolio["b"]) == every
