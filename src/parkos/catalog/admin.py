"""Back office for the catalog domain. Top half: catalog and service orders; the workspace and policy
parts append their sections at the bottom."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from parkos.catalog.models import (
    Category,
    OrderAttachment,
    OrderComment,
    OrderEvent,
    Provider,
    ProviderMember,
    ReplyTemplate,
    Service,
    ServiceOrder,
)
from parkos.catalog.services.catalog import (
    eligibility_validate,
    fields_validate,
    materials_en_validate,
    materials_validate,
)
from parkos.search.admin import ReindexOnSaveMixin
from parkos.search.services import index_on_commit

# --- catalog ---------------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["code", "name_zh", "name_en", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["code", "name_zh", "name_en"]
    list_editable = ["position"]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Services carry their category's name in the index.
        for pk in obj.services.values_list("pk", flat=True):
            index_on_commit("service", pk)


class ProviderMemberInline(admin.TabularInline[ProviderMember, Provider]):
    model = ProviderMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin[Provider]):
    list_display = ["name", "is_park", "contact_phone", "contact_email", "is_active"]
    list_filter = ["is_park", "is_active"]
    search_fields = ["name", "name_en"]
    autocomplete_fields = ["enterprise"]
    inlines = [ProviderMemberInline]

    def save_model(self, request: HttpRequest, obj: Provider, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for pk in obj.services.values_list("pk", flat=True):
            index_on_commit("service", pk)


class ServiceAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Service
        fields = ["code", "category", "provider", "name_zh", "name_en", "description_zh", "description_en",
                  "pricing", "price", "sla_days", "materials", "materials_en", "fields", "eligibility", "tags",
                  "is_active", "park"]

    def clean(self) -> dict[str, Any]:
        # The same checks as services.catalog.service_save: request form, eligibility, materials.
        cleaned: dict[str, Any] = super().clean() or {}
        for name, check in (("fields", fields_validate), ("eligibility", eligibility_validate),
                            ("materials", materials_validate), ("materials_en", materials_en_validate)):
            if name in cleaned:
                try:
                    cleaned[name] = check(cleaned[name])
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned


@admin.register(Service)
class ServiceAdmin(ReindexOnSaveMixin, admin.ModelAdmin[Service]):
    form = ServiceAdminForm
    search_kind = "service"
    list_display = ["code", "name_zh", "category", "provider", "pricing", "price", "sla_days", "park", "is_active"]
    list_filter = ["is_active", "park", "pricing", "category", "provider"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["category", "provider", "park"]
    autocomplete_fields = ["provider"]
    actions = ["deactivate", "activate"]

    @admin.action(description="Deactivate the selected services")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        self._set_active(queryset, False)

    @admin.action(description="Activate the selected services")
    def activate(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        self._set_active(queryset, True)

    def _set_active(self, queryset: QuerySet[Service], value: bool) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        Service.objects.filter(pk__in=pks).update(is_active=value)
        for pk in pks:
            index_on_commit("service", pk)


# --- service orders --------------------------------------------------------------------------------


class OrderEventInline(admin.TabularInline[OrderEvent, ServiceOrder]):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "action", "from_status", "to_status", "reason")
    readonly_fields = ("created_at", "actor", "action", "from_status", "to_status", "reason")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderCommentInline(admin.TabularInline[OrderComment, ServiceOrder]):
    model = OrderComment
    extra = 0
    fields = ["created_at", "author", "internal", "body"]
    readonly_fields = ["created_at", "author"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderAttachmentInline(admin.TabularInline[OrderAttachment, ServiceOrder]):
    model = OrderAttachment
    extra = 0
    can_delete = False
    fields = ("name", "content_type", "size", "uploaded_by", "created_at")
    readonly_fields = ("name", "content_type", "size", "uploaded_by", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceOrder)
class ServiceOrderAdmin(admin.ModelAdmin[ServiceOrder]):
    """Read-mostly: status changes go through the order page, so that the timeline stays true."""

    list_display = ["number", "service", "enterprise", "park", "status", "butler", "provider", "submitted_at",
                    "due_on", "rating"]
    list_filter = ["park", "status", "service__category", "provider"]
    search_fields = ["number", "enterprise__name", "service__name_zh"]
    date_hierarchy = "submitted_at"
    list_select_related = ["service", "enterprise", "park", "butler", "provider"]
    autocomplete_fields = ["butler"]
    readonly_fields = ["number", "enterprise", "park", "service", "requested_by", "provider", "status", "answers", "note",
                       "idempotency_key", "sla_days", "due_on", "paused_at", "paused_workdays", "submitted_at",
                       "accepted_at", "delivered_at", "closed_at", "overdue_notified_at", "rating", "rating_comment",
                       "plan_item"]
    inlines = [OrderEventInline, OrderCommentInline, OrderAttachmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin[ReplyTemplate]):
    list_display = ["title", "owner"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["owner"]


# --- butler workspace (catalog-workspace) ------------------------------------------------------------


# --- policies, reports (catalog-policy) --------------------------------------------------------------


# ---- catalog-policy: policies and enterprise facts (appended by the catalog-policy part) ----------

from parkos.catalog.forms_policy import PolicyAdminForm  # noqa: E402
from parkos.catalog.models import EnterpriseFacts, Policy  # noqa: E402
from parkos.catalog.services.policies import policy_reindex  # noqa: E402


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin[Policy]):
    """Rules are validated by the same function as ``policy_save`` (PolicyAdminForm.clean_rules)."""

    form = PolicyAdminForm
    list_display = ["code", "title", "issuer", "deadline", "service", "park", "is_active"]
    list_filter = ["is_active", "park", "issuer"]
    search_fields = ["code", "title", "issuer", "summary"]
    autocomplete_fields = ["service"]
    date_hierarchy = "deadline"

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        policy_reindex(policy_id=obj.pk, active=obj.is_active)

    def delete_model(self, request: HttpRequest, obj: Policy) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        policy_reindex(policy_id=pk, active=False)


@admin.register(EnterpriseFacts)
class EnterpriseFactsAdmin(admin.ModelAdmin[EnterpriseFacts]):
    list_display = ["enterprise", "revenue_band", "patents", "high_tech", "updated_at"]
    list_filter = ["revenue_band", "high_tech"]
    search_fields = ["enterprise__name"]
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["updated_by"]


# --- the butler's workspace (catalog-workspace) ------------------------------------------------------

from django.utils.translation import gettext_lazy as _  # noqa: E402

from parkos.catalog.models import Appointment, AppointmentSlot, ButlerNote, Plan, PlanItem  # noqa: E402


@admin.register(ButlerNote)
class ButlerNoteAdmin(admin.ModelAdmin[ButlerNote]):
    """Butlers' private notes on enterprises (park staff only: the admin is operators-only)."""

    list_display = ["enterprise", "author", "created_at", "short"]
    search_fields = ["enterprise__name", "body"]
    autocomplete_fields = ["enterprise"]
    raw_id_fields = ["author"]
    date_hierarchy = "created_at"

    @admin.display(description=_("note"))
    def short(self, obj: ButlerNote) -> str:
        return obj.body[:60]  # an excerpt for the list, not stored


