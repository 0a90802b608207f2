"""Awards the park delivers: an edition's award tiers by rank (一等奖 …) with their benefits, the award given
to a ranked application, and the delivery of each benefit.

Every benefit the park delivers becomes a service order in the catalog (its SLA, the butler following it to
the end, the winner seeing it delivered); free workstations are also allocated as bookable desks, gift packs
are granted through rewards."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.core.content import localized
from parkos.core.text import validate_plain_name, validate_plain_text


class AwardTier(models.Model):
    """A prize of an edition given to the final ranks ``rank_from``..``rank_to`` (一等奖: 1..1)."""

    edition = models.ForeignKey("competitions.Edition", on_delete=models.CASCADE, related_name="award_tiers",
                                verbose_name=_("edition"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True, validators=[validate_plain_name])
    rank_from = models.PositiveSmallIntegerField(_("from rank"))
    rank_to = models.PositiveSmallIntegerField(_("to rank"))

    class Meta:
        verbose_name = _("award tier")
        verbose_name_plural = _("award tiers")
        ordering = ["edition", "rank_from"]
        constraints = [models.CheckConstraint(condition=Q(rank_from__gte=1, rank_to__gte=models.F("rank_from")),
                                              name="competitions_tier_ranks")]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class BenefitKind(models.TextChoices):
    CASH = "cash", _("Prize money")
    INVESTMENT = "investment", _("Investment interest from the network's investors")
    WORKSTATIONS = "workstations", _("Free workstations")
    GIFT_PACK = "gift_pack", _("Gift packs")
    HOUSING = "housing", _("Public rental housing quota")
    TALENT = "talent", _("Talent-introduction help")
    SERVICE = "service", _("Another park service")


class Benefit(models.Model):
    """One benefit of a tier. ``service`` is the catalog service through which the park delivers it (every
    kind has one, so the butler follows it as an order); workstations also name ``desks`` and ``months``; a
    gift pack names the rewards pack (``pack_id``, granted to the team's applicant and staff)."""

    tier = models.ForeignKey(AwardTier, on_delete=models.CASCADE, related_name="benefits", verbose_name=_("tier"))
    kind = models.CharField(_("kind"), max_length=12, choices=BenefitKind.choices)
    description = models.CharField(_("description"), max_length=200, validators=[validate_plain_name])
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("delivered through the service"))
    cash_fen = models.PositiveBigIntegerField(_("prize money (fen)"), null=True, blank=True)
    desks = models.PositiveSmallIntegerField(_("workstations"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("for months"), null=True, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)  # packs, housing places
    pack_id = models.PositiveBigIntegerField(_("gift pack"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["tier", "position", "id"]
        constraints = [models.CheckConstraint(
            condition=~Q(kind="workstations") | Q(desks__gte=1, months__gte=1),
            name="competitions_benefit_desks")]

    def __str__(self) -> str:
        return self.description


class Award(models.Model):
    """A tier given to an application at the end of an edition, by its final rank."""

    edition = models.ForeignKey("competitions.Edition", on_delete=models.PROTECT, related_name="awards",
                                verbose_name=_("edition"))
    application = models.OneToOneField("competitions.Application", on_delete=models.PROTECT, related_name="award",
                                       verbose_name=_("application"))
    tier = models.ForeignKey(AwardTier, on_delete=models.PROTECT, related_name="awards", verbose_name=_("tier"))
    rank = models.PositiveSmallIntegerField(_("final rank"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["edition", "rank"]

    def __str__(self) -> str:
        return f"{self.tier} · {self.application_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Not started")
    IN_PROGRESS = "in_progress", _("Being delivered")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Could not be started")


class Delivery(models.Model):
    """The delivery of one benefit of an award: its service order (and, for workstations, its desk
    allocation). Its state follows the order's; ``error`` says why it could not be started (no free desks,
    the enterprise not registered yet)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("award"))
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="+", verbose_name=_("benefit"))
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    order = models.ForeignKey("catalog.ServiceOrder", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("service order"))
    allocation = models.ForeignKey("bookings.Allocation", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("desk allocation"))
    error = models.CharField(_("why it is not started"), max_length=300, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True, validators=[validate_plain_text])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("benefit delivery")
        verbose_name_plural = _("benefit deliveries")
        ordering = ["award", "benefit__position", "id"]
        constraints = [models.UniqueConstraint(fields=["award", "benefit"], name="competitions_delivery_once")]

    def __str__(self) -> str:
        return f"{self.award_id}/{self.benefit_id}: {self.status}"
