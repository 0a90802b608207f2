"""Settlement statements of what the park owes a merchant, and the statements a merchant reads.

A period is a range of Beijing dates, both days included. Closing one (the park's operators:
``rewards.settlement.close``) puts every standing redemption created in it that no statement holds yet
into a new ``Settlement``, totals it, and moves that total in the ledger from the merchant's payable to
settled (``postings.post_settlement``, one operation per settlement). From then on those redemptions can
no longer be reversed.

Locking: the merchant row is locked (``select_for_update``; on SQLite the write transaction holds the
database's write lock), so two closes of one merchant are serialised and the overlap check holds. The
redemptions are claimed by one conditional UPDATE (``status = done AND settlement IS NULL``): a reversal
that won the row first leaves it out, one that comes later finds it settled and is refused. The totals are
then read back from the rows claimed, so the statement, its ledger operation and its rows always agree.
Closing the same period again returns the first settlement (idempotent); a period overlapping another
statement, a period not yet over and a period with nothing to settle are refused, changing nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, field_error
from parkos.core.ledger import Money
from parkos.rewards.models import Merchant, RedeemedCoupon, Redemption, Settlement
from parkos.rewards.services.postings import post_settlement

MAX_PERIOD_DAYS = 366  # a statement covers at most a year (a page or an export of it stays bounded)


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now(), timezone.get_default_timezone())


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[midnight of ``start``, midnight after ``end``) in Beijing time."""
    tz = timezone.get_default_timezone()
    return (dt.datetime.combine(start, dt.time.min, tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))


