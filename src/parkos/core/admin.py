"""The ledger in the back office: operators read it; nobody adds, changes or deletes a row here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parkos.core.models import LedgerEntry, LedgerOperation


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LedgerEntryInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ["account", "amount", "subject_type", "subject_id"]
    readonly_fields = ("account", "amount", "subject_type", "subject_id",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerOperation)
class LedgerOperationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "scope", "kind", "subject_type", "subject_id", "actor_id", "key"]
    list_filter = ["scope", "kind"]
    search_fields = ["key", "=subject_id"]
    inlines = [LedgerEntryInline]
    show_full_result_count = False  # millions of rows: no COUNT(*) per page


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "operation", "subject_type", "subject_id", "account", "amount"]
    list_filter = ["account"]
    search_fields = ["=subject_id"]
    list_select_related = ["operation"]
    show_full_result_count = False
