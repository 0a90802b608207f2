"""Every movement of rewards' value goes through the core ledger, from here only (one place knows the
accounts). Amounts are fen. Accounts, per coupon template (subject ``rewards.coupontemplate``):

- ``coupon:budget``       the park's budget, drawn down as coupons are issued (negative balance = issued)
- ``coupon:outstanding``  the value of coupons issued and still available in wallets
- ``coupon:expired``      the value of coupons that expired or were revoked unused
- ``coupon:unspent``      the part of a redeemed coupon's value the bill did not use (a percent-off below
                          its cap, an amount off larger than needed is never allowed: see redemption)

and per merchant (subject ``rewards.merchant``):

- ``merchant:payable``    what the park owes the merchant for redemptions not yet settled
- ``merchant:settled``    what settlement statements have moved out of payable

So per template: issued = outstanding + expired + unspent + (redeemed discounts, posted to merchants),
and ``parkos ledger-check`` compares each balance with rewards' own tables (services/reconcile.py).
Each operation's key is unique in the ``rewards`` scope, which makes every posting idempotent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from parkos.core.ledger import Posting, ledger_record

TEMPLATE = "rewards.coupontemplate"
MERCHANT = "rewards.merchant"
BUDGET, OUTSTANDING, EXPIRED, UNSPENT = "coupon:budget", "coupon:outstanding", "coupon:expired", "coupon:unspent"
PAYABLE, SETTLED = "merchant:payable", "merchant:settled"


def post_issue(*, batch: Any, template_id: int, value_fen: int, actor: Any = None) -> None:
    """Coupons worth ``value_fen`` in total were issued in ``batch`` (one operation per batch)."""
    if value_fen <= 0:
        return
    ledger_record(key=f"issue:{batch.pk}", kind="rewards.issue", subject=(TEMPLATE, template_id), scope="rewards",
                  postings=[Posting(BUDGET, -value_fen), Posting(OUTSTANDING, value_fen)], actor=actor,
                  detail={"batch": batch.pk})


def post_end(*, key: str, kind: str, values_by_template: dict[int, int], actor: Any = None) -> None:
    """Coupons expired (``kind`` "rewards.expire") or were revoked ("rewards.revoke") unused: their value
    leaves outstanding. ``values_by_template``: template id -> total value of the coupons ended."""
    postings = []
    for template_id, value in sorted(values_by_template.items()):
        if value:
            subject = (TEMPLATE, template_id)
            postings += [Posting(OUTSTANDING, -value, subject), Posting(EXPIRED, value, subject)]
    if postings:
        first = min(values_by_template)
        ledger_record(key=key, kind=kind, subject=(TEMPLATE, first), scope="rewards", postings=postings, actor=actor)


def _redemption_postings(redemption: Any, lines: Iterable[tuple[int, int, int]], sign: int) -> list[Posting]:
    """``lines``: (template id, coupon value, discount) per coupon of the redemption."""
    postings: list[Posting] = []
    per_template: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for template_id, value, discount in lines:
        per_template[template_id][0] += value
        per_template[template_id][1] += discount
    payable = 0
    for template_id, (value, discount) in sorted(per_template.items()):
        subject = (TEMPLATE, template_id)
        postings.append(Posting(OUTSTANDING, -sign * value, subject))
        if value - discount:
            postings.append(Posting(UNSPENT, sign * (value - discount), subject))
        payable += discount
    postings.append(Posting(PAYABLE, sign * payable, (MERCHANT, redemption.merchant_id)))
    return postings


def post_redemption(*, redemption: Any, lines: Iterable[tuple[int, int, int]], actor: Any = None) -> None:
    """A checkout redeemed coupons: their value leaves outstanding, the discount becomes payable to the
    merchant, the rest of the value is unspent. ``lines``: (template id, coupon value, discount)."""
    ledger_record(key=f"redeem:{redemption.pk}", kind="rewards.redeem", subject=redemption, scope="rewards",
                  postings=_redemption_postings(redemption, lines, 1), actor=actor,
                  parties=[redemption.member_id], detail={"merchant": redemption.merchant_id})


def post_reversal(*, redemption: Any, lines: Iterable[tuple[int, int, int]], actor: Any = None) -> None:
    """The exact opposite of ``post_redemption`` for the same lines."""
    ledger_record(key=f"reverse:{redemption.pk}", kind="rewards.reverse", subject=redemption, scope="rewards",
                  postings=_redemption_postings(redemption, lines, -1), actor=actor,
                  parties=[redemption.member_id], detail={"merchant": redemption.merchant_id})


def post_settlement(*, settlement: Any, actor: Any = None) -> None:
    """A closed statement moves its total from the merchant's payable to settled."""
    if not settlement.total_fen:
        return
    subject = (MERCHANT, settlement.merchant_id)
    ledger_record(key=f"settle:{settlement.pk}", kind="rewards.settle", subject=settlement, scope="rewards",
                  postings=[Posting(PAYABLE, -settlement.total_fen, subject), Posting(SETTLED, settlement.total_fen, subject)],
                  actor=actor)
