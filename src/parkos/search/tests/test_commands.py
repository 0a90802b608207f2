from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from parkos.search.models import ParkTerm, ReindexProgress, SearchDocument
from parkos.search.selectors import search
from parkos.search.tests.factories import enterprise, member
from parkos.search.text import bump_dictionary_version, parse_query, segment

pytestmark = pytest.mark.django_db


def test_search_reindex_command_builds_the_index_with_progress() -> None:
    enterprise(name="东升杯智能有限公司")
    member(display_name="诸葛亮")
    SearchDocument.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    call_command("search-reindex", stdout=out, stderr=err)
    assert "enterprise: 1," in out.getvalue() and "person: 2" in out.getvalue()
    assert "enterprise" in err.getvalue() and "100%" in err.getvalue()
    from parkos.search.registry import SOURCES

    assert ReindexProgress.objects.filter(done=True).count() == len(SOURCES)  # one per registered kind
    assert search(viewer=None, q="东升杯").total == 1
    call_command("search-reindex", "--kind", "person", "--no-progress", stdout=io.StringIO())


def test_operator_terms_extend_the_dictionary() -> None:
    assert "园区星光计划" not in segment("参加园区星光计划").split()
    ParkTerm.objects.create(term="园区星光计划")
    bump_dictionary_version()
    assert "园区星光计划" in segment("参加园区星光计划").split()
    assert [t.text for t in parse_query("园区星光计划").terms] == ["园区星光计划"]
    ParkTerm.objects.all().delete()
    bump_dictionary_version()


def test_search_runs_a_fixed_number_of_queries(django_assert_max_num_queries: object) -> None:
    from parkos.search import services

    for i in range(15):
        services.document_index(kind="enterprise", object_id=enterprise(name=f"法务服务{i}有限公司").pk)
    viewer = member()
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        result = search(viewer=viewer, q="法务")
    assert result.total == 15 and len(result.hits) == 10
