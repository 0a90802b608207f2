"""Visitors: a member's invitation (a pass with its own link and QR code, valid in a window at chosen
gates), reception's walk-ins, and the park's blocklist."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.access.models.gates import Gate
from parkos.core.text import validate_plain_name, validate_plain_text

# The relation of a pass to the member who invited the visitor (registered with the policy in rules.py).
VISITOR_HOST = "visitor_host"


class VisitorPass(models.Model):
    """A visitor's pass. The visitor needs no account: the link carries a random token of which only the
    SHA-256 is stored (``token_hash``); the QR code on that page is the token itself, so the gate looks
    the pass up by the same hash. After the park's visitor retention the name and mobile number are
    erased (``purged_at``) and the row stays for the counts."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ARRIVED = "arrived", _("Arrived")
        LEFT = "left", _("Left")
        CANCELLED = "cancelled", _("Cancelled")

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visitor_passes",
                             verbose_name=_("host"))
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("host enterprise"))
    name = models.CharField(_("visitor's name"), max_length=40, validators=[validate_plain_name])
    mobile = models.CharField(_("visitor's mobile number"), max_length=20, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True, validators=[validate_plain_text])
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    gates = models.ManyToManyField(Gate, related_name="+", verbose_name=_("gates"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    walk_in = models.BooleanField(_("registered at reception"), default=False)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    purged_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visitor pass")
        verbose_name_plural = _("visitor passes")
        ordering = ["-valid_from", "-id"]
        indexes = [
            models.Index(fields=["park", "valid_from"], name="access_visitor_park_time"),
            models.Index(fields=["host", "-valid_from"], name="access_visitor_host"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(valid_until__gt=models.F("valid_from")),
                                              name="access_visitor_window")]

    def __str__(self) -> str:
        return f"{self.name} · {self.valid_from:%Y-%m-%d}"

    def relations_for(self, user: Any) -> set[str]:
        return {VISITOR_HOST} if user is not None and user.pk == self.host_id else set()


class BlockedVisitor(models.Model):
    """Someone the park does not admit, by mobile number (and name, for reception's eyes): checked when a
    member invites them and again at the gate."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    mobile = models.CharField(_("mobile number"), max_length=20)
    name = models.CharField(_("name"), max_length=40, blank=True, validators=[validate_plain_name])
    reason = models.CharField(_("reason"), max_length=200, validators=[validate_plain_text])
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until removed."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("blocked visitor")
        verbose_name_plural = _("blocked visitors")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["park", "mobile"], name="access_blocked_unique_mobile")]

    def __str__(self) -> str:
        return self.mobile
