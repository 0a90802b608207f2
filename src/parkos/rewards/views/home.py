"""The rewards hub (/rewards/): every rewards page a person may use, grouped by who looks — a member's
wallet (counts and the coupon that expires first), gift packs to claim, service credits and pickups; a
merchant's staff their tills (and, for owners, statements); the park's operators templates, rules, packs,
merchants, figures and flags, with today's redemptions — so nothing a role can use is left unlinked."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from parkos.rewards.models import MerchantStaff
from parkos.rewards.selectors.figures import hub_get


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    hub = hub_get(viewer=request.user, park=request.park)  # type: ignore[attr-defined]
    return render(request, "rewards/home.html", {"hub": hub, "park": hub.park, "owner": MerchantStaff.Role.OWNER})


urlpatterns: list[URLPattern] = [path("", hub, name="home")]
