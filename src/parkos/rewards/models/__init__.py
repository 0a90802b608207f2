"""Coupon templates, coupons in members' wallets, issue batches and issuing rules, gift packs (coupons,
service credits, items to pick up), merchants and their staff, redemptions (exactly once per coupon),
settlements, flags of unusual patterns, and each park's reward settings."""

from parkos.rewards.models.coupons import (
    Coupon,
    CouponKind,
    CouponTemplate,
    Flag,
    IssueBatch,
    RedeemedCoupon,
    Redemption,
)
from parkos.rewards.models.issuing import IssuingRule, Period, RuleKind, RuleRun
from parkos.rewards.models.merchants import (
    MERCHANT_STAFF,
    Merchant,
    MerchantCategory,
    MerchantStaff,
    RewardSettings,
    Settlement,
)
from parkos.rewards.models.packs import GiftPack, PackClaim, PackGrant, PackItem, Pickup, ServiceCredit

__all__ = [
    "MERCHANT_STAFF", "Coupon", "CouponKind", "CouponTemplate", "Flag", "GiftPack", "IssueBatch", "IssuingRule",
    "Merchant", "MerchantCategory", "MerchantStaff", "PackClaim", "PackGrant", "PackItem", "Period", "Pickup",
    "RedeemedCoupon", "Redemption", "RewardSettings", "RuleKind", "RuleRun", "ServiceCredit", "Settlement",
]
