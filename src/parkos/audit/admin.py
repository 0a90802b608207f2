"""The audit log in the Django admin: read-only (no add, change or delete, no bulk action), each operator
seeing their parks' entries (portfolio operators and superusers all)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from parkos.audit.models import AuditEntry
from parkos.core import policy


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "actor_name", "park", "kind", "action", "object_repr", "method", "path", "ip")
    list_filter = ("kind", "park")
    search_fields = ("action", "actor_name", "object_repr", "path", "route", "request_id")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    list_select_related = ("park",)
    show_full_result_count = False
    actions = None
    readonly_fields = ("at", "actor", "actor_name", "actor_roles", "park", "kind", "action", "object_type",
                       "object_id", "object_repr", "method", "route", "path", "ip", "request_id", "detail")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        where = policy.scope_filter(request.user, policy.OPERATOR)
        return qs.none() if where is None else qs.filter(**where)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
