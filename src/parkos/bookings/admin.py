"""Bookings in the Django admin, the operators' back office for raw data work, scoped to the parks the
operator runs.

Rows that record value moving or that the booking services own (bookings and their guests, weekly
bookings, credit months, desk allocations) are read-only here: they change only through the services,
which lock, check and post to the ledger. Rooms and venues and credit plans are edited through the same
services as the operators' pages (``place_create``/``place_update``, ``plan_create``/``plan_update``),
their checks shown next to the fields; desks and floor plans are edited on the floor plan pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import (
    AllocatedDesk,
    Allocation,
    Booking,
    BookingGuest,
    BookingSeries,
    CreditMonth,
    CreditPlan,
    EnterprisePlan,
    FloorPlan,
    Place,
)
from parkos.bookings.services import places as place_services
from parkos.bookings.services import plans as plan_services
from parkos.core import policy
from parkos.core.errors import DomainError


class _ParkScoped:
    """The rows of the parks where the operator works (portfolio operators see every park's; superusers
    everything). ``park_field`` is the lookup of the row's park."""

    park_field = "park_id"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs  # type: ignore[no-any-return]
        where = policy.scope_filter(request.user, policy.OPERATOR, self.park_field)
        return qs.none() if where is None else qs.filter(**where)  # type: ignore[no-any-return]


