"""Financing records (融资记录): an enterprise's admins and its park's operators record, correct and delete
the enterprise's rounds (``network.financing.record``, object: the enterprise).

The amount is taken as typed (a ``Decimal`` or its text, never a float), must fit the currency's minor
unit (fen, cents; yen have none), be positive and at most ``AMOUNT_MAX_YUAN`` once converted. It is
converted to yuan with the latest rate on or before the round's date (services/rates.py): ``amount_cny_fen
= amount × rate × 100``, exact decimal arithmetic, rounded half up to the fen; the rate is stored on the
record, so the park's totals never move when a rate is corrected later. No rate recorded: ``no_rate``,
nothing written.

A round is recorded once: (enterprise, round, date) is unique. A retry of the same round (same amount,
currency and disclosure) returns the record already there; the same round with other figures is a
``duplicate`` conflict (edit the record instead). The enterprise's row is locked while recording, so two
submissions of one form cannot both pass the check."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid
from parkos.core.text import clean_text
from parkos.enterprises.models import Enterprise
from parkos.network.models import (
    EXPONENT,
    Currency,
    Disclosure,
    FinancingInvestor,
    FinancingRecord,
    FinancingSource,
    Fund,
    Investor,
    Round,
    to_minor,
)
from parkos.network.services.funds import Problems
from parkos.network.services.rates import clean_day, rate_for

AMOUNT_MAX_YUAN = Decimal("1000000000000")  # ¥1万亿: far beyond any round, and well inside a bigint of fen
INVESTORS_MAX = 30
NAME_MAX = 100
RECORD_FIELDS = ("round", "amount", "currency", "announced_on", "investors", "disclosure", "note")


def convert_to_fen(amount: Decimal, rate: Decimal) -> int:
    """``amount`` (in its currency) × ``rate`` (yuan per unit) in fen, exact, rounded half up."""
    return int((amount * rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def clean_amount(problems: Problems, value: Any, currency: str) -> Decimal | None:
    if isinstance(value, float | bool):
        problems.add("amount", _("Enter the amount as written, e.g. 5000000 or 1250000.50."))
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.add("amount", _("Enter the amount as written, e.g. 5000000 or 1250000.50."))
        return None
    if amount <= 0:
        problems.add("amount", _("The amount must be more than zero."), ErrorCode.OUT_OF_RANGE)
        return None
    places = EXPONENT.get(currency, 2)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        message = (_("Yen have no smaller unit: enter a whole number.") if places == 0
                   else format_lazy(_("At most {n} decimal places in {currency}."), n=places, currency=currency))
        problems.add("amount", message)
        return None
    return amount


def _investor_rows(problems: Problems, value: Any) -> list[FinancingInvestor]:
    """Rows from ``[{"fund": id, "investor": id, "name": "", "is_lead": bool}, …]``: each names a fund of
    the network, an investor member or an outside name; the same party once."""
    if value in (None, ""):
        return []
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        problems.add("investors", _("Enter a list of values."))
        return []
    items = list(value)
    if len(items) > INVESTORS_MAX:
        problems.add("investors", format_lazy(_("At most {n} items."), n=INVESTORS_MAX), ErrorCode.TOO_MANY)
        return []
    wanted_funds = {str(i.get("fund") or "") for i in items if isinstance(i, dict)}
    wanted_people = {str(i.get("investor") or "") for i in items if isinstance(i, dict)}
    funds = {str(f.pk): f for f in Fund.objects.filter(pk__in=[k for k in wanted_funds if k.isdigit() and len(k) < 18])}
    people = {str(p.pk): p for p in
              Investor.objects.filter(pk__in=[k for k in wanted_people if k.isdigit() and len(k) < 18])}
    rows: list[FinancingInvestor] = []
    seen: set[tuple[str, str]] = set()
    invalid = _("Select a valid choice. That choice is not one of the available choices.")
    for item in items:
        if not isinstance(item, dict):
            problems.add("investors", _("Enter a list of values."))
            continue
        fund_key, person_key = str(item.get("fund") or ""), str(item.get("investor") or "")
        before = len(problems.codes)
        name = problems.run("investors", clean_text, item.get("name"), field="investors", limit=NAME_MAX,
                            required=False, multiline=False, markup=False) or ""
        if len(problems.codes) > before:
            continue
        fund, person = funds.get(fund_key), people.get(person_key)
        if (fund_key and fund is None) or (person_key and person is None):
            problems.add("investors", invalid, ErrorCode.INVALID_CHOICE)
            continue
        if fund is None and person is None and not name:
            problems.add("investors", _("Name each investor: a fund, an investor member or a name."),
                         ErrorCode.REQUIRED)
            continue
        key = ("fund", fund_key) if fund else ("investor", person_key) if person else ("name", name)
        if key in seen:
            problems.add("investors", _("The same investor is listed twice."), ErrorCode.DUPLICATE)
            continue
        seen.add(key)
        rows.append(FinancingInvestor(fund=fund, investor=person, name=name,
                                      is_lead=bool(item.get("is_lead"))))
    return rows


def _clean(fields: dict[str, Any], *, record: FinancingRecord | None) -> tuple[dict[str, Any], Any]:
    unknown = set(fields) - set(RECORD_FIELDS)
    problems = Problems()
    for name in sorted(unknown):
        problems.add(name, _("Unknown field."))
    out: dict[str, Any] = {}
    if "round" in fields:
        if str(fields["round"] or "") not in Round.values:
            problems.add("round", _("Select a valid choice. That choice is not one of the available choices."),
                         ErrorCode.INVALID_CHOICE)
        out["round"] = str(fields["round"] or "")
    currency = str(fields.get("currency", record.currency if record else Currency.CNY) or "")
    if currency not in Currency.values:
        problems.add("currency", _("Select a valid choice. That choice is not one of the available choices."),
                     ErrorCode.INVALID_CHOICE)
    out["currency"] = currency
    if "amount" in fields or "currency" in fields:
        amount = fields.get("amount", record.amount if record else None)
        out["amount"] = clean_amount(problems, amount, currency) if currency in Currency.values else None
    if "announced_on" in fields:
        out["announced_on"] = clean_day(problems, fields["announced_on"], "announced_on")
    if "disclosure" in fields:
        if str(fields["disclosure"] or "") not in Disclosure.values:
            problems.add("disclosure", _("Select a valid choice. That choice is not one of the available choices."),
                         ErrorCode.INVALID_CHOICE)
        out["disclosure"] = str(fields["disclosure"] or "")
    if "note" in fields:
        out["note"] = problems.run("note", clean_text, fields["note"], field="note", limit=1000, required=False,
                                   markup=False)
    investors = _investor_rows(problems, fields["investors"]) if "investors" in fields else None
    problems.raise_if_any()
    return out, investors


def _convert(record: FinancingRecord, amount: Decimal) -> None:
    """Set the amount, the rate of the record's date and the yuan amount (``no_rate`` when none)."""
    rate = rate_for(record.currency, record.announced_on).rate_to_cny
    fen = convert_to_fen(amount, rate)
    if fen <= 0 or fen > int(AMOUNT_MAX_YUAN * 100):
        message = format_lazy(_("Enter an amount worth from ¥0.01 to ¥{most} (1万亿)."), most=f"{AMOUNT_MAX_YUAN:,}")
        raise Invalid(message, code=ErrorCode.OUT_OF_RANGE, details={"amount": [str(message)]})
    record.amount_minor = to_minor(amount, record.currency)
    record.rate_to_cny = rate
    record.amount_cny_fen = fen


