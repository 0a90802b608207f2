from django.contrib import admin

from parkos.events.models import CalendarFeed, CheckIn, Event, Registration
from parkos.search.admin import ReindexOnSaveMixin


@admin.register(Event)
class EventAdmin(ReindexOnSaveMixin, admin.ModelAdmin):
    search_kind = "event"
    list_display = ["title", "park", "starts_at", "audience", "capacity", "enterprise", "created_by", "status"]
    list_filter = ["park", "status", "audience", "place_kind"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["created_by", "enterprise", "invitees"]
    readonly_fields = ["created_at", "updated_at", "reminded_at", "cancelled_at"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "status", "queued_at", "offer_expires_at", "points"]
    list_filter = ["park", "status"]
    search_fields = ["event__title", "user__display_name", "user__email", "ticket_hash"]
    autocomplete_fields = ["event", "user"]
    # Tickets are issued by the service (signed payload and its hash); the admin never edits them.
    # The park is the event's, copied by the service.
    readonly_fields = ["park", "ticket_code", "ticket_hash", "created_at", "updated_at"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["registration", "checked_in_at", "device", "by"]
    search_fields = ["registration__user__display_name", "registration__event__title"]
    raw_id_fields = ["registration", "event", "by"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    exclude = ["token"]
