"""Coupon templates (the operator's terms and budget), coupons in members' wallets (each keeping the
terms it was issued with), issue batches, and redemptions at merchants (exactly once per coupon)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.policy import SELF
from parkos.core.text import validate_plain_name, validate_plain_text
from parkos.rewards.models.merchants import Merchant, MerchantCategory


class CouponKind(models.TextChoices):
    AMOUNT_OFF = "amount_off", _("Amount off")
    PERCENT_OFF = "percent_off", _("Percent off (with a cap)")
    FREE_ITEM = "free_item", _("Free item")


class CouponTemplate(models.Model):
    """What an operator designs once and issues many times. ``value_fen`` is what one coupon can cost the
    park at most (the amount off, the percent-off cap, or the free item's price): budgets and the ledger
    count in it. ``issued_count`` and ``issued_fen`` only grow, by a conditional UPDATE that refuses to
    pass ``budget_count`` / ``budget_fen`` (the check constraints hold it on both databases)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", pgettext_lazy("issuing", "Active")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    description = models.CharField(_("description"), max_length=300, blank=True, validators=[validate_plain_text])
    kind = models.CharField(_("kind"), max_length=12, choices=CouponKind.choices)
    value_fen = models.PositiveBigIntegerField(
        _("value (fen)"), help_text=_("Amount off, the cap of a percent off, or the free item's price."))
    percent_off = models.PositiveSmallIntegerField(_("percent off"), null=True, blank=True,
                                                   validators=[MinValueValidator(1), MaxValueValidator(99)])
    item_name = models.CharField(_("free item"), max_length=60, blank=True, validators=[validate_plain_text])
    min_spend_fen = models.PositiveBigIntegerField(_("minimum spend (fen)"), default=0)
    merchant_categories = models.JSONField(_("merchant categories"), default=list, blank=True,
                                           help_text=_("Empty, with no merchants chosen: every merchant of the park."))
    merchants = models.ManyToManyField(Merchant, blank=True, related_name="+", verbose_name=_("merchants"))
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(
        _("valid for (days from issue)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3660)])
    per_person_limit = models.PositiveSmallIntegerField(_("at most per member"), default=0,
                                                        help_text=_("0: no limit."))
    budget_count = models.PositiveIntegerField(_("budget (coupons)"))
    budget_fen = models.PositiveBigIntegerField(_("budget (fen)"))
    issued_count = models.PositiveIntegerField(_("issued"), default=0)
    issued_fen = models.PositiveBigIntegerField(_("issued (fen)"), default=0)
    stackable = models.BooleanField(_("can be combined with other coupons"), default=False)
    transferable = models.BooleanField(_("can be given to another member"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["park", "status"], name="rewards_template_park")]
        constraints = [
            models.CheckConstraint(condition=Q(issued_count__lte=F("budget_count")), name="rewards_template_budget_count"),
            models.CheckConstraint(condition=Q(issued_fen__lte=F("budget_fen")), name="rewards_template_budget_fen"),
            models.CheckConstraint(condition=Q(value_fen__gt=0), name="rewards_template_value"),
        ]

    def __str__(self) -> str:
        return self.name

    def terms(self) -> dict[str, Any]:
        """The terms a coupon keeps from the moment it is issued (``Coupon.terms``)."""
        return {
            "kind": self.kind, "value_fen": self.value_fen, "percent_off": self.percent_off,
            "item_name": self.item_name, "min_spend_fen": self.min_spend_fen,
            "merchant_categories": list(self.merchant_categories or []),
            "merchant_ids": sorted(self.merchants.values_list("id", flat=True)) if self.pk else [],
            "stackable": self.stackable, "transferable": self.transferable, "name": self.name,
            "description": self.description,
        }


class IssueBatch(models.Model):
    """One issuing action: an operator's grant (to a list, an enterprise, a group or an imported XLSX),
    a rule's run, or a gift pack's claim. Its ``key`` makes a retried grant a no-op; the ledger records
    one operation per batch (``rewards:issue:<id>``)."""

    class Source(models.TextChoices):
        GRANT = "grant", _("Granted by an operator")
        RULE = "rule", _("Issued by a rule")
        PACK = "pack", _("From a gift pack")
        TRANSFER = "transfer", _("Given by another member")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="batches",
                                 verbose_name=_("template"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    target = models.CharField(_("to whom"), max_length=200, blank=True)
    requested = models.PositiveIntegerField(_("requested"), default=0)
    issued = models.PositiveIntegerField(_("issued"), default=0)
    issued_fen = models.PositiveBigIntegerField(_("issued (fen)"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("issue batch")
        verbose_name_plural = _("issue batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["template", "-created_at"], name="rewards_batch_template")]

    def __str__(self) -> str:
        return f"{self.template} · {self.get_source_display()} · {self.issued}"

    @property
    def policy_park_id(self) -> int:
        return self.park_id


class Coupon(models.Model):
    """A coupon in a member's wallet. ``terms`` is a copy of the template's terms when it was issued (an
    edited template changes nothing issued), ``value_fen`` its most the park pays. ``reason`` makes issuing
    idempotent: unique per owner (``rule:<rule>:<period>``, ``grant:<batch>``, ``pack:<claim>:<item>:<n>``),
    so a rule run twice or concurrently issues once. ``code`` is the random part of its QR code (the QR
    rotates: see rewards/codes.py). Status moves available → used | expired | revoked, each by a
    conditional UPDATE from ``available``; a reversed redemption moves it back to available."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons",
                                 verbose_name=_("template"))
    batch = models.ForeignKey(IssueBatch, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("batch"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coupons",
                              verbose_name=_("owner"))
    reason = models.CharField(_("reason"), max_length=120)
    code = models.CharField(pgettext_lazy("coupon", "code"), max_length=24, unique=True)
    terms = models.JSONField(_("terms"))
    value_fen = models.PositiveBigIntegerField(_("value (fen)"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("expired or revoked at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("expiry reminder sent at"), null=True, blank=True)
    transferred_from = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name=_("given by"))

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["valid_until", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "valid_until"], name="rewards_coupon_wallet"),
            models.Index(fields=["template", "status"], name="rewards_coupon_template"),
            models.Index(fields=["status", "valid_until"], name="rewards_coupon_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "reason"], name="rewards_coupon_once_per_reason"),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="rewards_coupon_validity"),
        ]

    def __str__(self) -> str:
        return f"{self.terms.get('name', '')} · {self.code}"

    @property
    def policy_park_id(self) -> int:
        return self.park_id

    def relations_for(self, user: Any) -> set[str]:
        return {SELF} if user is not None and user.pk == self.owner_id else set()

    def accepted_at(self, merchant: Merchant) -> bool:
        """Whether this coupon's terms let ``merchant`` redeem it."""
        if merchant.park_id != self.park_id:
            return False
        ids, categories = self.terms.get("merchant_ids") or [], self.terms.get("merchant_categories") or []
        if not ids and not categories:
            return True
        return merchant.pk in ids or merchant.category in categories


class Redemption(models.Model):
    """One checkout at a merchant: one or more coupons (several only when all are stackable) against one
    bill. ``key`` (unique per merchant) makes a retried request return the same answer. ``discount_fen``
    is what the park owes the merchant for it. Reversed within the park's limit (with a reason, audited)
    unless it is in a settlement."""

    class Channel(models.TextChoices):
        MERCHANT_SCAN = "merchant_scan", _("Merchant scanned the member's code")
        MEMBER_SCAN = "member_scan", _("Member scanned the merchant's code")

    class Status(models.TextChoices):
        DONE = "done", _("Redeemed")
        REVERSED = "reversed", _("Reversed")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="redemptions",
                                 verbose_name=_("merchant"))
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("member"))
    key = models.CharField(_("idempotency key"), max_length=80)
    request_digest = models.CharField(_("request digest"), max_length=64)
    channel = models.CharField(_("channel"), max_length=14, choices=Channel.choices)
    bill_fen = models.PositiveBigIntegerField(_("bill (fen)"))
    discount_fen = models.PositiveBigIntegerField(_("discount (fen)"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DONE)
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("redeemed by"))
    created_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reversed by"))
    reversal_reason = models.CharField(_("reason for the reversal"), max_length=200, blank=True,
                                       validators=[validate_plain_text])
    settlement = models.ForeignKey("rewards.Settlement", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="items", verbose_name=_("settlement"))

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "-created_at"], name="rewards_redemption_merchant"),
            models.Index(fields=["park", "created_at"], name="rewards_redemption_park"),
            models.Index(fields=["member", "-created_at"], name="rewards_redemption_member"),
        ]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="rewards_redemption_key")]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def policy_park_id(self) -> int:
        return self.park_id

    def relations_for(self, user: Any) -> set[str]:
        relations = self.merchant.relations_for(user)
        if user is not None and user.pk == self.member_id:
            relations.add(SELF)
        return relations


