"""The network in the Django admin, the operators' back office: the reference data (countries, cities,
organisations with their contacts, landing programmes) and funds and exchange rates are edited here;
what workflows write (financing records with their converted amounts, landing applications,
introductions, data rooms and their log) is read-only, so nothing bypasses the services' checks.

Investors' pipelines are not here at all: they are visible to the investor alone. Data room documents
are not listed either: their files are served only through the data room's checked, logged view."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parkos.core.admin import ReadOnlyAdmin as ReadOnly
from parkos.network.models import (
    AccessLog,
    City,
    Contact,
    Country,
    DataRoom,
    ExchangeRate,
    FinancingInvestor,
    FinancingRecord,
    Fund,
    Grant,
    Introduction,
    Landing,
    LandingEvent,
    Organisation,
    Programme,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_zh", "name_en", "continent", "is_partner", "partner_since")
    list_filter = ("is_partner", "continent")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(City)
class CityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name_zh", "name_en", "country", "province_code", "is_partner", "partner_since")
    list_filter = ("is_partner", "country")
    search_fields = ("name_zh", "name_en")
    autocomplete_fields = ("country",)


class ContactInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Contact
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name_zh", "kind", "country", "city", "partner_since", "is_active")
    list_filter = ("kind", "is_active", "country__continent")
    search_fields = ("name_zh", "name_en")
    autocomplete_fields = ("country", "city", "provider")
    inlines = [ContactInline]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name_zh", "park", "host_enterprise", "desks", "desk_months", "is_open")
    list_filter = ("park", "is_open")
    autocomplete_fields = ("host_enterprise", "visa_service", "registration_service")


class LandingEventInline(ReadOnlyInline):
    model = LandingEvent
    fields = ("created_at", "actor", "from_stage", "to_stage", "note")
    readonly_fields = fields


@admin.register(Landing)
class LandingAdmin(ReadOnly):
    list_display = ("company_name", "park", "country", "referred_by", "stage", "created_at")
    list_filter = ("park", "stage", "country")
    search_fields = ("company_name",)
    inlines = [LandingEventInline]


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name_zh", "kind", "ticket_min_wan", "ticket_max_wan", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name_zh", "name_en")
    filter_horizontal = ("industries",)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("currency", "valid_on", "rate_to_cny", "source")
    list_filter = ("currency",)
    date_hierarchy = "valid_on"


class FinancingInvestorInline(ReadOnlyInline):
    model = FinancingInvestor
    fields = ("fund", "investor", "name", "is_lead")
    readonly_fields = fields


@admin.register(FinancingRecord)
class FinancingRecordAdmin(ReadOnly):
    # Read-only: a record's yuan amount is converted by the service at the recorded rate.
    list_display = ("enterprise", "park", "round", "currency", "announced_on", "disclosure", "source")
    list_filter = ("park", "round", "currency", "disclosure", "source")
    search_fields = ("enterprise__name",)
    date_hierarchy = "announced_on"
    inlines = [FinancingInvestorInline]


@admin.register(Introduction)
class IntroductionAdmin(ReadOnly):
    list_display = ("enterprise", "investor", "direction", "status", "created_at", "decided_at")
    list_filter = ("park", "direction", "status")


class GrantInline(ReadOnlyInline):
    model = Grant
    fields = ("investor", "granted_at", "expires_at", "revoked_at", "consented_at", "consent_version")
    readonly_fields = fields


@admin.register(DataRoom)
class DataRoomAdmin(ReadOnly):
    list_display = ("title", "enterprise", "park", "terms_version", "created_at", "closed_at")
    list_filter = ("park",)
    exclude = ("terms",)
    inlines = [GrantInline]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "room", "document", "user", "action", "ip")
    list_filter = ("action",)
