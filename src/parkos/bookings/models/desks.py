"""Desks allocated to an enterprise for a period: a lease-like allocation with its desks. An allocation can
come from elsewhere (a competition award of "20 workstations for 6 months"): ``source`` and ``source_ref``
say where, and the enterprise sees it among its benefits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_text


class AllocationSource(models.TextChoices):
    LEASE = "lease", _("Lease")
    COMPETITION = "competition", _("Competition award")
    PROGRAMME = "programme", _("Park programme")


class Allocation(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("enterprise"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    source = models.CharField(_("source"), max_length=12, choices=AllocationSource.choices,
                              default=AllocationSource.LEASE)
    # Where it came from, e.g. "competitions.award:42": an allocation made twice for one award is one.
    source_ref = models.CharField(_("reference"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True, validators=[validate_plain_text])
    desks = models.ManyToManyField("bookings.Place", through="bookings.AllocatedDesk", related_name="+",
                                   verbose_name=_("desks"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended early at"), null=True, blank=True)

    class Meta:
        verbose_name = _("desk allocation")
        verbose_name_plural = _("desk allocations")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="bookings_allocation_dates"),
            models.UniqueConstraint(fields=["park", "source_ref"], condition=~Q(source_ref=""),
                                    name="bookings_allocation_source"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.starts_on}–{self.ends_on}"

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)

    def relations_for(self, user: Any) -> set[str]:
        return self.enterprise.relations_for(user)


class AllocatedDesk(models.Model):
    """One desk of an allocation, with the allocation's dates copied so an overlap is one indexed query
    (and, on PostgreSQL, an exclusion constraint)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="allocated",
                                   verbose_name=_("allocation"))
    desk = models.ForeignKey("bookings.Place", on_delete=models.PROTECT, related_name="allocations",
                             verbose_name=_("desk"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    # Who of the enterprise sits here (the enterprise's admin assigns; empty: not assigned yet).
    occupant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("occupant"))

    class Meta:
        verbose_name = _("allocated desk")
        verbose_name_plural = _("allocated desks")
        ordering = ["desk__name"]
        constraints = [models.UniqueConstraint(fields=["allocation", "desk"], name="bookings_allocated_unique")]
        indexes = [models.Index(fields=["desk", "starts_on"], name="bookings_allocated_desk")]

    def __str__(self) -> str:
        return str(self.desk)


__all__ = ["AllocatedDesk", "Allocation", "AllocationSource"]
