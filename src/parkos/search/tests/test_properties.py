"""Generated Unicode never breaks the query pipeline or the engine."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkos.search import services
from parkos.search.selectors import search
from parkos.search.tests.factories import enterprise
from parkos.search.text import fts5_query, highlight, parse_query, segment, tsquery

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
PARK_TEXT = st.text(alphabet=st.sampled_from(list('思灵法务財稅ab Z"*-():^NEAR OR AND　，。!?\'%_;')), max_size=60)


@given(TEXT)
def test_parse_query_yields_only_safe_terms(raw: str) -> None:
    parsed = parse_query(raw)
    for term in parsed.terms:
        assert term.text and all(ch.isalnum() for ch in term.text)
    assert fts5_query(parsed).count('"') % 2 == 0
    assert "'" not in "".join(t.text for t in parsed.terms)
    assert tsquery(parsed) is not None


@given(TEXT, TEXT)
def test_highlight_never_lets_markup_through(text: str, q: str) -> None:
    html = str(highlight(text, parse_query(q).highlight_words, width=80))
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")


@given(TEXT)
def test_segment_never_fails(text: str) -> None:
    assert isinstance(segment(text, whole=[text[:10]]), str)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.one_of(TEXT, PARK_TEXT))
def test_search_answers_any_unicode(q: str) -> None:
    result = search(viewer=None, q=q)
    assert result.total >= 0
    assert result.message is None or "fts5" not in str(result.message).lower()


@pytest.mark.django_db
def test_search_over_indexed_docs_with_generated_queries() -> None:
    ent = enterprise(name="思灵法务财税有限公司", tags="法务, 财税", description='含 "引号" 与 *星号* NEAR(x)')
    services.document_index(kind="enterprise", object_id=ent.pk)

    @settings(max_examples=150, deadline=None)
    @given(PARK_TEXT)
    def run(q: str) -> None:
        assert search(viewer=None, q=q).total in (0, 1)

    run()
