"""Policy matching (政策匹配): government policies and subsidies with machine-checkable rules, and the
enterprise facts those rules need beyond the enterprise profile (revenue band, patents).

The rule language and its evaluator live in ``catalog/eligibility.py``; the model stores the rules
as data (a JSON list of conditions), checked on every save through ``policy_save`` and the admin."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkos.core.models import TimeStampedModel

__all__ = ["EnterpriseFacts", "Policy", "RevenueBand"]


class RevenueBand(models.TextChoices):
    """Last year's operating revenue, in bands (ordered: the rule "revenue ≥ band" compares positions)."""

    UNDER_1M = "lt1m", _("Under 1 million yuan")
    FROM_1M = "1m-5m", _("1–5 million yuan")
    FROM_5M = "5m-20m", _("5–20 million yuan")
    FROM_20M = "20m-100m", _("20–100 million yuan")
    FROM_100M = "100m-200m", _("100–200 million yuan")
    OVER_200M = "200m+", _("200 million yuan or more")


class Policy(TimeStampedModel):
    """A government policy or subsidy the park helps its enterprises apply for."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=120)
    issuer = models.CharField(_("issuing body"), max_length=100)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    benefit = models.CharField(_("benefit"), max_length=200, blank=True)
    deadline = models.DateField(_("application deadline"), null=True, blank=True)
    link = models.URLField(_("official link"), blank=True)
    rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    service = models.ForeignKey("catalog.Service", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="policies", verbose_name=_("application service"))
    is_active = models.BooleanField(_("active"), default=True)
    # Empty: for the enterprises of every park; else a local policy of one park (its district's subsidy).
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("park (empty: every park)"))

    class Meta:
        ordering = ["deadline", "code"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        indexes = [models.Index(fields=["is_active", "deadline"], name="catalog_policy_active_deadline")]

    def __str__(self) -> str:
        return self.title

    @property
    def policy_park_id(self) -> int:
        """One park's policy is managed by its operators; a portfolio-wide one by portfolio operators."""
        return self.park_id if self.park_id is not None else 0


class EnterpriseFacts(TimeStampedModel):
    """What policy rules need to know about an enterprise that its profile does not hold. Kept on the
    catalog side (the enterprise admin or its butler edits them on the policy page)."""

    enterprise = models.OneToOneField("enterprises.Enterprise", on_delete=models.CASCADE, related_name="policy_facts",
                                      verbose_name=_("enterprise"))
    revenue_band = models.CharField(_("last year's revenue"), max_length=10, choices=RevenueBand.choices, blank=True)
    patents = models.PositiveIntegerField(_("patents held"), default=0, validators=[MaxValueValidator(100000)])
    high_tech = models.BooleanField(_("certified high-tech enterprise"), default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("enterprise facts for policies")
        verbose_name_plural = _("enterprise facts for policies")

    def __str__(self) -> str:
        return str(self.enterprise_id)
