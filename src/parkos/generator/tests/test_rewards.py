"""The generated park-year of rewards at small scale: consistent with itself and with the ledger."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count, F, Sum

from parkos.accounts.models import Role, UserRole
from parkos.core.ledger import balances, ledger_check
from parkos.generator.parts.rewards import MIN_LATE_DAYS
from parkos.generator.registry import YEAR_END
from parkos.generator.services import park_generate
from parkos.rewards.models import (
    Coupon,
    CouponTemplate,
    GiftPack,
    IssueBatch,
    IssuingRule,
    Merchant,
    MerchantStaff,
    PackClaim,
    Pickup,
    RedeemedCoupon,
    Redemption,
    RuleRun,
    Settlement,
)
from parkos.rewards.services.postings import EXPIRED, OUTSTANDING, PAYABLE, SETTLED, TEMPLATE, UNSPENT

pytestmark = pytest.mark.django_db


def test_a_generated_park_year_of_rewards_is_consistent() -> None:
    """One generation (5 s at small scale), every check over it."""
    park_generate(scale="tiny", seed=5)
    _counts_and_merchants()
    _no_template_over_its_budget_and_counters_match()
    _every_used_coupon_has_exactly_one_active_line()
    _overtime_coupons_follow_the_rule()
    _year_end_pack_for_every_member()
    _the_ledger_agrees()


def _counts_and_merchants() -> None:
    assert Merchant.objects.count() >= 6
    assert set(Merchant.objects.values_list("park_id", flat=True).distinct()) == \
        set(GiftPack.objects.values_list("park_id", flat=True))
    # Every merchant has an owner, and its staff are the MERCHANT role holders.
    assert MerchantStaff.objects.filter(role="owner").values("merchant").distinct().count() == Merchant.objects.count()
    holders = set(UserRole.objects.filter(role=Role.MERCHANT).values_list("user_id", flat=True))
    assert set(MerchantStaff.objects.values_list("user_id", flat=True)) <= holders
    assert Coupon.objects.count() > 40
    assert Redemption.objects.count() > 20
    assert Settlement.objects.exists()
    statuses = Counter(Coupon.objects.values_list("status", flat=True))
    assert statuses["used"] > statuses["expired"] > 0  # most used, some expired
    assert not Coupon.objects.filter(issued_at__gt=YEAR_END).exists()
    assert not Redemption.objects.filter(created_at__gt=YEAR_END).exists()


def _no_template_over_its_budget_and_counters_match() -> None:
    assert not CouponTemplate.objects.filter(issued_count__gt=F("budget_count")).exists()
    assert not CouponTemplate.objects.filter(issued_fen__gt=F("budget_fen")).exists()
    for template in CouponTemplate.objects.annotate(n=Count("coupons"), v=Sum("coupons__value_fen")):
        assert template.issued_count == template.n
        assert template.issued_fen == (template.v or 0)
    for batch in IssueBatch.objects.annotate(n=Count("coupons")):
        assert batch.issued == batch.n


def _every_used_coupon_has_exactly_one_active_line() -> None:
    active = Counter(RedeemedCoupon.objects.filter(active=True).values_list("coupon_id", flat=True))
    used = set(Coupon.objects.filter(status=Coupon.Status.USED).values_list("id", flat=True))
    assert set(active) == used
    assert set(active.values()) == {1}
    # Used within validity, at a merchant of the coupon's park.
    for line in RedeemedCoupon.objects.filter(active=True).select_related("coupon", "redemption__merchant")[:300]:
        coupon, redemption = line.coupon, line.redemption
        assert coupon.valid_from <= redemption.created_at < coupon.valid_until
        assert coupon.accepted_at(redemption.merchant)
        assert redemption.member_id == coupon.owner_id
        assert redemption.discount_fen == line.discount_fen <= coupon.value_fen
    # The reversed checkouts' lines are inactive and their coupons redone.
    for redemption in Redemption.objects.filter(status=Redemption.Status.REVERSED):
        assert redemption.settlement_id is None and redemption.reversal_reason
        assert not redemption.lines.filter(active=True).exists()


def _overtime_coupons_follow_the_rule() -> None:
    rules = list(IssuingRule.objects.filter(kind="overtime"))
    assert rules and all(rule.params == {"min_days": MIN_LATE_DAYS} for rule in rules)
    coupons = Coupon.objects.filter(template__rules__kind="overtime")
    assert coupons.exists()
    for reason, owner, park_id in coupons.values_list("reason", "owner_id", "park_id")[:200]:
        _rule, rule_id, week = reason.split(":")
        rule = IssuingRule.objects.get(pk=rule_id)
        assert rule.park_id == park_id
        run = RuleRun.objects.get(rule=rule, period_key=week)
        from parkos.access.models import DailyPresence

        late = DailyPresence.objects.filter(user_id=owner, park_id=park_id, late=True,
                                            day__range=(run.period_start, run.period_end)).count()
        assert late >= MIN_LATE_DAYS
    assert RuleRun.objects.filter(issued__gt=0).count() == \
        IssueBatch.objects.filter(source="rule", issued__gt=0).count()


def _year_end_pack_for_every_member() -> None:
    for pack in GiftPack.objects.all():
        claims = PackClaim.objects.filter(pack=pack).count()
        assert pack.claimed == claims <= pack.stock
        assert Coupon.objects.filter(park_id=pack.park_id, reason__startswith="pack:").count() == 2 * claims
        assert Pickup.objects.filter(claim__pack=pack).count() == claims
    assert PackClaim.objects.values("user").distinct().count() == PackClaim.objects.count()


def _the_ledger_agrees() -> None:
    report = ledger_check()
    assert report.ok, report.problems[:5]
    # What the reconciler proves, checked here too: per template and merchant, the accounts equal the tables.
    ledger = balances(TEMPLATE)
    for template in CouponTemplate.objects.all():
        accounts = ledger.get(template.pk, {})
        values = dict(template.coupons.values("status").order_by().annotate(v=Sum("value_fen")).values_list("status", "v"))
        discounts = RedeemedCoupon.objects.filter(coupon__template=template, active=True).aggregate(
            d=Sum("discount_fen"))["d"] or 0
        assert accounts.get(OUTSTANDING, 0) == values.get("available", 0)
        assert accounts.get(EXPIRED, 0) == values.get("expired", 0)
        assert accounts.get(UNSPENT, 0) + discounts == values.get("used", 0)
    merchants = balances("rewards.merchant")
    for merchant in Merchant.objects.all():
        owed = Redemption.objects.filter(merchant=merchant, status="done", settlement__isnull=True).aggregate(
            d=Sum("discount_fen"))["d"] or 0
        settled = Settlement.objects.filter(merchant=merchant).aggregate(t=Sum("total_fen"))["t"] or 0
        assert merchants.get(merchant.pk, {}).get(PAYABLE, 0) == owed
        assert merchants.get(merchant.pk, {}).get(SETTLED, 0) == settled
