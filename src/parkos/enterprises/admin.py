from django.contrib import admin

from parkos.enterprises.models import Building, Enterprise, Industry, Invitation, Membership
from parkos.search.admin import ReindexOnSaveMixin


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "floors"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "status", "title"]


@admin.register(Enterprise)
class EnterpriseAdmin(ReindexOnSaveMixin, admin.ModelAdmin):
    search_kind = "enterprise"
    list_display = ["name", "short_name", "industry", "stage", "headcount", "building", "butler", "is_active"]
    list_filter = ["industry", "stage", "headcount", "building", "is_active"]
    search_fields = ["name", "name_en", "short_name", "credit_code"]
    autocomplete_fields = ["butler", "created_by"]
    inlines = [MembershipInline]
    list_select_related = ["industry", "building", "butler"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__display_name", "user__email", "enterprise__name"]
    autocomplete_fields = ["user", "enterprise"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "code", "max_uses", "uses", "expires_at", "revoked_at"]
    list_filter = ["requires_approval", "revoked_at"]
    search_fields = ["enterprise__name", "code"]
    autocomplete_fields = ["enterprise", "created_by"]
    readonly_fields = ["token"]
