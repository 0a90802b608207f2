"""Booking credits and charges: the enterprise's month, the quote, and their ledger operations.

Ledger subject ``bookings.creditmonth`` (one per enterprise and month), accounts in credits
(``plan`` → ``available`` → ``used``) and in fen (``park`` → ``statement``): every operation moves one unit
only and sums to zero. ``CreditMonth``'s counters must equal the balances (``reconcile``)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import Booking, CreditMonth, CreditPlan, EnterprisePlan, Place
from parkos.core.errors import Conflict, ErrorCode, Invalid
from parkos.core.ledger import Money, balances, ledger_record

SUBJECT = "bookings.creditmonth"


@dataclass(frozen=True)
class Quote:
    """What a booking costs its enterprise: ``credits`` from the month's credits and ``charge_fen`` on the
    monthly statement. ``left`` is the month's credits left before this booking."""

    minutes: int
    needed: int
    credits: int
    charge_fen: int
    left: int | None
    granted: int | None
    allow_overage: bool

    @property
    def is_free(self) -> bool:
        return self.needed == 0 and self.charge_fen == 0

    @property
    def refused(self) -> bool:
        return self.credits < self.needed and not self.allow_overage

    def text(self) -> Any:
        if self.is_free:
            return _("Free of charge.")
        if self.refused:
            return format_lazy(_("This needs {needed} credits and only {left} are left this month."),
                               needed=self.needed, left=self.left or 0)
        if self.charge_fen and self.credits:
            return format_lazy(_("This uses your last {credits} credits; the rest, {charge}, goes on the "
                                 "enterprise's monthly statement."), credits=self.credits,
                               charge=Money.format(self.charge_fen))
        if self.charge_fen:
            return format_lazy(_("{charge} goes on the enterprise's monthly statement."),
                               charge=Money.format(self.charge_fen))
        return format_lazy(_("This uses {credits} of your {left} remaining credits."), credits=self.credits,
                           left=self.left or 0)


def plan_of(enterprise: Any, park_id: int) -> CreditPlan | None:
    chosen = EnterprisePlan.objects.filter(enterprise=enterprise, plan__park_id=park_id).select_related("plan").first()
    if chosen is not None:
        return chosen.plan
    return CreditPlan.objects.filter(park_id=park_id, is_default=True).first()


def cost(place: Place, minutes: int) -> tuple[int, int]:
    """(credits, fen) of ``minutes`` at ``place``'s rates; part hours round credits up and fen to the fen."""
    credits = math.ceil(place.credits_per_hour * minutes / 60)
    fen = math.ceil(place.price_per_hour_fen * minutes / 60)
    return credits, fen


def split(*, needed: int, fen: int, left: int, allow_overage: bool) -> tuple[int, int]:
    """Credits first; what they do not cover is charged at the place's price, in proportion."""
    if needed == 0:
        return 0, fen
    used = min(needed, max(left, 0))
    if used == needed:
        return used, 0
    if not allow_overage:
        return used, 0
    return used, math.ceil(fen * (needed - used) / needed)


def quote(*, place: Place, enterprise: Any, starts_at: dt.datetime, minutes: int,
          month: CreditMonth | None = None) -> Quote:
    needed, fen = cost(place, minutes)
    if enterprise is None or (needed == 0 and fen == 0):
        return Quote(minutes, needed, 0, fen if enterprise is not None else 0, None, None, True)
    if month is None:
        from parkos.bookings.services.times import month_of

        month = CreditMonth.objects.filter(enterprise=enterprise, month=month_of(starts_at)).first()
    if month is not None:
        granted, left, overage = month.granted, month.left, month.allow_overage
    else:
        plan = plan_of(enterprise, place.park_id)
        granted = plan.monthly_credits if plan else 0
        left, overage = granted, plan.allow_overage if plan else True
    used, charge = split(needed=needed, fen=fen, left=left, allow_overage=overage)
    return Quote(minutes, needed, used, charge, left, granted, overage)