class RedeemedCoupon(models.Model):
    """A coupon in a redemption. While the redemption stands (``active``), the partial unique index makes
    a coupon part of at most one: the database itself refuses a second redemption."""

    redemption = models.ForeignKey(Redemption, on_delete=models.CASCADE, related_name="lines",
                                   verbose_name=_("redemption"))
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemption_lines",
                               verbose_name=_("coupon"))
    discount_fen = models.PositiveBigIntegerField(_("discount (fen)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("redeemed coupon")
        verbose_name_plural = _("redeemed coupons")
        constraints = [models.UniqueConstraint(fields=["coupon"], condition=Q(active=True),
                                               name="rewards_coupon_redeemed_once")]

    def __str__(self) -> str:
        return f"{self.redemption_id} · {self.coupon_id}"


class Flag(models.Model):
    """An unusual pattern for operators to look at (one merchant redeeming hundreds in minutes)."""

    class Kind(models.TextChoices):
        BURST = "burst", _("Many redemptions in a short time")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="flags", verbose_name=_("merchant"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    window_start = models.DateTimeField(_("from"))
    count = models.PositiveIntegerField(_("redemptions"))
    created_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("resolved by"))
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_plain_text])

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "kind", "window_start"], name="rewards_flag_once")]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.get_kind_display()}"

    @property
    def policy_park_id(self) -> int:
        return self.park_id


__all__ = ["Coupon", "CouponKind", "CouponTemplate", "Flag", "IssueBatch", "MerchantCategory", "RedeemedCoupon",
           "Redemption"]
