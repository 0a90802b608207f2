"""API: the member's wallet. Their coupons by tab (paginated), the tabs' counts, one coupon with the
merchants that accept it, its current QR code (never cached), giving it to another member; and an
operator withdrawing a coupon."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.pagination import paginate

from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.rewards.schemas_wallet import (
    CouponDetailOut,
    CouponOut,
    CouponTransferIn,
    CurrentCodeOut,
    RevokeIn,
    TransferOut,
    WalletCountsOut,
)
from parkos.rewards.selectors import wallet as selectors
from parkos.rewards.services import wallet as services

router = Router(tags=["rewards"])


@router.get("/wallet/coupons", response=list[CouponOut])
@paginate(PageNumberPagination, page_size=50)
def coupon_list(request: HttpRequest, status: str | None = None, park: str | None = None) -> Any:
    """My coupons (every park, or ``park``'s). ``status``: available (soonest to expire first), used or
    expired (latest first); empty: all."""
    return selectors.coupon_list(viewer=request.user, status=status, park=park_param(park))


@router.get("/wallet/counts", response=WalletCountsOut)
def wallet_counts(request: HttpRequest, park: str | None = None) -> Any:
    """How many coupons I have available, used and expired."""
    return selectors.wallet_counts(viewer=request.user, park=park_param(park))


@router.get("/wallet/coupons/{code}", response=CouponDetailOut)
def coupon_get(request: HttpRequest, code: str) -> Any:
    """One of my coupons (or, for an operator of its park, any coupon of the park)."""
    coupon = selectors.coupon_get(viewer=request.user, code=code)
    coupon.merchants = selectors.accepting_merchants(coupon)  # type: ignore[attr-defined]
    return coupon


@router.get("/wallet/coupons/{code}/qr", response=CurrentCodeOut, url_name="rewards_wallet_qr")
def coupon_code_current(request: HttpRequest, code: str, response: HttpResponse) -> Any:
    """What the coupon's QR code holds now; ask again when ``expires_in`` runs out. Never cached."""
    response["Cache-Control"] = "no-store, private"
    coupon = selectors.coupon_get(viewer=request.user, code=code)
    return selectors.coupon_code_for(viewer=request.user, coupon=coupon)


@router.post("/wallet/coupons/{code}/transfer", response=TransferOut)
def coupon_transfer(request: HttpRequest, code: str, payload: CouponTransferIn) -> Any:
    """Give a transferable coupon to another member, found by mobile number or e-mail address. The
    coupon leaves my wallet at once, with a new code."""
    coupon = selectors.coupon_get(viewer=request.user, code=code)
    to_user = services.recipient_find(value=payload.to)
    coupon = services.coupon_transfer(actor=request.user, coupon=coupon, to_user=to_user)
    return {"coupon": str(coupon.terms.get("name") or ""), "to": to_user.display_name}


@router.post("/coupons/{code}/revoke", response=CouponOut)
def coupon_revoke(request: HttpRequest, code: str, payload: RevokeIn) -> Any:
    """Withdraw an available coupon (the park's operators); its owner is told the reason."""
    coupon = selectors.coupon_get(viewer=request.user, code=code)
    return services.coupon_revoke(actor=request.user, coupon=coupon, reason=payload.reason)
