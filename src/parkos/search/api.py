"""GET /api/v1/search: anyone may search; a logged-in member or a token also sees members-only hits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from parkos.core.parks import park_param
from parkos.search import selectors
from parkos.search.schemas import FacetOut, HitOut, ParkFacetOut, SearchOut

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = ""
    kind: str = ""
    page: int = 1
    sort: str = "relevance"
    park: str = Field("", description="Search one park (code or id); empty: every park")


def _viewer(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        from parkos.accounts.services import token_authenticate

        return token_authenticate(header[7:].strip())
    return getattr(request, "user", None)


@router.get("/search", response=SearchOut, auth=None, summary="Search enterprises, people and more")
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Ranked hits the caller may see, with snippets (HTML: text escaped, matches in <mark>)."""
    # A search query, never stored: the parser reads its first MAX_QUERY_CHARS and says it was shortened.
    park = park_param(params.park)  # an unknown park: 404 in the error envelope
    result = selectors.search(viewer=_viewer(request), q=params.q[:1000], kind=params.kind or None,
                              page=max(1, min(params.page, selectors.MAX_PAGE)),
                              sort="recent" if params.sort == "recent" else "relevance", park=park)
    return {
        "query": result.query, "kind": result.kind, "page": result.page, "pages": result.pages,
        "total": result.total,
        "facets": [FacetOut(kind=k, label=str(label), count=n) for k, label, n in result.facets],
        "park": park.code if park is not None else None,
        "parks": [ParkFacetOut(code=p.code, name=p.display_name(), count=n) for p, n in result.parks],
        "hits": [HitOut(kind=h.kind, kind_label=str(h.kind_label), id=h.object_id, title=h.title, url=h.url,
                        title_html=str(h.title_html), snippet_html=str(h.snippet_html), tags=h.tags,
                        score=h.score) for h in result.hits],
        "suggestion": result.suggestion, "message": str(result.message) if result.message else None,
    }
