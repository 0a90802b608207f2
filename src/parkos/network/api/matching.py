"""API: the network's matching under /api/v1/network/ — an investor's matched enterprises, an enterprise's
matched investors. Reads only; each match carries its reasons in the client's language."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from parkos.core.schemas import Id
from parkos.enterprises.selectors import enterprise_get
from parkos.network.schemas_matching import (
    EnterpriseMatchesOut,
    InvestorMatchesOut,
    enterprise_match_out,
    investor_match_out,
)
from parkos.network.services import matching

router = Router(tags=["network: matching"])


@router.get("/matches/enterprises", response=EnterpriseMatchesOut)
def matches_enterprises(request: HttpRequest, limit: int = 10) -> Any:
    """The park enterprises that fit the signed-in investor's thesis and history, best first (``limit``
    1–50), without those they invested in. Members with the investor role; ``has_thesis`` is false while
    the investor has no thesis to match."""
    investor = matching.investor_of(request.user)
    found = matching.enterprises_for_investor(viewer=request.user, investor=investor, limit=limit)
    return {"has_thesis": matching.investor_has_thesis(investor),
            "matches": [enterprise_match_out(m) for m in found]}


@router.get("/enterprises/{enterprise_id}/matches", response=InvestorMatchesOut)
def matches_investors(request: HttpRequest, enterprise_id: Id, limit: int = 10) -> Any:
    """The listed investors who accept introductions and fit the enterprise, best first (``limit`` 1–50).
    The enterprise's staff, its butler and the park's operators."""
    enterprise = enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    found = matching.investors_for_enterprise(viewer=request.user, enterprise=enterprise, limit=limit)
    return {"enterprise_id": enterprise.pk, "matches": [investor_match_out(m) for m in found]}
