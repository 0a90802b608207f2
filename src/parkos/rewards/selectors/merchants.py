"""Reads on merchants, their staff and settlements, and what the park owes them.

Operators see their parks' merchants; a merchant's staff see their own merchant (its statements, not its
staff list). Another park's merchant is "not found" to an operator (an operator of park A cannot tell
which ids exist in park B); a member with no relation to it is told they may not."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from parkos.core import ledger, policy
from parkos.core.errors import NotAuthenticated, NotFound
from parkos.core.models import Park
from parkos.rewards.models import Merchant, MerchantStaff, Settlement
from parkos.rewards.services import postings


def _operator_scope(viewer: Any) -> dict[str, Any]:
    """The park filter of an operator's list; NotAuthenticated/Forbidden for someone who operates no park."""
    scope = policy.scope_filter(viewer, policy.OPERATOR)
    if scope is None:
        policy.require(viewer, "rewards.manage", policy.PORTFOLIO)
        return {"pk__in": []}  # pragma: no cover - require raised
    return scope


def merchant_list(*, viewer: Any, park: Park | None = None, active: bool | None = None,
                  q: str = "") -> QuerySet[Merchant]:
    """The merchants of the parks ``viewer`` operates (``park``: one of them), with their staff counted."""
    qs = Merchant.objects.filter(**_operator_scope(viewer))
    if park is not None:
        qs = qs.filter(park=park)
    if active is not None:
        qs = qs.filter(active=active)
    q = (q or "").strip()[:60]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(location__icontains=q))
    return qs.annotate(staff_count=Count("memberships")).order_by("-active", "name", "id")


def _visible(viewer: Any, merchant: Merchant | None, action: str) -> Merchant:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    if merchant is not None and policy.can(viewer, action, merchant):
        return merchant
    if merchant is None or (not merchant.relations_for(viewer) and not policy.can(viewer, "rewards.manage", merchant)
                            and policy.scope_filter(viewer, policy.OPERATOR) is not None):
        # Unknown, or another park's merchant seen by an operator: not found, never "forbidden".
        raise NotFound(NotFound.default_message)
    policy.require(viewer, action, merchant)  # raises: a member, or staff asking for more than they may
    return merchant  # pragma: no cover - require raised


def merchant_get(*, viewer: Any, merchant_id: int, action: str = "rewards.merchant.view") -> Merchant:
    """A merchant its operators or its own staff may see (``action`` narrows it, e.g. ``rewards.manage``)."""
    merchant = Merchant.objects.select_related("park").filter(pk=merchant_id).first()
    return _visible(viewer, merchant, action)


def merchants_of_staff(user: Any) -> list[Merchant]:
    """The merchants ``user`` works at (their tills and statements), active ones first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(Merchant.objects.filter(memberships__user_id=user.pk).select_related("park")
                .order_by("-active", "name", "id"))


def staff_role(user: Any, merchant: Merchant) -> str:
    """"owner", "cashier", or "" for someone who does not work there."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return MerchantStaff.objects.filter(merchant=merchant, user_id=user.pk).values_list("role", flat=True).first() or ""


def staff_list(*, viewer: Any, merchant: Merchant) -> QuerySet[MerchantStaff]:
    """Who works at ``merchant`` (its operators)."""
    policy.require(viewer, "rewards.manage", merchant)
    return MerchantStaff.objects.filter(merchant=merchant).select_related("user").order_by("role", "created_at", "id")


def settlement_list(*, viewer: Any, merchant: Merchant) -> QuerySet[Settlement]:
    policy.require(viewer, "rewards.settlement.view", merchant)
    return Settlement.objects.filter(merchant=merchant).select_related("created_by").order_by("-period_end", "-id")


def settlement_get(*, viewer: Any, settlement_id: int) -> Settlement:
    settlement = Settlement.objects.select_related("merchant", "merchant__park").filter(pk=settlement_id).first()
    merchant = _visible(viewer, settlement.merchant if settlement else None, "rewards.settlement.view")
    assert settlement is not None
    settlement.merchant = merchant
    policy.require(viewer, "rewards.settlement.view", settlement)
    return settlement


def pay_path(merchant: Merchant) -> str:
    """The address the merchant's printed QR code holds (``rewards:pay``): a member scans it to pay."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("rewards:pay", args=[merchant.pay_token])
    except NoReverseMatch:  # the pay page's module not wired yet: its fixed address (the parts' interfaces)
        return f"/rewards/pay/{merchant.pay_token}/"


def payable_fen(merchant: Merchant) -> int:
    """What the park owes ``merchant`` for redemptions not yet in a settlement, from the ledger."""
    return ledger.balance((postings.MERCHANT, merchant.pk), postings.PAYABLE)


def settled_fen(merchant: Merchant) -> int:
    """The total of every settlement statement closed for ``merchant``, from the ledger."""
    return ledger.balance((postings.MERCHANT, merchant.pk), postings.SETTLED)


def unpaid_fen(merchant: Merchant) -> int:
    """Settled but not yet marked paid (statements the park has still to pay)."""
    total = Settlement.objects.filter(merchant=merchant, status=Settlement.Status.CLOSED).aggregate(t=Sum("total_fen"))
    return int(total["t"] or 0)


def owed(*, viewer: Any, merchant: Merchant) -> dict[str, int]:
    """What the park owes ``merchant``: not yet settled (payable, from the ledger), settled but unpaid, and
    their sum. Its operators and its own staff."""
    policy.require(viewer, "rewards.settlement.view", merchant)
    payable, unpaid = payable_fen(merchant), unpaid_fen(merchant)
    return {"payable_fen": payable, "unpaid_fen": unpaid, "total_fen": payable + unpaid}
