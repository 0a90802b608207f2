"""Reads for the rewards hub and the operators' figures and flags.

The figures are set-based: a constant number of GROUP BY queries whatever the number of coupons (a
park-year holds hundreds of thousands), each filtered by park and period on an indexed column where one
exists. Definitions, as the page states them:

- per template: coupons issued in the period (its issue batches), redeemed in the period (lines of
  redemptions that stand), expired or revoked in the period, available now; cost is the discounts the park
  owes merchants for the period's redemptions; budget use is the template's issued value against its budget;
- per rule: the coupons it issued in the period (reason ``rule:<id>:<period>``) and what became of them;
- by merchant and by hour of day (Beijing time): redemptions in the period that stand;
- the overtime coupon's reach: members in the park after the late hour on at least one day of the period
  (from the gates' presence), how many of them got an overtime coupon issued in the period, how many used one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, NotFound
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.core.parks import park_list
from parkos.core.policy import OPERATOR
from parkos.rewards.models import (
    Coupon,
    CouponTemplate,
    Flag,
    GiftPack,
    IssueBatch,
    IssuingRule,
    MerchantStaff,
    Pickup,
    RedeemedCoupon,
    Redemption,
    RuleKind,
    RuleRun,
    ServiceCredit,
)

MAX_DAYS = 400  # a year and a bit: longer periods are exports of the ledger, not a page


# --- the period ---------------------------------------------------------------------------------------

def figures_period(start: Any = None, end: Any = None, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period of the figures (both days included, Beijing time): ``start``/``end`` as dates or
    YYYY-MM-DD text; missing, this month up to today. Invalid with the field's message otherwise."""
    today = today or timezone.localdate()
    first = _day(start, "start") or today.replace(day=1)
    last = _day(end, "end") or (today if first <= today else first)
    if last < first:
        raise Invalid(_("The end of the period is before its start."), code=ErrorCode.ENDS_BEFORE_START,
                      details={"end": [_("The end of the period is before its start.")]})
    if (last - first).days >= MAX_DAYS:
        message = _("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS}
        raise Invalid(message, code=ErrorCode.OUT_OF_RANGE, details={"end": [message]})
    return first, last


def _day(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        message = _("Enter a date like 2026-12-01.")
        raise Invalid(message, code=ErrorCode.INVALID, details={name: [message]}) from None


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period as [from, to) instants: midnight Beijing time (settings.TIME_ZONE) to the midnight after."""
    return (timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
            timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)))


# --- which parks --------------------------------------------------------------------------------------

def figures_parks(*, viewer: Any) -> list[Park]:
    """The parks whose figures ``viewer`` may see (for the page's park picker)."""
    return [p for p in park_list() if policy.can(viewer, "rewards.figures.view", p)]


def _scope(viewer: Any, park: Park | None) -> dict[str, Any]:
    """The park filter of a figures query: one park (its operators), or every park (portfolio operators)."""
    if park is not None:
        policy.require(viewer, "rewards.figures.view", park)
        return {"park_id": park.pk}
    policy.require(viewer, "rewards.figures.view", policy.PORTFOLIO)
    return {}


# --- the figures --------------------------------------------------------------------------------------

@dataclass
class TemplateFigures:
    template_id: int
    name: str
    park_id: int
    status: str
    value_fen: int
    budget_count: int
    budget_fen: int
    committed_fen: int  # issued value since the template exists (what its budget has given out)
    issued: int = 0
    issued_fen: int = 0
    redeemed: int = 0
    discount_fen: int = 0
    expired: int = 0
    revoked: int = 0
    available: int = 0  # now, whenever issued

    @property
    def budget_used_pct(self) -> int:
        return round(100 * self.committed_fen / self.budget_fen) if self.budget_fen else 0

    @property
    def redeemed_pct(self) -> int | None:
        """Of the coupons issued in the period, the share redeemed in it (None when none were issued)."""
        return round(100 * self.redeemed / self.issued) if self.issued else None

    @property
    def money(self) -> dict[str, str]:
        return {"cost": Money.format(self.discount_fen), "budget": Money.format(self.budget_fen),
                "committed": Money.format(self.committed_fen), "issued": Money.format(self.issued_fen)}


@dataclass
class RuleFigures:
    rule_id: int
    name: str
    kind: str
    template_name: str
    active: bool
    eligible: int = 0  # members found eligible by the period's runs (0 when no run recorded them)
    issued: int = 0
    used: int = 0
    expired: int = 0  # expired or revoked
    available: int = 0


@dataclass
class MerchantFigures:
    merchant_id: int
    name: str
    category: str
    redemptions: int
    bill_fen: int
    discount_fen: int
    reversed: int

    @property
    def money(self) -> dict[str, str]:
        return {"cost": Money.format(self.discount_fen), "bill": Money.format(self.bill_fen)}


@dataclass
class OvertimeReach:
    rules: int = 0
    late_workers: int = 0
    got: int = 0
    used: int = 0
    coupons: int = 0
    coupons_used: int = 0

    @property
    def got_pct(self) -> int | None:
        return round(100 * self.got / self.late_workers) if self.late_workers else None

    @property
    def used_pct(self) -> int | None:
        return round(100 * self.used / self.got) if self.got else None


@dataclass
class RewardFigures:
    park: Park | None  # None: every park
    start: dt.date
    end: dt.date
    templates: list[TemplateFigures]
    rules: list[RuleFigures]
    merchants: list[MerchantFigures]
    by_hour: list[int]
    overtime: OvertimeReach
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def hour_max(self) -> int:
        return max(self.by_hour) or 1

    @property
    def money(self) -> dict[str, str]:
        return {"cost": Money.format(self.totals.get("discount_fen", 0)),
                "issued": Money.format(self.totals.get("issued_fen", 0))}


def figures_get(*, viewer: Any, park: Park | None, start: Any = None, end: Any = None) -> RewardFigures:
    """The operators' figures of one park (or of every park, for a portfolio operator) over a period
    (default this month). Twelve queries at most, whatever the number of coupons."""
    scope = _scope(viewer, park)
    first, last = figures_period(start, end)
    since, until = _bounds(first, last)
    in_period = {"created_at__gte": since, "created_at__lt": until}

    templates = {
        t["id"]: TemplateFigures(template_id=t["id"], name=t["name"], park_id=t["park_id"], status=t["status"],
                                 value_fen=t["value_fen"], budget_count=t["budget_count"],
                                 budget_fen=t["budget_fen"], committed_fen=t["issued_fen"])
        for t in CouponTemplate.objects.filter(**scope).order_by("-created_at", "-id").values(
            "id", "name", "park_id", "status", "value_fen", "budget_count", "budget_fen", "issued_fen")
    }
    for row in (IssueBatch.objects.filter(**scope, **in_period).values("template_id").order_by()
                .annotate(n=Sum("issued"), fen=Sum("issued_fen"))):
        if row["template_id"] in templates:
            templates[row["template_id"]].issued = int(row["n"] or 0)
            templates[row["template_id"]].issued_fen = int(row["fen"] or 0)
    standing = RedeemedCoupon.objects.filter(
        active=True, redemption__status=Redemption.Status.DONE, redemption__created_at__gte=since,
        redemption__created_at__lt=until, **{f"redemption__{k}": v for k, v in scope.items()})
    for row in standing.values("coupon__template_id").order_by().annotate(n=Count("id"), d=Sum("discount_fen")):
        if row["coupon__template_id"] in templates:
            templates[row["coupon__template_id"]].redeemed = row["n"]
            templates[row["coupon__template_id"]].discount_fen = int(row["d"] or 0)
    ended = Coupon.objects.filter(**scope, status__in=(Coupon.Status.EXPIRED, Coupon.Status.REVOKED),
                                  ended_at__gte=since, ended_at__lt=until)
    for row in ended.values("template_id", "status").order_by().annotate(n=Count("id")):
        if row["template_id"] in templates:
            setattr(templates[row["template_id"]], row["status"], row["n"])
    for row in (Coupon.objects.filter(**scope, status=Coupon.Status.AVAILABLE).values("template_id").order_by()
                .annotate(n=Count("id"))):
        if row["template_id"] in templates:
            templates[row["template_id"]].available = row["n"]

    redemptions = Redemption.objects.filter(**scope, **in_period)
    done = Q(status=Redemption.Status.DONE)
    merchants = [
        MerchantFigures(merchant_id=r["merchant_id"], name=r["merchant__name"], category=r["merchant__category"],
                        redemptions=r["n"], bill_fen=int(r["bill"] or 0), discount_fen=int(r["d"] or 0),
                        reversed=r["reversed"])
        for r in redemptions.values("merchant_id", "merchant__name", "merchant__category").order_by().annotate(
            n=Count("id", filter=done), bill=Sum("bill_fen", filter=done), d=Sum("discount_fen", filter=done),
            reversed=Count("id", filter=Q(status=Redemption.Status.REVERSED)))
    ]
    merchants.sort(key=lambda m: (-m.discount_fen, -m.redemptions, m.name))
    by_hour = [0] * 24
    for row in (redemptions.filter(done).annotate(hour=ExtractHour("created_at")).values("hour").order_by()
                .annotate(n=Count("id"))):
        by_hour[int(row["hour"])] = row["n"]

    rules, overtime = _rules(scope, first, last, since, until)
    kept = [t for t in templates.values()
            if t.status in (CouponTemplate.Status.ACTIVE, CouponTemplate.Status.PAUSED)
            or t.issued or t.redeemed or t.expired or t.revoked]
    totals = {
        "issued": sum(t.issued for t in kept), "issued_fen": sum(t.issued_fen for t in kept),
        "redeemed": sum(t.redeemed for t in kept), "discount_fen": sum(t.discount_fen for t in kept),
        "expired": sum(t.expired + t.revoked for t in kept), "available": sum(t.available for t in kept),
        "redemptions": sum(m.redemptions for m in merchants),
    }
    return RewardFigures(park=park, start=first, end=last, templates=kept, rules=rules, merchants=merchants,
                         by_hour=by_hour, overtime=overtime, totals=totals)


def _rules(scope: dict[str, Any], first: dt.date, last: dt.date, since: dt.datetime,
           until: dt.datetime) -> tuple[list[RuleFigures], OvertimeReach]:
    """Per rule, from the coupons' reasons (``rule:<id>:<period>``, the one link every issuing path keeps):
    one GROUP BY over a CASE naming the rule, so the query count does not grow with the rules."""
    rows = list(IssuingRule.objects.filter(**scope).order_by("park_id", "name", "id").values(
        "id", "name", "kind", "active", "park_id", "template_id", "template__name"))
    rules = {r["id"]: RuleFigures(rule_id=r["id"], name=r["name"], kind=r["kind"], template_name=r["template__name"],
                                  active=r["active"]) for r in rows}
    overtime = OvertimeReach()
    if not rules:
        return [], overtime
    which = Case(*[When(reason__startswith=f"rule:{pk}:", then=Value(pk)) for pk in rules],
                 default=Value(0), output_field=IntegerField())
    issued = Coupon.objects.filter(template_id__in={r["template_id"] for r in rows}, issued_at__gte=since,
                                   issued_at__lt=until, reason__startswith="rule:")
    for row in issued.annotate(rule=which).values("rule", "status").order_by().annotate(n=Count("id")):
        figures = rules.get(row["rule"])
        if figures is None:
            continue
        figures.issued += row["n"]
        if row["status"] == Coupon.Status.USED:
            figures.used += row["n"]
        elif row["status"] == Coupon.Status.AVAILABLE:
            figures.available += row["n"]
        else:
            figures.expired += row["n"]
    for row in (RuleRun.objects.filter(rule_id__in=rules, started_at__gte=since, started_at__lt=until)
                .values("rule_id").order_by().annotate(n=Sum("eligible"))):
        rules[row["rule_id"]].eligible = int(row["n"] or 0)

    late_rules = [r for r in rows if r["kind"] == RuleKind.OVERTIME]
    overtime.rules = len(late_rules)
    if late_rules:
        theirs = Q()
        for r in late_rules:
            theirs |= Q(reason__startswith=f"rule:{r['id']}:")
        used = Q(status=Coupon.Status.USED)
        reach = issued.filter(theirs).aggregate(got=Count("owner_id", distinct=True),
                                                used=Count("owner_id", distinct=True, filter=used),
                                                coupons=Count("id"), coupons_used=Count("id", filter=used))
        overtime.got, overtime.used = reach["got"], reach["used"]
        overtime.coupons, overtime.coupons_used = reach["coupons"], reach["coupons_used"]
        from parkos.access.selectors.presence import presence_late_days

        for park_id in sorted({r["park_id"] for r in late_rules}):
            overtime.late_workers += len(presence_late_days(park_id=park_id, start=first, end=last))
    return list(rules.values()), overtime


# --- flags --------------------------------------------------------------------------------------------

def flag_list(*, viewer: Any, park: Park | None = None, resolved: bool | None = False) -> QuerySet[Flag]:
    """Unusual patterns for operators (newest first): one park's, or every park the viewer operates.
    ``resolved``: False open ones (default), True resolved ones, None both."""
    if park is not None:
        policy.require(viewer, "rewards.figures.view", park)
        flags = Flag.objects.filter(park=park)
    else:
        scope = policy.scope_filter(viewer, OPERATOR)
        if scope is None:
            policy.require(viewer, "rewards.figures.view", policy.PORTFOLIO)  # raises: not an operator anywhere
            scope = {}
        flags = Flag.objects.filter(**scope)
    if resolved is not None:
        flags = flags.filter(resolved_at__isnull=not resolved)
    return flags.select_related("merchant", "resolved_by").order_by("-created_at", "-id")


# --- the hub ------------------------------------------------------------------------------------------

@dataclass
class Hub:
    park: Park
    counts: dict[str, int]
    soonest: Coupon | None
    credits: int
    pickups: int
    packs: list[GiftPack]
    staff_of: list[MerchantStaff]
    operator: bool
    today_redemptions: int = 0
    today_discount_fen: int = 0
    open_flags: int = 0

    @property
    def today_discount(self) -> str:
        return Money.format(self.today_discount_fen)


def hub_get(*, viewer: Any, park: Park) -> Hub:
    """What the rewards hub shows ``viewer`` in ``park``: their own wallet (counts by status, the coupon
    that expires first), gift packs they can claim now, service credits and items waiting for pickup; the
    merchants whose till they work; and, for the park's operators, today's redemptions and open flags.
    At most nine queries."""
    now = timezone.now()
    mine = Coupon.objects.filter(owner_id=viewer.pk)
    counts = {status: 0 for status in Coupon.Status.values}
    counts.update(mine.values("status").order_by().annotate(n=Count("id")).values_list("status", "n"))
    soonest = (mine.filter(status=Coupon.Status.AVAILABLE, valid_until__gt=now).order_by("valid_until", "id")
               .first())
    credits = ServiceCredit.objects.filter(owner_id=viewer.pk, status=ServiceCredit.Status.AVAILABLE).count()
    pickups = Pickup.objects.filter(claim__user_id=viewer.pk, picked_up_at__isnull=True).count()
    packs = list(
        GiftPack.objects.filter(park=park, status=GiftPack.Status.OPEN, claim_from__lte=now, claim_until__gt=now)
        .filter(Q(audience=GiftPack.Audience.PARK) | Q(grants__user_id=viewer.pk))
        .exclude(claims__user_id=viewer.pk).exclude(claimed__gte=F("stock"))
        .distinct().order_by("claim_until", "id")[:5])
    staff_of = list(MerchantStaff.objects.filter(user_id=viewer.pk, merchant__active=True)
                    .select_related("merchant").order_by("merchant__park_id", "merchant__name", "merchant_id"))
    hub = Hub(park=park, counts=counts, soonest=soonest, credits=credits, pickups=pickups, packs=packs,
              staff_of=staff_of, operator=policy.can(viewer, "rewards.manage", park))
    if hub.operator and policy.can(viewer, "rewards.figures.view", park):
        start, end = _bounds(timezone.localdate(now), timezone.localdate(now))
        today = Redemption.objects.filter(park=park, status=Redemption.Status.DONE, created_at__gte=start,
                                          created_at__lt=end).aggregate(n=Count("id"), d=Sum("discount_fen"))
        hub.today_redemptions, hub.today_discount_fen = today["n"], int(today["d"] or 0)
        hub.open_flags = Flag.objects.filter(park=park, resolved_at__isnull=True).count()
    return hub



def flag_get(*, viewer: Any, flag_id: int) -> Flag:
    """One flag of a park the viewer operates (NotFound otherwise: a flag elsewhere is not shown)."""
    flag = flag_list(viewer=viewer, resolved=None).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound(_("This flag does not exist."))
    return flag