class _ReadOnly(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    """Looked at, never written: the services own these rows."""

    show_full_result_count = False  # bookings run to hundreds of thousands a year: no COUNT(*) of them all

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _validation_error(error: DomainError, fields: Any) -> forms.ValidationError:
    details = {f: ms for f, ms in (error.details or {}).items() if f in fields}
    if details:
        return forms.ValidationError({f: [forms.ValidationError(m, code=error.code) for m in ms]
                                      for f, ms in details.items()})
    return forms.ValidationError(str(error.message), code=error.code)


# --- rooms and venues (through the services) -------------------------------------------------------------

class PlaceAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    request: HttpRequest | None = None

    class Meta:
        model = Place
        fields = ["park", *place_services.FIELDS]

    def clean(self) -> dict[str, Any]:
        """The service's own checks, run on a copy that is never saved, shown next to the fields."""
        data = super().clean() or {}
        park = data.get("park") or getattr(self.instance, "park", None)
        if self.errors or park is None or self.request is None:
            return data
        probe = Place(pk=self.instance.pk, park=park, checkin_token="-")
        errors = place_services._Errors()
        place_services._clean(probe, {f: data.get(f, getattr(self.instance, f, None))
                                      for f in place_services.FIELDS}, actor=self.request.user, errors=errors)
        try:
            errors.raise_if_any()
            if place_services._name_taken(probe):
                raise place_services._duplicate()
        except DomainError as error:
            raise _validation_error(error, self.fields) from None
        return data


@admin.register(Place)
class PlaceAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    form = PlaceAdminForm
    list_display = ["name", "park", "kind", "building", "floor", "capacity", "price_per_hour_fen",
                    "credits_per_hour", "needs_approval", "is_active"]
    list_filter = ["park", "kind", "is_active", "needs_approval", "audience"]
    search_fields = ["name", "name_en"]
    list_select_related = ["park", "building"]
    raw_id_fields = ["audience_enterprise", "audience_group", "door", "building"]
    actions = ["deactivate", "regenerate_code"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.kind not in place_services.KINDS:  # desks: on their floor plan
            return [f.name for f in Place._meta.fields]
        return ["park", "checkin_token", "is_active", "created_by", "created_at"] if obj is not None else \
            ["checkin_token", "is_active", "created_by", "created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # bookings point at it: deactivate instead

    def save_model(self, request: HttpRequest, obj: Place, form: Any, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in place_services.FIELDS if f in form.cleaned_data}
        if not change:
            saved = place_services.place_create(actor=request.user, park=form.cleaned_data["park"], **data)
        else:
            saved = place_services.place_update(actor=request.user, place=obj,
                                                **{k: v for k, v in data.items() if k in form.changed_data})
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description=_("Deactivate (their coming bookings are cancelled)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Place]) -> None:
        for place in queryset:
            place_services.place_deactivate(actor=request.user, place=place)
        self.message_user(request, _("The places have been deactivated."), messages.SUCCESS)

    @admin.action(description=_("Make new check-in codes (printed posters stop working)"))
    def regenerate_code(self, request: HttpRequest, queryset: QuerySet[Place]) -> None:
        for place in queryset:
            place_services.place_token_regenerate(actor=request.user, place=place)
        self.message_user(request, _("New check-in codes have been made."), messages.SUCCESS)


# --- credit plans (through the services) -----------------------------------------------------------------

class CreditPlanAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CreditPlan
        fields = ["park", "name", "monthly_credits", "allow_overage", "is_default"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        park = data.get("park") or getattr(self.instance, "park", None)
        if self.errors or park is None:
            return data
        try:
            probe = CreditPlan(pk=self.instance.pk, park=park, name=plan_services._name(data.get("name")),
                               monthly_credits=plan_services._credits(data.get("monthly_credits")))
            plan_services._name_free(probe)
        except DomainError as error:
            raise _validation_error(error, self.fields) from None
        return data


@admin.register(CreditPlan)
class CreditPlanAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    form = CreditPlanAdminForm
    list_display = ["name", "park", "monthly_credits", "allow_overage", "is_default", "created_at"]
    list_filter = ["park", "allow_overage", "is_default"]
    search_fields = ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["park", "created_at"] if obj is not None else ["created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # enterprises and their months point at it

    def save_model(self, request: HttpRequest, obj: CreditPlan, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {k: data[k] for k in ("name", "monthly_credits", "allow_overage", "is_default")}
        if not change:
            saved = plan_services.plan_create(actor=request.user, park=data["park"], **fields)
        else:
            saved = plan_services.plan_update(actor=request.user, plan=obj,
                                              **{k: v for k, v in fields.items() if k in form.changed_data})
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(EnterprisePlan)
class EnterprisePlanAdmin(_ReadOnly):
    """Given on the enterprises' plans page (plan_assign), which checks the plan is of the enterprise's park."""

    park_field = "plan__park_id"
    list_display = ["enterprise", "plan"]
    list_filter = ["plan__park", "plan"]
    search_fields = ["enterprise__name"]
    list_select_related = ["enterprise", "plan"]


# --- value-moving and service-owned rows (read-only) ------------------------------------------------------

class BookingGuestInline(_ReadOnlyInline):
    model = BookingGuest
    fields = readonly_fields = ("user", "name", "mobile", "visitor_pass", "created_at")


@admin.register(Booking)
class BookingAdmin(_ReadOnly):
    list_display = ["starts_at", "ends_at", "place", "title", "organiser", "enterprise", "status", "credits",
                    "charge_fen"]
    list_filter = ["park", "status", "place__kind"]
    search_fields = ["title", "place__name", "enterprise__name", "=key"]
    date_hierarchy = "starts_at"
    list_select_related = ["place", "organiser", "enterprise"]
    raw_id_fields = ["place", "organiser", "enterprise", "series", "credit_month", "checked_in_by", "decided_by",
                     "cancelled_by"]
    inlines = [BookingGuestInline]


@admin.register(BookingGuest)
class BookingGuestAdmin(_ReadOnly):
    park_field = "booking__park_id"
    list_display = ["booking", "user", "name", "created_at"]
    list_select_related = ["booking", "user"]
    raw_id_fields = ["booking", "user", "visitor_pass"]
    exclude = ["mobile"]  # personal data: shown on the booking to its organiser, not in lists


@admin.register(BookingSeries)
class BookingSeriesAdmin(_ReadOnly):
    list_display = ["title", "place", "organiser", "start_time", "minutes", "first_date", "last_date"]
    list_filter = ["park"]
    search_fields = ["title", "place__name"]
    list_select_related = ["place", "organiser"]
    raw_id_fields = ["place", "organiser"]


@admin.register(CreditMonth)
class CreditMonthAdmin(_ReadOnly):
    list_display = ["month", "enterprise", "granted", "used", "charged_fen", "allow_overage"]
    list_filter = ["park", "month"]
    search_fields = ["enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]


@admin.register(FloorPlan)
class FloorPlanAdmin(_ReadOnly):
    list_display = ["name", "park", "building", "floor", "width", "height", "created_at"]
    list_filter = ["park"]
    search_fields = ["name"]
    list_select_related = ["park", "building"]


class AllocatedDeskInline(_ReadOnlyInline):
    model = AllocatedDesk
    fields = readonly_fields = ("desk", "starts_on", "ends_on", "occupant")


@admin.register(Allocation)
class AllocationAdmin(_ReadOnly):
    list_display = ["enterprise", "park", "starts_on", "ends_on", "source", "source_ref", "ended_at"]
    list_filter = ["park", "source"]
    search_fields = ["enterprise__name", "source_ref"]
    list_select_related = ["enterprise", "park"]
    raw_id_fields = ["enterprise", "created_by"]
    inlines = [AllocatedDeskInline]


@admin.register(AllocatedDesk)
class AllocatedDeskAdmin(_ReadOnly):
    park_field = "allocation__park_id"
    list_display = ["desk", "allocation", "starts_on", "ends_on", "occupant"]
    list_select_related = ["desk", "allocation", "allocation__enterprise", "occupant"]
    raw_id_fields = ["desk", "allocation", "occupant"]
