"""Gift packs: bundles of coupons, service credits (a free instance of a catalog service, redeemed as a
service order) and physical items (picked up with a code at a place). Claimed once per member; stock
never goes negative (check constraints, and conditional UPDATEs in the services)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.policy import SELF
from parkos.core.text import validate_plain_name, validate_plain_text
from parkos.rewards.models.coupons import CouponTemplate


class GiftPack(models.Model):
    class Audience(models.TextChoices):
        PARK = "park", _("Every member of the park")
        GRANTED = "granted", _("Only members it was granted to")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for claiming")
        CLOSED = "closed", _("Closed")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    description = models.CharField(_("description"), max_length=500, blank=True, validators=[validate_plain_text])
    audience = models.CharField(pgettext_lazy("gift pack", "for"), max_length=8, choices=Audience.choices, default=Audience.PARK)
    claim_from = models.DateTimeField(_("claim from"))
    claim_until = models.DateTimeField(_("claim until"))
    stock = models.PositiveIntegerField(_("packs"), help_text=_("How many members can claim it."))
    claimed = models.PositiveIntegerField(_("claimed"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("gift pack")
        verbose_name_plural = _("gift packs")
        ordering = ["-claim_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(claimed__lte=F("stock")), name="rewards_pack_stock"),
            models.CheckConstraint(condition=Q(claim_until__gt=F("claim_from")), name="rewards_pack_window"),
        ]

    def __str__(self) -> str:
        return self.name


class PackItem(models.Model):
    class Kind(models.TextChoices):
        COUPON = "coupon", _("Coupon")
        SERVICE = "service", _("Service credit")
        PHYSICAL = "physical", _("Item to pick up")

    pack = models.ForeignKey(GiftPack, on_delete=models.CASCADE, related_name="items", verbose_name=_("pack"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    template = models.ForeignKey(CouponTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("coupon"))
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("service"))
    name = models.CharField(_("item"), max_length=60, blank=True, validators=[validate_plain_text])
    pickup_place = models.CharField(_("pick up at"), max_length=120, blank=True, validators=[validate_plain_text])
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True,
                                        help_text=_("Items to pick up: how many there are. Empty: as many as packs."))
    claimed = models.PositiveIntegerField(_("claimed"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("gift pack item")
        verbose_name_plural = _("gift pack items")
        ordering = ["pack_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__isnull=True) | Q(claimed__lte=F("stock")), name="rewards_item_stock"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="rewards_item_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.pack} · {self.get_kind_display()}"


class PackGrant(models.Model):
    """A member a ``granted`` pack is for (a competition's winners, a list an operator chose)."""

    pack = models.ForeignKey(GiftPack, on_delete=models.CASCADE, related_name="grants", verbose_name=_("pack"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    note = models.CharField(_("note"), max_length=120, blank=True, validators=[validate_plain_text])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("gift pack grant")
        verbose_name_plural = _("gift pack grants")
        constraints = [models.UniqueConstraint(fields=["pack", "user"], name="rewards_packgrant_once")]

    def __str__(self) -> str:
        return f"{self.pack} · {self.user}"


class PackClaim(models.Model):
    pack = models.ForeignKey(GiftPack, on_delete=models.PROTECT, related_name="claims", verbose_name=_("pack"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pack_claims",
                             verbose_name=_("member"))
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("gift pack claim")
        verbose_name_plural = _("gift pack claims")
        ordering = ["-claimed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["pack", "user"], name="rewards_packclaim_once")]

    def __str__(self) -> str:
        return f"{self.pack} · {self.user}"

    @property
    def policy_park_id(self) -> int:
        return self.pack.park_id

    def relations_for(self, user: Any) -> set[str]:
        return {SELF} if user is not None and user.pk == self.user_id else set()


class Pickup(models.Model):
    """A physical item of a claim: its pickup code (shown to the member, typed or scanned at the pickup
    place) and when it was handed over."""

    claim = models.ForeignKey(PackClaim, on_delete=models.CASCADE, related_name="pickups", verbose_name=_("claim"))
    item = models.ForeignKey(PackItem, on_delete=models.PROTECT, related_name="pickups", verbose_name=_("item"))
    code = models.CharField(_("pickup code"), max_length=12, unique=True)
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("handed over by"))

    class Meta:
        verbose_name = _("pickup")
        verbose_name_plural = _("pickups")
        constraints = [models.UniqueConstraint(fields=["claim", "item"], name="rewards_pickup_once")]

    def __str__(self) -> str:
        return self.code


class ServiceCredit(models.Model):
    """A free instance of a catalog service from a pack, used by placing a service order with it."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        USED = "used", _("Used")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_credits",
                              verbose_name=_("owner"))
    claim = models.ForeignKey(PackClaim, on_delete=models.CASCADE, related_name="credits", verbose_name=_("claim"))
    item = models.ForeignKey(PackItem, on_delete=models.PROTECT, related_name="credits", verbose_name=_("item"))
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    order = models.OneToOneField("catalog.ServiceOrder", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reward_credit", verbose_name=_("order"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service credit")
        verbose_name_plural = _("service credits")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "status"], name="rewards_credit_owner")]

    def __str__(self) -> str:
        return f"{self.service} · {self.owner}"

    def relations_for(self, user: Any) -> set[str]:
        return {SELF} if user is not None and user.pk == self.owner_id else set()
