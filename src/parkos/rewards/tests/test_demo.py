"""The demo's rewards: both parks' merchants (the demo merchant owns the café), the four coupons, the
overtime rule run over the gates' demo presence, the year-end pack, the demo member's wallet, today's café
redemptions and a settlement; the ledger checks out, and seeding twice adds nothing."""

from __future__ import annotations

import pytest

from parkos.conftest import ensure_industries
from parkos.core.ledger import ledger_check
from parkos.core.models import LedgerOperation, Park
from parkos.demo.seed import demo_email, seed_demo
from parkos.rewards.models import (
    Coupon,
    CouponTemplate,
    GiftPack,
    IssuingRule,
    Merchant,
    MerchantStaff,
    PackClaim,
    Pickup,
    Redemption,
    RuleRun,
    ServiceCredit,
    Settlement,
)

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = (Merchant, MerchantStaff, CouponTemplate, Coupon, IssuingRule, RuleRun, GiftPack, PackClaim, Pickup,
          ServiceCredit, Redemption, Settlement, LedgerOperation)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in TABLES}


def test_the_demo_rewards() -> None:
    ensure_industries()
    seed_demo(domains=["catalog", "access", "rewards"])
    main, yizhuang = Park.objects.get(code="main"), Park.objects.get(code="yizhuang")

    assert set(Merchant.objects.filter(park=main).values_list("name", flat=True)) == {
        "职工食堂", "园区咖啡", "便利店", "健身房", "轻食餐厅", "书店"}
    assert Merchant.objects.filter(park=yizhuang).count() == 2
    cafe = Merchant.objects.get(park=main, name="园区咖啡")
    assert MerchantStaff.objects.get(merchant=cafe, user__email=demo_email("merchant")).role == MerchantStaff.Role.OWNER
    assert set(CouponTemplate.objects.filter(park=main, status="active").values_list("name", flat=True)) == {
        "加班券", "咖啡八折券", "健身体验券", "年终礼包券"}

    rule = IssuingRule.objects.get(park=main, kind="overtime")
    assert rule.active and rule.period == "weekly" and rule.runs.count() == 2
    runs = list(rule.runs.all())
    assert all(r.status == "done" for r in runs) and sum(r.eligible for r in runs) > 0, [vars(r) for r in runs]
    # Late workers got theirs.
    assert Coupon.objects.filter(reason__startswith=f"rule:{rule.pk}:").count() == sum(r.issued for r in runs) > 0

    wallet = Coupon.objects.filter(owner__email=demo_email("member"))
    assert wallet.filter(status="available").count() >= 2
    assert wallet.filter(status="used").count() == 1 and wallet.filter(status="expired").count() == 1

    assert Redemption.objects.filter(merchant=cafe, status="done").count() >= 10
    settlement = Settlement.objects.get(merchant__name="职工食堂")
    assert settlement.total_fen == sum(settlement.items.filter(status="done").values_list("discount_fen", flat=True))

    pack = GiftPack.objects.get(park=main, name="2026 年终礼包")
    assert pack.status == "open" and pack.claimed == PackClaim.objects.filter(pack=pack).count() >= 20
    assert Pickup.objects.filter(claim__pack=pack, picked_up_at__isnull=False).exists()
    assert Pickup.objects.filter(claim__pack=pack, picked_up_at__isnull=True).exists()
    assert not PackClaim.objects.filter(pack=pack, user__email=demo_email("member")).exists()  # theirs to claim

    report = ledger_check()
    assert report.ok, report.problems

    before = _counts()
    seed_demo(domains=["rewards"])
    assert _counts() == before
    assert ledger_check().ok
