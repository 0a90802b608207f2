"""Reads of financing records and the park's figures, with the one place where confidential amounts are
masked.

**Confidentiality.** Every page, API response and export shows a record through ``Presenter.show``: a
confidential record's amounts (original, in yuan, and its note) are kept only for those who may see them
(``network.financing.confidential``: the enterprise's admins and its park's operators); everyone else
gets ``None`` and the text "未披露 / Undisclosed". Nothing else in the domain formats a record's amount.

Financing records are as public as the funds' portfolios they make up (``network.fund.view``: signed-in
members); only the amount of a confidential one is not.

**The park's figures.** Totals are exact integers summed in SQL: the yuan total sums ``amount_cny_fen``
(confidential amounts included, each converted at its recorded rate), and each original currency its own
``amount_minor``; one currency per total, never added across currencies.

*Rule against inferring a confidential amount.* Disclosed amounts are public, so a total that includes
exactly one confidential record gives that record's amount away (the total minus the disclosed amounts
of its cell). Therefore, in every table of the figures (by year, by industry, by round, by competition
edition and track, and the per-currency totals):

1. a cell holding exactly one confidential record shows no amount: it is merged into the row "Other";
2. if "Other" would then hold exactly one confidential record, the smallest other cell holding
   confidential records is merged into it as well (so "Other" holds none or at least two);
3. a per-currency total holding confidential records is not shown when any currency holds exactly one
   (with the rates on the records, the yuan headline would otherwise give that one away);
4. the headline total of a selection holding exactly one confidential record is not shown either, and
   with a ``year``, the year's headline is hidden whenever the by-year table hides that year.

Counts (rounds, enterprises) are always shown: they say nothing about an amount."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import Invalid, NotFound
from parkos.enterprises.models import Enterprise, Industry
from parkos.enterprises.selectors import enterprise_ids_of
from parkos.network.models import (
    Currency,
    Disclosure,
    ExchangeRate,
    FinancingInvestor,
    FinancingRecord,
    Fund,
    Round,
    from_minor,
)

UNDISCLOSED = gettext_lazy("Undisclosed")
OTHER = "other"


# --- formatting money ------------------------------------------------------------------------------------

def money_text(amount: Decimal, currency: str) -> str:
    """Exact, with thousands separators: "¥720,000,000", "US$1,250,000.50"."""
    symbol = {"CNY": "¥", "USD": "US$", "EUR": "€", "HKD": "HK$", "GBP": "£", "JPY": "JP¥", "SGD": "S$"}[currency]
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{symbol}{amount:,.{places}f}"  # Decimal formatting: exact, grouped by thousands


def yuan_reading(fen: int) -> str:
    """How the amount is read: "7.2亿元", "3,500万元" in Chinese; "¥720 million" in English."""
    yuan = Decimal(fen) / 100
    language = get_language() or "zh-hans"
    if language.startswith("zh"):
        hant = language in ("zh-hant", "zh-tw", "zh-hk")
        if yuan >= 100_000_000:
            return f"{_short(yuan / 100_000_000)}{'億' if hant else '亿'}元"
        if yuan >= 10_000:
            return f"{_short(yuan / 10_000)}{'萬' if hant else '万'}元"
        return money_text(yuan, "CNY")
    if yuan >= 1_000_000_000:
        return _("¥%(n)s billion") % {"n": _short(yuan / 1_000_000_000)}
    if yuan >= 1_000_000:
        return _("¥%(n)s million") % {"n": _short(yuan / 1_000_000)}
    return money_text(yuan, "CNY")


def _short(value: Decimal) -> str:
    """Two decimals at most, trailing zeros dropped, thousands grouped: 7.2, 3,500, 12.35."""
    rounded = value.quantize(Decimal("0.01"))
    places = 0 if rounded == rounded.to_integral_value() else (1 if rounded * 10 == (rounded * 10).to_integral_value()
                                                                 else 2)
    return f"{rounded:,.{places}f}"


# --- the one presenter ---------------------------------------------------------------------------------

@dataclass
class InvestorLine:
    name: str
    fund_id: int | None
    investor_id: int | None
    is_lead: bool


@dataclass
class RecordView:
    """A record as a viewer may see it. ``amount``, ``amount_cny_fen`` and ``note`` are None / "" when
    the record is confidential and the viewer may not see its amount."""

    id: int
    enterprise_id: int
    enterprise_name: str
    park_id: int
    round: str
    round_label: str
    currency: str
    announced_on: dt.date
    disclosure: str
    is_confidential: bool
    amount_visible: bool
    amount: Decimal | None
    amount_text: str
    amount_cny_fen: int | None
    amount_cny_text: str
    rate_to_cny: Decimal
    note: str
    source: str
    competition_year: int | None
    competition_track: str
    investors: list[InvestorLine] = field(default_factory=list)
    may_edit: bool = False


class Presenter:
    """Decides, once per viewer, which records' confidential amounts the viewer may see, and shows records
    accordingly. One query for the viewer's enterprises (their admin), none per record."""

    def __init__(self, viewer: Any) -> None:
        self.viewer = viewer
        self._admin_of: set[int] | None = None

    def _admin_ids(self) -> set[int]:
        if self._admin_of is None:
            self._admin_of = (set(enterprise_ids_of(self.viewer, admin=True))
                              if getattr(self.viewer, "is_authenticated", False) else set())
        return self._admin_of

    def relations(self, record: FinancingRecord) -> set[str]:
        return ({policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF} if record.enterprise_id in self._admin_ids()
                else set())

    def may_see(self, record: FinancingRecord) -> bool:
        if not record.is_confidential:
            return True
        return policy.can(self.viewer, "network.financing.confidential", record, relations=self.relations(record))

    def may_edit(self, record: FinancingRecord) -> bool:
        return policy.can(self.viewer, "network.financing.record", record, relations=self.relations(record))

    def show(self, record: FinancingRecord) -> RecordView:
        visible = self.may_see(record)
        amount = from_minor(record.amount_minor, record.currency) if visible else None
        lines = [InvestorLine(name=_investor_name(i), fund_id=i.fund_id, investor_id=i.investor_id,
                              is_lead=i.is_lead) for i in record.investors.all()]
        return RecordView(
            id=record.pk, enterprise_id=record.enterprise_id, enterprise_name=record.enterprise.display_name,
            park_id=record.park_id, round=record.round, round_label=str(record.get_round_display()),
            currency=record.currency, announced_on=record.announced_on, disclosure=record.disclosure,
            is_confidential=record.is_confidential, amount_visible=visible, amount=amount,
            amount_text=money_text(amount, record.currency) if amount is not None else str(UNDISCLOSED),
            amount_cny_fen=record.amount_cny_fen if visible else None,
            amount_cny_text=money_text(Decimal(record.amount_cny_fen) / 100, "CNY") if visible else str(UNDISCLOSED),
            rate_to_cny=record.rate_to_cny, note=record.note if visible else "", source=record.source,
            competition_year=record.competition_year, competition_track=record.competition_track,
            investors=lines, may_edit=self.may_edit(record))

    def show_all(self, records: Any) -> list[RecordView]:
        return [self.show(r) for r in records]


