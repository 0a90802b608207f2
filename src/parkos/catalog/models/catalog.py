"""The service catalog: a category tree, the providers who deliver, and the services themselves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkos.core.content import localized, localized_key, localized_list
from parkos.core.models import TimeStampedModel

__all__ = ["Category", "PricingKind", "Provider", "ProviderMember", "Service"]


class Category(models.Model):
    # RESTRICT, not PROTECT: a parent cannot go while it has children, unless they go in the same delete.
    parent = models.ForeignKey("self", on_delete=models.RESTRICT, null=True, blank=True, related_name="children",
                               verbose_name=_("parent category"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class Provider(TimeStampedModel):
    """Who delivers a service: the park itself (``is_park``) or a registered service provider."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    is_park = models.BooleanField(_("the park itself"), default=False)
    description = models.TextField(_("description"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("registered as enterprise"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-is_park", "name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language (``name`` is the stored Chinese name)."""
        return localized(self.name, self.name_en)


class ProviderMember(models.Model):
    """A person who works orders on behalf of a provider (holds the global provider role too)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="members",
                                 verbose_name=_("provider"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships",
                             verbose_name=_("user"))

    class Meta:
        verbose_name = _("provider staff member")
        verbose_name_plural = _("provider staff members")
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="catalog_provider_member_unique")]

    def __str__(self) -> str:
        return f"{self.provider} · {self.user}"


class PricingKind(models.TextChoices):
    FIXED = "fixed", _("Fixed price")
    FREE = "free", _("Free for tenants")
    QUOTE = "quote", _("On quotation")


SERVICE_NAME_ZH_MAX = 100
SERVICE_NAME_EN_MAX = 150


class Service(TimeStampedModel):
    """One service of the catalog.

    ``fields`` are what the enterprise fills when requesting it: a list of
    ``{"name", "label", "type": "text|textarea|number|date|choice", "required", "choices"}``, with
    optional ``label_en`` / ``choices_en`` (same order as ``choices``; the stored answer stays the
    Chinese choice). ``materials`` are documents it must supply (list of strings), ``materials_en``
    their English, item by item (an item without one shows in Chinese). ``eligibility`` is
    ``{"tenant_only": bool, "stages": [...], "industries": [top-level codes]}`` (empty = anyone)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="services",
                                 verbose_name=_("category"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services",
                                 verbose_name=_("provider"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=SERVICE_NAME_ZH_MAX)
    name_en = models.CharField(_("name (English)"), max_length=SERVICE_NAME_EN_MAX, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    pricing = models.CharField(_("pricing"), max_length=10, choices=PricingKind.choices, default=PricingKind.FIXED)
    price = models.DecimalField(_("price (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(Decimal("0"))])
    sla_days = models.PositiveSmallIntegerField(_("expected turnaround (working days)"), default=5,
                                                validators=[MinValueValidator(1), MaxValueValidator(365)])
    materials = models.JSONField(_("materials the enterprise supplies"), default=list, blank=True)
    materials_en = models.JSONField(_("materials (English)"), default=list, blank=True)
    fields = models.JSONField(_("request form fields"), default=list, blank=True)
    eligibility = models.JSONField(_("eligibility"), default=dict, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Empty: offered in every park of the portfolio; else only in this park (its enterprises order it).
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("park (empty: every park)"))

    class Meta:
        ordering = ["category__position", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(pricing="fixed") | models.Q(price__isnull=False),
                name="catalog_service_fixed_has_price"),
        ]
        indexes = [models.Index(fields=["category", "is_active"], name="catalog_service_cat_active"),
                   models.Index(fields=["park", "is_active"], name="catalog_service_park_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def policy_park_id(self) -> int:
        """A park-only service is managed by that park's operators; a portfolio-wide one only by
        portfolio operators (``policy.PORTFOLIO``'s id 0)."""
        return self.park_id if self.park_id is not None else 0

    def offered_in(self, park_id: int | None) -> bool:
        return self.park_id is None or self.park_id == park_id

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return localized(self.description_zh, self.description_en)

    @property
    def materials_display(self) -> list[str]:
        """The materials in the active language, item by item."""
        return localized_list(self.materials, self.materials_en)

    @property
    def form_fields(self) -> list[dict[str, Any]]:
        """The request form's fields with ``label`` (and choice labels, ``choice_labels``) in the
        active language; ``choices`` stay the stored values the answers are checked against."""
        out = []
        for spec in self.fields if isinstance(self.fields, list) else []:
            if not isinstance(spec, dict) or not spec.get("name"):
                continue
            item = {**spec, "label": localized_key(spec, "label", str(spec["name"]))}
            if spec.get("choices"):
                english = spec.get("choices_en") if isinstance(spec.get("choices_en"), list) else []
                item["choice_labels"] = localized_list(list(spec["choices"]), english)
            out.append(item)
        return out

    def field_label(self, name: str) -> str:
        """The label of field ``name`` in the active language (the name itself for a removed field)."""
        for spec in self.form_fields:
            if spec["name"] == name:
                return str(spec["label"])
        return name

    def field_names(self) -> list[str]:
        return [str(f.get("name")) for f in self.fields if isinstance(f, dict)]

    def eligibility_spec(self) -> dict[str, Any]:
        return self.eligibility if isinstance(self.eligibility, dict) else {}
