"""Enterprises, their staff and invitations, the park's buildings and the industry taxonomy."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.content import english_of, localized
from parkos.core.models import TimeStampedModel
from parkos.core.text import validate_plain_name, validate_plain_text
from parkos.enterprises.validators import validate_credit_code


class Industry(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class Building(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="buildings", verbose_name=_("park"))
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=40)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    # Gross floor area: innovation density (people-hours per 1,000 m²) is measured against it.
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# Role titles a butler's display name may open with ("企业管家 · 陈立").
BUTLER_TITLES = frozenset({"企业管家", "企業管家", "管家", "Enterprise butler", "Butler"})


def butler_display(user: Any) -> str:
    """A butler's name without a leading role title: "企业管家 · 陈立" reads "陈立" after "Your butler:"."""
    name: str = user.display_name
    title, sep, rest = name.partition(" · ")
    return rest.strip() if sep and rest.strip() and title.strip() in BUTLER_TITLES else name


class Stage(models.TextChoices):
    SEED = "seed", _("Seed")
    ANGEL = "angel", _("Angel round")
    SERIES_A = "series_a", _("Series A")
    SERIES_B = "series_b", _("Series B")
    SERIES_C = "series_c", _("Series C and later")
    PRE_IPO = "pre_ipo", _("Pre-IPO")
    LISTED = "listed", _("Listed")


class Headcount(models.TextChoices):
    TINY = "1-9", _("1–9 people")
    SMALL = "10-49", _("10–49 people")
    MEDIUM = "50-199", _("50–199 people")
    LARGE = "200-999", _("200–999 people")
    HUGE = "1000+", _("1,000 people or more")


class Enterprise(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[validate_plain_name])
    name_en = models.CharField(_("English name"), max_length=150, blank=True, validators=[validate_plain_name])
    short_name = models.CharField(_("short name"), max_length=30, blank=True, validators=[validate_plain_name])
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                                   validators=[validate_credit_code])
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="enterprises",
                                 verbose_name=_("industry"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SEED, db_index=True)
    headcount = models.CharField(_("headcount"), max_length=10, choices=Headcount.choices, default=Headcount.TINY)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    # The park the enterprise is in: its building's park (kept equal by the services), stored on the row
    # because most of the park's objects are scoped through their enterprise.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="enterprises",
                             verbose_name=_("park"))
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="enterprises", verbose_name=_("building"))
    floor = models.CharField(_("floor"), max_length=10, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("about"), max_length=2000, blank=True, validators=[validate_plain_text])
    tags = models.JSONField(_("tags"), default=list, blank=True)
    needs = models.TextField(_("current needs"), max_length=2000, blank=True, validators=[validate_plain_text])
    butler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="portfolio", verbose_name=_("butler"))
    butler_assigned_at = models.DateTimeField(_("butler assigned at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The English name where one was registered (a half-English one such as "云启 Technology Co.,
        Ltd." counts as none), the Chinese name in Traditional characters in zh-Hant."""
        return localized(self.name, self.name_en)

    @property
    def english_name(self) -> str:
        """The registered English name when it is English throughout, else ""."""
        return english_of(self.name, self.name_en)

    @property
    def butler_name(self) -> str:
        """The butler's name as "Your butler: X" shows it. A display name that opens with the role title
        (the demo's "企业管家 · 陈立") would say the title twice, so that prefix is dropped here."""
        return butler_display(self.butler) if self.butler is not None else ""

    @property
    def location(self) -> str:
        # The floor as typed ("5F", "B1", "夹层"); a bare number ("5") reads as a floor ("5F"), never "5FF".
        floor = f"{self.floor}F" if self.floor.isdigit() else self.floor
        parts = [str(self.building) if self.building_id else "", floor, self.unit]
        return " ".join(p for p in parts if p)

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations: set[str] = set()
        if self.butler_id == user.pk:
            relations.add(policy.ASSIGNED_BUTLER)
        from parkos.enterprises.selectors import my_enterprise_roles

        role = my_enterprise_roles(user).get(self.pk)
        if role == Membership.Role.ADMIN:
            relations.update({policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF})
        elif role == Membership.Role.STAFF:
            relations.add(policy.ENTERPRISE_STAFF)
        return relations


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Enterprise admin")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        ACTIVE = "active", _("Active")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships",
                                   verbose_name=_("enterprise"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    title = models.CharField(_("job title"), max_length=40, blank=True, validators=[validate_plain_name])
    invitation = models.ForeignKey("Invitation", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="memberships", verbose_name=_("invitation"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["enterprise", "-role", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "user"], name="membership_unique"),
            # One employer per person: a member is staff of at most one enterprise at a time.
            models.UniqueConstraint(fields=["user"], condition=Q(status="active"), name="membership_one_active"),
            # One admin per enterprise; handing over swaps the two rows in one transaction.
            models.UniqueConstraint(fields=["enterprise"], condition=Q(role="admin", status="active"),
                                    name="membership_one_admin"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


class Invitation(TimeStampedModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="invitations",
                                   verbose_name=_("enterprise"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    token = models.CharField(_("link token"), max_length=64, unique=True)
    code = models.CharField(_("invitation code"), max_length=8, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1)
    uses = models.PositiveIntegerField(_("uses"), default=0)
    requires_approval = models.BooleanField(_("admin approves each join"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(uses__lte=models.F("max_uses")), name="invitation_uses_cap")]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.code}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.uses < self.max_uses and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.uses >= self.max_uses:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