def _investor_name(row: FinancingInvestor) -> str:
    if row.fund is not None:
        return str(row.fund.name)
    if row.investor_id:
        investor = row.investor
        assert investor is not None
        return str(investor.user.display_name)
    return row.name


def _records() -> QuerySet[FinancingRecord]:
    from django.db.models import Prefetch

    return (FinancingRecord.objects.select_related("enterprise")
            .prefetch_related(Prefetch("investors", FinancingInvestor.objects.select_related("fund",
                                                                                               "investor__user"))))


# --- an enterprise's records, one record, a fund's portfolio ---------------------------------------------

def financing_enterprise_get(*, viewer: Any, enterprise_id: int) -> Enterprise:
    policy.require(viewer, "network.fund.view")
    enterprise = Enterprise.objects.select_related("industry", "park").filter(pk=enterprise_id, is_active=True).first()
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    return enterprise


def financing_list(*, viewer: Any, enterprise: Enterprise) -> list[RecordView]:
    """The enterprise's rounds, newest first, as the viewer may see them."""
    policy.require(viewer, "network.fund.view")
    return Presenter(viewer).show_all(_records().filter(enterprise=enterprise).order_by("-announced_on", "-id"))


def financing_get(*, viewer: Any, record_id: int, edit: bool = False) -> FinancingRecord:
    """A record; with ``edit``, only for those who may change it (its enterprise's admins, its park's
    operators): others are refused."""
    policy.require(viewer, "network.fund.view")
    record = _records().filter(pk=record_id).first()
    if record is None:
        raise NotFound(_("No such financing record."))
    if edit:
        policy.require(viewer, "network.financing.record", record.enterprise)
    return record


def financing_show(*, viewer: Any, record: FinancingRecord) -> RecordView:
    return Presenter(viewer).show(record)


def fund_portfolio(*, viewer: Any, fund: Fund, limit: int = 200) -> list[RecordView]:
    """The rounds the fund took part in, newest first (confidential amounts masked as everywhere)."""
    policy.require(viewer, "network.fund.view")
    rows = _records().filter(investors__fund=fund).distinct().order_by("-announced_on", "-id")[:limit]
    return Presenter(viewer).show_all(rows)


