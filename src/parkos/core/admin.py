"""The back office of the shared kernel: the ledger (operators read it; nobody adds, changes or deletes a
row here) and the parks of the portfolio (portfolio operators configure them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parkos.core.errors import DomainError, ErrorCode
from parkos.core.models import LedgerEntry, LedgerOperation, Park, ParkFollow
from parkos.core.parks import parks_changed
from parkos.core.uploads import image_reencode


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


# --- parks ----------------------------------------------------------------------------------------

class ParkAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Park
        fields = ["code", "name", "name_en", "address", "opening_hours", "holidays_file", "logo",
                  "brand_colour", "accent_colour", "position", "is_default", "is_active"]

    def clean_logo(self) -> Any:
        """A new logo is decoded and written anew (no scripts in an SVG, no EXIF, bounded size)."""
        logo = self.cleaned_data.get("logo")
        if logo and isinstance(logo, UploadedFile):
            try:
                return image_reencode(logo, field="logo", max_side=512, image_format="PNG", name="logo")
            except DomainError as error:
                raise forms.ValidationError(str(error.message), code=str(error.code)) from None
        return logo

    def clean(self) -> dict[str, Any]:
        """Exactly one park is the default (a database constraint): say so next to the box instead of
        failing on save."""
        data = super().clean() or {}
        others = Park.objects.exclude(pk=self.instance.pk)
        default = others.filter(is_default=True).first()
        if data.get("is_default") and default is not None:
            self.add_error("is_default", forms.ValidationError(
                _("%(park)s is the default park: exactly one park is the default. Use the action "
                  "\"Make the default park\" in the list to move it here.") % {"park": default.name},
                code=ErrorCode.CONFLICT))
        if not data.get("is_default") and self.instance.pk and self.instance.is_default and default is None:
            self.add_error("is_default", forms.ValidationError(
                _("Exactly one park is the default: make another park the default instead."),
                code=ErrorCode.CONFLICT))
        if data.get("is_default") and data.get("is_active") is False:
            self.add_error("is_active", forms.ValidationError(_("The default park must be active."),
                                                              code=ErrorCode.INVALID))
        return data


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ParkAdminForm
    list_display = ["name", "code", "name_en", "is_default", "is_active", "position", "brand_colour",
                    "accent_colour"]
    list_filter = ["is_active", "is_default"]
    search_fields = ["name", "name_en", "code", "address"]
    ordering = ["position", "id"]
    actions = ["make_default"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The default park cannot go (the portfolio always has one); another park's buildings and
        # enterprises protect it (on_delete=PROTECT) until they have moved.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_default)

    def save_model(self, request: HttpRequest, obj: Park, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        parks_changed()

    def delete_model(self, request: HttpRequest, obj: Park) -> None:
        super().delete_model(request, obj)
        parks_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset.filter(is_default=False))
        parks_changed()

    @admin.action(description=_("Make the default park"))
    def make_default(self, request: HttpRequest, queryset: Any) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one park to make the default."), level=messages.ERROR)
            return
        park = queryset.get()
        if not park.is_active:
            self.message_user(request, _("The default park must be active."), level=messages.ERROR)
            return
        with transaction.atomic():  # the old default steps down first: the constraint allows one at a time
            Park.objects.select_for_update().filter(is_default=True).exclude(pk=park.pk).update(is_default=False)
            Park.objects.filter(pk=park.pk).update(is_default=True)
            parks_changed()
        self.message_user(request, _("%(park)s is now the default park.") % {"park": park.name})


@admin.register(ParkFollow)
class ParkFollowAdmin(ReadOnlyAdmin):
    list_display = ["user", "park", "created_at"]
    list_filter = ["park"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user", "park"]
    raw_id_fields = ["user"]
