"""The rewards API under /api/v1/rewards/: wallet (a member's coupons), templates and issuing (operators),
rules, gift packs, the till (redeem, reverse: a merchant's staff), merchants and settlements, and figures."""

from ninja import Router

from parkos.rewards.api import figures, merchants, packs, rules, templates, till, wallet

router = Router(tags=["rewards"])
for part in (wallet, templates, rules, packs, till, merchants, figures):
    router.add_router("/rewards", part.router)
