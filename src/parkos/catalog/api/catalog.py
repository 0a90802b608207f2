"""Catalog API: the category tree, providers, services (filtered, searched) and one service."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from parkos.catalog.schemas import CategoryOut, ProviderOut, ServiceDetailOut, ServiceOut
from parkos.catalog.selectors import catalog as selectors
from parkos.core.parks import park_param

router = Router(tags=["catalog"])


def _viewer(request: HttpRequest) -> Any:
    """Public reads: anyone may browse; a caller with a session or token also learns whether they may
    request (and may filter by what their enterprise is eligible for)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        from parkos.accounts.services import token_authenticate

        return token_authenticate(header[7:].strip())
    return getattr(request, "user", None)


@router.get("/service-categories", auth=None, response=list[CategoryOut])
def categories(request: HttpRequest, park: str | None = None) -> Any:
    """With ``park``: the counts of the services offered there."""
    return selectors.category_list(park=park_param(park))


@router.get("/service-providers", auth=None, response=list[ProviderOut])
def providers(request: HttpRequest) -> Any:
    return selectors.provider_list()


@router.get("/services", auth=None, response=list[ServiceOut])
@paginate(PageNumberPagination, page_size=20)
def service_list(request: HttpRequest, q: str = "", category: str = "", provider: int | None = None,
                 pricing: str = "", eligible: bool = False, park: str | None = None) -> Any:
    """``eligible=true`` keeps only what the caller's enterprise may request. ``park`` (code or id): the
    services offered there; without it, the portfolio-wide ones and the own ones of the caller's parks."""
    viewer = _viewer(request)
    enterprise = selectors.viewer_enterprise(viewer) if eligible else None
    # The query is a search, not stored: capped, a longer one would match nothing more.
    return selectors.service_list(viewer=viewer, q=q[:100], category=category, provider=provider,
                                  pricing=pricing, eligible_for=enterprise, park=park_param(park))


@router.get("/services/{service_id}", auth=None, response=ServiceDetailOut)
def service_get(request: HttpRequest, service_id: int, park: str | None = None) -> Any:
    viewer = _viewer(request)
    service = selectors.service_get(viewer=viewer, service_id=service_id, park=park_param(park))
    state = selectors.request_state(viewer=viewer, service=service)
    service.request = {  # type: ignore[attr-defined]
        "allowed": state.allowed, "reason": str(state.reason),
        "enterprise_id": state.enterprise.pk if state.enterprise else None,
    }
    service.eligibility_text = selectors.eligibility_summary(service)  # type: ignore[attr-defined]
    return service
