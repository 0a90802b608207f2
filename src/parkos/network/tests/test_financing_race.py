"""The same round submitted several times at once, for real (threads, each with its own database
connection): one record, every retry answered with it; the same round with other figures at once: one
wins, the others are told it is a duplicate."""

from __future__ import annotations

import datetime as dt

import pytest

from parkos.conftest import ensure_industries, storm
from parkos.core.errors import Conflict
from parkos.enterprises.tests.factories import enterprise_with_admin
from parkos.network.models import FinancingInvestor, FinancingRecord
from parkos.network.services.financing import financing_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_round_sent_at_once_is_recorded_once() -> None:
    ensure_industries()
    enterprise, admin = enterprise_with_admin()
    results = storm(6, lambda i: financing_record(actor=admin, enterprise=enterprise, round="a", amount="5000000",
                                                   announced_on=dt.date(2024, 4, 1), investors=[{"name": "甲资本"}]))
    assert all(isinstance(r, FinancingRecord) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert FinancingRecord.objects.count() == 1 and FinancingInvestor.objects.count() == 1


def test_one_round_with_different_figures_at_once_has_one_winner() -> None:
    ensure_industries()
    enterprise, admin = enterprise_with_admin()
    results = storm(4, lambda i: financing_record(actor=admin, enterprise=enterprise, round="b",
                                                   amount=str(1000 + i), announced_on=dt.date(2024, 4, 1)))
    won = [r for r in results if isinstance(r, FinancingRecord)]
    assert len(won) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "duplicate" for r in results if r not in won), results
    assert FinancingRecord.objects.get().amount_minor == won[0].amount_minor
