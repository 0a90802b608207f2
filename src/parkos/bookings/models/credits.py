"""Booking credits. Operators set plans (credits a month, and whether bookings beyond them are charged to
the enterprise's monthly statement); each enterprise has one plan. A month's credits are granted on the
enterprise's first booking of the month. ``CreditMonth`` keeps the month's counters, which conditional
updates never let pass (``used`` ≤ ``granted``); every movement is also an operation in the core ledger
(subject ``bookings.creditmonth``), and ``parkos ledger-check`` compares the two."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.text import validate_plain_name


class CreditPlan(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=40, validators=[validate_plain_name])
    monthly_credits = models.PositiveIntegerField(_("credits a month"))
    allow_overage = models.BooleanField(
        _("charge bookings beyond the credits"), default=True,
        help_text=_("Otherwise a booking that needs more credits than are left is refused."))
    is_default = models.BooleanField(_("default plan"), default=False,
                                     help_text=_("The plan of enterprises that were given none."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit plan")
        verbose_name_plural = _("credit plans")
        ordering = ["park", "monthly_credits", "name"]
        constraints = [
            models.UniqueConstraint(fields=["park", "name"], name="bookings_creditplan_unique_name"),
            models.UniqueConstraint(fields=["park"], condition=Q(is_default=True), name="bookings_plan_one_default"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)


class EnterprisePlan(models.Model):
    enterprise = models.OneToOneField("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("enterprise"))
    plan = models.ForeignKey(CreditPlan, on_delete=models.PROTECT, related_name="enterprises", verbose_name=pgettext_lazy("credit plan", "plan"))

    class Meta:
        verbose_name = _("enterprise's credit plan")
        verbose_name_plural = _("enterprises' credit plans")

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.plan}"


class CreditMonth(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("enterprise"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    granted = models.PositiveIntegerField(_("credits granted"), default=0)
    used = models.PositiveIntegerField(_("credits used"), default=0)
    charged_fen = models.BigIntegerField(_("charged (fen)"), default=0)
    allow_overage = models.BooleanField(_("charge beyond the credits"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit month")
        verbose_name_plural = _("credit months")
        ordering = ["-month", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "month"], name="bookings_creditmonth_unique"),
            models.CheckConstraint(condition=Q(used__lte=F("granted")), name="bookings_creditmonth_used"),
            models.CheckConstraint(condition=Q(charged_fen__gte=0), name="bookings_creditmonth_charged"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.month:%Y-%m}"

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)

    @property
    def left(self) -> int:
        return self.granted - self.used

    def relations_for(self, user: Any) -> set[str]:
        return self.enterprise.relations_for(user)


__all__ = ["CreditMonth", "CreditPlan", "EnterprisePlan"]
