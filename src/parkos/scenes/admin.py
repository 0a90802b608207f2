from django.contrib import admin

from parkos.scenes.models import Attachment, Deal, DealEvent, Message, Milestone, Response, Review, Scene
from parkos.search.admin import ReindexOnSaveMixin


class AttachmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Attachment
    extra = 0
    fields = ["name", "content_type", "size", "uploaded_by"]
    readonly_fields = ("name", "content_type", "size", "uploaded_by",)


@admin.register(Scene)
class SceneAdmin(ReindexOnSaveMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    search_kind = "scene"
    list_display = ["title", "kind", "status", "audience", "park", "publisher", "enterprise", "budget_fen",
                    "published_at"]
    list_filter = ["park", "status", "kind", "audience"]
    search_fields = ["title", "publisher__display_name", "enterprise__name"]
    autocomplete_fields = ["publisher", "enterprise", "invited"]
    list_select_related = ["publisher", "enterprise", "park"]
    inlines = [AttachmentInline]
    show_full_result_count = False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["scene", "responder", "enterprise", "price_fen", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["scene__title", "responder__display_name"]
    raw_id_fields = ["scene", "responder", "enterprise"]
    list_select_related = ["scene", "responder", "enterprise"]
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["response", "author", "created_at"]
    raw_id_fields = ["response", "author"]


class MilestoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Milestone
    extra = 0
    fields = ["position", "title", "amount_fen", "due_on", "status", "payment"]
    readonly_fields = ("position", "title", "amount_fen", "due_on", "status", "payment",)
    can_delete = False


class DealEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DealEvent
    extra = 0
    fields = ["created_at", "actor", "action", "milestone", "from_state", "to_state", "reason"]
    readonly_fields = ("created_at", "actor", "action", "milestone", "from_state", "to_state", "reason",)
    can_delete = False


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: a deal's amounts and states move only through services (and the ledger); operators
    resolve disputes on the deal's page in the app, which records the reason."""

    list_display = ["title", "park", "publisher", "provider", "amount_fen", "paid_fen", "status", "created_at"]
    list_filter = ["park", "status", "resolution"]
    search_fields = ["title", "publisher__display_name", "provider__display_name"]
    list_select_related = ["publisher", "provider", "park"]
    inlines = [MilestoneInline, DealEventInline]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["deal", "author", "subject", "rating", "created_at"]
    list_filter = ["rating"]
    raw_id_fields = ["deal", "author", "subject"]
