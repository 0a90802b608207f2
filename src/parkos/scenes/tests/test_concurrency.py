"""A double-submitted acceptance makes one deal, even when both requests arrive at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from parkos.core.models import LedgerOperation
from parkos.scenes import services
from parkos.scenes.models import Deal, DealEvent, Milestone
from parkos.scenes.tests.factories import ResponseFactory, make_deal


@pytest.mark.django_db(transaction=True)
def test_double_submitted_acceptance_makes_one_deal() -> None:
    response = ResponseFactory()
    publisher = response.scene.publisher
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def accept() -> None:
        try:
            barrier.wait()
            deal = services.response_accept(actor=publisher, response=response, amount="18000",
                                            milestones=[{"title": "一期", "amount": "8000"},
                                                        {"title": "二期", "amount": "10000"}])
            results.append(deal.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(results)) == 1 and len(results) == 4
    assert Deal.objects.count() == 1
    assert Milestone.objects.count() == 2
    assert LedgerOperation.objects.filter(kind="scenes.deal.create").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_count_once() -> None:
    deal = make_deal(milestones=(5000,))
    m = deal.milestones.get()
    services.milestone_act(actor=deal.publisher, deal=deal, milestone_id=m.pk, action="mark_paid")
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def confirm() -> None:
        try:
            barrier.wait()
            services.milestone_act(actor=deal.provider, deal=deal, milestone_id=m.pk, action="confirm_paid")
            outcomes.append("ok")
        except Exception as error:
            outcomes.append(type(error).__name__)
            errors.append(repr(error))
        finally:
            connection.close()

    errors: list[str] = []
    threads = [threading.Thread(target=confirm) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1 and outcomes.count("Conflict") == 2, errors
    assert Deal.objects.get(pk=deal.pk).paid_fen == 5000
    assert DealEvent.objects.filter(action="confirm_paid").count() == 1
