"""The rewards API under /api/v1/rewards/: wallet (a member's coupons, claims and credits), templates and
issuing (operators), rules, gift packs, merchants (the till: redeem, reverse, statements) and figures."""

from ninja import Router

from parkos.rewards.api import figures, merchants, packs, rules, templates, wallet

router = Router(tags=["rewards"])
for part in (wallet, templates, rules, packs, merchants, figures):
    router.add_router("/rewards", part.router)