def period_check(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """A period's two dates, or a clear error on the field at fault."""
    if start is None:
        raise field_error("period_start", _("Give the first day of the period."), code=ErrorCode.REQUIRED)
    if end is None:
        raise field_error("period_end", _("Give the last day of the period."), code=ErrorCode.REQUIRED)
    if end < start:
        raise field_error("period_end", _("The last day must not be before the first day."),
                          code=ErrorCode.ENDS_BEFORE_START)
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise field_error("period_end", _("A period covers at most 366 days."), code=ErrorCode.OUT_OF_RANGE)
    return start, end


def settlement_close(*, actor: Any, merchant: Merchant, period_start: dt.date | None, period_end: dt.date | None,
                     now: dt.datetime | None = None) -> Settlement:
    """Close ``merchant``'s statement for the period (see the module's docstring)."""
    policy.require(actor, "rewards.settlement.close", merchant)
    now = now or timezone.now()
    start, end = period_check(period_start, period_end)
    if end >= local_today(now):
        raise field_error("period_end", _("A period can be closed only once it is over: its last day must be "
                                          "before today."), code=ErrorCode.IN_THE_FUTURE)
    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()
        existing = Settlement.objects.filter(merchant=merchant, period_start=start, period_end=end).first()
        if existing is not None:
            return existing
        other = (Settlement.objects.filter(merchant=merchant, period_start__lte=end, period_end__gte=start)
                 .order_by("period_start").first())
        if other is not None:
            raise Conflict(_("This period overlaps the statement of %(start)s to %(end)s: choose days after or "
                             "before it.") % {"start": other.period_start.isoformat(),
                                              "end": other.period_end.isoformat()}, code=ErrorCode.OVERLAP)
        lo, hi = period_bounds(start, end)
        try:
            with transaction.atomic():
                settlement = Settlement.objects.create(park_id=merchant.park_id, merchant=merchant, period_start=start,
                                                       period_end=end, created_by=actor, created_at=now)
        except IntegrityError:  # pragma: no cover - the merchant's lock serialises closes
            return Settlement.objects.get(merchant=merchant, period_start=start, period_end=end)
        Redemption.objects.filter(merchant=merchant, status=Redemption.Status.DONE, settlement__isnull=True,
                                  created_at__gte=lo, created_at__lt=hi).update(settlement=settlement)
        totals = Redemption.objects.filter(settlement=settlement).aggregate(n=Count("id"), t=Sum("discount_fen"))
        if not totals["n"]:
            raise Invalid(_("There is nothing to settle from %(start)s to %(end)s: no redemption in this period "
                            "is waiting for a statement.") % {"start": start.isoformat(), "end": end.isoformat()},
                          code=ErrorCode.EMPTY)
        settlement.redemptions, settlement.total_fen = int(totals["n"]), int(totals["t"] or 0)
        settlement.save(update_fields=["redemptions", "total_fen"])
        post_settlement(settlement=settlement, actor=actor)
    return settlement


def settlement_mark_paid(*, actor: Any, settlement: Settlement, now: dt.datetime | None = None) -> Settlement:
    """The park has paid this statement (idempotent: a second call changes nothing)."""
    policy.require(actor, "rewards.settlement.close", settlement)
    with transaction.atomic():
        row = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if row.status != Settlement.Status.PAID:
            row.status, row.paid_at = Settlement.Status.PAID, now or timezone.now()
            row.save(update_fields=["status", "paid_at"])
    return row


# --- statements -----------------------------------------------------------------------------------

def mask_name(name: str) -> str:
    """A member as a merchant's statement shows them: the first character, then ** (王** for 王雨桐)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else "**"


@dataclass(frozen=True)
class StatementRow:
    id: int
    created_at: dt.datetime
    coupons: str
    member: str
    bill_fen: int
    discount_fen: int
    status: str
    status_label: str
    channel_label: str
    settlement_id: int | None
    settlement_period: str

    @property
    def bill(self) -> str:
        return Money.format(self.bill_fen)

    @property
    def discount(self) -> str:
        return Money.format(self.discount_fen)


@dataclass(frozen=True)
class StatementTotals:
    redemptions: int  # standing (not reversed)
    reversed: int
    bill_fen: int
    discount_fen: int  # what the park owes for the period's standing redemptions
    settled_fen: int  # of which already in a settlement
    unsettled_fen: int

    def as_text(self) -> dict[str, str]:
        """The amounts as the page shows them (¥1,200.50)."""
        return {name: Money.format(getattr(self, name)) for name in ("bill_fen", "discount_fen", "settled_fen",
                                                                      "unsettled_fen")}


def statement_redemptions(*, viewer: Any, merchant: Merchant, start: dt.date | None = None, end: dt.date | None = None,
                          settlement: Settlement | None = None) -> QuerySet[Redemption]:
    """``merchant``'s redemptions of a period (or of one settlement), oldest first, with what the rows show.
    Its operators and its own staff (``rewards.settlement.view``)."""
    policy.require(viewer, "rewards.settlement.view", merchant)
    qs = Redemption.objects.filter(merchant=merchant)
    if settlement is not None:
        if settlement.merchant_id != merchant.pk:
            raise field_error("settlement", _("This statement belongs to another merchant."),
                              code=ErrorCode.INVALID_CHOICE)
        qs = qs.filter(settlement=settlement)
    else:
        lo, hi = period_bounds(*period_check(start, end))
        qs = qs.filter(created_at__gte=lo, created_at__lt=hi)
    lines = RedeemedCoupon.objects.select_related("coupon").only("redemption_id", "coupon__terms", "discount_fen")
    return (qs.select_related("member", "settlement").prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("created_at", "id"))


def statement_totals(*, viewer: Any, merchant: Merchant, start: dt.date | None = None, end: dt.date | None = None,
                     settlement: Settlement | None = None) -> StatementTotals:
    """The period's (or settlement's) totals in one query."""
    qs = statement_redemptions(viewer=viewer, merchant=merchant, start=start, end=end, settlement=settlement)
    done = Q(status=Redemption.Status.DONE)
    row = qs.order_by().aggregate(
        n=Count("id", filter=done), rev=Count("id", filter=~done), bill=Sum("bill_fen", filter=done),
        disc=Sum("discount_fen", filter=done), settled=Sum("discount_fen", filter=done & Q(settlement__isnull=False)))
    discount, settled = int(row["disc"] or 0), int(row["settled"] or 0)
    return StatementTotals(redemptions=int(row["n"] or 0), reversed=int(row["rev"] or 0), bill_fen=int(row["bill"] or 0),
                           discount_fen=discount, settled_fen=settled, unsettled_fen=discount - settled)


def statement_row(redemption: Redemption) -> StatementRow:
    names = [str(line.coupon.terms.get("name", "")) for line in redemption.lines.all()]
    settlement = redemption.settlement
    return StatementRow(
        id=redemption.pk, created_at=redemption.created_at, coupons="、".join(n for n in names if n),
        member=mask_name(getattr(redemption.member, "display_name", "")), bill_fen=redemption.bill_fen,
        discount_fen=redemption.discount_fen, status=redemption.status, status_label=str(redemption.get_status_display()),
        channel_label=str(redemption.get_channel_display()), settlement_id=redemption.settlement_id,
        settlement_period=(f"{settlement.period_start.isoformat()}–{settlement.period_end.isoformat()}"
                           if settlement is not None else ""))


def statement_rows(*, viewer: Any, merchant: Merchant, start: dt.date | None = None, end: dt.date | None = None,
                   settlement: Settlement | None = None) -> list[StatementRow]:
    """Every row of the statement (for its download): time, coupons, the member masked, bill, discount,
    status and settlement."""
    qs = statement_redemptions(viewer=viewer, merchant=merchant, start=start, end=end, settlement=settlement)
    return [statement_row(r) for r in qs.iterator(chunk_size=2000)]


def statement_table(*, viewer: Any, merchant: Merchant, start: dt.date | None = None, end: dt.date | None = None,
                    settlement: Settlement | None = None) -> tuple[list[str], list[list[Any]]]:
    """The statement as a table to download: a header and rows, then a totals row (amounts in yuan)."""
    rows = statement_rows(viewer=viewer, merchant=merchant, start=start, end=end, settlement=settlement)
    totals = statement_totals(viewer=viewer, merchant=merchant, start=start, end=end, settlement=settlement)
    header = [_("Time"), _("Coupons"), _("Member"), _("Bill (yuan)"), _("Discount (yuan)"), _("Status"),
              _("Channel"), _("Settlement")]
    tz = timezone.get_default_timezone()
    table: list[list[Any]] = [
        [r.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), r.coupons, r.member, Money.to_yuan(r.bill_fen),
         Money.to_yuan(r.discount_fen), r.status_label, r.channel_label, r.settlement_period]
        for r in rows]
    table.append([_("Total"), _("%(count)s redemptions") % {"count": totals.redemptions}, "",
                  Money.to_yuan(totals.bill_fen), Money.to_yuan(totals.discount_fen), "", "", ""])
    return [str(h) for h in header], table
