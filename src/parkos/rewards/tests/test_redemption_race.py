"""The issue's race: 50 cashiers' requests redeem ONE coupon at the same moment, each with its own key and
its own database connection (threads), on whichever database the suite runs on (SQLite in embedded mode,
PostgreSQL with DATABASE_URL). Exactly one succeeds, the other 49 are told it is already used, and the
ledger records one redemption. Then 20 retries of one request with one key make one redemption."""

from __future__ import annotations

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import storm
from parkos.core import ledger
from parkos.core.errors import DomainError, ErrorCode
from parkos.rewards.codes import coupon_code_current
from parkos.rewards.models import Coupon, RedeemedCoupon, Redemption
from parkos.rewards.services import postings
from parkos.rewards.services.redemption import redemption_create
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of, issue

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_concurrent_redemptions_of_one_coupon_succeed_once() -> None:
    merchant = MerchantFactory(name="园区食堂")
    cashiers = [cashier_of(merchant) for _ in range(5)]
    [coupon] = issue(TemplateFactory(value_fen=2000), UserFactory())
    code = coupon_code_current(code=coupon.code, owner_id=coupon.owner_id)

    results = storm(50, lambda i: redemption_create(
        actor=cashiers[i % 5], merchant=merchant, bill_fen=3000, key=f"race-{i}", channel="merchant_scan",
        scanned=[code]))

    won = [r for r in results if isinstance(r, Redemption)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1, results
    assert len(lost) == 49 and {e.code for e in lost} == {ErrorCode.COUPON_USED}, {repr(r) for r in results}
    assert Redemption.objects.count() == 1 and RedeemedCoupon.objects.filter(active=True).count() == 1
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.USED
    assert ledger.balance(merchant, postings.PAYABLE) == 2000
    assert ledger.ledger_check().ok


def test_twenty_retries_with_one_key_make_one_redemption() -> None:
    merchant = MerchantFactory(name="园区咖啡")
    cashier = cashier_of(merchant)
    [coupon] = issue(TemplateFactory(value_fen=1500), UserFactory())
    code = coupon_code_current(code=coupon.code, owner_id=coupon.owner_id)

    results = storm(20, lambda i: redemption_create(actor=cashier, merchant=merchant, bill_fen=2000,
                                                     key="double-tap-1", channel="merchant_scan", scanned=[code]))

    # Every request answers with the one redemption: one that lost the race to the first finds the
    # coupon used, and then the key's redemption.
    assert all(isinstance(r, Redemption) for r in results), {repr(r) for r in results}
    ids = {r.pk for r in results}
    assert len(ids) == 1
    assert Redemption.objects.count() == 1
    assert ledger.balance(merchant, postings.PAYABLE) == 1500
    # Once it is done, a retry always gets the redemption back.
    again = redemption_create(actor=cashier, merchant=merchant, bill_fen=2000, key="double-tap-1",
                              channel="merchant_scan", scanned=[code])
    assert again.pk in ids
