"""Capital (资本对接): investment institutions (funds) and investors with their theses, financing records of
the parks' enterprises (disclosed or confidential), the exchange rates they were converted with, and
the investors' private deal pipelines.

Money is stored exactly, as integers in the currency's minor unit (fen, cents; yen have none), so sums in
SQL are exact on SQLite and PostgreSQL alike. A record also stores the rate it was converted to yuan with
and the converted amount, so the park's yuan totals never move when a rate is corrected later."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from parkos.core.content import localized
from parkos.core.text import validate_plain_name, validate_plain_text


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    GBP = "GBP", _("Pound sterling (GBP)")
    JPY = "JPY", _("Japanese yen (JPY)")
    SGD = "SGD", _("Singapore dollar (SGD)")


# ISO 4217 minor-unit exponents: amounts are stored as amount × 10**exponent.
EXPONENT: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "GBP": 2, "JPY": 0, "SGD": 2}


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(EXPONENT[currency]))


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-EXPONENT[currency])


class FundKind(models.TextChoices):
    VC = "vc", _("Venture capital")
    PE = "pe", _("Private equity")
    ANGEL = "angel", _("Angel investors")
    CVC = "cvc", _("Corporate venture capital")
    GOVERNMENT = "government", _("Government guidance fund")
    BANK = "bank", _("Bank or lender")


class Fund(models.Model):
    """An investment institution: what it invests in (stages, industries, regions, ticket size) and its
    portfolio (the financing records it took part in)."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100, unique=True, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True, validators=[validate_plain_name])
    kind = models.CharField(_("kind"), max_length=12, choices=FundKind.choices, default=FundKind.VC)
    # Values of enterprises.Stage.
    stages = models.JSONField(_("stages"), default=list, blank=True)
    industries = models.ManyToManyField("enterprises.Industry", blank=True, related_name="+",
                                        verbose_name=_("industries"))
    # Free region names as the fund writes them ("北京", "长三角", "全国", "Europe").
    regions = models.JSONField(_("regions"), default=list, blank=True)
    # Ticket size in ten thousand yuan (万元), the unit Chinese investors speak in.
    ticket_min_wan = models.PositiveIntegerField(_("smallest ticket (10,000 yuan)"), null=True, blank=True)
    ticket_max_wan = models.PositiveIntegerField(_("largest ticket (10,000 yuan)"), null=True, blank=True)
    country = models.ForeignKey("network.Country", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("country"))
    description = models.TextField(_("about"), max_length=2000, blank=True, validators=[validate_plain_text])
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["name_zh"]
        constraints = [models.CheckConstraint(
            condition=Q(ticket_min_wan__isnull=True) | Q(ticket_max_wan__isnull=True)
            | Q(ticket_max_wan__gte=F("ticket_min_wan")), name="network_fund_ticket_range")]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class Investor(models.Model):
    """A member with the investor role, their institution and their thesis (what they look for), which
    the matching reads."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="investor_profile",
                                verbose_name=_("member"))
    fund = models.ForeignKey(Fund, on_delete=models.SET_NULL, null=True, blank=True, related_name="investors",
                             verbose_name=_("fund"))
    title = models.CharField(_("title"), max_length=60, blank=True, validators=[validate_plain_name])
    thesis = models.TextField(_("investment thesis"), max_length=2000, blank=True, validators=[validate_plain_text])
    stages = models.JSONField(_("stages"), default=list, blank=True)
    industries = models.ManyToManyField("enterprises.Industry", blank=True, related_name="+",
                                        verbose_name=_("industries"))
    regions = models.JSONField(_("regions"), default=list, blank=True)
    ticket_min_wan = models.PositiveIntegerField(_("smallest ticket (10,000 yuan)"), null=True, blank=True)
    ticket_max_wan = models.PositiveIntegerField(_("largest ticket (10,000 yuan)"), null=True, blank=True)
    # Shown to the parks' enterprises in the investor directory and in their matches.
    is_listed = models.BooleanField(_("listed for enterprises"), default=True)
    accepts_introductions = models.BooleanField(_("accepts introductions"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("investor")
        verbose_name_plural = _("investors")
        ordering = ["user_id"]
        constraints = [models.CheckConstraint(
            condition=Q(ticket_min_wan__isnull=True) | Q(ticket_max_wan__isnull=True)
            | Q(ticket_max_wan__gte=F("ticket_min_wan")), name="network_investor_ticket_range")]

    def __str__(self) -> str:
        return str(self.user)

    def relations_for(self, user: Any) -> set[str]:
        from parkos.core import policy

        return {policy.SELF} if user is not None and getattr(user, "pk", None) == self.user_id else set()


class Round(models.TextChoices):
    ANGEL = "angel", _("Angel round")
    SEED = "seed", _("Seed round")
    PRE_A = "pre_a", _("Pre-A round")
    A = "a", _("Series A")
    A_PLUS = "a_plus", _("Series A+")
    B = "b", _("Series B")
    C = "c", _("Series C")
    D = "d", _("Series D and later")
    PRE_IPO = "pre_ipo", _("Pre-IPO")
    IPO = "ipo", _("IPO")
    STRATEGIC = "strategic", _("Strategic investment")


class Disclosure(models.TextChoices):
    DISCLOSED = "disclosed", _("Disclosed")
    # The amount counts in the park's totals and is never shown to anyone but the enterprise's admins and
    # the park's operators.
    CONFIDENTIAL = "confidential", _("Confidential amount")


class ExchangeRate(models.Model):
    """How many yuan one unit of a currency was worth on a day (the People's Bank of China's central
    parity, or whatever source the operator records)."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    valid_on = models.DateField(_("valid on"))
    rate_to_cny = models.DecimalField(_("yuan per unit"), max_digits=18, decimal_places=6,
                                      validators=[MinValueValidator(Decimal("0.000001"))])
    source = models.CharField(_("source"), max_length=100, blank=True, validators=[validate_plain_name])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_on"]
        constraints = [models.UniqueConstraint(fields=["currency", "valid_on"], name="network_rate_unique"),
                       models.CheckConstraint(condition=Q(rate_to_cny__gt=0), name="network_rate_positive")]

    def __str__(self) -> str:
        return f"{self.currency} {self.valid_on} {self.rate_to_cny}"


