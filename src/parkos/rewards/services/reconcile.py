"""Rewards' tables against the ledger, run by `parkos ledger-check` (registered in registrations.py).

Each line it yields is one mismatch. Per coupon template (accounts in services/postings.py):

- the budget drawn: ``-coupon:budget`` == the template's ``issued_fen`` == Σ value of its coupons, and its
  ``issued_count`` == the number of its coupons;
- ``coupon:outstanding`` == Σ value of its available coupons;
- ``coupon:expired`` == Σ value of its expired and revoked coupons;
- ``coupon:unspent`` + Σ discounts of its standing redemption lines == Σ value of its used coupons;
- in counts: issued − redeemed (standing lines) − expired/revoked == available.

Per merchant: ``merchant:payable`` == Σ discounts of its standing (DONE) redemptions in no settlement (a
reversal posts the exact opposite of its redemption, so reversed ones count nowhere); ``merchant:settled``
== Σ of its settlement statements; each statement's total == Σ discounts of its standing redemptions; and
each redemption's discount == Σ of its lines.

Set-based: a fixed dozen GROUP BY queries over the tables and the ledger, whatever their size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from parkos.core.ledger import Money, balances
from parkos.rewards.models import Coupon, CouponTemplate, Merchant, RedeemedCoupon, Redemption, Settlement
from parkos.rewards.services.postings import (
    BUDGET,
    EXPIRED,
    MERCHANT,
    OUTSTANDING,
    PAYABLE,
    SETTLED,
    TEMPLATE,
    UNSPENT,
)

ENDED = (Coupon.Status.EXPIRED, Coupon.Status.REVOKED)


def reconcile() -> Iterator[str]:
    yield from _templates()
    yield from _merchants()


def _fen(value: int) -> str:
    return Money.format(value)


def _templates() -> Iterator[str]:
    ledger = balances(TEMPLATE)
    templates = {t["id"]: t for t in CouponTemplate.objects.values("id", "name", "issued_count", "issued_fen")}
    count: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    value: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in Coupon.objects.values("template_id", "status").order_by().annotate(n=Count("id"), v=Sum("value_fen")):
        count[row["template_id"]][row["status"]] = row["n"]
        value[row["template_id"]][row["status"]] = int(row["v"] or 0)
    lines = {row["coupon__template_id"]: (row["n"], int(row["d"] or 0))
             for row in RedeemedCoupon.objects.filter(active=True).values("coupon__template_id").order_by()
             .annotate(n=Count("id"), d=Sum("discount_fen"))}

    for template_id in sorted(set(templates) | set(ledger)):
        template = templates.get(template_id)
        if template is None:
            yield f"rewards: the ledger has coupon template {template_id}, which is not in the tables"
            continue
        name = f"rewards template {template_id} ({template['name']})"
        accounts = ledger.get(template_id, {})
        counts, values = count[template_id], value[template_id]
        issued_fen = sum(values.values())
        issued_count = sum(counts.values())
        redeemed_count, discounts = lines.get(template_id, (0, 0))
        checks = (
            ("issued (−budget in the ledger)", -accounts.get(BUDGET, 0), "issued on the template", template["issued_fen"]),
            ("issued on the template", template["issued_fen"], "the value of its coupons", issued_fen),
            ("outstanding in the ledger", accounts.get(OUTSTANDING, 0), "available coupons",
             values[Coupon.Status.AVAILABLE]),
            ("expired in the ledger", accounts.get(EXPIRED, 0), "expired and revoked coupons",
             sum(values[s] for s in ENDED)),
            ("unspent in the ledger + discounts of standing redemptions", accounts.get(UNSPENT, 0) + discounts,
             "used coupons", values[Coupon.Status.USED]),
        )
        for left_name, left, right_name, right in checks:
            if left != right:
                yield f"{name}: {left_name} {_fen(left)} ≠ {right_name} {_fen(right)}"
        if template["issued_count"] != issued_count:
            yield f"{name}: {template['issued_count']} issued on the template ≠ {issued_count} coupons"
        ended = sum(counts[s] for s in ENDED)
        available = counts[Coupon.Status.AVAILABLE]
        if issued_count - redeemed_count - ended != available:
            yield (f"{name}: issued {issued_count} − redeemed {redeemed_count} − expired {ended} "
                   f"≠ outstanding {available}")
        if counts[Coupon.Status.USED] != redeemed_count:
            yield f"{name}: {counts[Coupon.Status.USED]} used coupons ≠ {redeemed_count} standing redemption lines"


def _merchants() -> Iterator[str]:
    ledger = balances(MERCHANT)
    names = dict(Merchant.objects.values_list("id", "name"))
    done = Redemption.objects.filter(status=Redemption.Status.DONE)
    payable = dict(done.filter(settlement__isnull=True).values("merchant_id").order_by()
                   .annotate(d=Sum("discount_fen")).values_list("merchant_id", "d"))
    settled = dict(Settlement.objects.values("merchant_id").order_by().annotate(t=Sum("total_fen"))
                   .values_list("merchant_id", "t"))
    for merchant_id in sorted(set(names) | set(ledger)):
        if merchant_id not in names:
            yield f"rewards: the ledger has merchant {merchant_id}, which is not in the tables"
            continue
        name = f"rewards merchant {merchant_id} ({names[merchant_id]})"
        accounts = ledger.get(merchant_id, {})
        owed = int(payable.get(merchant_id) or 0)
        if accounts.get(PAYABLE, 0) != owed:
            yield (f"{name}: payable in the ledger {_fen(accounts.get(PAYABLE, 0))} ≠ unsettled redemptions "
                   f"{_fen(owed)}")
        statements = int(settled.get(merchant_id) or 0)
        if accounts.get(SETTLED, 0) != statements:
            yield (f"{name}: settled in the ledger {_fen(accounts.get(SETTLED, 0))} ≠ settlement statements "
                   f"{_fen(statements)}")

    standing = Q(items__status=Redemption.Status.DONE)
    for row in (Settlement.objects.annotate(items_fen=Coalesce(Sum("items__discount_fen", filter=standing), 0))
                .filter(~Q(total_fen=F("items_fen"))).values("id", "merchant_id", "total_fen", "items_fen")[:100]):
        yield (f"rewards settlement {row['id']} (merchant {row['merchant_id']}): total {_fen(row['total_fen'])} "
               f"≠ its redemptions {_fen(row['items_fen'])}")
    for row in (Redemption.objects.annotate(lines_fen=Coalesce(Sum("lines__discount_fen"), 0))
                .filter(~Q(discount_fen=F("lines_fen"))).values("id", "discount_fen", "lines_fen")[:100]):
        yield (f"rewards redemption {row['id']}: discount {_fen(row['discount_fen'])} "
               f"≠ its coupons {_fen(row['lines_fen'])}")