class AppointmentInline(admin.TabularInline[Appointment, AppointmentSlot]):
    model = Appointment
    extra = 0
    fields = ["member", "enterprise", "topic", "status", "cancelled_by", "cancel_reason"]
    raw_id_fields = ["member", "enterprise", "cancelled_by"]


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin[AppointmentSlot]):
    list_display = ["butler", "starts_at", "ends_at", "mode", "place", "withdrawn_at"]
    list_filter = ["mode"]
    raw_id_fields = ["butler"]
    date_hierarchy = "starts_at"
    inlines = [AppointmentInline]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin[Appointment]):
    list_display = ["slot", "member", "enterprise", "topic", "status"]
    list_filter = ["status"]
    search_fields = ["topic", "enterprise__name", "member__display_name"]
    raw_id_fields = ["slot", "member", "enterprise", "cancelled_by"]


class PlanItemInline(admin.TabularInline[PlanItem, Plan]):
    model = PlanItem
    extra = 0
    fields = ["position", "kind", "service", "reason", "score", "suggested"]
    autocomplete_fields = ["service"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    list_display = ["enterprise", "butler", "status", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["enterprise__name", "message"]
    autocomplete_fields = ["enterprise"]
    raw_id_fields = ["butler"]
    inlines = [PlanItemInline]
