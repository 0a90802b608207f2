"""我的 (Me): the member's own corner, as the last tab of the phone's tab bar.

Everything personal is one tap away: the enterprise, orders, bookings, events, posts, the wallet (points
and coupons), the gate pass and visitors, settings, the language and logging out; judges, investors and
merchants find their own entry points here too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parkos.accounts.models import User


@dataclass(frozen=True)
class Wallet:
    points: int  # points recorded on the member's confirmed paid registrations
    coupons: int  # coupons the member can use now


def points_spent(*, viewer: User) -> int:
    """积分: the points recorded on the member's confirmed event registrations (the points paid events cost).

    There is no separate points account yet: a registration records its event's price in points when the
    seat is taken, and a cancelled registration no longer counts."""
    from parkos.events.models import Registration

    total = (Registration.objects.filter(user=viewer, status=Registration.Status.CONFIRMED)
             .aggregate(total=Sum("points"))["total"])
    return int(total or 0)


def wallet_of(*, viewer: User) -> Wallet:
    from parkos.rewards.selectors.wallet import AVAILABLE, wallet_counts

    return Wallet(points=points_spent(viewer=viewer), coupons=wallet_counts(viewer=viewer)[AVAILABLE])


@login_required
def me(request: HttpRequest) -> HttpResponse:
    from parkos.enterprises.selectors import membership_of

    user = request.user
    assert isinstance(user, User)
    # The role entry points use the shell's role flags (core.context_processors), like the header's menu.
    context: dict[str, Any] = {
        "person": user,
        "membership": membership_of(user=user),
        "wallet": wallet_of(viewer=user),
    }
    return render(request, "accounts/me.html", context)
