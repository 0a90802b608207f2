from __future__ import annotations

from ninja import Schema


class HitOut(Schema):
    kind: str
    kind_label: str
    id: int
    title: str
    url: str
    title_html: str
    snippet_html: str
    tags: list[str]
    score: float


class FacetOut(Schema):
    kind: str
    label: str
    count: int


class ParkFacetOut(Schema):
    code: str
    name: str
    count: int


class SearchOut(Schema):
    query: str
    kind: str | None
    page: int
    pages: int
    total: int
    facets: list[FacetOut]
    park: str | None  # the park filter's code; None: every park
    parks: list[ParkFacetOut]  # hits per park (portfolio-wide hits count under every park only)
    hits: list[HitOut]
    suggestion: str | None
    message: str | None