def _same(record: FinancingRecord, values: dict[str, Any]) -> bool:
    return (record.currency == values["currency"] and record.amount_minor == to_minor(values["amount"],
                                                                                         values["currency"])
            and record.disclosure == values.get("disclosure", Disclosure.DISCLOSED))


def _duplicate() -> Conflict:
    message = _("This round on this date is already recorded for the enterprise with other figures: "
                "edit that record instead.")
    return Conflict(message, code=ErrorCode.DUPLICATE, details={"round": [str(message)]})


def _source(actor: Any, enterprise: Enterprise) -> str:
    return (FinancingSource.ENTERPRISE if policy.ENTERPRISE_ADMIN in policy.relations_of(actor, enterprise)
            else FinancingSource.OPERATOR)


@transaction.atomic
def financing_record(*, actor: Any, enterprise: Enterprise, round: Any, amount: Any, announced_on: Any,
                     currency: Any = Currency.CNY, investors: Any = None, disclosure: Any = Disclosure.DISCLOSED,
                     note: Any = "", competition_year: int | None = None,
                     competition_track: str = "") -> FinancingRecord:
    """Record a round (see the module's docstring for the conversion and for retries). Locks the
    enterprise's row, then checks (enterprise, round, date). ``competition_year``/``competition_track``
    say which edition of the park's competition (and which track) the enterprise took part in; the
    competitions domain passes them when it records financing raised after the competition."""
    policy.require(actor, "network.financing.record", enterprise)
    values, rows = _clean({"round": round, "amount": amount, "currency": currency, "announced_on": announced_on,
                           "investors": investors, "disclosure": disclosure, "note": note}, record=None)
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    existing = FinancingRecord.objects.filter(enterprise=enterprise, round=values["round"],
                                              announced_on=values["announced_on"]).first()
    if existing is not None:
        if _same(existing, values):
            return existing
        raise _duplicate()
    record = FinancingRecord(enterprise=enterprise, park_id=enterprise.park_id, round=values["round"],
                             currency=values["currency"], announced_on=values["announced_on"],
                             disclosure=values["disclosure"], note=values["note"], recorded_by=actor,
                             source=_source(actor, enterprise), competition_year=competition_year,
                             competition_track=str(competition_track or "")[:40])
    _convert(record, values["amount"])
    try:
        with transaction.atomic():  # a savepoint: a record made meanwhile by another path
            record.save()
    except IntegrityError:
        existing = FinancingRecord.objects.filter(enterprise=enterprise, round=values["round"],
                                                  announced_on=values["announced_on"]).first()
        if existing is not None and _same(existing, values):
            return existing
        raise _duplicate() from None
    for row in rows or []:
        row.record = record
    FinancingInvestor.objects.bulk_create(rows or [])
    return record