# --- the park's figures ---------------------------------------------------------------------------------

@dataclass
class Cell:
    key: str
    label: str
    rounds: int
    enterprises: int
    confidential: int
    fen: int | None  # None: not shown (see the rule in the module's docstring)

    @property
    def text(self) -> str:
        return money_text(Decimal(self.fen) / 100, "CNY") if self.fen is not None else "—"

    @property
    def reading(self) -> str:
        return yuan_reading(self.fen) if self.fen is not None else ""


@dataclass
class CurrencyTotal:
    currency: str
    rounds: int
    confidential: int
    amount: Decimal | None

    @property
    def text(self) -> str:
        return money_text(self.amount, self.currency) if self.amount is not None else "—"


@dataclass
class FinancingFigures:
    park: Any
    year: int | None
    years: list[int]
    total: Cell
    currencies: list[CurrencyTotal]
    by_year: list[Cell]
    by_industry: list[Cell]
    by_round: list[Cell]
    by_competition: list[Cell]


def _protect(cells: list[Cell], *, raw: dict[str, int], other_label: str) -> list[Cell]:
    """Apply the rule: cells with one confidential record go into "Other" (and another if "Other" would
    hold exactly one); ``raw`` holds every cell's true sum, ``fen`` of the returned cells is None only
    for "Other" when it holds exactly one confidential record with nothing left to merge."""
    hidden = [c for c in cells if c.confidential == 1]
    shown = [c for c in cells if c.confidential != 1]
    if sum(c.confidential for c in hidden) == 1:
        partners = sorted((c for c in shown if c.confidential), key=lambda c: (raw[c.key], c.key))
        if partners:
            shown.remove(partners[0])
            hidden.append(partners[0])
    if not hidden:
        return cells
    other = Cell(key=OTHER, label=other_label, rounds=sum(c.rounds for c in hidden),
                 enterprises=sum(c.enterprises for c in hidden), confidential=sum(c.confidential for c in hidden),
                 fen=sum(raw[c.key] for c in hidden))
    if other.confidential == 1:
        other.fen = None
    return [*shown, other]


def _group(qs: QuerySet[FinancingRecord], key: str, labels: dict[str, str]) -> tuple[list[Cell], dict[str, int]]:
    rows = (qs.values(key).order_by()
            .annotate(fen=Sum("amount_cny_fen"), rounds=Count("id"), firms=Count("enterprise_id", distinct=True),
                      conf=Count("id", filter=Q(disclosure=Disclosure.CONFIDENTIAL))))
    cells, raw = [], {}
    for row in rows:
        k = str(row[key])
        raw[k] = int(row["fen"] or 0)
        cells.append(Cell(key=k, label=labels.get(k, k), rounds=row["rounds"], enterprises=row["firms"],
                          confidential=row["conf"], fen=raw[k]))
    return cells, raw


def _year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise Invalid(_("Enter a year like 2024."), details={"year": [_("Enter a year like 2024.")]})
    return int(text)


def figures_get(*, viewer: Any, park: Any, year: Any = None) -> FinancingFigures:
    """The park's financing figures (all years, or ``year``), with the rule against inference applied."""
    policy.require(viewer, "network.financing.figures", park)
    chosen = _year(year)
    every = FinancingRecord.objects.filter(park=park)
    qs = every.filter(announced_on__year=chosen) if chosen else every
    other = _("Other (merged)")

    years_cells, years_raw = _group(every.annotate(y=ExtractYear("announced_on")), "y", {})
    years_cells.sort(key=lambda c: c.key, reverse=True)
    by_year = _protect(years_cells, raw=years_raw, other_label=other)
    merged_years = {c.key for c in years_cells} - {c.key for c in by_year}

    head = qs.aggregate(fen=Sum("amount_cny_fen"), rounds=Count("id"), firms=Count("enterprise_id", distinct=True),
                        conf=Count("id", filter=Q(disclosure=Disclosure.CONFIDENTIAL)))
    total = Cell(key="total", label=_("All"), rounds=head["rounds"], enterprises=head["firms"],
                 confidential=head["conf"], fen=int(head["fen"] or 0))
    if total.confidential == 1 or (chosen and str(chosen) in merged_years):
        total.fen = None

    by_currency = (qs.values("currency").order_by("currency")
                   .annotate(minor=Sum("amount_minor"), rounds=Count("id"),
                             conf=Count("id", filter=Q(disclosure=Disclosure.CONFIDENTIAL))))
    # One currency holding exactly one confidential record would give it away through the yuan headline
    # (its rate is known), so then no currency total holding confidential records is shown.
    lonely = any(r["conf"] == 1 for r in by_currency)
    currencies = [CurrencyTotal(currency=r["currency"], rounds=r["rounds"], confidential=r["conf"],
                                amount=None if (lonely and r["conf"]) else from_minor(int(r["minor"]), r["currency"]))
                  for r in by_currency]

    industries = {str(i.pk): str(i.name) for i in Industry.objects.all()}
    ind_cells, ind_raw = _group(qs.annotate(top=Coalesce("enterprise__industry__parent_id", "enterprise__industry_id")),
                                "top", industries)
    ind_cells.sort(key=lambda c: -ind_raw[c.key])
    by_industry = _protect(ind_cells, raw=ind_raw, other_label=other)

    rounds = {str(v): str(label) for v, label in Round.choices}
    round_cells, round_raw = _group(qs, "round", rounds)
    order = list(rounds)
    round_cells.sort(key=lambda c: order.index(c.key))
    by_round = _protect(round_cells, raw=round_raw, other_label=other)

    by_competition: list[Cell] = []
    comp = qs.exclude(competition_year=None)
    if comp.exists():
        from django.db.models import CharField, Value
        from django.db.models.functions import Cast, Concat

        comp = comp.annotate(edition=Concat(Cast("competition_year", CharField()), Value(" · "),
                                            "competition_track", output_field=CharField()))
        comp_cells, comp_raw = _group(comp, "edition", {})
        comp_cells.sort(key=lambda c: c.key, reverse=True)
        by_competition = _protect(comp_cells, raw=comp_raw, other_label=other)

    years = sorted({int(c.key) for c in years_cells}, reverse=True)
    return FinancingFigures(park=park, year=chosen, years=years, total=total, currencies=currencies,
                            by_year=by_year, by_industry=by_industry, by_round=by_round, by_competition=by_competition)


