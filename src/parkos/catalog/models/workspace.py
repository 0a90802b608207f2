"""The butler's workspace: notes on enterprises, appointments, resource-linking plans."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.models import TimeStampedModel

__all__ = ["Appointment", "AppointmentMode", "AppointmentSlot", "AppointmentStatus", "ButlerNote", "Plan",
           "PlanItem", "PlanItemKind", "PlanStatus"]

NOTE_MAX = 2000
TOPIC_MAX = 200
REASON_MAX = 200
LINK_MAX = 200  # a meeting link longer than this is refused, never cut
PLACE_MAX = 100
MESSAGE_MAX = 2000


class ButlerNote(TimeStampedModel):
    """What a butler keeps about an enterprise: park staff only, never shown to the enterprise."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="butler_notes",
                                   verbose_name=_("enterprise"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("author"))
    body = models.TextField(_("note"), max_length=NOTE_MAX)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("butler note")
        verbose_name_plural = _("butler notes")
        indexes = [models.Index(fields=["enterprise", "-created_at"], name="catalog_note_ent_created")]

    def __str__(self) -> str:
        return self.body[:40]  # a label in the admin, not stored

    @property
    def policy_park_id(self) -> int:
        return self.enterprise.park_id

    def relations_for(self, user: Any) -> set[str]:
        from parkos.catalog.rules import NOTE_AUTHOR

        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        return {NOTE_AUTHOR} if self.author_id == user.pk else set()


class AppointmentMode(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("In person")


class AppointmentSlot(TimeStampedModel):
    """A time a butler offers for one meeting (capacity one: an active booking takes it whole)."""

    butler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointment_slots",
                               verbose_name=_("butler"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("mode"), max_length=10, choices=AppointmentMode.choices, default=AppointmentMode.OFFLINE)
    place = models.CharField(_("place"), max_length=PLACE_MAX, blank=True)
    link = models.URLField(_("meeting link"), max_length=LINK_MAX, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The park where the butler meets (empty: a portfolio-wide butler's slot, open to every park).
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("park"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="catalog_slot_ends_after"),
        ]
        indexes = [models.Index(fields=["butler", "starts_at"], name="catalog_slot_butler_start")]

    def __str__(self) -> str:
        return f"{self.butler} {self.starts_at:%Y-%m-%d %H:%M}"

    def relations_for(self, user: Any) -> set[str]:
        from parkos.catalog.rules import SLOT_BUTLER

        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        return {SLOT_BUTLER} if self.butler_id == user.pk else set()

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(TimeStampedModel):
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.CASCADE, related_name="appointments",
                             verbose_name=_("slot"))
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointments",
                               verbose_name=_("member"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="appointments", verbose_name=_("enterprise"))
    topic = models.CharField(_("topic"), max_length=TOPIC_MAX)
    status = models.CharField(_("status"), max_length=10, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("cancelled by"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            # No double booking: a slot holds one active appointment (the service also locks the slot).
            models.UniqueConstraint(fields=["slot"], condition=Q(status="booked"), name="catalog_appt_one_per_slot"),
        ]
        indexes = [models.Index(fields=["enterprise", "status"], name="catalog_appt_ent_status")]

    def __str__(self) -> str:
        return f"{self.slot} · {self.topic[:30]}"  # a label in the admin, not stored

    @property
    def is_active(self) -> bool:
        return self.status == AppointmentStatus.BOOKED

    @property
    def policy_park_id(self) -> int | None:
        """An appointment follows its enterprise's park (else the slot's)."""
        if self.enterprise_id is not None:
            return self.enterprise.park_id  # type: ignore[union-attr]
        return self.slot.park_id

    def relations_for(self, user: Any) -> set[str]:
        from parkos.catalog.rules import APPOINTMENT_BUTLER, APPOINTMENT_MEMBER

        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations: set[str] = set()
        if self.member_id == user.pk:
            relations.add(APPOINTMENT_MEMBER)
        if self.slot.butler_id == user.pk:
            relations.add(APPOINTMENT_BUTLER)
        return relations


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")


class Plan(TimeStampedModel):
    """A resource-linking plan (在地资源链接方案) a butler prepares for one enterprise."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="plans",
                                   verbose_name=_("enterprise"))
    butler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("butler"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    message = models.TextField(_("message to the enterprise"), blank=True, max_length=MESSAGE_MAX)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("resource-linking plan")
        verbose_name_plural = _("resource-linking plans")
        constraints = [
            # Opening a plan twice (double click, two tabs) continues the one draft.
            models.UniqueConstraint(fields=["enterprise"], condition=Q(status="draft"), name="catalog_plan_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_status_display()}"

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def policy_park_id(self) -> int:
        return self.enterprise.park_id

    def relations_for(self, user: Any) -> set[str]:
        relations = self.enterprise.relations_for(user)
        if self.status != PlanStatus.SENT:
            # A draft is the butler's working copy: the enterprise sees a plan once it is sent.
            relations -= {policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF}
        return relations


class PlanItemKind(models.TextChoices):
    """What a plan item links the enterprise to. Services now; partners, investors and events are
    meant to join as kinds of their own (each with its own nullable foreign key and reason)."""

    SERVICE = "service", _("Service")


class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    kind = models.CharField(_("kind"), max_length=20, choices=PlanItemKind.choices, default=PlanItemKind.SERVICE)
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("service"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    score = models.FloatField(_("score"), default=0.0)
    suggested = models.BooleanField(_("proposed by ParkOS"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        constraints = [
            models.UniqueConstraint(fields=["plan", "service"], condition=Q(service__isnull=False),
                                    name="catalog_planitem_service_once"),
            models.CheckConstraint(condition=~Q(kind="service") | Q(service__isnull=False),
                                   name="catalog_planitem_service_has_service"),
        ]

    def __str__(self) -> str:
        return self.reason
