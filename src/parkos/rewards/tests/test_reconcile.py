"""The ledger reconciler: consistent data (issue, redeem, reverse, expire, revoke, settle through the real
services) passes; a tampered row of any kind is reported."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.ledger import ledger_check
from parkos.core.parks import park_default
from parkos.rewards.models import Coupon, CouponTemplate, RedeemedCoupon, Redemption, Settlement
from parkos.rewards.services.reconcile import reconcile
from parkos.rewards.services.redemption import redemption_create, redemption_reverse
from parkos.rewards.services.settlements import settlement_close
from parkos.rewards.services.wallet import coupon_revoke, coupons_expire
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def books() -> dict[str, Any]:
    operator = UserFactory(roles=[(Role.OPERATOR, park_default())])
    a, b, c, d = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    canteen, cafe = MerchantFactory(name="职工食堂"), MerchantFactory(name="园区咖啡", category="cafe")
    late = TemplateFactory(name="加班券")
    percent = TemplateFactory(name="咖啡八折券", kind="percent_off", percent_off=20, value_fen=1000)
    short = TemplateFactory(name="一日券", valid_days=1, value_fen=500)
    past = timezone.now() - dt.timedelta(days=3)
    ca, cb, cc, cd = issue(late, a, b, c, d, reason="late")
    (pa,) = issue(percent, a, reason="coffee")
    issue(short, b, reason="short")
    # Three days ago: a paid at the canteen, then the canteen's statement closed for that day.
    early = Coupon.objects.filter(pk=ca.pk)
    early.update(valid_from=past - dt.timedelta(hours=1), issued_at=past - dt.timedelta(hours=1))
    redemption_create(actor=a, merchant=canteen, bill_fen=3000, key="r1", channel="member_scan", coupon_ids=[ca.pk],
                      now=past)
    day = timezone.localdate(past)
    settlement = settlement_close(actor=operator, merchant=canteen, period_start=day, period_end=day)
    redemption_create(actor=b, merchant=canteen, bill_fen=1500, key="r2", channel="member_scan", coupon_ids=[cb.pk])
    redemption_create(actor=a, merchant=cafe, bill_fen=3000, key="r3", channel="member_scan", coupon_ids=[pa.pk])
    wrong = redemption_create(actor=c, merchant=canteen, bill_fen=4000, key="r4", channel="member_scan",
                              coupon_ids=[cc.pk])
    redemption_reverse(actor=operator, redemption=wrong, reason="扫错了")
    coupon_revoke(actor=operator, coupon=cd, reason="离职")
    coupons_expire(now=timezone.now() + dt.timedelta(days=3))  # the one-day coupon
    return {"late": late, "percent": percent, "settlement": settlement, "canteen": canteen}


def test_consistent_books_pass(books: dict[str, Any]) -> None:
    assert list(reconcile()) == []
    report = ledger_check()
    assert report.ok, report.problems
    statuses = set(Coupon.objects.values_list("status", flat=True))
    assert statuses == {"available", "used", "expired", "revoked"}  # every path was taken


@pytest.mark.parametrize("tamper, expected", [
    (lambda b: Coupon.objects.filter(template=b["late"], status="available").update(status="expired"),
     "outstanding in the ledger"),
    (lambda b: Coupon.objects.filter(template=b["late"], status="revoked").update(value_fen=1),
     "expired in the ledger"),
    (lambda b: CouponTemplate.objects.filter(pk=b["late"].pk).update(issued_count=99), "issued on the template"),
    (lambda b: RedeemedCoupon.objects.filter(coupon__template=b["percent"]).update(discount_fen=1), "unspent in the ledger"),
    (lambda b: Redemption.objects.filter(key="r2").update(discount_fen=1999), "payable in the ledger"),
    (lambda b: Settlement.objects.filter(pk=b["settlement"].pk).update(total_fen=1), "settled in the ledger"),
    (lambda b: Redemption.objects.filter(key="r2").update(settlement=b["settlement"]), "payable in the ledger"),
    (lambda b: Coupon.objects.filter(template=b["late"], status="available").update(status="used"),
     "standing redemption lines"),
])
def test_a_tampered_row_is_reported(books: dict[str, Any], tamper: Any, expected: str) -> None:
    tamper(books)
    problems = list(reconcile())
    assert problems and any(expected in p for p in problems), problems
    assert not ledger_check().ok


def test_rewards_run_expires_and_keeps_the_books(books: dict[str, Any]) -> None:
    """`parkos rewards-run` runs the due rules, the expiry sweep and the reminders once; the books still agree."""
    import io

    from django.core.management import call_command

    from parkos.rewards.services import wallet

    out = io.StringIO()
    call_command("rewards-run", stdout=out)
    assert "rule runs: 0" in out.getvalue() and "coupons expired: 0" in out.getvalue()
    Coupon.objects.filter(template=books["late"], status="available").update(
        valid_from=timezone.now() - dt.timedelta(hours=2), valid_until=timezone.now() - dt.timedelta(minutes=1))
    out = io.StringIO()
    call_command("rewards-run", "--only", "expire", stdout=out)
    assert out.getvalue().strip() == "coupons expired: 1" and wallet.coupons_expire() == 0
    assert list(reconcile()) == []
