from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parkos.core import uploads
from parkos.core.errors import Invalid
from parkos.core.text import clean_text
from parkos.space.models import NAME_EN_MAX, NAME_MAX, AreaInvite, Block, MapBan, SpaceMap, SpacePreference
from parkos.space.tiled import MapError, parse

MAP_FILES = ("json",)


def _read_upload(upload: Any) -> bytes:
    """The uploaded file's bytes, once ``core.uploads`` has checked it (size limit, not empty, really text)."""
    try:
        uploads.file_check(upload, field="upload", allowed=MAP_FILES)
    except Invalid as refused:
        raise forms.ValidationError(refused.message, code=refused.code) from None
    upload.seek(0)
    return bytes(upload.read())


class SpaceMapForm(forms.ModelForm):
    upload = forms.FileField(label=_("Tiled JSON file"), required=False,
                             help_text=_("Export from Tiled as JSON with embedded tilesets; it replaces the map."))

    class Meta:
        model = SpaceMap
        fields = ["park", "slug", "name", "name_en", "is_active", "is_default", "tileset", "tiled", "upload"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tiled"].required = False  # an upload fills it

    def _typed(self, field: str, limit: int, *, required: bool) -> str:
        try:
            return clean_text(self.cleaned_data.get(field), field=field, limit=limit, required=required,
                              multiline=False, markup=False)
        except Invalid as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None

    def clean_name(self) -> str:
        return self._typed("name", NAME_MAX, required=True)

    def clean_name_en(self) -> str:
        return self._typed("name_en", NAME_EN_MAX, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        raw: Any = _read_upload(upload) if upload else data.get("tiled")
        if isinstance(raw, (dict, list)):
            raw = json.dumps(raw)
        if raw in (None, ""):
            raise forms.ValidationError(_("Upload a Tiled JSON map."))
        try:
            parse(raw)  # the Tiled validation is the map's own: layers, areas, their rules
        except MapError as refused:
            raise forms.ValidationError(refused.message) from None
        if upload:
            data["tiled"] = json.loads(raw)
        return data

    def save(self, commit: bool = True) -> SpaceMap:
        self.instance.tiled = self.cleaned_data["tiled"]
        return super().save(commit)


@admin.register(SpaceMap)
class SpaceMapAdmin(admin.ModelAdmin):
    form = SpaceMapForm
    list_display = ["name", "slug", "park", "is_default", "is_active", "updated_at"]
    list_filter = ["park", "is_active", "is_default"]
    search_fields = ["name", "name_en", "slug"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "park":  # the parks whose maps this operator manages
            from parkos.core import policy
            from parkos.core.models import Park

            scope = policy.scope_filter(request.user, policy.OPERATOR, field="pk")
            kwargs["queryset"] = Park.objects.filter(**scope) if scope is not None else Park.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: SpaceMap, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        if obj.is_default:  # one default map per park
            SpaceMap.objects.filter(park=obj.park, is_default=True).exclude(pk=obj.pk).update(is_default=False)
        super().save_model(request, obj, form, change)


@admin.register(MapBan)
class MapBanAdmin(admin.ModelAdmin):
    list_display = ["user", "map", "reason", "by", "created_at"]
    list_filter = ["map"]
    search_fields = ["user__display_name", "user__email", "reason"]
    raw_id_fields = ["user", "by"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["user", "blocked", "created_at"]
    search_fields = ["user__display_name", "blocked__display_name"]
    raw_id_fields = ["user", "blocked"]


@admin.register(AreaInvite)
class AreaInviteAdmin(admin.ModelAdmin):
    list_display = ["area", "user", "map", "by", "created_at"]
    list_filter = ["map", "area"]
    search_fields = ["area", "user__display_name"]
    raw_id_fields = ["user", "by"]


@admin.register(SpacePreference)
class SpacePreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "show_in_park", "followable", "updated_at"]
    list_filter = ["show_in_park", "followable"]
    search_fields = ["user__display_name", "user__email"]
    # Consent is the member's own to give (on /space/preferences/): operators may look, not change it.
    readonly_fields = ["user", "show_in_park", "followable", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
