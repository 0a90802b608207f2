"""Who may do what with coupons, rules, gift packs, merchants and redemptions (added to the one policy
table; imported once at start-up by CoreConfig). Park-scoped objects carry their park, so an operator of
park A is refused everything in park B; selectors filter lists with ``policy.scope_filter``. A merchant's
staff act through their relation to the merchant (``merchant_staff``); the role ``merchant`` alone
grants nothing at a shop the user does not work at."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import OPERATOR, SELF, rule
from parkos.rewards.models.merchants import MERCHANT_STAFF

policy.register({
    # Templates, issuing (grants, imports, rules), gift packs, merchants and their staff, settlements and
    # the reward settings of a park (object: the park, a template, a rule, a pack or a merchant).
    "rewards.manage": rule(roles=(OPERATOR,)),
    # Figures, exports and flags of a park's rewards (object: the park).
    "rewards.figures.view": rule(roles=(OPERATOR,)),
    # A member's own wallet, coupons, claims and service credits (object: the user, a coupon, a claim).
    "rewards.wallet.own": rule(relations=(SELF,)),
    # Giving a transferable coupon to another member (object: the coupon).
    "rewards.coupon.transfer": rule(relations=(SELF,)),
    # Claiming a gift pack: any member; the service checks the pack's audience and park.
    "rewards.pack.claim": rule(authenticated=True),
    # Handing over an item to pick up (object: the pack): the park's operators (the pickup desk).
    "rewards.pickup.hand_over": rule(roles=(OPERATOR,)),
    # Redeeming at a till and seeing the till's day (object: the merchant).
    "rewards.redeem": rule(relations=(MERCHANT_STAFF,)),
    "rewards.merchant.view": rule(roles=(OPERATOR,), relations=(MERCHANT_STAFF,)),
    # Reversing a mistaken redemption (object: the redemption): the merchant's staff and operators.
    "rewards.redemption.reverse": rule(roles=(OPERATOR,), relations=(MERCHANT_STAFF,)),
    # Statements and what the park owes (object: the merchant or a settlement).
    "rewards.settlement.view": rule(roles=(OPERATOR,), relations=(MERCHANT_STAFF,)),
    "rewards.settlement.close": rule(roles=(OPERATOR,)),
}, relations=(MERCHANT_STAFF,))
