"""A double request at once makes one introduction: the same request retried (same key) from two
connections, and two different requests (different keys) for the same pair, each in threads with their
own database connection. One introduction, one service order."""

from __future__ import annotations

import pytest

from parkos.catalog.models import ServiceOrder
from parkos.conftest import storm
from parkos.core.errors import Conflict, ErrorCode
from parkos.network.models import Introduction
from parkos.network.services.introductions import introduction_ask
from parkos.network.tests.test_intros_fixtures import world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_retried_request_at_once_makes_one_introduction() -> None:
    w = world()
    results = storm(6, lambda i: introduction_ask(actor=w["admin"], enterprise=w["enterprise"],
                                                   investor=w["investor"], message="想认识您", idempotency_key="same"))
    assert all(isinstance(r, tuple) for r in results), results
    assert len({r[0].pk for r in results}) == 1 and sum(1 for r in results if r[1]) == 1
    assert Introduction.objects.count() == 1 and ServiceOrder.objects.count() == 1


def test_two_requests_for_one_pair_at_once_make_one_introduction() -> None:
    w = world()
    results = storm(6, lambda i: introduction_ask(actor=w["admin"], enterprise=w["enterprise"],
                                                   investor=w["investor"], message="想认识您", idempotency_key=f"k{i}"))
    made = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 5, results
    assert all(r.code == ErrorCode.DUPLICATE for r in refused)
    assert Introduction.objects.count() == 1 and ServiceOrder.objects.count() == 1
