"""Helpers for the merchants, settlements and admin tests: two parks with their operators, a merchant of
park A with an owner and a cashier, another merchant of A with its own cashier, a member and an
outsider; and ``redeem``, which records a redemption the way the till does (coupon used, one redemption
with its lines, the ledger posted), so settlements are tested against real rows and real postings."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.rewards.models import Coupon, MerchantStaff, RedeemedCoupon, Redemption
from parkos.rewards.services.postings import post_redemption
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of, issue

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="mb", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached
    shop: Any = MerchantFactory(park=a, name="园区咖啡", category="cafe")
    other: Any = MerchantFactory(park=a, name="便利店", category="store")
    shop_b: Any = MerchantFactory(park=b, name="乙园食堂", category="canteen")
    return {
        "a": a, "b": b, "shop": shop, "other": other, "shop_b": shop_b,
        "owner": cashier_of(shop, UserFactory(display_name="李店长"), role=MerchantStaff.Role.OWNER),
        "cashier": cashier_of(shop, UserFactory(display_name="赵收银")),
        "other_cashier": cashier_of(other, UserFactory(display_name="钱收银")),
        "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
        "portfolio": UserFactory(roles=[Role.OPERATOR]),
        "member": UserFactory(display_name="王雨桐", mobile="13800138001"), "outsider": UserFactory(),
        "template": TemplateFactory(park=a, name="加班券", value_fen=2000),
    }


def redeem(merchant: Any, member: Any, template: Any, *, bill_fen: int = 3500, discount_fen: int | None = None,
           at: dt.datetime | None = None, by: Any = None) -> Redemption:
    """A coupon of ``template`` issued to ``member`` and redeemed at ``merchant`` at ``at``, as the till
    records it (the coupon used, the redemption and its line, one ledger operation)."""
    at = at or timezone.now()
    coupon = issue(template, member, reason=f"test:{secrets.token_hex(6)}")[0]
    discount = min(coupon.value_fen, bill_fen) if discount_fen is None else discount_fen
    with transaction.atomic():
        Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED, used_at=at)
        redemption = Redemption.objects.create(
            park_id=merchant.park_id, merchant=merchant, member=member, key=secrets.token_hex(8),
            request_digest="0" * 64, channel=Redemption.Channel.MERCHANT_SCAN, bill_fen=bill_fen,
            discount_fen=discount, redeemed_by=by, created_at=at)
        RedeemedCoupon.objects.create(redemption=redemption, coupon=coupon, discount_fen=discount)
        post_redemption(redemption=redemption, lines=[(template.pk, coupon.value_fen, discount)], actor=by)
    return redemption


def beijing(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BEIJING)
