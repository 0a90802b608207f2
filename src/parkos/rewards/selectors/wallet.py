"""Reads of a member's wallet: their coupons by tab (available, used, expired), the counts of the tabs,
one coupon, its current rotating QR code, and the merchants that accept it.

A coupon whose validity has ended is "expired" from that moment on, even in the minute before the nightly
sweep (``services.wallet.coupons_expire``) writes it so: the tabs and the QR code follow the clock, the
ledger follows the sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, NotAuthenticated, NotFound
from parkos.core.models import Park
from parkos.rewards import codes
from parkos.rewards.models import Coupon, Merchant

S = Coupon.Status
AVAILABLE, USED, EXPIRED = "available", "used", "expired"
TABS = (AVAILABLE, USED, EXPIRED)


def _tab_filter(tab: str, now: dt.datetime) -> Q:
    if tab == AVAILABLE:
        return Q(status=S.AVAILABLE, valid_until__gt=now)
    if tab == USED:
        return Q(status=S.USED)
    return Q(status__in=(S.EXPIRED, S.REVOKED)) | Q(status=S.AVAILABLE, valid_until__lte=now)


def _own(viewer: Any, park: Park | None) -> QuerySet[Coupon]:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    policy.require(viewer, "rewards.wallet.own", viewer)
    qs = Coupon.objects.filter(owner_id=viewer.pk)
    return qs.filter(park=park) if park is not None else qs


def coupon_list(*, viewer: Any, status: str | None = None, park: Park | None = None,
                now: dt.datetime | None = None) -> QuerySet[Coupon]:
    """``viewer``'s own coupons (every park, or ``park``'s). ``status`` is a tab: available (soonest to
    expire first), used (latest first), expired (expired or withdrawn, latest first); None: all of them,
    soonest to expire first."""
    now = now or timezone.now()
    qs = _own(viewer, park).select_related("park")
    if status is None or status == "":
        return qs.order_by("valid_until", "id")
    if status not in TABS:
        raise Invalid(_("Choose available, used or expired."), code=ErrorCode.INVALID_CHOICE,
                      details={"status": [_("Choose available, used or expired.")]})
    qs = qs.filter(_tab_filter(status, now))
    if status == AVAILABLE:
        return qs.order_by("valid_until", "id")
    if status == USED:
        return qs.order_by("-used_at", "-id")
    return qs.order_by("-valid_until", "-id")


def wallet_counts(*, viewer: Any, park: Park | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """How many coupons each tab holds (one query)."""
    now = now or timezone.now()
    counts = _own(viewer, park).aggregate(**{tab: Count("id", filter=_tab_filter(tab, now)) for tab in TABS})
    return {tab: int(counts[tab] or 0) for tab in TABS}


def coupon_state(coupon: Coupon, now: dt.datetime | None = None) -> str:
    """The tab a coupon is shown under (``revoked`` for one the park withdrew)."""
    if coupon.status == S.AVAILABLE:
        return AVAILABLE if coupon.valid_until > (now or timezone.now()) else EXPIRED
    return str(coupon.status)


def coupon_get(*, viewer: Any, code: str) -> Coupon:
    """A coupon by its code, for its owner or an operator of its park; for anyone else (another member,
    a merchant, an operator of another park) it does not exist."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    coupon = None
    if code and len(code) <= 24:
        coupon = Coupon.objects.select_related("park", "transferred_from").filter(code=code).first()
    if coupon is None or not (policy.can(viewer, "rewards.wallet.own", coupon)
                              or policy.can(viewer, "rewards.manage", coupon)):
        raise NotFound(_("There is no such coupon in your wallet."))
    return coupon


@dataclass(frozen=True)
class CurrentCode:
    code: str  # K1.<coupon code>.<window>.<mac>: what the QR code holds
    window_seconds: int
    expires_in: float  # seconds until the next code


def coupon_code_for(*, viewer: Any, coupon: Coupon, now: float | None = None) -> CurrentCode:
    """The coupon's QR code right now, for its owner only (an operator who may see the coupon may not
    show it at a till), and only while it can be used."""
    policy.require(viewer, "rewards.wallet.own", coupon)
    at = timezone.now().timestamp() if now is None else now
    state = coupon_state(coupon, dt.datetime.fromtimestamp(at, tz=dt.UTC))
    if state == USED:
        raise Invalid(_("This coupon has been used."), code=ErrorCode.COUPON_USED)
    if state != AVAILABLE:
        raise Invalid(_("This coupon has expired."), code=ErrorCode.COUPON_EXPIRED)
    window = codes.WINDOW_SECONDS
    return CurrentCode(code=codes.coupon_code_current(code=coupon.code, owner_id=coupon.owner_id, now=at),
                       window_seconds=window, expires_in=round(window - at % window, 3))


def accepting_merchants(coupon: Coupon, *, limit: int = 50) -> list[Merchant]:
    """The active merchants of the coupon's park that accept it, by name."""
    qs = Merchant.objects.filter(park_id=coupon.park_id, active=True)
    ids, categories = coupon.terms.get("merchant_ids") or [], coupon.terms.get("merchant_categories") or []
    if ids or categories:
        qs = qs.filter(Q(pk__in=ids) | Q(category__in=categories))
    return list(qs.order_by("name", "id")[:limit])


def merchant_names(park_ids: Iterable[int]) -> dict[int, str]:
    """Merchant id -> name for every merchant of these parks (a park has tens), for ``terms_lines``."""
    ids = sorted(set(park_ids))
    if not ids:
        return {}
    return dict(Merchant.objects.filter(park_id__in=ids).values_list("id", "name"))