# --- the operators' export ------------------------------------------------------------------------------

def financing_export_rows(*, viewer: Any, park: Any, year: Any = None) -> tuple[list[str], list[list[Any]]]:
    """Every record of the park (operators, ``network.financing.export``), confidential amounts included
    for them — through the same presenter, so a viewer without the right would still get them masked."""
    policy.require(viewer, "network.financing.export", park)
    chosen = _year(year)
    qs = _records().filter(park=park).order_by("announced_on", "id")
    if chosen:
        qs = qs.filter(announced_on__year=chosen)
    header = [_("Enterprise"), _("Round"), _("Date"), _("Currency"), _("Amount"), _("Yuan per unit"),
              _("Amount in yuan"), _("Disclosure"), _("Investors"), _("Competition edition"), _("Competition track"),
              _("Source"), _("Note")]
    presenter = Presenter(viewer)
    rows: list[list[Any]] = []
    for record in qs:
        v = presenter.show(record)
        rows.append([v.enterprise_name, v.round_label, v.announced_on.isoformat(), v.currency,
                     str(v.amount) if v.amount is not None else str(UNDISCLOSED), str(v.rate_to_cny),
                     str(Decimal(v.amount_cny_fen) / 100) if v.amount_cny_fen is not None else str(UNDISCLOSED),
                     str(Disclosure(v.disclosure).label),
                     "; ".join(("*" if i.is_lead else "") + i.name for i in v.investors),
                     v.competition_year or "", v.competition_track, v.source, v.note])
    return header, rows


# --- rates ----------------------------------------------------------------------------------------------

def rate_list(*, viewer: Any, currency: str = "") -> QuerySet[ExchangeRate]:
    """The recorded rates, newest first per currency (signed-in members: rates are public figures)."""
    policy.require(viewer, "network.fund.view")
    qs = ExchangeRate.objects.all().order_by("currency", "-valid_on")
    if currency:
        if currency not in Currency.values:
            raise Invalid(_("Select a valid choice. That choice is not one of the available choices."),
                          details={"currency": [_("Select a valid choice. That choice is not one of the "
                                                  "available choices.")]})
        qs = qs.filter(currency=currency)
    return qs


__all__ = ["UNDISCLOSED", "Cell", "CurrencyTotal", "FinancingFigures", "Presenter", "RecordView",
           "figures_get", "financing_enterprise_get", "financing_export_rows", "financing_get", "financing_list",
           "financing_show", "fund_portfolio", "money_text", "rate_list", "yuan_reading"]


def invested_pairs(*, user_ids: Any) -> set[tuple[int, int]]:
    """(account id, enterprise id) for every enterprise an investor account among ``user_ids`` invested in,
    by a financing record naming them (a conflict of interest when that account judges the enterprise's
    competition application). One query; ``user_ids`` may be a list or a subquery."""
    rows = (FinancingInvestor.objects.filter(investor__user_id__in=user_ids)
            .values_list("investor__user_id", "record__enterprise_id").distinct())
    return {(int(u), int(e)) for u, e in rows}
