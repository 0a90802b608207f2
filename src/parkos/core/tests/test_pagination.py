"""The capped paginator counts at most its cap and says so; under the cap it is Django's paginator."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory
from parkos.core.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


def test_counts_no_further_than_the_cap_and_says_there_is_more() -> None:
    UserFactory.create_batch(9)
    qs = User.objects.order_by("pk")
    pages = CappedPaginator(qs, 2, cap_pages=3)
    with CaptureQueriesContext(connection) as queries:
        assert pages.count == 7  # the cap (6) and one more: "more than six"
    assert "LIMIT 7" in queries.captured_queries[0]["sql"]
    assert pages.capped and pages.num_pages == 3
    last = pages.get_page(99)
    assert last.number == 3 and not last.has_next() and len(last.object_list) == 2
    with translation.override("en"):
        html = render_to_string("core/_pagination.html", {"page": last})
    assert "Page 3 of 3+" in html and "Narrow the list" in html


def test_under_the_cap_it_is_an_ordinary_paginator() -> None:
    UserFactory.create_batch(5)
    pages = CappedPaginator(User.objects.order_by("pk"), 2, cap_pages=3)
    assert pages.count == 5 and not pages.capped and pages.num_pages == 3
    with translation.override("en"):
        html = render_to_string("core/_pagination.html", {"page": pages.get_page(3)})
    assert "Page 3 of 3<" in html.replace("</span>", "<") and "+" not in html
