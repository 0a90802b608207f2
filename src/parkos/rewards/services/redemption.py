"""Redeeming coupons at a merchant, exactly once, and reversing a mistaken redemption.

Two ways in (``Redemption.Channel``):
- ``merchant_scan``: the cashier scans the member's rotating coupon code(s) (``K1.…``, rewards/codes.py);
  the actor is the merchant's staff (``rewards.redeem``).
- ``member_scan``: the member scans the merchant's printed code (its ``pay_token``), picks coupons of their
  own wallet; the actor is the coupon owner.

Exactly once. Every check runs first, outside the write (a refused request changes nothing); then, in one
transaction, each coupon moves ``available → used`` by a conditional UPDATE whose row count decides (on
PostgreSQL a concurrent UPDATE of the same row waits for the winner and then matches nothing; on SQLite
the IMMEDIATE transaction serialises writers), the ``RedeemedCoupon`` lines are inserted (their partial
unique index is the database's own guarantee: one active line per coupon), the ``Redemption`` row, and
the ledger posting. Any failure rolls all of it back.

Idempotency. ``(merchant, key)`` is unique. The same key with the same request (``request_digest``: the
channel, the bill, the coupons, the member for ``member_scan``) returns the first redemption; with another
request it is refused (``idempotency_conflict``). A key whose first attempt was refused left nothing
behind, so it may be retried. Two racing requests with one key: one inserts, the other hits the unique
index, rolls back and answers with the winner's redemption.

Money. ``discount_of`` gives one coupon's discount. Money off (amount off, percent off) is applied to what
is left of the bill, so it never takes more than the bill; a free item is the item's price, handed over
besides the bill (the bill may then be 0). ``Redemption.discount_fen`` is what the park owes the merchant
(money off plus free items); the member pays ``bill - money off``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.core import policy
from parkos.core.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    Forbidden,
    Invalid,
    NotAuthenticated,
)
from parkos.core.ledger import MAX_FEN, Money
from parkos.core.text import validate_plain_text
from parkos.rewards import codes
from parkos.rewards.models import (
    Coupon,
    CouponKind,
    Flag,
    Merchant,
    RedeemedCoupon,
    Redemption,
    RewardSettings,
)
from parkos.rewards.services import postings

MAX_COUPONS = 10  # coupons in one checkout
KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,80}$")
# Free items first (they do not touch the bill), then amounts off, then percents off on what is left:
# the same coupons always give the same discount, whatever order they were scanned in.
_KIND_ORDER = {CouponKind.FREE_ITEM: 0, CouponKind.AMOUNT_OFF: 1, CouponKind.PERCENT_OFF: 2}


# --- money ------------------------------------------------------------------------------------------

def _money_off(terms: dict[str, Any], bill_fen: int) -> int:
    kind, value = terms.get("kind"), int(terms.get("value_fen") or 0)
    if kind == CouponKind.AMOUNT_OFF:
        return min(value, bill_fen)
    if kind == CouponKind.PERCENT_OFF:
        return min(bill_fen * int(terms.get("percent_off") or 0) // 100, value)  # rounded down to the fen
    return 0


def _check_bill(bill_fen: int) -> None:
    if not isinstance(bill_fen, int) or isinstance(bill_fen, bool) or bill_fen < 0 or bill_fen > MAX_FEN:
        raise Invalid(_("Enter the bill as an amount of 0 or more."), code=ErrorCode.OUT_OF_RANGE,
                      details={"bill": [_("Enter the bill as an amount of 0 or more.")]})


def _check_min_spend(terms: dict[str, Any], bill_fen: int) -> None:
    minimum = int(terms.get("min_spend_fen") or 0)
    if bill_fen < minimum:
        message = _("“%(name)s” needs a bill of at least %(min)s (this bill: %(bill)s).") % {
            "name": terms.get("name", ""), "min": Money.format(minimum), "bill": Money.format(bill_fen)}
        raise Invalid(message, code=ErrorCode.MIN_SPEND, details={"bill": [message]})


def discount_of(terms: dict[str, Any], bill_fen: int) -> int:
    """One coupon's discount on a bill of ``bill_fen``: an amount off takes at most the bill, a percent
    off is rounded down to the fen and capped at the coupon's value, a free item is the item's price.
    Invalid (``min_spend``) below the coupon's minimum spend, (``out_of_range``) for a negative bill."""
    _check_bill(bill_fen)
    _check_min_spend(terms, bill_fen)
    if terms.get("kind") == CouponKind.FREE_ITEM:
        return int(terms.get("value_fen") or 0)
    return _money_off(terms, bill_fen)


