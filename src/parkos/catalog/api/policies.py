"""Policy matching API: open policies, an enterprise's matches, a portfolio's matrix, facts, applying."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.catalog.eligibility import PolicyMatch
from parkos.catalog.schemas_policy import (
    ApplyIn,
    ApplyOut,
    FactsIn,
    FactsOut,
    MatchesOut,
    PolicyOut,
    PortfolioOut,
)
from parkos.catalog.selectors import policies as selectors
from parkos.catalog.services import policies as services
from parkos.core.errors import NotFound
from parkos.core.parks import park_param
from parkos.enterprises.models import Enterprise

router = Router(tags=["catalog"])


def _match(m: PolicyMatch) -> dict[str, Any]:
    return {"policy": m.policy, "status": m.status,
            "conditions": [{"field": c.field, "label": c.label, "met": c.met, "missing": c.missing}
                           for c in m.conditions]}


def _enterprise(enterprise_id: int) -> Enterprise:
    enterprise = Enterprise.objects.filter(pk=enterprise_id, is_active=True).first()
    if enterprise is None:
        raise NotFound()
    return enterprise


@router.get("/policies", auth=None, response=list[PolicyOut])
@paginate(PageNumberPagination, page_size=20)
def policy_list(request: HttpRequest, q: str = "", park: str | None = None) -> Any:
    """``park`` (code or id): the policies offered there; without it, the portfolio-wide ones and the own
    ones of the caller's parks."""
    return selectors.policy_list(viewer=getattr(request, "user", None), q=q[:100],  # a search query, not stored
                                 park=park_param(park))


@router.get("/policies/portfolio", response=PortfolioOut)
def policy_portfolio(request: HttpRequest, butler_id: int | None = None, park: str | None = None) -> Any:
    """Every open policy against the caller's portfolio (operators: a butler's, or every enterprise of
    their parks), in the parks where the caller holds the role or in ``park``."""
    matrix = selectors.portfolio_matrix(viewer=request.user, butler_id=butler_id, park=park_param(park))
    return {"policies": matrix.policies,
            "rows": [{"enterprise_id": r.enterprise.pk, "enterprise": r.enterprise.name,
                      "qualifies": [m.policy.pk for m in r.qualifies], "nearly": [m.policy.pk for m in r.nearly]}
                     for r in matrix.rows]}


@router.get("/policies/{policy_id}", auth=None, response=PolicyOut)
def policy_get(request: HttpRequest, policy_id: int, park: str | None = None) -> Any:
    return selectors.policy_get(viewer=getattr(request, "user", None), policy_id=policy_id, park=park_param(park))


@router.get("/enterprises/{enterprise_id}/policy-matches", response=MatchesOut)
def policy_matches(request: HttpRequest, enterprise_id: int) -> Any:
    result = selectors.matches_for(viewer=request.user, enterprise_id=enterprise_id)
    return {"enterprise_id": enterprise_id, "qualifies": [_match(m) for m in result.qualifies],
            "nearly": [_match(m) for m in result.nearly], "not_eligible": [_match(m) for m in result.not_eligible]}


@router.put("/enterprises/{enterprise_id}/policy-facts", response=FactsOut)
def policy_facts(request: HttpRequest, enterprise_id: int, payload: FactsIn) -> Any:
    facts = services.facts_save(actor=request.user, enterprise=_enterprise(enterprise_id),  # type: ignore[arg-type]
                                revenue_band=payload.revenue_band, patents=payload.patents,
                                high_tech=payload.high_tech)
    return {"enterprise_id": enterprise_id, "revenue_band": facts.revenue_band, "patents": facts.patents,
            "high_tech": facts.high_tech}


@router.post("/policies/{policy_id}/apply", response={200: ApplyOut, 201: ApplyOut})
def policy_apply(request: HttpRequest, policy_id: int, payload: ApplyIn) -> Status[Any]:
    """Apply through the policy's service: a service order (idempotent by ``Idempotency-Key``)."""
    item = selectors.policy_get(viewer=request.user, policy_id=policy_id)
    key = request.headers.get("Idempotency-Key") or payload.idempotency_key
    order, created = services.policy_apply(actor=request.user, enterprise=_enterprise(payload.enterprise_id),  # type: ignore[arg-type]
                                           item=item, idempotency_key=key, answers=payload.answers,
                                           note=payload.note)
    return Status(201 if created else 200, {"order_id": order.pk, "number": order.number, "status": order.status,
                                            "created": created})
