"""Catalog pages: browse by category, filter, search (through the search domain), service detail."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from parkos.catalog.models import PricingKind
from parkos.catalog.selectors import catalog as selectors
from parkos.core import policy

PER_PAGE = 20


def index(request: HttpRequest) -> HttpResponse:
    # Filters from the query string, not stored: capped so a pasted novel cannot become a LIKE pattern.
    filters = {key: request.GET.get(key, "").strip()[:100] for key in ("q", "category", "provider", "pricing")}
    filters["eligible"] = "1" if request.GET.get("eligible") == "1" else ""
    # The current park's catalog: the portfolio-wide services plus the park's own.
    park = request.park  # type: ignore[attr-defined]
    my_enterprise = selectors.viewer_enterprise(request.user)
    eligible_for = my_enterprise if filters["eligible"] and my_enterprise is not None else None
    qs = selectors.service_list(viewer=request.user, category=filters["category"], provider=filters["provider"],
                                pricing=filters["pricing"], q=filters["q"], eligible_for=eligible_for,
                                park=park)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    current = None
    if filters["category"]:
        current = next((c for c in selectors.category_list(park=park) if c.code == filters["category"]), None)
    context = {
        "page": page, "filters": filters, "tree": selectors.category_tree(park=park), "current_category": current,
        "providers": selectors.provider_list(), "pricings": PricingKind.choices, "my_enterprise": my_enterprise,
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
    }
    template = "catalog/_service_results.html" if getattr(request, "htmx", False) else "catalog/catalog_index.html"
    return render(request, template, context)


def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    # The current park's catalog: another park's own service is not found here.
    service = selectors.service_get(viewer=request.user, service_id=service_id,
                                    park=request.park)  # type: ignore[attr-defined]
    state = selectors.request_state(viewer=request.user, service=service)
    previous: list[Any] = []
    if state.enterprise is not None:
        from parkos.catalog.selectors.orders import order_list

        # Before asking again: what the enterprise already requested of this service.
        previous = list(order_list(viewer=request.user, scope="enterprise", service=service.pk)[:5])
    context = {
        "service": service, "state": state, "previous": previous,
        "can_manage": policy.can(request.user, "catalog.manage", service),
        "eligibility": selectors.eligibility_summary(service),
    }
    return render(request, "catalog/service_detail.html", context)


# This part's routes, gathered by ../urls.py.
urls: list[URLPattern] = [
    path("", index, name="index"),
    path("<int:service_id>/", service_detail, name="service_detail"),
]
