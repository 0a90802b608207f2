"""Operators look at notifications and preferences (support: "I never got the mail") and may delete;
nobody edits what a member was told or chose."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parkos.notifications.models import Notification, Preference


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "emailed_at", "in_app"]
    list_filter = ["kind", "in_app", ("read_at", admin.EmptyFieldListFilter),
                   ("emailed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__email", "recipient__display_name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "in_app", "email", "updated_at"]
    list_filter = ["kind", "in_app", "email"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