def month_open(*, enterprise: Any, park_id: int, starts_at: dt.datetime) -> CreditMonth:
    """The enterprise's credit month of ``starts_at``, granted its plan's credits on first use, locked
    (SELECT … FOR UPDATE) for the caller's transaction. Idempotent: the grant's ledger key is the month's."""
    from parkos.bookings.services.times import month_of

    day = month_of(starts_at)
    row = CreditMonth.objects.select_for_update().filter(enterprise=enterprise, month=day).first()
    if row is not None:
        return row
    plan = plan_of(enterprise, park_id)
    granted = plan.monthly_credits if plan else 0
    try:
        with transaction.atomic():
            row = CreditMonth.objects.create(park_id=park_id, enterprise=enterprise, month=day, granted=granted,
                                             allow_overage=plan.allow_overage if plan else True)
    except IntegrityError:  # another booking of the same enterprise opened the month first
        return CreditMonth.objects.select_for_update().get(enterprise=enterprise, month=day)
    if granted:
        ledger_record(key=f"grant:{row.pk}", kind="bookings.credits.grant", subject=row,
                      postings=[("plan", -granted), ("available", granted)], parties=[], detail={
                          "plan": plan.name if plan else "", "month": day.isoformat()}, scope="bookings")
    return CreditMonth.objects.select_for_update().get(pk=row.pk)


def spend(*, month: CreditMonth, booking: Booking, credits: int, charge_fen: int, actor: Any) -> None:
    """Take ``credits`` and charge ``charge_fen`` for ``booking`` (the month is locked by the caller). The
    conditional update never lets ``used`` pass ``granted``."""
    if credits:
        changed = CreditMonth.objects.filter(pk=month.pk, used__lte=F("granted") - credits).update(
            used=F("used") + credits)
        if not changed:
            raise Conflict(_("Your enterprise's credits for this month ran out meanwhile."),
                           code=ErrorCode.CREDITS_EXHAUSTED)
        ledger_record(key=f"use:{booking.pk}", kind="bookings.credits.use", subject=month,
                      postings=[("available", -credits), ("used", credits)], actor=actor,
                      detail={"booking": booking.pk}, scope="bookings")
    if charge_fen:
        CreditMonth.objects.filter(pk=month.pk).update(charged_fen=F("charged_fen") + charge_fen)
        ledger_record(key=f"charge:{booking.pk}", kind="bookings.charge", subject=month,
                      postings=[("park", -charge_fen), ("statement", charge_fen)], actor=actor,
                      detail={"booking": booking.pk}, scope="bookings")


def refund(*, booking: Booking, actor: Any, why: str) -> None:
    """Give back what ``booking`` took (a cancellation, a declined request). Called once, by the transition
    out of an active status that the caller made under the booking's row lock."""
    if booking.credit_month_id is None or (not booking.credits and not booking.charge_fen):
        return
    month = CreditMonth.objects.select_for_update().get(pk=booking.credit_month_id)
    if booking.credits:
        ledger_record(key=f"refund:{booking.pk}", kind="bookings.credits.refund", subject=month,
                      postings=[("used", -booking.credits), ("available", booking.credits)], actor=actor,
                      detail={"booking": booking.pk, "why": why}, scope="bookings")
        CreditMonth.objects.filter(pk=month.pk).update(used=F("used") - booking.credits)
    if booking.charge_fen:
        ledger_record(key=f"uncharge:{booking.pk}", kind="bookings.charge.refund", subject=month,
                      postings=[("statement", -booking.charge_fen), ("park", booking.charge_fen)], actor=actor,
                      detail={"booking": booking.pk, "why": why}, scope="bookings")
        CreditMonth.objects.filter(pk=month.pk).update(charged_fen=F("charged_fen") - booking.charge_fen)


def statement_lines(month: CreditMonth) -> dict[str, int]:
    """The month's balances from the ledger: what the statement shows."""
    found = balances(SUBJECT, [month.pk]).get(month.pk, {})
    return {"granted": -found.get("plan", 0), "available": found.get("available", 0), "used": found.get("used", 0),
            "charged_fen": found.get("statement", 0)}


def reconcile() -> Iterator[str]:
    """``parkos ledger-check``: every credit month's counters equal its ledger balances."""
    found = balances(SUBJECT, None)
    for month in CreditMonth.objects.all().only("pk", "granted", "used", "charged_fen").iterator(chunk_size=5000):
        b = found.get(month.pk, {})
        expected = {"plan": -month.granted, "available": month.granted - month.used, "used": month.used,
                    "statement": month.charged_fen, "park": -month.charged_fen}
        for account, value in expected.items():
            if b.get(account, 0) != value:
                yield f"bookings.creditmonth#{month.pk} {account}: ledger {b.get(account, 0)} != {value}"


def invalid_plan_credits() -> Invalid:
    return Invalid(_("Enter the credits a month as a whole number from 0 to 100000."), code=ErrorCode.OUT_OF_RANGE)
