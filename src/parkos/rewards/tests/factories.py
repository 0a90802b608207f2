"""Factories for rewards: a merchant with a cashier, an active coupon template, and coupons issued
through the one issuing primitive (``issue``), so coupons in tests are made as in production."""

from __future__ import annotations

import secrets
from typing import Any

import factory

from parkos.accounts.tests.factories import UserFactory
from parkos.core.parks import park_default
from parkos.rewards.models import Coupon, CouponTemplate, Merchant, MerchantStaff
from parkos.rewards.services.issuing import coupons_issue


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    park = factory.LazyFunction(park_default)
    name = factory.Sequence(lambda n: f"园区食堂{n}号窗口")
    category = "canteen"
    location = "1号楼一层"
    pay_token = factory.LazyFunction(lambda: secrets.token_hex(16))


def cashier_of(merchant: Merchant, user: Any = None, role: str = MerchantStaff.Role.CASHIER) -> Any:
    user = user or UserFactory()
    MerchantStaff.objects.create(merchant=merchant, user=user, role=role)
    return user


class TemplateFactory(factory.django.DjangoModelFactory):
    """An active ¥20-off coupon valid 7 days from issue, budget 1,000 coupons / ¥20,000."""

    class Meta:
        model = CouponTemplate

    park = factory.LazyFunction(park_default)
    name = factory.Sequence(lambda n: f"加班券{n}")
    kind = "amount_off"
    value_fen = 2000
    valid_days = 7
    budget_count = 1000
    budget_fen = 2_000_000
    status = CouponTemplate.Status.ACTIVE


def issue(template: CouponTemplate, *users: Any, reason: str = "test", key: str | None = None) -> list[Coupon]:
    """Issue one coupon of ``template`` to each of ``users`` (through ``coupons_issue``) and return them."""
    result = coupons_issue(template=template, recipients=[(u.pk, reason) for u in users],
                           key=key or f"test:{secrets.token_hex(8)}", source="grant")
    return list(Coupon.objects.filter(batch=result.batch).order_by("id"))
