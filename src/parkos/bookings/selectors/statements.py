"""An enterprise's monthly statement of bookings: the month's credits granted, used and left, each booking
that took credits or was charged, and the amount charged.

The totals are the ledger's (``services.credits.statement_lines``: the balances of the month's ledger
subject), never a sum the page makes up; the lines are the bookings whose credits and charges stand (not
cancelled or declined, which gave them back), so their sums equal the ledger's totals, and a test holds the
two to it. Its enterprise's admins and the park's operators read it (``bookings.statement.view``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from parkos.bookings.models import Booking, BookingStatus, CreditMonth
from parkos.bookings.services import credits
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, NotFound
from parkos.core.ledger import Money

# A booking's credits and charge stand in these statuses (a no-show keeps them; cancelling or declining
# gives them back).
CHARGED = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.RELEASED)
LINES_MAX = 5000  # a month's bookings of one enterprise; far more than any has


@dataclass(frozen=True)
class StatementLine:
    booking_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    title: str
    organiser: str
    status: str
    status_label: str
    credits: int
    charge_fen: int

    @property
    def charge_text(self) -> str:
        return Money.format(self.charge_fen)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Statement:
    enterprise: Any
    month: dt.date
    credit_month: CreditMonth | None
    plan_name: str
    granted: int = 0
    used: int = 0
    left: int = 0
    charged_fen: int = 0
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def enterprise_id(self) -> int:
        return int(self.enterprise.pk)

    @property
    def lines_credits(self) -> int:
        return sum(line.credits for line in self.lines)

    @property
    def lines_charge_fen(self) -> int:
        return sum(line.charge_fen for line in self.lines)

    @property
    def charged_text(self) -> str:
        return Money.format(self.charged_fen)

    @property
    def allow_overage(self) -> bool:
        return self.credit_month.allow_overage if self.credit_month is not None else True


def statement_enterprise_get(*, viewer: Any, enterprise_id: Any) -> Any:
    """The enterprise whose statements ``viewer`` may read: its admins, its park's operators. Others: not
    found (an outsider cannot tell which enterprises book rooms)."""
    from parkos.enterprises.selectors import enterprise_get

    policy.require(viewer, "bookings.book")  # logged in
    try:
        pk = int(enterprise_id)
    except (TypeError, ValueError):
        pk = 0
    try:
        enterprise = enterprise_get(viewer=viewer, enterprise_id=pk) if 1 <= pk <= 2**63 - 1 else None
    except NotFound:
        enterprise = None
    if enterprise is None or not policy.can(viewer, "bookings.statement.view", enterprise):
        raise NotFound(_("No such enterprise."))
    return enterprise


def month_parse(value: Any, *, field: str = "month") -> dt.date | None:
    """``YYYY-MM`` (or a date: its month) as the first day of the month; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value).strip()
    try:
        year, month = text.split("-")[:2]
        day = dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        day = None
    if day is None or len(text) > 10 or not 2000 <= day.year <= 2100:
        message = gettext_lazy("Enter a month like 2026-03.")
        raise Invalid(message, code=ErrorCode.INVALID, details={field: [str(message)]})
    return day


def statement_months(*, viewer: Any, enterprise: Any) -> list[CreditMonth]:
    """The months the enterprise booked with credits or charges, newest first."""
    policy.require(viewer, "bookings.statement.view", enterprise)
    return list(CreditMonth.objects.filter(enterprise=enterprise).order_by("-month")[:120])


def statement_get(*, viewer: Any, enterprise: Any, month: Any = None) -> Statement:
    """The statement of ``month`` (default: this month, Beijing time). A month without bookings that cost
    anything is an empty statement with the plan the enterprise has now."""
    policy.require(viewer, "bookings.statement.view", enterprise)
    day = month_parse(month) or timezone.localdate().replace(day=1)
    row = CreditMonth.objects.filter(enterprise=enterprise, month=day).first()
    plan = credits.plan_of(enterprise, enterprise.park_id)
    statement = Statement(enterprise=enterprise, month=day, credit_month=row, plan_name=plan.name if plan else "")
    if row is None:
        statement.granted = statement.left = plan.monthly_credits if plan else 0
        return statement
    totals = credits.statement_lines(row)
    statement.granted, statement.used, statement.left = totals["granted"], totals["used"], totals["available"]
    statement.charged_fen = totals["charged_fen"]
    labels = dict(BookingStatus.choices)
    bookings = Booking.objects.filter(credit_month=row, status__in=CHARGED) \
        .select_related("place", "organiser").order_by("starts_at", "pk")[:LINES_MAX]
    statement.lines = [StatementLine(
        booking_id=b.pk, starts_at=b.starts_at, ends_at=b.ends_at, place=b.place.display_name(), title=b.title,
        organiser=str(getattr(b.organiser, "display_name", "")), status=b.status,
        status_label=str(labels.get(b.status, b.status)), credits=b.credits, charge_fen=b.charge_fen)
        for b in bookings]
    return statement


def statement_table(statement: Statement) -> tuple[list[str], list[list[Any]]]:
    """The statement as a spreadsheet: a row per booking, then the month's totals (from the ledger)."""
    header = [_("Date"), pgettext("booking", "From"), pgettext("booking", "To"), _("Place"), _("Title"), _("Booked by"), _("Status"), _("Credits"),
              _("Charge (¥)")]
    rows: list[list[Any]] = []
    for line in statement.lines:
        start, end = timezone.localtime(line.starts_at), timezone.localtime(line.ends_at)
        rows.append([start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M"), line.place,
                     line.title, line.organiser, line.status_label, line.credits, Money.to_yuan(line.charge_fen)])
    rows.append([])
    rows.append([_("Credits granted"), "", "", "", "", "", "", statement.granted, ""])
    rows.append([_("Credits used"), "", "", "", "", "", "", statement.used, ""])
    rows.append([_("Credits left"), "", "", "", "", "", "", statement.left, ""])
    rows.append([_("Amount charged"), "", "", "", "", "", "", "", Money.to_yuan(statement.charged_fen)])
    return header, rows


__all__ = ["CHARGED", "Statement", "StatementLine", "month_parse", "statement_enterprise_get", "statement_get",
             "statement_months", "statement_table"]
