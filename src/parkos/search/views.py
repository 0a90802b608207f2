from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parkos.search import selectors


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 4 else 1


def results(request: HttpRequest) -> HttpResponse:
    """The results page: facets by kind, sorting, pages. htmx requests get only the results block."""
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    sort = "recent" if request.GET.get("sort") == "recent" else "relevance"
    result = selectors.search(viewer=request.user, q=q, kind=kind or None, page=_page(request), sort=sort)
    context = {"result": result, "q": result.query, "kind": result.kind or "", "sort": sort}
    template = "search/_results.html" if getattr(request, "htmx", False) else "search/results.html"
    return render(request, template, context)


def suggest(request: HttpRequest) -> HttpResponse:
    """Instant results under the header search box (htmx), the first few hits."""
    q = request.GET.get("q", "")
    result = selectors.search(viewer=request.user, q=q, per_page=6) if q.strip() else None
    return render(request, "search/_suggest.html", {"result": result, "q": q})
