from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from parkos.search.models import ParkTerm, SearchDocument
from parkos.search.services import delete_on_commit, index_on_commit
from parkos.search.text import bump_dictionary_version


@admin.register(ParkTerm)
class ParkTermAdmin(admin.ModelAdmin[ParkTerm]):
    list_display = ("term", "note", "created_at")
    search_fields = ("term", "note")

    def save_model(self, request: HttpRequest, obj: ParkTerm, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        bump_dictionary_version()
        messages.info(request, _("New searches use the term at once; run `parkos search-reindex` so that "
                                 "existing content is segmented with it too."))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ParkTerm]) -> None:
        super().delete_queryset(request, queryset)
        bump_dictionary_version()


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin[SearchDocument]):
    list_display = ("kind", "object_id", "title", "visibility", "updated_at")
    list_filter = ("kind", "visibility")
    search_fields = ("title",)
    readonly_fields = [f.name for f in SearchDocument._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReindexOnSaveMixin:
    """Admin edits go around the domain services, so the admin keeps the search index in step itself."""

    search_kind = ""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        index_on_commit(self.search_kind, obj.pk)

    def delete_model(self, request: Any, obj: Any) -> None:
        pk = obj.pk
        super().delete_model(request, obj)  # type: ignore[misc]
        delete_on_commit(self.search_kind, pk)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        for pk in pks:
            delete_on_commit(self.search_kind, pk)
