"""Introductions through the park (引荐): an enterprise asks to meet an investor or an investor asks to meet
an enterprise; the enterprise's butler brokers it as a service order with its SLA; the other side accepts
or declines, without having to say why."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_text

# The relation of the side that is asked (the investor when an enterprise asks, the enterprise's admins
# when an investor asks) to an introduction.
ASKED_SIDE = "asked_side"


class Direction(models.TextChoices):
    ENTERPRISE_ASKS = "enterprise", _("The enterprise asks to meet the investor")
    INVESTOR_ASKS = "investor", _("The investor asks to meet the enterprise")


class IntroductionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    # The butler has passed it on: the asked side decides.
    OFFERED = "offered", _("Waiting for the other side")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # The butler did not pass it on (the investor does not take introductions now, a duplicate …).
    CLOSED = "closed", _("Closed by the park")


OPEN_INTRODUCTION = (IntroductionStatus.REQUESTED, IntroductionStatus.OFFERED)


class Introduction(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("enterprise"))
    investor = models.ForeignKey("network.Investor", on_delete=models.CASCADE, related_name="introductions",
                                 verbose_name=_("investor"))
    direction = models.CharField(_("who asks"), max_length=10, choices=Direction.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    message = models.TextField(_("message"), max_length=2000, validators=[validate_plain_text])
    status = models.CharField(_("status"), max_length=10, choices=IntroductionStatus.choices,
                              default=IntroductionStatus.REQUESTED)
    # The butler brokers it as a service order of the catalog (its SLA, its timeline, the butler's queue).
    order = models.ForeignKey("catalog.ServiceOrder", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("service order"))
    butler_note = models.TextField(_("butler's note to the other side"), max_length=2000, blank=True,
                                   validators=[validate_plain_text])
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    offered_at = models.DateTimeField(_("passed on at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["requested_by", "idempotency_key"], name="network_intro_idempotent"),
            # One open introduction between an enterprise and an investor at a time.
            models.UniqueConstraint(fields=["enterprise", "investor"], condition=Q(status__in=OPEN_INTRODUCTION),
                                    name="network_intro_one_open"),
        ]
        indexes = [models.Index(fields=["park", "status"], name="network_intro_park_status")]

    def __str__(self) -> str:
        return f"{self.enterprise} ↔ {self.investor}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INTRODUCTION

    def relations_for(self, user: Any) -> set[str]:
        from parkos.core import policy

        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations = self.enterprise.relations_for(user)
        investor_side = self.investor.user_id == user.pk
        if investor_side:
            relations.add(policy.SELF)
        asked = (investor_side if self.direction == Direction.ENTERPRISE_ASKS
                 else policy.ENTERPRISE_ADMIN in relations)
        if asked:
            relations.add(ASKED_SIDE)
        return relations