# --- the quote: what a checkout would redeem --------------------------------------------------------

@dataclass
class QuoteLine:
    coupon: Coupon
    discount_fen: int  # what the park pays the merchant for this coupon
    money_off_fen: int  # what it takes off the member's bill (0 for a free item)


@dataclass
class Quote:
    merchant: Merchant
    bill_fen: int
    channel: str
    member: Any = None
    lines: list[QuoteLine] = field(default_factory=list)
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def discount_fen(self) -> int:
        return sum(line.discount_fen for line in self.lines)

    @property
    def money_off_fen(self) -> int:
        return sum(line.money_off_fen for line in self.lines)

    @property
    def pay_fen(self) -> int:
        """What the member still pays at the till."""
        return self.bill_fen - self.money_off_fen


def _require_staff(actor: Any, merchant: Merchant) -> None:
    policy.require(actor, "rewards.redeem", merchant)


def _require_member(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAuthenticated()


def _coupons_scanned(scanned: Sequence[str], now: dt.datetime) -> list[Coupon]:
    """The coupons the codes stand for, each code checked against its coupon's current owner."""
    parsed = [codes.coupon_code_parse(text) for text in scanned]
    found = {c.code: c for c in Coupon.objects.select_related("owner").filter(code__in={p.code for p in parsed})}
    result: dict[int, Coupon] = {}
    for item in parsed:
        coupon = found.get(item.code)
        if coupon is None:
            raise Invalid(_("This coupon code is not valid. Ask the member to open the coupon in their wallet."),
                          code=ErrorCode.COUPON_CODE)
        codes.coupon_code_check(item, owner_id=coupon.owner_id, now=now.timestamp())
        result[coupon.pk] = coupon
    coupons = list(result.values())
    if len({c.owner_id for c in coupons}) > 1:
        raise Invalid(_("These coupons belong to different members: redeem each member's coupons separately."),
                      code=ErrorCode.NOT_YOUR_COUPON)
    return coupons


def _coupons_own(actor: Any, coupon_ids: Sequence[int]) -> list[Coupon]:
    ids = sorted({int(i) for i in coupon_ids})
    coupons = list(Coupon.objects.select_related("owner").filter(pk__in=ids, owner_id=actor.pk))
    if len(coupons) != len(ids):  # unknown or another member's: the same answer, so ids reveal nothing
        raise Invalid(_("This coupon is not in your wallet."), code=ErrorCode.NOT_YOUR_COUPON)
    for coupon in coupons:
        policy.require(actor, "rewards.wallet.own", coupon)
    return coupons


def _check_coupon(coupon: Coupon, merchant: Merchant, now: dt.datetime) -> None:
    name = coupon.terms.get("name", "")
    if not coupon.accepted_at(merchant):
        raise Invalid(_("“%(name)s” cannot be used at %(merchant)s.") % {"name": name, "merchant": merchant.name},
                      code=ErrorCode.NOT_ACCEPTED_HERE)
    if coupon.status == Coupon.Status.USED:
        raise Conflict(_("“%(name)s” has already been used.") % {"name": name}, code=ErrorCode.COUPON_USED)
    if coupon.status == Coupon.Status.REVOKED:
        raise Invalid(_("“%(name)s” was withdrawn by the park and can no longer be used.") % {"name": name},
                      code=ErrorCode.INACTIVE)
    if coupon.status == Coupon.Status.EXPIRED or coupon.valid_until <= now:
        raise Invalid(_("“%(name)s” has expired.") % {"name": name}, code=ErrorCode.COUPON_EXPIRED)
    if coupon.valid_from > now:
        raise Invalid(_("“%(name)s” can be used from %(date)s.") % {
            "name": name, "date": timezone.localtime(coupon.valid_from).strftime("%Y-%m-%d %H:%M")},
            code=ErrorCode.COUPON_EXPIRED)


def _check_merchant(merchant: Merchant) -> None:
    if not merchant.active:
        raise Invalid(_("%(merchant)s does not accept coupons at the moment.") % {"merchant": merchant.name},
                      code=ErrorCode.INACTIVE)


def _resolve(*, actor: Any, merchant: Merchant, bill_fen: int, scanned: Sequence[str], coupon_ids: Sequence[int],
             channel: str, now: dt.datetime) -> tuple[Any, list[QuoteLine]]:
    """Every check of a checkout, in the order a cashier can act on, and its lines. Raises the first
    problem; reads only."""
    if channel == Redemption.Channel.MERCHANT_SCAN:
        _require_staff(actor, merchant)
        given: Sequence[Any] = [s for s in scanned if str(s).strip()]
        if coupon_ids:
            raise Invalid(_("At the till, scan the member's coupon codes."), code=ErrorCode.BAD_REQUEST)
    elif channel == Redemption.Channel.MEMBER_SCAN:
        _require_member(actor)
        given = coupon_ids
        if scanned:
            raise Invalid(_("Choose coupons from your wallet."), code=ErrorCode.BAD_REQUEST)
    else:
        raise Invalid(_("Unknown way of redeeming."), code=ErrorCode.INVALID_CHOICE)
    if not given:
        message = _("Scan at least one coupon.") if channel == Redemption.Channel.MERCHANT_SCAN else \
            _("Choose at least one coupon.")
        raise Invalid(message, code=ErrorCode.REQUIRED, details={"codes": [message]})
    if len(given) > MAX_COUPONS:
        raise Invalid(_("At most %(n)d coupons can be used in one checkout.") % {"n": MAX_COUPONS},
                      code=ErrorCode.TOO_MANY)
    _check_merchant(merchant)
    _check_bill(bill_fen)
    coupons = (_coupons_scanned(scanned, now) if channel == Redemption.Channel.MERCHANT_SCAN
               else _coupons_own(actor, coupon_ids))
    member = coupons[0].owner
    if channel == Redemption.Channel.MERCHANT_SCAN and member.pk == getattr(actor, "pk", None):
        # A cashier redeeming their own coupon at their own till: the one check nobody else would make.
        raise Forbidden(_("You cannot redeem your own coupon at your own till: ask a colleague."),
                        code=ErrorCode.NOT_YOUR_COUPON)
    for coupon in coupons:
        _check_coupon(coupon, merchant, now)
    if len(coupons) > 1 and not all(c.terms.get("stackable") for c in coupons):
        raise Invalid(_("These coupons cannot be used together: use one of them."), code=ErrorCode.NOT_STACKABLE)
    coupons.sort(key=lambda c: (_KIND_ORDER.get(c.terms.get("kind"), 9), c.pk))
    lines: list[QuoteLine] = []
    left = bill_fen
    for coupon in coupons:
        _check_min_spend(coupon.terms, bill_fen)
        if coupon.terms.get("kind") == CouponKind.FREE_ITEM:
            lines.append(QuoteLine(coupon, int(coupon.value_fen), 0))
        else:
            off = _money_off(coupon.terms, left)
            left -= off
            lines.append(QuoteLine(coupon, off, off))
    return member, lines


def _channel_of(scanned: Sequence[str], coupon_ids: Sequence[int]) -> str:
    return Redemption.Channel.MEMBER_SCAN if coupon_ids and not scanned else Redemption.Channel.MERCHANT_SCAN


def redemption_quote(*, actor: Any, merchant: Merchant, bill_fen: int, scanned: Sequence[str] = (),
                     coupon_ids: Sequence[int] = (), now: dt.datetime | None = None) -> Quote:
    """What a checkout would redeem and take off (``ok``), or why it would be refused (``error``, the
    same error ``redemption_create`` would raise). Only permission (the till is its staff's, a member's
    coupons are their own) raises. Changes nothing."""
    now = now or timezone.now()
    channel = _channel_of(scanned, coupon_ids)
    if channel == Redemption.Channel.MERCHANT_SCAN:
        _require_staff(actor, merchant)
    else:
        _require_member(actor)
    quote = Quote(merchant=merchant, bill_fen=bill_fen if isinstance(bill_fen, int) else 0, channel=channel)
    try:
        quote.member, quote.lines = _resolve(actor=actor, merchant=merchant, bill_fen=bill_fen, scanned=scanned,
                                             coupon_ids=coupon_ids, channel=channel, now=now)
    except (Forbidden, NotAuthenticated):
        raise
    except DomainError as error:
        quote.error = error
    return quote


# --- redeeming ---------------------------------------------------------------------------------------

def _digest(*, channel: str, bill_fen: int, coupons: Sequence[str], member_id: int | None) -> str:
    body = json.dumps({"channel": channel, "bill": bill_fen, "coupons": sorted(coupons), "member": member_id},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _request_digest(*, actor: Any, channel: str, bill_fen: int, scanned: Sequence[str],
                    coupon_ids: Sequence[int]) -> str:
    """What makes two requests "the same" for a key: a retried scan carries a newer rotating code of the
    same coupon, so the coupon's own code (not the scanned text) counts."""
    if channel == Redemption.Channel.MERCHANT_SCAN:
        parts = []
        for text in scanned:
            try:
                parts.append(codes.coupon_code_parse(text).code)
            except Invalid:
                parts.append(str(text).strip())
        return _digest(channel=channel, bill_fen=bill_fen, coupons=sorted(set(parts)), member_id=None)
    return _digest(channel=channel, bill_fen=bill_fen, coupons=sorted({str(int(i)) for i in coupon_ids}),
                   member_id=actor.pk)


def _replay(existing: Redemption, digest: str, *, actor: Any, channel: str) -> Redemption:
    if existing.request_digest != digest or existing.channel != channel or (
            channel == Redemption.Channel.MEMBER_SCAN and existing.member_id != actor.pk):
        raise Conflict(_("This request key was already used for a different checkout. Start a new checkout."),
                       code=ErrorCode.IDEMPOTENCY_CONFLICT)
    return existing


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not KEY_RE.match(key):
        raise Invalid(_("A request key of 1 to 80 letters, digits or - _ . : is required."),
                      code=ErrorCode.BAD_REQUEST, details={"key": [_("A request key of 1 to 80 letters, digits "
                                                                     "or - _ . : is required.")]})
    return key


def _why_not_taken(coupon_id: int, member_id: int, now: dt.datetime) -> DomainError:
    """The conditional UPDATE matched nothing: say why, from the coupon as it is now."""
    coupon = Coupon.objects.filter(pk=coupon_id).first()
    name = coupon.terms.get("name", "") if coupon is not None else ""
    if coupon is None or coupon.owner_id != member_id:
        return Invalid(_("This coupon is no longer in this member's wallet."), code=ErrorCode.NOT_YOUR_COUPON)
    if coupon.status == Coupon.Status.USED:
        return Conflict(_("“%(name)s” has already been used.") % {"name": name}, code=ErrorCode.COUPON_USED)
    if coupon.status == Coupon.Status.REVOKED:
        return Invalid(_("“%(name)s” was withdrawn by the park and can no longer be used.") % {"name": name},
                       code=ErrorCode.INACTIVE)
    return Invalid(_("“%(name)s” has expired.") % {"name": name}, code=ErrorCode.COUPON_EXPIRED)


def redemption_create(*, actor: Any, merchant: Merchant, bill_fen: int, key: str, channel: str,
                      scanned: Sequence[str] = (), coupon_ids: Sequence[int] = (),
                      now: dt.datetime | None = None) -> Redemption:
    """Redeem the scanned codes (``merchant_scan``, by the merchant's staff) or the member's own coupons
    (``member_scan``, by their owner) against a bill of ``bill_fen``. See the module's docstring for the
    checks, exactly-once and idempotency. Locking: the coupons' rows by the conditional UPDATE (a
    row lock on PostgreSQL; the database's write lock on SQLite)."""
    now = now or timezone.now()
    key = _check_key(key)
    if channel == Redemption.Channel.MERCHANT_SCAN:
        _require_staff(actor, merchant)
    else:
        _require_member(actor)
    digest = _request_digest(actor=actor, channel=channel, bill_fen=bill_fen, scanned=scanned, coupon_ids=coupon_ids)
    existing = Redemption.objects.filter(merchant=merchant, key=key).first()
    if existing is not None:
        return _replay(existing, digest, actor=actor, channel=channel)
    try:
        return _redeem(actor=actor, merchant=merchant, bill_fen=bill_fen, key=key, digest=digest, channel=channel,
                       scanned=scanned, coupon_ids=coupon_ids, now=now)
    except (Conflict, Invalid):
        # A retry of this very request that lost the race to its first attempt finds the coupon used:
        # once the first attempt has committed, it answers with that redemption.
        existing = Redemption.objects.filter(merchant=merchant, key=key).first()
        if existing is not None:
            return _replay(existing, digest, actor=actor, channel=channel)
        raise


def _redeem(*, actor: Any, merchant: Merchant, bill_fen: int, key: str, digest: str, channel: str,
            scanned: Sequence[str], coupon_ids: Sequence[int], now: dt.datetime) -> Redemption:
    member, lines = _resolve(actor=actor, merchant=merchant, bill_fen=bill_fen, scanned=scanned,
                             coupon_ids=coupon_ids, channel=channel, now=now)
    try:
        with transaction.atomic():
            for line in lines:
                taken = Coupon.objects.filter(pk=line.coupon.pk, owner_id=member.pk, status=Coupon.Status.AVAILABLE,
                                              valid_from__lte=now, valid_until__gt=now) \
                    .update(status=Coupon.Status.USED, used_at=now)
                if taken != 1:
                    raise _why_not_taken(line.coupon.pk, member.pk, now)
            redemption = Redemption.objects.create(
                park_id=merchant.park_id, merchant=merchant, member=member, key=key, request_digest=digest,
                channel=channel, bill_fen=bill_fen, discount_fen=sum(line.discount_fen for line in lines),
                redeemed_by=actor, created_at=now)
            RedeemedCoupon.objects.bulk_create([
                RedeemedCoupon(redemption=redemption, coupon=line.coupon, discount_fen=line.discount_fen)
                for line in lines])
            postings.post_redemption(redemption=redemption, actor=actor, lines=[
                (line.coupon.template_id, int(line.coupon.value_fen), line.discount_fen) for line in lines])
            _flag_if_unusual(merchant=merchant, now=now)
    except IntegrityError:
        # The key's unique index (a concurrent retry won: answer with its redemption) or the coupon's
        # "redeemed once" index (cannot pass the conditional UPDATE above, but the database has the last word).
        existing = Redemption.objects.filter(merchant=merchant, key=key).first()
        if existing is not None:
            return _replay(existing, digest, actor=actor, channel=channel)
        raise Conflict(_("This coupon has already been used."), code=ErrorCode.COUPON_USED) from None
    redemption.member = member
    redemption.merchant = merchant
    _notify_member(redemption, lines, actor=actor)
    return redemption


def _url(name: str) -> str:
    """A page of another part of rewards (fixed URL names); empty while that page is not wired up."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _notify_member(redemption: Redemption, lines: Sequence[QuoteLine], *, actor: Any) -> None:
    """The member hears of every redemption of their coupons (a code they did not show is noticed)."""
    from parkos.notifications.services import notification_send

    names = "、".join(str(line.coupon.terms.get("name", "")) for line in lines)
    notification_send(
        recipients=[redemption.member], kind="reward", actor=actor,
        title=format_lazy(gettext_lazy("Coupon used at {merchant}"), merchant=redemption.merchant.name),
        body=format_lazy(gettext_lazy("{coupons} · bill {bill}, discount {discount}"), coupons=names,
                         bill=Money.format(redemption.bill_fen), discount=Money.format(redemption.discount_fen)),
        url=_url("rewards:wallet"))


def member_paid_fen(redemption: Redemption) -> int:
    """What the member paid at the till: the bill less the money off (a free item's price is not in the
    bill). Reads the redemption's lines (prefetched ``lines__coupon`` costs nothing more)."""
    free = sum(line.discount_fen for line in redemption.lines.all()
               if line.coupon.terms.get("kind") == CouponKind.FREE_ITEM)
    return int(redemption.bill_fen - (redemption.discount_fen - free))


def settings_of(park_id: int) -> RewardSettings:
    """The park's reward settings, made with their defaults on first use."""
    found = RewardSettings.objects.filter(park_id=park_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return RewardSettings.objects.create(park_id=park_id)
    except IntegrityError:  # made concurrently
        return RewardSettings.objects.get(park_id=park_id)


def _flag_if_unusual(*, merchant: Merchant, now: dt.datetime) -> Flag | None:
    """More redemptions at ``merchant`` in the park's window than its threshold: one Flag per window
    (windows aligned to the clock; the count is over the last window's length, so a burst across a
    boundary is seen too) and one alert to the park's operators. Runs inside the redemption's
    transaction, the insert in a savepoint so a concurrent identical flag cannot undo the redemption."""
    conf = settings_of(merchant.park_id)
    length = dt.timedelta(minutes=conf.flag_window_minutes)
    count = Redemption.objects.filter(merchant=merchant, created_at__gt=now - length, created_at__lte=now).count()
    if count <= conf.flag_threshold:
        return None
    seconds = int(length.total_seconds())
    start = dt.datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=dt.UTC)
    flag = Flag.objects.filter(merchant=merchant, kind=Flag.Kind.BURST, window_start=start).first()
    if flag is not None:
        Flag.objects.filter(pk=flag.pk, count__lt=count).update(count=count)
        return flag
    try:
        with transaction.atomic():
            flag = Flag.objects.create(park_id=merchant.park_id, merchant=merchant, kind=Flag.Kind.BURST,
                                       window_start=start, count=count, created_at=now)
    except IntegrityError:
        return Flag.objects.filter(merchant=merchant, kind=Flag.Kind.BURST, window_start=start).first()
    _alert_operators(flag, conf)
    return flag


def _alert_operators(flag: Flag, conf: RewardSettings) -> None:
    from parkos.accounts.selectors import user_list_with_role
    from parkos.notifications.services import notification_send

    notification_send(
        recipients=list(user_list_with_role(role=policy.OPERATOR, park=flag.park_id)), kind="rewards_alert",
        title=format_lazy(gettext_lazy("Unusual redemptions at {merchant}"), merchant=flag.merchant.name),
        body=format_lazy(gettext_lazy("{count} redemptions within {minutes} minutes (the alert is above {threshold})."),
                         count=flag.count, minutes=conf.flag_window_minutes, threshold=conf.flag_threshold),
        url=_url("rewards:flags"))


# --- reversing ---------------------------------------------------------------------------------------

def reversible_until(redemption: Redemption, conf: RewardSettings | None = None) -> dt.datetime:
    conf = conf or settings_of(redemption.park_id)
    return redemption.created_at + dt.timedelta(minutes=conf.reversal_minutes)


def can_reverse(redemption: Redemption, *, now: dt.datetime | None = None,
                conf: RewardSettings | None = None) -> bool:
    """Whether the redemption itself still allows a reversal (not who asks)."""
    now = now or timezone.now()
    return (redemption.status == Redemption.Status.DONE and redemption.settlement_id is None
            and now <= reversible_until(redemption, conf))


def _refusal(redemption: Redemption, now: dt.datetime, conf: RewardSettings) -> DomainError | None:
    if redemption.status == Redemption.Status.REVERSED:
        return Conflict(_("This redemption has already been reversed."), code=ErrorCode.ALREADY_DONE)
    if redemption.settlement_id is not None:
        return Conflict(_("This redemption is in a closed settlement and can no longer be reversed."),
                        code=ErrorCode.SETTLED)
    if now > reversible_until(redemption, conf):
        return Invalid(_("A redemption can be reversed only within %(minutes)d minutes.") % {
            "minutes": conf.reversal_minutes}, code=ErrorCode.REVERSAL_TOO_LATE)
    return None


def redemption_reverse(*, actor: Any, redemption: Redemption, reason: str,
                       now: dt.datetime | None = None) -> Redemption:
    """Undo a mistaken redemption: by the merchant's staff or the park's operators, with a reason, within
    the park's ``reversal_minutes``, never once it is in a settlement. Its coupons go back to the wallet
    (a coupon whose validity ended meanwhile becomes expired, and its value moves from outstanding to
    expired as an expiry would), its lines stop counting, the ledger gets the exact opposite of the
    redemption's posting, and the member is told. Locking: the redemption row (``select_for_update``),
    then a conditional UPDATE ``done → reversed`` that also requires no settlement, so a settlement
    closing at the same moment and this reversal cannot both win."""
    now = now or timezone.now()
    policy.require(actor, "rewards.redemption.reverse", redemption)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the redemption is reversed."), code=ErrorCode.REQUIRED,
                      details={"reason": [_("Say why the redemption is reversed.")]})
    if len(reason) > 200:
        raise Invalid(_("The reason can be at most 200 characters."), code=ErrorCode.TOO_LONG,
                      details={"reason": [_("The reason can be at most 200 characters.")]})
    try:
        validate_plain_text(reason)
    except Exception as error:  # ValidationError: control characters or markup
        raise Invalid(_("The reason must be plain text."), code=ErrorCode.MARKUP,
                      details={"reason": [_("The reason must be plain text.")]}) from error
    conf = settings_of(redemption.park_id)
    with transaction.atomic():
        locked = Redemption.objects.select_for_update(of=("self",)).select_related("merchant", "member").get(pk=redemption.pk)
        refusal = _refusal(locked, now, conf)
        if refusal is not None:
            raise refusal
        changed = Redemption.objects.filter(pk=locked.pk, status=Redemption.Status.DONE, settlement__isnull=True) \
            .update(status=Redemption.Status.REVERSED, reversed_at=now, reversed_by=actor, reversal_reason=reason)
        if changed != 1:
            locked.refresh_from_db()
            raise _refusal(locked, now, conf) or Conflict(code=ErrorCode.CONFLICT)
        lines = list(RedeemedCoupon.objects.select_related("coupon").filter(redemption=locked, active=True))
        RedeemedCoupon.objects.filter(pk__in=[line.pk for line in lines]).update(active=False)
        back = [line.coupon for line in lines if line.coupon.valid_until > now]
        ended = [line.coupon for line in lines if line.coupon.valid_until <= now]
        Coupon.objects.filter(pk__in=[c.pk for c in back], status=Coupon.Status.USED) \
            .update(status=Coupon.Status.AVAILABLE, used_at=None)
        Coupon.objects.filter(pk__in=[c.pk for c in ended], status=Coupon.Status.USED) \
            .update(status=Coupon.Status.EXPIRED, ended_at=now)
        postings.post_reversal(redemption=locked, actor=actor, lines=[
            (line.coupon.template_id, int(line.coupon.value_fen), int(line.discount_fen)) for line in lines])
        if ended:
            values: dict[int, int] = {}
            for coupon in ended:
                values[coupon.template_id] = values.get(coupon.template_id, 0) + int(coupon.value_fen)
            postings.post_end(key=f"expire:reversal:{locked.pk}", kind="rewards.expire",
                              values_by_template=values, actor=actor)
        locked.status, locked.reversed_at, locked.reversed_by, locked.reversal_reason = (
            Redemption.Status.REVERSED, now, actor, reason)
        _notify_reversal(locked, actor=actor, expired=bool(ended))
    return locked


def _notify_reversal(redemption: Redemption, *, actor: Any, expired: bool) -> None:
    from parkos.notifications.services import notification_send

    body = gettext_lazy("Reason: {reason}. The coupon is back in your wallet.") if not expired else \
        gettext_lazy("Reason: {reason}. The coupon's validity has ended, so it is now expired.")
    notification_send(
        recipients=[redemption.member], kind="reward", actor=actor,
        title=format_lazy(gettext_lazy("A redemption at {merchant} was reversed"), merchant=redemption.merchant.name),
        body=format_lazy(body, reason=redemption.reversal_reason), url=_url("rewards:wallet"))

