"""The dashboards' tables in the back office: the daily rollups (read-only: the job writes them), each park's
last rollup run, and the lobby display links (revoked from here or from the display links page; a link is
made on that page, where its token is shown once). Each operator sees the rows of their own parks.
Imported by insights/admin.py."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from parkos.core import policy
from parkos.insights.models import DailyFigure, RollupRun, Screen
from parkos.insights.services.screens import screen_revoke


class _ParkScoped:
    """The rows of the parks where the operator works (portfolio operators every park's; superusers all)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs  # type: ignore[no-any-return]
        where = policy.scope_filter(request.user, policy.OPERATOR)
        return qs.none() if where is None else qs.filter(**where)  # type: ignore[no-any-return]


@admin.register(DailyFigure)
class DailyFigureAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("day", "park", "metric", "key", "value")
    list_filter = ("park", "metric")
    search_fields = ("metric", "key")
    date_hierarchy = "day"
    ordering = ("-day", "metric", "key")
    list_select_related = ("park",)
    show_full_result_count = False  # a park-year is a few hundred thousand rows

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RollupRun)
class RollupRunAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("park", "through", "ran_at", "seconds")
    readonly_fields = ("park", "ran_at", "seconds")
    fields = ("park", "through", "ran_at", "seconds")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by the first run; moving ``through`` back makes the next run recompute from there


@admin.register(Screen)
class ScreenAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "park", "created_by", "created_at", "last_seen_at", "revoked_at")
    list_filter = ("park", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name",)
    fields = ("park", "name", "created_by", "created_at", "last_seen_at", "revoked_at")
    readonly_fields = ("park", "created_by", "created_at", "last_seen_at", "revoked_at")
    list_select_related = ("park", "created_by")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made on the display links page, which shows the link once

    @admin.action(description=_("Revoke the selected display links"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Screen]) -> None:
        done = sum(1 for screen in queryset.select_related("park") if screen_revoke(actor=request.user, screen=screen))
        self.message_user(request, ngettext("%(n)d display link revoked.", "%(n)d display links revoked.", done)
                          % {"n": done}, messages.SUCCESS)
