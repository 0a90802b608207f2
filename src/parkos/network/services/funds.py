"""Funds (投资机构) of the network: portfolio operators create, edit, deactivate and bring them back
(``network.fund.manage`` on ``policy.PORTFOLIO``: funds span every park). Members browse them
(selectors/capital.py).

The field cleaners here (stages, industries, regions, ticket range) are shared with the investors'
profiles (services/investors.py): a fund's thesis and an investor's are described with the same words.
Every field is checked, each with its own translated message, and all of a request's problems are raised
together (``Invalid`` with ``details`` per field); nothing is written unless all are valid."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import DomainError, ErrorCode, Invalid
from parkos.core.text import clean_text
from parkos.enterprises.models import Industry, Stage
from parkos.network.models import Country, Fund, FundKind

TICKET_MAX_WAN = 10_000_000  # 1,000亿元: beyond any single ticket
REGIONS_MAX, REGION_LEN = 12, 20
INDUSTRIES_MAX = 20
FUND_FIELDS = ("name_zh", "name_en", "kind", "stages", "industries", "regions", "ticket_min_wan", "ticket_max_wan",
               "country", "description", "website")


class Problems:
    """Every field's problems of one request, raised together as one ``Invalid``."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}
        self.codes: list[str] = []

    def add(self, field: str, message: Any, code: str = ErrorCode.INVALID) -> None:
        self.details.setdefault(field, []).append(str(message))
        self.codes.append(str(code))

    def take(self, error: DomainError, field: str) -> None:
        for name, messages in (error.details or {field: [str(error.message)]}).items():
            for message in messages:
                self.add(field if name == "__all__" else name, message, error.code)

    def run(self, where: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, its ``DomainError`` noted against the field ``where`` (None returned then)."""
        try:
            return fn(*args, **kwargs)
        except DomainError as error:
            self.take(error, where)
            return None

    def raise_if_any(self) -> None:
        if self.details:
            first = next(iter(self.details.values()))[0]
            # One problem keeps its own code (clients branch on it); several are "invalid".
            code = self.codes[0] if len(self.codes) == 1 else ErrorCode.INVALID
            raise Invalid(first, code=code, details=self.details)


def _list(value: Any) -> list[Any] | None:
    if value in (None, ""):
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        return None
    return list(value)


def clean_stages(problems: Problems, value: Any, field: str = "stages") -> list[str]:
    """Values of enterprises.Stage, each once, in the ladder's order."""
    items = _list(value)
    if items is None:
        problems.add(field, _("Enter a list of values."))
        return []
    codes = {str(v) for v in items}
    if codes - set(Stage.values):
        problems.add(field, _("Select a valid choice. That choice is not one of the available choices."),
                     ErrorCode.INVALID_CHOICE)
    return [s for s in Stage.values if s in codes]


def clean_industries(problems: Problems, value: Any, field: str = "industries") -> list[Industry]:
    """Industries named by code (or id, or the row itself)."""
    items = _list(value)
    if items is None:
        problems.add(field, _("Enter a list of values."))
        return []
    if len(items) > INDUSTRIES_MAX:
        problems.add(field, format_lazy(_("At most {n} items."), n=INDUSTRIES_MAX), ErrorCode.TOO_MANY)
        return []
    keys = [str(getattr(v, "code", v)).strip() for v in items]
    ids = [int(k) for k in keys if k.isdigit() and len(k) < 18]
    rows = list(Industry.objects.filter(Q(code__in=[k for k in keys if not k.isdigit()]) | Q(pk__in=ids))) \
        if keys else []
    known = {i.code for i in rows} | {str(i.pk) for i in rows}
    if any(k not in known for k in keys):
        problems.add(field, _("Select a valid choice. That choice is not one of the available choices."),
                     ErrorCode.INVALID_CHOICE)
    return rows


def clean_regions(problems: Problems, value: Any, field: str = "regions") -> list[str]:
    """Region names as the investor writes them ("北京", "长三角", "全国"); a text is split on commas."""
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").replace("、", ",").split(",")]
    items = _list(value)
    if items is None:
        problems.add(field, _("Enter a list of values."))
        return []
    regions: list[str] = []
    for item in items:
        text = problems.run(field, clean_text, item, field=field, limit=REGION_LEN, required=False,
                            multiline=False, markup=False)
        if text and text not in regions:
            regions.append(text)
    if len(regions) > REGIONS_MAX:
        problems.add(field, format_lazy(_("At most {n} items."), n=REGIONS_MAX), ErrorCode.TOO_MANY)
    return regions


def _whole(problems: Problems, field: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None:
        problems.add(field, _("Enter a whole number."))
        return None
    if not 0 <= number <= TICKET_MAX_WAN:
        problems.add(field, format_lazy(_("Enter a number from {low} to {high}."), low=0, high=TICKET_MAX_WAN),
                     ErrorCode.OUT_OF_RANGE)
        return None
    return number


def clean_ticket(problems: Problems, low: Any, high: Any) -> tuple[int | None, int | None]:
    """The ticket range in ten thousand yuan (either end may be open)."""
    low_n, high_n = _whole(problems, "ticket_min_wan", low), _whole(problems, "ticket_max_wan", high)
    if low_n is not None and high_n is not None and high_n < low_n:
        problems.add("ticket_max_wan", _("The largest ticket is smaller than the smallest."),
                     ErrorCode.OUT_OF_RANGE)
    return low_n, high_n


def clean_flag(problems: Problems, field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    problems.add(field, _("Enter true or false."))
    return False


def _country(problems: Problems, value: Any) -> Country | None:
    if value in (None, ""):
        return None
    if isinstance(value, Country):
        return value
    text = str(value).strip()
    country = (Country.objects.filter(pk=int(text)).first() if text.isdigit()
               else Country.objects.filter(code=text.upper()[:3]).first())
    if country is None:
        problems.add("country", _("Select a valid choice. That choice is not one of the available choices."),
                     ErrorCode.INVALID_CHOICE)
    return country


def _website(problems: Problems, value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > 200:
        problems.add("website", format_lazy(_("At most {n} characters."), n=200), ErrorCode.TOO_LONG)
        return ""
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        problems.add("website", _("Enter a web address starting with http:// or https://."))
    return text


def _clean(fields: dict[str, Any], *, fund: Fund | None) -> tuple[dict[str, Any], list[Industry] | None]:
    """The fields given (all of them for a new fund), cleaned; industries apart (a many-to-many)."""
    unknown = set(fields) - set(FUND_FIELDS)
    if unknown:
        raise Invalid(_("Unknown field."), details={name: [str(_("Unknown field."))] for name in sorted(unknown)})
    problems = Problems()
    out: dict[str, Any] = {}
    industries: list[Industry] | None = None
    for name, value in fields.items():
        if name == "name_zh":
            out[name] = problems.run(name, clean_text, value, field=name, limit=100, multiline=False, markup=False)
        elif name == "name_en":
            out[name] = problems.run(name, clean_text, value, field=name, limit=150, required=False,
                                     multiline=False, markup=False)
        elif name == "description":
            out[name] = problems.run(name, clean_text, value, field=name, limit=2000, required=False, markup=False)
        elif name == "kind":
            if str(value) not in FundKind.values:
                problems.add(name, _("Select a valid choice. That choice is not one of the available choices."),
                             ErrorCode.INVALID_CHOICE)
            out[name] = str(value)
        elif name == "stages":
            out[name] = clean_stages(problems, value)
        elif name == "regions":
            out[name] = clean_regions(problems, value)
        elif name == "industries":
            industries = clean_industries(problems, value)
        elif name == "country":
            out[name] = _country(problems, value)
        elif name == "website":
            out[name] = _website(problems, value)
    if "ticket_min_wan" in fields or "ticket_max_wan" in fields:
        low = fields.get("ticket_min_wan", fund.ticket_min_wan if fund else None)
        high = fields.get("ticket_max_wan", fund.ticket_max_wan if fund else None)
        out["ticket_min_wan"], out["ticket_max_wan"] = clean_ticket(problems, low, high)
    name_zh = out.get("name_zh")
    same_name = Fund.objects.filter(name_zh=name_zh)
    if fund is not None:
        same_name = same_name.exclude(pk=fund.pk)
    if name_zh and same_name.exists():
        problems.add("name_zh", _("A fund of this name is already in the network."), ErrorCode.TAKEN)
    problems.raise_if_any()
    return out, industries


def _save(fund: Fund, industries: list[Industry] | None) -> Fund:
    try:
        with transaction.atomic():  # a savepoint: the unique name may be taken by a concurrent request
            fund.save()
    except IntegrityError:
        raise Invalid(_("A fund of this name is already in the network."), code=ErrorCode.TAKEN,
                      details={"name_zh": [str(_("A fund of this name is already in the network."))]}) from None
    if industries is not None:
        fund.industries.set(industries)
    return fund


@transaction.atomic
def fund_create(*, actor: Any, **fields: Any) -> Fund:
    policy.require(actor, "network.fund.manage", policy.PORTFOLIO)
    values, industries = _clean({"name_zh": "", "kind": FundKind.VC, **fields}, fund=None)
    return _save(Fund(**values), industries)


@transaction.atomic
def fund_update(*, actor: Any, fund: Fund, **fields: Any) -> Fund:
    """Change the fields given; a fund's portfolio (its financing records) is never touched here."""
    policy.require(actor, "network.fund.manage", policy.PORTFOLIO)
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    values, industries = _clean(fields, fund=fund)
    for name, value in values.items():
        setattr(fund, name, value)
    return _save(fund, industries)


@transaction.atomic
def fund_set_active(*, actor: Any, fund: Fund, active: bool) -> Fund:
    """Deactivate (hidden from the directory and from new records; its portfolio stays) or bring back."""
    policy.require(actor, "network.fund.manage", policy.PORTFOLIO)
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    if fund.is_active != active:
        fund.is_active = active
        fund.save(update_fields=["is_active"])
    return fund


__all__ = ["FUND_FIELDS", "Problems", "clean_flag", "clean_industries", "clean_regions", "clean_stages", "clean_ticket",
           "fund_create", "fund_set_active", "fund_update"]