@transaction.atomic
def financing_update(*, actor: Any, record: FinancingRecord, **fields: Any) -> FinancingRecord:
    """Change the fields given; a new amount, currency or date is converted again (at the rate of the
    record's date), otherwise the stored rate is kept. ``investors`` replaces the list."""
    policy.require(actor, "network.financing.record", record.enterprise)
    record = FinancingRecord.objects.select_for_update().get(pk=record.pk)
    values, rows = _clean(fields, record=record)
    amount = values.pop("amount", None)
    if "currency" not in fields:
        values.pop("currency")
    for name, value in values.items():
        setattr(record, name, value)
    if amount is not None or "announced_on" in fields:
        _convert(record, amount if amount is not None else record.amount)
    clash = FinancingRecord.objects.filter(enterprise_id=record.enterprise_id, round=record.round,
                                           announced_on=record.announced_on).exclude(pk=record.pk)
    if clash.exists():
        raise _duplicate()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise _duplicate() from None
    if rows is not None:
        record.investors.all().delete()
        for row in rows:
            row.record = record
        FinancingInvestor.objects.bulk_create(rows)
    return record


@transaction.atomic
def financing_delete(*, actor: Any, record: FinancingRecord) -> None:
    policy.require(actor, "network.financing.record", record.enterprise)
    FinancingRecord.objects.filter(pk=record.pk).delete()


def investors_from_text(*, funds: list[Any], lead_fund: Any = None, names: str = "") -> list[dict[str, Any]]:
    """The form's investors (funds of the network ticked, a lead fund, outside names one per line, a
    leading "*" marking a lead) as the service takes them."""
    rows: list[dict[str, Any]] = []
    lead = str(getattr(lead_fund, "pk", lead_fund) or "")
    for fund in funds:
        key = str(getattr(fund, "pk", fund))
        rows.append({"fund": key, "is_lead": key == lead})
    if lead and lead not in {r["fund"] for r in rows}:
        rows.insert(0, {"fund": lead, "is_lead": True})
    for line in (names or "").splitlines():
        text = line.strip()
        if text:
            is_lead = text.startswith("*")
            rows.append({"name": text.lstrip("*").strip(), "is_lead": is_lead})
    return rows


__all__ = ["AMOUNT_MAX_YUAN", "RECORD_FIELDS", "clean_amount", "convert_to_fen", "financing_delete",
           "financing_record", "financing_update", "investors_from_text"]
