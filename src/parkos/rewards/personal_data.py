"""The "rewards" section of a member's data export: their coupons (with the terms they were issued with,
whether one was a gift; not who gave it, which is the giver's data, nor the code that redeems it), the
redemptions of their coupons (merchant, bill, discount), the gift packs they claimed with their pickups
and service credits, and the merchants whose till they work at.

Deletion: coupons, redemptions and claims are the park's books (the ledger refers to them) and hang on
the account with PROTECT; see the wallet part's report for what account deletion must do with them."""

from __future__ import annotations

from typing import Any

from parkos.core.personal_data import exporter_register, iso
from parkos.rewards.models import Coupon, Redemption
from parkos.rewards.models.merchants import MerchantStaff
from parkos.rewards.models.packs import PackClaim, Pickup, ServiceCredit


def export(user: Any) -> dict[str, Any]:
    return {
        "coupons": [
            {"park": c["park__name"], "name": (c["terms"] or {}).get("name", ""), "terms": c["terms"],
             "value_fen": c["value_fen"], "status": c["status"], "valid_from": iso(c["valid_from"]),
             "valid_until": iso(c["valid_until"]), "issued_at": iso(c["issued_at"]), "used_at": iso(c["used_at"]),
             "ended_at": iso(c["ended_at"]), "reminded_at": iso(c["reminded_at"]),
             "received_as_gift": c["transferred_from_id"] is not None}
            for c in Coupon.objects.filter(owner=user).order_by("issued_at", "id")
            .values("park__name", "terms", "value_fen", "status", "valid_from", "valid_until", "issued_at", "used_at",
                    "ended_at", "reminded_at", "transferred_from_id")
        ],
        "redemptions": [
            {"merchant": r["merchant__name"], "channel": r["channel"], "bill_fen": r["bill_fen"],
             "discount_fen": r["discount_fen"], "status": r["status"], "redeemed_at": iso(r["created_at"]),
             "reversed_at": iso(r["reversed_at"])}
            for r in Redemption.objects.filter(member=user).order_by("created_at", "id")
            .values("merchant__name", "channel", "bill_fen", "discount_fen", "status", "created_at", "reversed_at")
        ],
        "gift_packs": [
            {"pack": p["pack__name"], "park": p["pack__park__name"], "claimed_at": iso(p["claimed_at"])}
            for p in PackClaim.objects.filter(user=user).order_by("claimed_at", "id")
            .values("pack__name", "pack__park__name", "claimed_at")
        ],
        "pickups": [
            {"pack": p["claim__pack__name"], "item": p["item__name"], "pickup_place": p["item__pickup_place"],
             "picked_up_at": iso(p["picked_up_at"])}
            for p in Pickup.objects.filter(claim__user=user).order_by("claim__claimed_at", "id")
            .values("claim__pack__name", "item__name", "item__pickup_place", "picked_up_at")
        ],
        "service_credits": [
            {"service": s["service__name_zh"], "status": s["status"], "created_at": iso(s["created_at"]),
             "used_at": iso(s["used_at"])}
            for s in ServiceCredit.objects.filter(owner=user).order_by("created_at", "id")
            .values("service__name_zh", "status", "created_at", "used_at")
        ],
        "merchant_staff": [
            {"merchant": m["merchant__name"], "role": m["role"], "since": iso(m["created_at"])}
            for m in MerchantStaff.objects.filter(user=user).order_by("created_at", "id")
            .values("merchant__name", "role", "created_at")
        ],
    }


exporter_register("rewards", export)
