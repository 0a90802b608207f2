"""The park's merchants (canteen, café, convenience store, gym …), the people who work their tills, a
park's reward settings, and the settlement statements of what the park owes each merchant."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.text import validate_plain_name, validate_plain_text

# The relation of a merchant (and its redemptions and settlements) to the people who work its till.
MERCHANT_STAFF = "merchant_staff"


class MerchantCategory(models.TextChoices):
    CANTEEN = "canteen", _("Canteen")
    CAFE = "cafe", _("Café")
    STORE = "store", _("Convenience store")
    RESTAURANT = "restaurant", _("Restaurant")
    GYM = "gym", _("Gym")
    OTHER = "other", _("Other")


class RewardSettings(models.Model):
    """One row per park (made on first use with these defaults): the operator's knobs for rewards."""

    park = models.OneToOneField("core.Park", on_delete=models.CASCADE, related_name="reward_settings",
                                verbose_name=_("park"))
    reversal_minutes = models.PositiveIntegerField(
        _("a redemption can be reversed within (minutes)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)])
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("remind members before a coupon expires (days)"), default=3,
        validators=[MinValueValidator(0), MaxValueValidator(30)])
    flag_window_minutes = models.PositiveSmallIntegerField(
        _("unusual redemptions: window (minutes)"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)])
    flag_threshold = models.PositiveIntegerField(
        _("unusual redemptions: more than this many in the window"), default=100,
        validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("reward settings")
        verbose_name_plural = _("reward settings")

    def __str__(self) -> str:
        return str(self.park)


class Merchant(models.Model):
    """A shop of the park that accepts coupons. ``pay_token`` is the random part of its own QR code (a
    member scans it and confirms the amount); only staff and operators see it."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    category = models.CharField(_("category"), max_length=12, choices=MerchantCategory.choices)
    location = models.CharField(_("location"), max_length=120, blank=True, validators=[validate_plain_text])
    description = models.CharField(_("description"), max_length=300, blank=True, validators=[validate_plain_text])
    pay_token = models.CharField(_("payment code"), max_length=32, unique=True)
    active = models.BooleanField(_("active"), default=True)
    staff: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MerchantStaff", related_name="merchants",
        verbose_name=_("staff"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["park_id", "name", "id"]
        indexes = [models.Index(fields=["park", "category"], name="rewards_merchant_park_cat")]

    def __str__(self) -> str:
        return self.name

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        cache = getattr(user, "_merchant_ids", None)
        if cache is None:
            cache = user._merchant_ids = frozenset(
                MerchantStaff.objects.filter(user_id=user.pk).values_list("merchant_id", flat=True))
        return {MERCHANT_STAFF} if self.pk in cache else set()


class MerchantStaff(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")  # sees statements and what the park owes, reverses redemptions
        CASHIER = "cashier", _("Cashier")  # redeems and sees today's redemptions

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships",
                                 verbose_name=_("merchant"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_memberships",
                             verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CASHIER)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("merchant staff")
        verbose_name_plural = _("merchant staff")
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="rewards_merchantstaff_once")]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.user}"


class Settlement(models.Model):
    """A statement of a merchant's redemptions in a period, closed by an operator: its redemptions can no
    longer be reversed, and the ledger moves their total from payable to settled."""

    class Status(models.TextChoices):
        CLOSED = "closed", pgettext_lazy("settlement", "Closed")
        PAID = "paid", pgettext_lazy("settlement", "Paid")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlements",
                                 verbose_name=_("merchant"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    redemptions = models.PositiveIntegerField(_("redemptions"), default=0)
    total_fen = models.BigIntegerField(_("total (fen)"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.CLOSED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("closed by"))
    created_at = models.DateTimeField(_("closed at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "period_start", "period_end"], name="rewards_settlement_once"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="rewards_settlement_period"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.period_start}–{self.period_end}"

    @property
    def policy_park_id(self) -> int:
        return self.park_id

    def relations_for(self, user: Any) -> set[str]:
        return self.merchant.relations_for(user)
