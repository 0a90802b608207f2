"""The competition in the Django admin, the operators' back office. Everything here is read-only and scoped
to the parks the operator works in: editions are configured, applications judged and awards delivered
through the competition's own pages (competitions:manage), whose services check deadlines, conflicts of
interest, locks and audits — the admin must not be a way around them. A score changed here would escape
its ScoreChange audit, so scores are only looked at."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from parkos.competitions.models import (
    Appeal,
    Application,
    Assignment,
    Award,
    Delivery,
    Edition,
    Judge,
    Score,
    ScoreChange,
)
from parkos.core import policy


class _ReadOnlyScoped(admin.ModelAdmin):  # type: ignore[type-arg]
    park_field = "park_id"
    show_full_result_count = False  # scores and assignments run to hundreds of thousands over the years

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        where = policy.scope_filter(request.user, policy.OPERATOR, self.park_field)
        return qs.none() if where is None else qs.filter(**where)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Edition)
class EditionAdmin(_ReadOnlyScoped):
    list_display = ("year", "name_zh", "park", "status", "call_opens_at", "deadline_at")
    list_filter = ("park", "status")
    search_fields = ("name_zh", "name_en")


@admin.register(Application)
class ApplicationAdmin(_ReadOnlyScoped):
    list_display = ("number", "project_name", "team_name", "edition", "track", "status", "submitted_at", "eliminated")
    list_filter = ("status", "edition__year", "eliminated")
    search_fields = ("number", "project_name", "team_name")
    list_select_related = ("edition", "track")
    raw_id_fields = ("applicant", "enterprise", "current_round")


@admin.register(Judge)
class JudgeAdmin(_ReadOnlyScoped):
    park_field = "edition__park_id"
    list_display = ("user", "edition", "title", "max_load", "is_active")
    list_filter = ("edition__year", "is_active")
    list_select_related = ("user", "edition")
    raw_id_fields = ("user",)


@admin.register(Assignment)
class AssignmentAdmin(_ReadOnlyScoped):
    park_field = "round__edition__park_id"
    list_display = ("application", "judge", "round", "status", "extra", "recusal_reason", "created_at")
    list_filter = ("status", "extra", "round__kind")
    list_select_related = ("application", "judge__user", "round")
    raw_id_fields = ("application", "judge", "assigned_by")


@admin.register(Score)
class ScoreAdmin(_ReadOnlyScoped):
    park_field = "round__edition__park_id"
    list_display = ("application", "judge", "round", "total", "status", "submitted_at")
    list_filter = ("status", "round__kind")
    list_select_related = ("application", "judge__user", "round")
    raw_id_fields = ("assignment", "application", "judge")


@admin.register(ScoreChange)
class ScoreChangeAdmin(_ReadOnlyScoped):
    park_field = "score__round__edition__park_id"
    list_display = ("score", "actor", "reason", "at")
    raw_id_fields = ("score", "actor")


@admin.register(Appeal)
class AppealAdmin(_ReadOnlyScoped):
    park_field = "entry__application__park_id"
    list_display = ("entry", "author", "status", "created_at", "answered_at")
    list_filter = ("status",)
    raw_id_fields = ("entry", "author", "answered_by")


@admin.register(Award)
class AwardAdmin(_ReadOnlyScoped):
    park_field = "edition__park_id"
    list_display = ("application", "tier", "rank", "edition", "granted_at")
    list_select_related = ("application", "tier", "edition")
    raw_id_fields = ("application", "granted_by")


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnlyScoped):
    park_field = "award__edition__park_id"
    list_display = ("award", "benefit", "status", "order", "allocation", "error", "updated_at")
    list_filter = ("status", "benefit__kind")
    raw_id_fields = ("award", "order", "allocation")
