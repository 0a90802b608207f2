"""A park's access settings, its areas (with opening hours), gates (each gate is one device with its own
keys) and the credentials members pass with (card, face token, the rotating QR code)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name


class Direction(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class AccessSettings(models.Model):
    """One row per park (made on first use with the defaults below): the operator's knobs."""

    park = models.OneToOneField("core.Park", on_delete=models.CASCADE, related_name="access_settings",
                                verbose_name=_("park"))
    late_after = models.TimeField(_("late after"), default=dt.time(21, 0),
                                  help_text=_("A day counts as late when the member is still inside after this time."))
    passage_retention_days = models.PositiveSmallIntegerField(
        _("keep raw passages (days)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("Raw passages are personal data: older ones are purged; daily presence is kept for reports."))
    visitor_retention_days = models.PositiveSmallIntegerField(
        _("keep visitor data (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)])
    reading_retention_days = models.PositiveSmallIntegerField(
        _("keep temperature readings (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(14)],
        help_text=_("Body temperature is sensitive personal information: at most 14 days."))
    clock_skew_tolerance = models.PositiveIntegerField(
        _("device clock tolerance (seconds)"), default=120, validators=[MaxValueValidator(3600)])
    missing_exit_minutes = models.PositiveIntegerField(
        _("a missing exit or entry counts at most (minutes)"), default=120,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)])

    class Meta:
        verbose_name = _("access settings")
        verbose_name_plural = _("access settings")

    def __str__(self) -> str:
        return str(self.park)


class Area(models.Model):
    """A part of a park behind gates (a building's lobby, a floor, the underground car park), with its
    opening hours. Empty hours: open all day."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    building = models.ForeignKey("enterprises.Building", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("building"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    open_on_weekends = models.BooleanField(_("open on weekends and holidays"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["park", "name"]
        constraints = [
            models.UniqueConstraint(fields=["park", "name"], name="access_area_unique_name"),
            models.CheckConstraint(condition=(Q(opens_at__isnull=True) & Q(closes_at__isnull=True))
                                   | (Q(opens_at__isnull=False) & Q(closes_at__isnull=False)),
                                   name="access_area_hours_both_or_none"),
        ]

    def __str__(self) -> str:
        return self.name


class Gate(models.Model):
    """A gate or door with its reader: one device, posting passages with its own keys. A device is not a
    person: its keys can post passages and ask for decisions, nothing else."""

    class Directions(models.TextChoices):
        IN = "in", _("In")
        OUT = "out", _("Out")
        BOTH = "both", _("In and out")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="gates", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    direction = models.CharField(_("direction"), max_length=4, choices=Directions.choices, default=Directions.BOTH)
    # The tenant whose product this gate runs (a face reader, a screening kiosk): members' feedback on the
    # gate page reaches that enterprise.
    vendor_enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", verbose_name=_("device supplied by"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    # The last measured difference device clock - server clock, in seconds (reported when past tolerance).
    clock_offset = models.IntegerField(_("clock offset (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["park", "area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="access_gate_unique_name")]

    def __str__(self) -> str:
        return f"{self.area} · {self.name}"


class DeviceKey(models.Model):
    """A gate's key. Only its SHA-256 is stored; the key is shown once. Rotating makes a new key and gives
    the old one an ``expires_at`` a little later (the overlap), so the device can switch without a gap."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="keys", verbose_name=_("gate"))
    prefix = models.CharField(_("prefix"), max_length=16)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device key")
        verbose_name_plural = _("device keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.gate} · {self.prefix}…"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Credential(models.Model):
    """What a member passes with in one park. A card number or a vendor's face token is stored as its
    keyed hash (``value_hash``) so a gate's lookup is one indexed read and a leaked table reveals no card
    numbers. The QR credential stores no value: its rotating codes are derived from the server's secret,
    the credential's id and ``salt`` (revoking it, or a new salt, kills every code shown so far);
    ``last_window`` is the newest 30-second window accepted, so a code is never accepted twice."""

    class Kind(models.TextChoices):
        CARD = "card", _("Card")
        FACE = "face", _("Face recognition")
        QR = "qr", _("Dynamic QR code")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_credentials",
                             verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value_hash = models.CharField(_("value hash"), max_length=64, blank=True)
    label = models.CharField(_("label"), max_length=40, blank=True, validators=[validate_plain_name],
                             help_text=_("The last digits of a card, the vendor of a face token."))
    salt = models.CharField(_("salt"), max_length=32, blank=True)
    last_window = models.BigIntegerField(_("last accepted QR window"), null=True, blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="+", verbose_name=_("allowed areas"),
                                   help_text=_("Empty: every area of the park."))
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["-created_at"]
        constraints = [
            # One live card or face token per value in a park; one live QR credential per member and park.
            models.UniqueConstraint(fields=["park", "kind", "value_hash"],
                                    condition=Q(revoked_at__isnull=True) & ~Q(kind="qr"),
                                    name="access_credential_unique_value"),
            models.UniqueConstraint(fields=["park", "user"], condition=Q(revoked_at__isnull=True, kind="qr"),
                                    name="access_credential_one_qr"),
        ]
        indexes = [
            models.Index(fields=["user", "park"], name="access_credential_user"),
            # A gate's miss on the live cards looks again among the revoked, to answer "revoked", not "unknown".
            models.Index(fields=["park", "kind", "value_hash"], name="access_credential_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.label or self.pk}"

    def is_valid_at(self, when: dt.datetime) -> bool:
        return (self.revoked_at is None or self.revoked_at > when) and self.valid_from <= when and (
            self.valid_until is None or self.valid_until > when)
