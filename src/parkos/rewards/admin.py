"""Rewards in the Django admin, the portfolio operators' back office for raw data work.

Rows that record value moving (coupons, issue batches, rule runs, redemptions, settlements, claims,
pickups, service credits, flags) are read-only here: they change only through the services, which lock,
check and post to the ledger. Merchants and the park's reward settings are edited here through the same
services as the pages (``merchant_create`` / ``merchant_update``, ``settings_update``); the staff of a
merchant are added on its page (adding someone also grants the merchant role). Templates, rules and gift
packs keep their counters (issued, claimed) read-only, and a budget or stock is never set below what was
already issued or claimed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import DomainError
from parkos.rewards.models import (
    Coupon,
    CouponTemplate,
    Flag,
    GiftPack,
    IssueBatch,
    IssuingRule,
    Merchant,
    MerchantStaff,
    PackClaim,
    PackGrant,
    PackItem,
    Pickup,
    RedeemedCoupon,
    Redemption,
    RewardSettings,
    RuleRun,
    ServiceCredit,
    Settlement,
)
from parkos.rewards.services import merchants as merchant_services


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

    show_full_result_count = False  # coupons and redemptions run to millions: no COUNT(*) of the whole table

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


def _domain_error(error: DomainError) -> forms.ValidationError:
    details = {field: messages_ for field, messages_ in (error.details or {}).items() if field != "__all__"}
    if details:
        return forms.ValidationError({f: [forms.ValidationError(m, code=error.code) for m in ms]
                                      for f, ms in details.items()})
    return forms.ValidationError(str(error.message), code=error.code)


# --- merchants and settings (through the services) --------------------------------------------------

class MerchantStaffInline(_ReadOnlyInline):
    model = MerchantStaff
    fields = readonly_fields = ("user", "role", "created_at")
    raw_id_fields = ["user"]
    verbose_name_plural = _("staff (added and removed on the merchant's page)")


class MerchantAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Merchant
        fields = ["park", "name", "category", "location", "description", "active"]

    def clean(self) -> dict[str, Any]:
        """The service's own checks (clean text, a name free in the park), shown next to the fields."""
        data = super().clean() or {}
        park = data.get("park") or getattr(self.instance, "park", None)
        if self.errors or park is None:
            return data
        probe = Merchant(pk=self.instance.pk, park=park, pay_token="-")
        try:
            merchant_services._merchant_fields(probe, {k: data.get(k, "") for k in
                                                       ("name", "category", "location", "description")})
            merchant_services._name_free(probe)
        except DomainError as error:
            raise _domain_error(error) from None
        return data


