"""The butler's workspace: notes on enterprises, appointments, resource-linking plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkos.core.models import TimeStampedModel

__all__ = ["Plan", "PlanItem", "PlanStatus"]


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
    message = models.TextField(_("message to the enterprise"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("resource-linking plan")
        verbose_name_plural = _("resource-linking plans")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_status_display()}"


class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("service"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    reason = models.CharField(_("reason"), max_length=200)
    score = models.FloatField(_("score"), default=0.0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")

    def __str__(self) -> str:
        return self.reason
