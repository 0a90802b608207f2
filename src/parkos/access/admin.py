"""Access in the Django admin, read-mostly for portfolio operators: secrets (key hashes, card hashes, QR
salts) are never shown or edited there; keys and credentials are issued by the services."""

from django.contrib import admin

from parkos.access.models import (
    AccessPreference,
    AccessSettings,
    App,
    Area,
    BlockedVisitor,
    Credential,
    DailyPresence,
    Delivery,
    DeviceKey,
    Feedback,
    Gate,
    OccupancyHour,
    Passage,
    Reading,
    RollupMark,
    SensitiveRead,
    VisitorPass,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AccessSettings)
class AccessSettingsAdmin(admin.ModelAdmin):
    list_display = ["park", "late_after", "passage_retention_days", "clock_skew_tolerance"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "park", "building", "opens_at", "closes_at", "open_on_weekends", "is_active"]
    list_filter = ["park", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["building"]


@admin.register(Gate)
class GateAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "park", "direction", "is_active", "last_seen_at", "clock_offset"]
    list_filter = ["park", "direction", "is_active"]
    search_fields = ["name", "area__name"]
    raw_id_fields = ["area", "vendor_enterprise"]
    readonly_fields = ["last_seen_at", "clock_offset", "created_at"]


@admin.register(DeviceKey)
class DeviceKeyAdmin(ReadOnlyAdmin):
    list_display = ["gate", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["key_hash"]


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ["user", "park", "kind", "label", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["park", "kind"]
    search_fields = ["user__display_name", "label"]
    exclude = ["value_hash", "salt", "last_window"]


@admin.register(Passage)
class PassageAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "gate", "direction", "user", "result", "reason", "clock_skew"]
    list_filter = ["park", "result", "direction"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["gate", "credential", "user", "visitor"]


@admin.register(DailyPresence)
class DailyPresenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "park", "day", "first_in", "last_out", "seconds_inside", "late"]
    list_filter = ["park", "late"]
    date_hierarchy = "day"


@admin.register(OccupancyHour)
class OccupancyHourAdmin(ReadOnlyAdmin):
    list_display = ["park", "building", "hour", "person_seconds", "people"]
    list_filter = ["park"]


@admin.register(RollupMark)
class RollupMarkAdmin(ReadOnlyAdmin):
    list_display = ["park", "day", "marked_at"]


@admin.register(AccessPreference)
class AccessPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "share_with_enterprise", "temperature_screening", "updated_at"]


@admin.register(VisitorPass)
class VisitorPassAdmin(ReadOnlyAdmin):
    list_display = ["name", "park", "host", "valid_from", "valid_until", "status", "walk_in"]
    list_filter = ["park", "status"]
    exclude = ["token_hash"]


@admin.register(BlockedVisitor)
class BlockedVisitorAdmin(ReadOnlyAdmin):
    list_display = ["mobile", "name", "park", "until", "created_at"]
    list_filter = ["park"]


@admin.register(App)
class AppAdmin(ReadOnlyAdmin):
    list_display = ["name", "park", "owner_enterprise", "is_active", "created_at"]
    list_filter = ["park", "is_active"]
    exclude = ["token_hash", "webhook_secret"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["app", "event", "status", "attempts", "next_attempt_at", "last_status_code"]
    list_filter = ["status", "event"]


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    # Body temperature: reads go through the audited selectors, never a list of values here.
    list_display = ["park", "app", "kind", "is_alert", "measured_at"]
    list_filter = ["park", "is_alert"]
    exclude = ["value"]


@admin.register(SensitiveRead)
class SensitiveReadAdmin(ReadOnlyAdmin):
    list_display = ["at", "park", "actor", "app", "subject", "what", "object_id"]
    list_filter = ["park", "what"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "park", "enterprise", "gate", "app", "rating"]
    list_filter = ["park", "rating"]
