"""Insights in the Django admin, the operators' back office: the keyword vocabulary (per park or for the
whole portfolio), the gift packs offered with the year report, the runs (read-only but for the
publication date) and the reports themselves (read-only: they are computed, never edited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parkos.insights import admin_dashboards  # noqa: F401  (the dashboards' rollups and lobby displays)
from parkos.insights.models import EnterpriseYearReport, GiftOffer, KeywordWord, YearReport, YearReportRun


@admin.register(KeywordWord)
class KeywordWordAdmin(admin.ModelAdmin):
    list_display = ("word", "word_en", "dimension", "kind", "park", "is_active")
    list_filter = ("dimension", "kind", "park", "is_active")
    list_editable = ("is_active",)
    search_fields = ("word", "word_en")


class GiftOfferForm(forms.ModelForm):
    class Meta:
        model = GiftOffer
        fields = ("park", "year", "dimension", "by_tag", "pack", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pack, park = data.get("pack"), data.get("park")
        if pack is not None and park is not None:
            from parkos.rewards.models import GiftPack

            if pack.park_id != park.pk:
                self.add_error("pack", _("Choose a gift pack of the same park."))
            elif pack.audience != GiftPack.Audience.GRANTED:
                self.add_error("pack", _("Choose a pack for members it is granted to: the year report grants it."))
        return data


@admin.register(GiftOffer)
class GiftOfferAdmin(admin.ModelAdmin):
    form = GiftOfferForm
    list_display = ("park", "year", "dimension", "by_tag", "pack", "note")
    list_filter = ("park", "year", "dimension")
    autocomplete_fields = ("pack",)


@admin.register(YearReportRun)
class YearReportRunAdmin(admin.ModelAdmin):
    list_display = ("park", "year", "status", "done", "total", "seconds", "publish_at", "announced_at")
    list_filter = ("park", "year", "status")
    readonly_fields = ("park", "year", "status", "total", "done", "cursor", "distributions", "started_at",
                       "finished_at", "seconds", "error", "announced_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(YearReport)
class YearReportAdmin(_ReadOnly):
    list_display = ("user", "park", "year", "generated_at", "seen_at")
    list_filter = ("park", "year")
    search_fields = ("user__display_name", "user__email", "user__mobile")
    raw_id_fields = ("user",)


@admin.register(EnterpriseYearReport)
class EnterpriseYearReportAdmin(_ReadOnly):
    list_display = ("enterprise", "park", "year", "generated_at")
    list_filter = ("park", "year")
    search_fields = ("enterprise__name",)
