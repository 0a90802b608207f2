"""Apps tenants plug into the gates (like a code host's apps: registered, granted scopes, sent signed
webhooks, calling back with their own token), the deliveries of those webhooks, the readings apps attach
to passages, members' feedback on a tenant's device or app, and the audit log of sensitive reads."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.access.models.gates import Gate
from parkos.access.models.passages import Passage
from parkos.core.text import validate_plain_name, validate_plain_text


class AppScope(models.TextChoices):
    PASSAGES_READ = "passages.read", _("Read passages at its gates")
    READINGS_WRITE = "readings.write", _("Attach readings to passages")
    VISITORS_READ = "visitors.read", _("Read visitor arrivals at its gates")


class App(models.Model):
    """An app an operator registered for a park. Its token (``Authorization: Bearer app_…``) is stored as
    SHA-256 and shown once; its webhook secret signs every delivery (HMAC-SHA256 over
    ``timestamp.body``) and is kept as is, since ParkOS must sign with it. The app sees only its
    ``gates`` and may do only what ``scopes`` allow."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    description = models.CharField(_("description"), max_length=300, blank=True, validators=[validate_plain_text])
    owner_enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name=_("made by"))
    webhook_url = models.URLField(_("webhook address"), max_length=300)
    webhook_secret = models.CharField(_("webhook secret"), max_length=64)
    token_prefix = models.CharField(_("token prefix"), max_length=16)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    gates = models.ManyToManyField(Gate, blank=True, related_name="apps", verbose_name=_("gates"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("gate app")
        verbose_name_plural = _("gate apps")
        ordering = ["park", "name"]
        constraints = [models.UniqueConstraint(fields=["park", "name"], name="access_app_unique_name")]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return self.is_active and scope in (self.scopes or [])


class Delivery(models.Model):
    """One webhook to one app: retried with backoff until delivered or out of attempts (then failed,
    kept, and replayable by an operator: a replay is a new delivery pointing at the original)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
        FAILED = "failed", _("Failed")

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("app"))
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays",
                                  verbose_name=_("replay of"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="access_delivery_due"),
            models.Index(fields=["app", "-created_at"], name="access_delivery_app"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} · {self.event} · {self.status}"


class Reading(models.Model):
    """A measurement an app attached to a passage: today body temperature, sensitive personal information
    (PIPL). Only with the member's separate consent, kept at most the park's reading retention (≤ 14
    days), every read of a member's reading recorded in ``SensitiveRead``."""

    class Kind(models.TextChoices):
        TEMPERATURE = "temperature", _("Body temperature")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="+", verbose_name=_("passage"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("member"))
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="readings", verbose_name=_("app"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEMPERATURE)
    value = models.DecimalField(_("value"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(30), MaxValueValidator(45)])
    is_alert = models.BooleanField(_("alert"), default=False)
    measured_at = models.DateTimeField(_("measured at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("alert handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [models.UniqueConstraint(fields=["passage", "app", "kind"], name="access_reading_once")]
        indexes = [
            models.Index(fields=["park", "measured_at"], name="access_reading_park_time"),
            models.Index(fields=["park", "is_alert", "-measured_at"], name="access_reading_alerts"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.measured_at:%Y-%m-%d %H:%M}"


class SensitiveRead(models.Model):
    """The audit log: who read which member's sensitive personal data (a temperature alert, a reading),
    when and why. Rows are only added."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("read by"))
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            verbose_name=_("read by app"))
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("whose data"))
    what = models.CharField(_("what"), max_length=60)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("sensitive data read")
        verbose_name_plural = _("sensitive data reads")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["park", "-at"], name="access_sensitiveread_park")]

    def __str__(self) -> str:
        return f"{self.actor_id} · {self.what} · {self.at:%Y-%m-%d %H:%M}"


class Feedback(models.Model):
    """A member's word on a tenant's gate device or app ("how did the new face gate work for you?"),
    which reaches the tenant that made it."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("member"))
    gate = models.ForeignKey(Gate, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback",
                             verbose_name=_("gate"))
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback",
                            verbose_name=_("app"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("for enterprise"))
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.CharField(_("comment"), max_length=500, blank=True, validators=[validate_plain_text])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("device feedback")
        verbose_name_plural = _("device feedback")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(gate__isnull=False) | Q(app__isnull=False),
                                   name="access_feedback_has_subject"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="access_feedback_rating"),
        ]
        indexes = [models.Index(fields=["enterprise", "-created_at"], name="access_feedback_enterprise")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.rating}"
