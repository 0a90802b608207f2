from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parkos.core.parks import park_param
from parkos.search import selectors


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 4 else 1


def park_facets(result: selectors.SearchResult, current: Any) -> list[tuple[Any, int, bool]]:
    """(park, hits, is the current park) for the park facet: the current park first (even with no hits),
    then the other parks with hits, in the portfolio's order."""
    counts = {park.pk: n for park, n in result.parks}
    facets = [(park, n, False) for park, n in result.parks if current is None or park.pk != current.pk]
    if current is not None:
        facets.insert(0, (current, counts.get(current.pk, 0), True))
    return facets


def results(request: HttpRequest) -> HttpResponse:
    """The results page: facets by kind and by park (all parks by default, the current park first),
    sorting, pages. htmx requests get only the results block."""
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    sort = "recent" if request.GET.get("sort") == "recent" else "relevance"
    park = park_param(request.GET.get("park"))
    result = selectors.search(viewer=request.user, q=q, kind=kind or None, page=_page(request), sort=sort,
                              park=park)
    context = {"result": result, "q": result.query, "kind": result.kind or "", "sort": sort,
               "park": park.code if park is not None else "",
               "park_facets": park_facets(result, getattr(request, "park", None))}
    template = "search/_results.html" if getattr(request, "htmx", False) else "search/results.html"
    return render(request, template, context)


def suggest(request: HttpRequest) -> HttpResponse:
    """Instant results under the header search box (htmx), the first few hits."""
    q = request.GET.get("q", "")
    result = selectors.search(viewer=request.user, q=q, per_page=6) if q.strip() else None
    return render(request, "search/_suggest.html", {"result": result, "q": q})