class FinancingSource(models.TextChoices):
    ENTERPRISE = "enterprise", _("Reported by the enterprise")
    OPERATOR = "operator", _("Recorded by the park")
    IMPORT = "import", _("Imported")


class FinancingRecord(models.Model):
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT,
                                   related_name="financing_records", verbose_name=_("enterprise"))
    # The enterprise's park when recorded: the park's figures filter by it without a join.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    round = models.CharField(_("round"), max_length=10, choices=Round.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    # The rate the amount was converted with (1 for yuan) and the result in fen, fixed when recorded.
    rate_to_cny = models.DecimalField(_("yuan per unit"), max_digits=18, decimal_places=6)
    amount_cny_fen = models.BigIntegerField(_("amount in yuan (fen)"))
    announced_on = models.DateField(_("date"))
    disclosure = models.CharField(_("disclosure"), max_length=12, choices=Disclosure.choices,
                                  default=Disclosure.DISCLOSED)
    source = models.CharField(_("source"), max_length=12, choices=FinancingSource.choices,
                              default=FinancingSource.ENTERPRISE)
    # The competition this financing followed, when it did (filled by the competitions domain; the year of
    # the edition and the track's code, so the park's figures can be cut by edition and track).
    competition_year = models.PositiveSmallIntegerField(_("competition edition (year)"), null=True, blank=True)
    competition_track = models.CharField(_("competition track"), max_length=40, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True, validators=[validate_plain_text])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("financing record")
        verbose_name_plural = _("financing records")
        ordering = ["-announced_on", "-id"]
        constraints = [
            # A round is recorded once: a retried form or a second import of the same line is one record.
            models.UniqueConstraint(fields=["enterprise", "round", "announced_on"], name="network_financing_once"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0) & Q(amount_cny_fen__gt=0),
                                   name="network_financing_positive"),
            models.CheckConstraint(condition=Q(rate_to_cny__gt=0), name="network_financing_rate_positive"),
        ]
        indexes = [models.Index(fields=["park", "announced_on"], name="network_financing_park_date"),
                   models.Index(fields=["competition_year", "competition_track"], name="network_financing_comp")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_round_display()} {self.announced_on}"

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)

    @property
    def is_confidential(self) -> bool:
        return self.disclosure == Disclosure.CONFIDENTIAL

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor, self.currency)

    def relations_for(self, user: Any) -> set[str]:
        return self.enterprise.relations_for(user)


class FinancingInvestor(models.Model):
    """Who invested in a round: a fund of the network, an investor member, or a name from outside."""

    record = models.ForeignKey(FinancingRecord, on_delete=models.CASCADE, related_name="investors",
                               verbose_name=_("financing record"))
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, null=True, blank=True, related_name="investments",
                             verbose_name=_("fund"))
    investor = models.ForeignKey(Investor, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="investments", verbose_name=_("investor"))
    name = models.CharField(_("name"), max_length=100, blank=True, validators=[validate_plain_name])
    is_lead = models.BooleanField(_("lead investor"), default=False)

    class Meta:
        verbose_name = _("investor in a round")
        verbose_name_plural = _("investors in a round")
        ordering = ["-is_lead", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(fund__isnull=False) | Q(investor__isnull=False) | ~Q(name=""),
                                   name="network_financing_investor_named"),
        ]
        indexes = [models.Index(fields=["fund", "record"], name="network_fi_fund"),
                   models.Index(fields=["investor", "record"], name="network_fi_investor")]

    def __str__(self) -> str:
        return self.name or str(self.fund or self.investor)


class PipelineStage(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    MET = "met", _("Met")
    DUE_DILIGENCE = "due_diligence", _("Due diligence")
    INVESTED = "invested", _("Invested")
    PASSED = "passed", _("Passed")


class PipelineEntry(models.Model):
    """An enterprise on an investor's private pipeline. Nobody but the investor sees it: not the
    enterprise, not the park's operators."""

    investor = models.ForeignKey(Investor, on_delete=models.CASCADE, related_name="pipeline",
                                 verbose_name=_("investor"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("enterprise"))
    stage = models.CharField(_("stage"), max_length=14, choices=PipelineStage.choices,
                             default=PipelineStage.INTERESTED)
    note = models.TextField(_("private note"), max_length=4000, blank=True, validators=[validate_plain_text])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("pipeline entry")
        verbose_name_plural = _("pipeline entries")
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["investor", "enterprise"], name="network_pipeline_once")]

    def __str__(self) -> str:
        return f"{self.investor} → {self.enterprise}"

    def relations_for(self, user: Any) -> set[str]:
        return self.investor.relations_for(user)


class PipelineMove(models.Model):
    entry = models.ForeignKey(PipelineEntry, on_delete=models.CASCADE, related_name="moves", verbose_name=_("entry"))
    from_stage = models.CharField(_("from"), max_length=14, choices=PipelineStage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=14, choices=PipelineStage.choices)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pipeline move")
        verbose_name_plural = _("pipeline moves")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_stage} → {self.to_stage}"