@admin.register(Merchant)
class MerchantAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    form = MerchantAdminForm
    list_display = ["name", "park", "category", "location", "active", "created_at"]
    list_filter = ["park", "category", "active"]
    search_fields = ["name", "location"]
    readonly_fields = ["created_at"]
    inlines = [MerchantStaffInline]
    actions = ["reset_pay_code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["park", "created_at"] if obj is not None else ["created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # redemptions and settlements point at it: deactivate instead

    def save_model(self, request: HttpRequest, obj: Merchant, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            saved = merchant_services.merchant_create(
                actor=request.user, park=data["park"], name=data["name"], category=data["category"],
                location=data.get("location", ""), description=data.get("description", ""))
            if not data.get("active", True):
                saved = merchant_services.merchant_update(actor=request.user, merchant=saved, active=False)
        else:
            saved = merchant_services.merchant_update(
                actor=request.user, merchant=obj, **{k: data[k] for k in form.changed_data
                                                     if k in merchant_services.MERCHANT_FIELDS})
        obj.pk, obj.pay_token = saved.pk, saved.pay_token
        obj.refresh_from_db()

    @admin.action(description=_("Reset the pay code (printed codes stop working)"))
    def reset_pay_code(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        for merchant in queryset:
            merchant_services.merchant_pay_token_reset(actor=request.user, merchant=merchant)
        self.message_user(request, _("The pay codes have been reset."), messages.SUCCESS)


@admin.register(MerchantStaff)
class MerchantStaffAdmin(_ReadOnly):
    park_field = "merchant__park_id"
    list_display = ["merchant", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["merchant__name", "user__display_name"]
    list_select_related = ["merchant", "user"]


@admin.register(RewardSettings)
class RewardSettingsAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["park", "reversal_minutes", "expiry_reminder_days", "flag_window_minutes", "flag_threshold"]
    fields = ["park", *merchant_services.SETTINGS_FIELDS]
    readonly_fields = ["park"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # made with the defaults on a park's first use

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RewardSettings, form: Any, change: bool) -> None:
        merchant_services.settings_update(actor=request.user, park=obj.park,
                                          **{k: form.cleaned_data[k] for k in merchant_services.SETTINGS_FIELDS})


# --- templates, rules, packs (counters read-only) ---------------------------------------------------

class CouponTemplateAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CouponTemplate
        fields = ["name", "description", "kind", "value_fen", "percent_off", "item_name", "min_spend_fen",
                  "merchant_categories", "merchants", "valid_from", "valid_until", "valid_days", "per_person_limit",
                  "budget_count", "budget_fen", "stackable", "transferable", "status"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        template = self.instance
        if data.get("budget_count") is not None and data["budget_count"] < template.issued_count:
            self.add_error("budget_count", _("The budget cannot be less than the %(n)s coupons already issued.")
                           % {"n": template.issued_count})
        if data.get("budget_fen") is not None and data["budget_fen"] < template.issued_fen:
            self.add_error("budget_fen", _("The budget cannot be less than the value already issued (%(fen)s fen).")
                           % {"fen": template.issued_fen})
        return data


@admin.register(CouponTemplate)
class CouponTemplateAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    form = CouponTemplateAdminForm
    list_display = ["name", "park", "kind", "value_fen", "status", "issued_count", "budget_count", "issued_fen",
                    "budget_fen", "created_at"]
    list_filter = ["park", "status", "kind"]
    search_fields = ["name"]
    filter_horizontal = ["merchants"]
    readonly_fields = ["park", "issued_count", "issued_fen", "created_by", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # made on the templates page (template_create checks its terms)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # coupons, batches and the ledger point at it: close it instead


@admin.register(IssuingRule)
class IssuingRuleAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "park", "kind", "template", "period", "active", "next_run_at", "last_run_at"]
    list_filter = ["park", "kind", "period", "active"]
    search_fields = ["name"]
    raw_id_fields = ["template"]
    readonly_fields = ["park", "template", "next_run_at", "last_run_at", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # made on the rules page (rule_create checks the parameters)


class PackItemInline(_ReadOnlyInline):
    model = PackItem
    fields = readonly_fields = ("kind", "quantity", "template", "service", "name", "pickup_place", "stock", "claimed")


class GiftPackAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = GiftPack
        fields = ["name", "description", "audience", "claim_from", "claim_until", "stock", "status"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("stock") is not None and data["stock"] < self.instance.claimed:
            self.add_error("stock", _("The stock cannot be less than the %(n)s packs already claimed.")
                           % {"n": self.instance.claimed})
        if data.get("claim_from") and data.get("claim_until") and data["claim_until"] <= data["claim_from"]:
            self.add_error("claim_until", _("The end must be after the start."))
        return data


@admin.register(GiftPack)
class GiftPackAdmin(_ParkScoped, admin.ModelAdmin):  # type: ignore[type-arg]
    form = GiftPackAdminForm
    list_display = ["name", "park", "audience", "status", "stock", "claimed", "claim_from", "claim_until"]
    list_filter = ["park", "status", "audience"]
    search_fields = ["name"]
    readonly_fields = ["park", "claimed", "created_by", "created_at"]
    inlines = [PackItemInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # made on the packs page (pack_create, pack_item_add)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PackItem)
class PackItemAdmin(_ReadOnly):
    park_field = "pack__park_id"
    list_display = ["pack", "kind", "quantity", "name", "stock", "claimed"]
    list_filter = ["kind"]
    list_select_related = ["pack"]
    raw_id_fields = ["pack", "template", "service"]


@admin.register(PackGrant)
class PackGrantAdmin(_ReadOnly):
    park_field = "pack__park_id"
    list_display = ["pack", "user", "note", "created_at"]
    raw_id_fields = ["pack", "user"]
    list_select_related = ["pack", "user"]


# --- value-moving rows (read-only) ------------------------------------------------------------------

@admin.register(IssueBatch)
class IssueBatchAdmin(_ReadOnly):
    list_display = ["created_at", "template", "source", "target", "requested", "issued", "issued_fen", "skipped"]
    list_filter = ["park", "source"]
    search_fields = ["key", "target", "template__name"]
    date_hierarchy = "created_at"
    list_select_related = ["template"]
    raw_id_fields = ["template", "created_by"]


@admin.register(Coupon)
class CouponAdmin(_ReadOnly):
    list_display = ["code", "template", "owner", "status", "value_fen", "valid_until", "issued_at", "used_at"]
    list_filter = ["park", "status"]
    search_fields = ["=code", "reason"]
    date_hierarchy = "issued_at"
    list_select_related = ["template", "owner"]
    raw_id_fields = ["template", "batch", "owner", "transferred_from"]


@admin.register(RuleRun)
class RuleRunAdmin(_ReadOnly):
    park_field = "rule__park_id"
    list_display = ["started_at", "rule", "period_key", "status", "eligible", "issued", "issued_fen", "already",
                    "over_budget", "scheduled"]
    list_filter = ["status", "scheduled"]
    list_select_related = ["rule"]
    raw_id_fields = ["rule", "batch", "started_by"]


class RedeemedCouponInline(_ReadOnlyInline):
    model = RedeemedCoupon
    fields = readonly_fields = ("coupon", "discount_fen", "active")
    raw_id_fields = ["coupon"]


@admin.register(Redemption)
class RedemptionAdmin(_ReadOnly):
    list_display = ["created_at", "merchant", "member", "channel", "bill_fen", "discount_fen", "status", "settlement"]
    list_filter = ["park", "status", "channel"]
    search_fields = ["merchant__name", "key"]
    date_hierarchy = "created_at"
    list_select_related = ["merchant", "member", "settlement"]
    raw_id_fields = ["merchant", "member", "redeemed_by", "reversed_by", "settlement"]
    exclude = ["request_digest"]
    inlines = [RedeemedCouponInline]


@admin.register(RedeemedCoupon)
class RedeemedCouponAdmin(_ReadOnly):
    park_field = "redemption__park_id"
    list_display = ["redemption", "coupon", "discount_fen", "active"]
    list_filter = ["active"]
    list_select_related = ["redemption", "redemption__merchant", "coupon"]
    raw_id_fields = ["redemption", "coupon"]


@admin.register(Settlement)
class SettlementAdmin(_ReadOnly):
    list_display = ["merchant", "period_start", "period_end", "redemptions", "total_fen", "status", "created_at",
                    "paid_at"]
    list_filter = ["park", "status"]
    search_fields = ["merchant__name"]
    list_select_related = ["merchant"]
    raw_id_fields = ["merchant", "created_by"]


@admin.register(Flag)
class FlagAdmin(_ReadOnly):
    list_display = ["created_at", "merchant", "kind", "window_start", "count", "resolved_at"]
    list_filter = ["park", "kind"]
    list_select_related = ["merchant"]
    raw_id_fields = ["merchant", "resolved_by"]


@admin.register(PackClaim)
class PackClaimAdmin(_ReadOnly):
    park_field = "pack__park_id"
    list_display = ["claimed_at", "pack", "user"]
    list_select_related = ["pack", "user"]
    raw_id_fields = ["pack", "user"]
    date_hierarchy = "claimed_at"


@admin.register(Pickup)
class PickupAdmin(_ReadOnly):
    park_field = "claim__pack__park_id"
    list_display = ["code", "item", "claim", "picked_up_at", "handed_over_by"]
    search_fields = ["=code"]
    list_select_related = ["item", "item__pack", "claim", "claim__pack", "claim__user", "handed_over_by"]
    raw_id_fields = ["claim", "item", "handed_over_by"]


@admin.register(ServiceCredit)
class ServiceCreditAdmin(_ReadOnly):
    park_field = "claim__pack__park_id"
    list_display = ["owner", "service", "status", "created_at", "used_at"]
    list_filter = ["status"]
    list_select_related = ["owner", "service"]
    raw_id_fields = ["owner", "claim", "item", "service", "order"]
