"""Reads for the till and the member's "pay the merchant" page: a merchant's day of redemptions and
its totals, one redemption, the merchant behind a printed payment code, and a member's coupons valid
at a merchant. Permission is checked here, on the merchant or the redemption."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.rewards.models import Coupon, Merchant, Redemption


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))  # the park's day (Beijing)
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def till_merchant_get(*, viewer: Any, merchant_id: int, action: str = "rewards.redeem") -> Merchant:
    """The merchant whose till ``viewer`` works (``rewards.redeem``; ``rewards.merchant.view`` lets the
    park's operators read its day too); NotFound for anyone else, so the till of a shop one does not
    work at does not even exist."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None or not policy.can(viewer, action, merchant):
        if viewer is None or not getattr(viewer, "is_authenticated", False):
            policy.require(viewer, action, merchant)  # anonymous: 401 rather than 404
        raise NotFound(_("No such merchant."))
    return merchant


def merchant_by_pay_token(*, token: str) -> Merchant:
    """The merchant of a printed payment code (active ones only)."""
    merchant = Merchant.objects.filter(pay_token=token, active=True).first() if token else None
    if merchant is None:
        raise NotFound(_("This payment code is not valid. Ask the shop for its current code."))
    return merchant


def redemption_list_day(*, viewer: Any, merchant: Merchant, day: dt.date | None = None) -> QuerySet[Redemption]:
    """A merchant's redemptions of one day (today by default), newest first, with their coupons: for its
    staff and the park's operators."""
    policy.require(viewer, "rewards.merchant.view", merchant)
    start, end = _day_bounds(day or timezone.localdate())
    return (Redemption.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end)
            .select_related("merchant", "member", "redeemed_by", "reversed_by").prefetch_related("lines__coupon")
            .order_by("-created_at", "-id"))


@dataclass(frozen=True)
class DayTotals:
    day: dt.date
    count: int  # redemptions that stand (reversed ones excluded)
    bill_fen: int
    discount_fen: int
    reversed: int


def redemption_day_totals(*, viewer: Any, merchant: Merchant, day: dt.date | None = None) -> DayTotals:
    policy.require(viewer, "rewards.merchant.view", merchant)
    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    done = Q(status=Redemption.Status.DONE)
    row = Redemption.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end).aggregate(
        count=Count("id", filter=done), bill=Sum("bill_fen", filter=done), discount=Sum("discount_fen", filter=done),
        reversed=Count("id", filter=Q(status=Redemption.Status.REVERSED)))
    return DayTotals(day=day, count=row["count"] or 0, bill_fen=row["bill"] or 0, discount_fen=row["discount"] or 0,
                     reversed=row["reversed"] or 0)


def redemption_get(*, viewer: Any, redemption_id: int) -> Redemption:
    """A redemption for its merchant's staff, the park's operators or its member; NotFound otherwise."""
    redemption = (Redemption.objects.select_related("merchant", "member").prefetch_related("lines__coupon")
                  .filter(pk=redemption_id).first())
    if redemption is None or not (redemption.member_id == getattr(viewer, "pk", None)
                                  or policy.can(viewer, "rewards.merchant.view", redemption.merchant)):
        raise NotFound(_("No such redemption."))
    return redemption


def coupons_usable_at(*, viewer: Any, merchant: Merchant, now: dt.datetime | None = None) -> list[Coupon]:
    """The viewer's own coupons that ``merchant`` accepts and that are valid now, soonest to expire first."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        policy.require(viewer, "rewards.wallet.own", viewer)
    now = now or timezone.now()
    coupons = Coupon.objects.filter(owner_id=viewer.pk, park_id=merchant.park_id, status=Coupon.Status.AVAILABLE,
                                    valid_from__lte=now, valid_until__gt=now).order_by("valid_until", "id")[:200]
    return [c for c in coupons if c.accepted_at(merchant)]
