"""Exchange rates (汇率): how many yuan one unit of a currency was worth on a day. Portfolio operators record
them (``network.fund.manage`` on ``policy.PORTFOLIO``: the capital's reference data, like the funds); a
financing record is converted with the latest rate on or before its date and keeps that rate, so
correcting a rate later never moves a total already counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode
from parkos.core.text import clean_text
from parkos.network.models import Currency, ExchangeRate
from parkos.network.services.funds import Problems

RATE_MIN, RATE_MAX = Decimal("0.000001"), Decimal("100000")
EARLIEST = dt.date(1990, 1, 1)


def rate_for(currency: str, day: dt.date) -> ExchangeRate:
    """The latest rate of ``currency`` on or before ``day``; the yuan's own is 1 (an unsaved row).
    None recorded: ``Conflict`` (``no_rate``) naming the currency and the day."""
    if currency == Currency.CNY:
        return ExchangeRate(currency=Currency.CNY, valid_on=day, rate_to_cny=Decimal(1), source="")
    rate = ExchangeRate.objects.filter(currency=currency, valid_on__lte=day).order_by("-valid_on").first()
    if rate is None:
        message = format_lazy(_("No exchange rate for {currency} on or before {day}: a park operator records it "
                                "on the rates page first."), currency=currency, day=day.isoformat())
        raise Conflict(message, code=ErrorCode.NO_RATE, details={"currency": [str(message)]})
    return rate


def clean_day(problems: Problems, value: Any, field: str) -> dt.date | None:
    """A date (a ``date`` or ISO text) from 1990 to today (Beijing)."""
    day = value
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        problems.add(field, _("Enter a date like 2026-03-31."))
        return None
    if day > timezone.localdate():
        problems.add(field, _("The date is in the future."), ErrorCode.IN_THE_FUTURE)
        return None
    if day < EARLIEST:
        problems.add(field, format_lazy(_("Enter a date from {day} on."), day=EARLIEST.isoformat()),
                     ErrorCode.OUT_OF_RANGE)
        return None
    return day


@transaction.atomic
def rate_record(*, actor: Any, currency: Any, valid_on: Any, rate_to_cny: Any, source: Any = "") -> ExchangeRate:
    """Record the rate of a day, or correct it (one rate per currency and day; records already converted
    keep the rate they were converted with)."""
    policy.require(actor, "network.fund.manage", policy.PORTFOLIO)
    problems = Problems()
    code = str(currency or "")
    if code not in Currency.values or code == Currency.CNY:
        problems.add("currency", _("Select a valid choice. That choice is not one of the available choices."),
                     ErrorCode.INVALID_CHOICE)
    day = clean_day(problems, valid_on, "valid_on")
    try:
        rate = Decimal(str(rate_to_cny).strip())
        if not rate.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        rate = None
        problems.add("rate_to_cny", _("Enter a number, e.g. 7.1234."))
    if rate is not None:
        if not RATE_MIN <= rate <= RATE_MAX:
            problems.add("rate_to_cny", format_lazy(_("Enter a number from {low} to {high}."), low=RATE_MIN,
                                                    high=RATE_MAX), ErrorCode.OUT_OF_RANGE)
        elif rate != rate.quantize(RATE_MIN):
            problems.add("rate_to_cny", _("At most six decimal places."))
    text = problems.run("source", clean_text, source, field="source", limit=100, required=False, multiline=False,
                        markup=False)
    problems.raise_if_any()
    assert day is not None and rate is not None
    row, _created = ExchangeRate.objects.select_for_update().update_or_create(
        currency=code, valid_on=day,
        defaults={"rate_to_cny": rate, "source": text or "", "recorded_by": actor})
    return row


__all__ = ["clean_day", "rate_for", "rate_record"]
