"""Pagination for long lists whose exact length costs more than the page itself.

``CappedPaginator`` counts at most ``cap`` rows (``SELECT COUNT(*) FROM (… LIMIT cap)``), so the
total of a board with 150,000 scenes behind a visibility filter costs as little as its first pages.
Past the cap the page says "of 50+" and offers "Next" while there are more rows; people narrow the
list with its filters rather than page through thousands (the way large sites cap result counts)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from ninja import Field
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap_pages: int = 50, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap_pages * per_page

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        return int(rows[: self.cap + 1].count())

    @property
    def capped(self) -> bool:
        """More rows than were counted: the page count is a lower bound."""
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, self.cap // self.per_page)


MAX_PAGE = 10**9  # page × page size stays far inside a 64-bit OFFSET (the SQL offset used to overflow)


class PageNumberPagination(NinjaPageNumberPagination):
    """Ninja's page-number pagination with a bounded page: past ``MAX_PAGE`` a 422 (translated by
    config/api.py), past the last page an empty page, never an OFFSET the database cannot hold.

    (RequestEdgeMiddleware refuses such pages for every API list too, whichever class it uses.)"""

    class PageInput(NinjaPageNumberPagination.Input):  # not "Input": components are named by class
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)

    Input = PageInput


def capped_api_pagination(cap: int = 1000) -> type:
    """Page-number pagination whose ``count`` stops at ``cap`` + 1 (``count > cap`` means "more")."""

    class CappedPageNumberPagination(PageNumberPagination):
        def _items_count(self, queryset: Any) -> int:
            return int(queryset.all()[: cap + 1].count())

    return CappedPageNumberPagination


def kept_api_pagination(name: str, sets: Iterable[str]) -> type:
    """Page-number pagination whose pages (the rows and the count) are kept in the shared cache until one of
    the data sets ``sets`` changes (core/generations.py): for public lists that are the same for every
    viewer. The view still runs first, so its permission check and its parameters' validation do too; only
    the page's queries are saved. Rows are serialized per request (their language is the request's)."""
    names = list(sets)

    class KeptPageNumberPagination(PageNumberPagination):
        def paginate_queryset(self, queryset: Any, pagination: Any, request: Any, **params: Any) -> Any:
            from parkos.core.generations import token_cached

            def compute() -> dict[str, Any]:
                page = super(KeptPageNumberPagination, self).paginate_queryset(queryset, pagination, request)
                return {**page, self.items_attribute: list(page[self.items_attribute])}

            query = urlencode(sorted((key, str(value)) for key, value in params.items()))[:400]
            size = self._get_page_size(pagination.page_size)
            return token_cached(names, f"api-page:{name}:{query}:{pagination.page}:{size}", compute, seconds=600)

    return KeptPageNumberPagination
