"""Pages: the network's matching — an investor's matched enterprises, an enterprise's matched investors.
Cards with the reasons of each match; the same services as the API (a refusal is the policy's 403 page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from parkos.enterprises.selectors import enterprise_get
from parkos.network.services import matching

PAGE_LIMIT = 20


@login_required
def matched_enterprises(request: HttpRequest) -> HttpResponse:
    """The signed-in investor's matched enterprises; with an empty thesis, a card asking to fill it in."""
    investor = matching.investor_of(request.user)
    found = matching.enterprises_for_investor(viewer=request.user, investor=investor, limit=PAGE_LIMIT)
    return render(request, "network/matching/enterprises.html", {
        "investor": investor, "matches": found, "has_thesis": matching.investor_has_thesis(investor),
    })


@login_required
def matched_investors(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    found = matching.investors_for_enterprise(viewer=request.user, enterprise=enterprise, limit=PAGE_LIMIT)
    return render(request, "network/matching/investors.html", {"enterprise": enterprise, "matches": found})


urlpatterns: list[URLPattern] = [
    path("matching/enterprises/", matched_enterprises, name="matching_enterprises"),
    path("matching/enterprises/<int:enterprise_id>/investors/", matched_investors, name="matching_investors"),
]
