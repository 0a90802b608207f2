"""Writes of members' wallets: giving a coupon to another member, an operator withdrawing one, the nightly
expiry sweep and the expiry reminders.

Every status change of a coupon is a conditional UPDATE from ``available`` (the redemption at a till
does the same), so whichever of a transfer, a redemption, a withdrawal or the sweep comes first wins and
the others find nothing to change. Value leaves ``coupon:outstanding`` only for the rows an UPDATE of
this module actually changed (services/postings.py ``post_end``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, NotFound, field_error
from parkos.core.ledger import Money
from parkos.core.text import clean_text, normalise_mobile, normalise_plain
from parkos.rewards.models import Coupon, CouponTemplate
from parkos.rewards.models.merchants import RewardSettings
from parkos.rewards.services.issuing import coupon_code_new, given_reason
from parkos.rewards.services.postings import post_end
from parkos.rewards.terms import valid_until_text

S = Coupon.Status
NOTIFY_KIND = "reward"
EXPIRE_CHUNK = 1000  # coupons per transaction of the sweep (and per ``IN (…)`` list)
REMIND_CHUNK = 500  # members per transaction of the reminders
REMIND_LINES = 10  # coupons named in one reminder; the rest are counted


def _name(coupon: Coupon) -> str:
    return str(coupon.terms.get("name") or "")


def _explain_unchanged(coupon: Coupon, *, owner_id: int | None = None) -> Invalid:
    """Why a conditional UPDATE from ``available`` found nothing to change (re-read after it)."""
    coupon.refresh_from_db()
    if owner_id is not None and coupon.owner_id != owner_id:
        return Invalid(_("This coupon is no longer in your wallet."), code=ErrorCode.NOT_YOUR_COUPON)
    if coupon.status == S.USED:
        return Invalid(_("This coupon has been used."), code=ErrorCode.COUPON_USED)
    if coupon.status == S.REVOKED:
        return Invalid(_("This coupon was withdrawn by the park."), code=ErrorCode.COUPON_EXPIRED)
    return Invalid(_("This coupon has expired."), code=ErrorCode.COUPON_EXPIRED)


# --- giving a coupon to another member --------------------------------------------------------------

def recipient_find(*, value: str) -> Any:
    """The member a coupon is given to, by the mobile number or e-mail address the giver typed (never by
    an account id: members do not know each other's). Invalid (field ``to``) when there is none."""
    from parkos.accounts.selectors import user_find

    text = normalise_plain(value or "")
    if not text:
        raise field_error("to", _("Enter the mobile number or e-mail address of the member."),
                          code=ErrorCode.REQUIRED)
    mobile = normalise_mobile(text)
    if "@" not in text and not (mobile.isdigit() and len(mobile) == 11):
        raise field_error("to", _("Enter a mainland mobile number (11 digits) or an e-mail address."),
                          code=ErrorCode.INVALID)
    user = user_find(value=text)
    if user is None:
        raise field_error("to", _("No member has this mobile number or e-mail address."), code=ErrorCode.NOT_FOUND)
    return user


def coupon_transfer_check(*, actor: Any, coupon: Coupon, to_user: Any, now: dt.datetime | None = None) -> None:
    """Raise what ``coupon_transfer`` would refuse before it writes (the page's confirmation step asks
    first); the transfer checks again under its lock."""
    policy.require(actor, "rewards.coupon.transfer", coupon)
    if not coupon.terms.get("transferable"):
        raise Invalid(_("This coupon cannot be given to another member."), code=ErrorCode.NOT_TRANSFERABLE)
    if to_user is None or not getattr(to_user, "is_active", False) or not to_user.pk:
        raise NotFound(_("No member has this mobile number or e-mail address."))
    if to_user.pk == actor.pk:
        raise field_error("to", _("This coupon is already yours: enter another member."), code=ErrorCode.INVALID)
    if coupon.owner_id != actor.pk:
        raise Invalid(_("This coupon is no longer in your wallet."), code=ErrorCode.NOT_YOUR_COUPON)
    if coupon.status == S.USED:
        raise Invalid(_("This coupon has been used."), code=ErrorCode.COUPON_USED)
    if coupon.status != S.AVAILABLE or coupon.valid_until <= (now or timezone.now()):
        raise Invalid(_("This coupon has expired."), code=ErrorCode.COUPON_EXPIRED)


def coupon_transfer(*, actor: Any, coupon: Coupon, to_user: Any, now: dt.datetime | None = None) -> Coupon:
    """Give ``coupon`` (a transferable one, still available) to ``to_user``, who is notified.

    The coupon changes owner by one conditional UPDATE (``status = available AND owner = actor AND still
    valid``), so a transfer racing a redemption, another transfer or the sweep happens at most once. It
    gets a new code: the giver's page, its typed code and every QR code shown before stop working (the QR
    code also names its owner, rewards/codes.py). Its ``reason`` becomes ``given:<giver>:<reason>``
    (``services.issuing.given_reason``; a coupon given on keeps its first giver's), so the receiver keeps
    their own coupon for the same reason (a rule's week) and the giver, whose reason it still names, is
    never issued that reason again.
    The template's per-member limit counts for the receiver; the template row is locked for that check
    (as issuing does), so two gifts cannot pass it together. Nothing moves in the ledger: the value stays
    outstanding on the same template."""
    now = now or timezone.now()
    coupon_transfer_check(actor=actor, coupon=coupon, to_user=to_user, now=now)
    with transaction.atomic():
        limit = (CouponTemplate.objects.select_for_update().filter(pk=coupon.template_id)
                 .values_list("per_person_limit", flat=True).first())
        if limit and Coupon.objects.filter(template_id=coupon.template_id, owner_id=to_user.pk).count() >= limit:
            raise Invalid(_("This member already has as many of this coupon as one member may hold."),
                          code=ErrorCode.LIMIT_REACHED)
        changed = Coupon.objects.filter(pk=coupon.pk, owner_id=actor.pk, status=S.AVAILABLE, valid_until__gt=now).update(
            owner_id=to_user.pk, transferred_from_id=actor.pk, code=coupon_code_new(), reason=given_reason(actor.pk, coupon.reason),
            reminded_at=None)
        if changed != 1:
            raise _explain_unchanged(coupon, owner_id=actor.pk)
        coupon.refresh_from_db()
        from parkos.notifications.services import notification_send

        notification_send(
            recipients=[to_user], kind=NOTIFY_KIND, actor=actor,
            title=format_lazy(gettext_lazy("{name} gave you a coupon: {coupon}"), name=actor.display_name,
                              coupon=_name(coupon)),
            body=format_lazy(gettext_lazy("Valid until {when}. Open it in your wallet to use it."),
                             when=valid_until_text(coupon.valid_until)),
            url=reverse("rewards:coupon_detail", args=[coupon.code]))
    return coupon


# --- an operator withdraws a coupon -----------------------------------------------------------------

def coupon_revoke(*, actor: Any, coupon: Coupon, reason: str, now: dt.datetime | None = None) -> Coupon:
    """Withdraw an available coupon (issued by mistake, to the wrong member): its value leaves
    outstanding (ledger ``rewards.revoke``, key ``revoke:<id>``: a withdrawn coupon never comes back, so
    the key is unique) and its owner is told why. Withdrawing it again changes nothing and answers the
    same; a used or expired coupon cannot be withdrawn."""
    policy.require(actor, "rewards.manage", coupon)
    reason = clean_text(reason, field="reason", limit=200, multiline=False, markup=False,
                        required_message=_("Say why the coupon is withdrawn: its owner is told."))
    now = now or timezone.now()
    with transaction.atomic():
        changed = Coupon.objects.filter(pk=coupon.pk, status=S.AVAILABLE).update(status=S.REVOKED, ended_at=now)
        if changed != 1:
            coupon.refresh_from_db()
            if coupon.status == S.REVOKED:
                return coupon
            raise _explain_unchanged(coupon)
        post_end(key=f"revoke:{coupon.pk}", kind="rewards.revoke",
                 values_by_template={coupon.template_id: coupon.value_fen}, actor=actor)
        coupon.refresh_from_db()
        from parkos.notifications.services import notification_send

        notification_send(
            recipients=[coupon.owner], kind=NOTIFY_KIND, actor=actor,
            title=format_lazy(gettext_lazy("Your coupon {coupon} was withdrawn"), coupon=_name(coupon)),
            body=format_lazy(gettext_lazy("Reason: {reason}"), reason=reason),
            url=reverse("rewards:wallet") + "?status=expired")
    return coupon


# --- the nightly sweep ------------------------------------------------------------------------------

class _Raced(Exception):
    """A row of the chunk changed under the sweep: roll the chunk back and read it again."""


def coupons_expire(*, now: dt.datetime | None = None, chunk: int = EXPIRE_CHUNK) -> int:
    """Expire every available coupon whose validity has ended (``valid_until <= now``; validity ends at
    midnight Beijing time, so the 00:01 run takes the day's). Returns how many this call expired.

    Set-based, a chunk per transaction: read the ids (locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
    SQLite holds its one write lock from BEGIN), one UPDATE of exactly those ids still available, and one
    ledger operation for them (``rewards.expire``, key ``expire:<now>:<largest id>``: two sweeps never
    hold the same rows, so never the same key). Two sweeps at once share the rows between them; a second
    run finds nothing; a redemption or a withdrawal racing it wins or loses the row whole."""
    now = now or timezone.now()
    total = attempts = 0
    while True:
        try:
            with transaction.atomic():
                rows = list(Coupon.objects.select_for_update(skip_locked=True)
                            .filter(status=S.AVAILABLE, valid_until__lte=now).order_by("id")
                            .values_list("id", "template_id", "value_fen")[:chunk])
                if not rows:
                    return total
                ids = [r[0] for r in rows]
                changed = Coupon.objects.filter(id__in=ids, status=S.AVAILABLE).update(status=S.EXPIRED, ended_at=now)
                if changed != len(ids):
                    raise _Raced()
                values: dict[int, int] = defaultdict(int)
                for _id, template_id, value in rows:
                    values[template_id] += value
                post_end(key=f"expire:{int(now.timestamp())}:{ids[-1]}", kind="rewards.expire",
                         values_by_template=dict(values))
        except _Raced:
            attempts += 1
            if attempts > 5:
                raise
            continue
        total += changed
        if len(rows) < chunk:
            return total


# --- reminders before a coupon expires --------------------------------------------------------------

def _reminder_scope(now: dt.datetime) -> Q | None:
    """Available coupons not yet reminded that end within their park's reminder days (0: no reminders)."""
    park_ids = set(Coupon.objects.filter(status=S.AVAILABLE, reminded_at__isnull=True, valid_until__gt=now,
                                         valid_until__lte=now + dt.timedelta(days=30))
                   .values_list("park_id", flat=True).distinct())
    scope = None
    for park_id in sorted(park_ids):
        settings, _created = RewardSettings.objects.get_or_create(park_id=park_id)
        if settings.expiry_reminder_days:
            q = Q(park_id=park_id, valid_until__lte=now + dt.timedelta(days=settings.expiry_reminder_days))
            scope = q if scope is None else scope | q
    return scope


def coupons_remind(*, now: dt.datetime | None = None) -> int:
    """Tell each member, in one notification, which of their coupons end within their park's
    ``RewardSettings.expiry_reminder_days``; each coupon is named once (``reminded_at``). Returns how
    many members were told.

    Members are taken a few hundred per transaction; their coupons are locked (``SKIP LOCKED`` on
    PostgreSQL) and marked by a conditional UPDATE (``reminded_at IS NULL``), so two runs at once never
    remind of one coupon twice."""
    from parkos.accounts.models import User
    from parkos.notifications.services import notification_send

    now = now or timezone.now()
    scope = _reminder_scope(now)
    if scope is None:
        return 0
    due = Coupon.objects.filter(scope, status=S.AVAILABLE, reminded_at__isnull=True, valid_until__gt=now)
    owner_ids = sorted(set(due.values_list("owner_id", flat=True)))
    told = 0
    url = reverse("rewards:wallet")
    for start in range(0, len(owner_ids), REMIND_CHUNK):
        members = owner_ids[start:start + REMIND_CHUNK]
        with transaction.atomic():
            rows = list(due.filter(owner_id__in=members).select_for_update(skip_locked=True)
                        .order_by("owner_id", "valid_until", "id")
                        .values_list("id", "owner_id", "terms", "value_fen", "valid_until"))
            ids = [r[0] for r in rows]
            if not ids:
                continue
            changed = Coupon.objects.filter(id__in=ids, reminded_at__isnull=True).update(reminded_at=now)
            if changed != len(ids):  # another run took some of them: remind of none rather than twice
                transaction.set_rollback(True)
                continue
            by_owner: dict[int, list[tuple[str, int, dt.datetime]]] = defaultdict(list)
            for _id, owner_id, terms, value, valid_until in rows:
                by_owner[owner_id].append((str((terms or {}).get("name") or ""), value, valid_until))
            people = User.objects.in_bulk(list(by_owner))
            for owner_id, coupons in by_owner.items():
                user = people.get(owner_id)
                if user is None:
                    continue
                lines: list[Any] = [
                    format_lazy(gettext_lazy("{name} ({value}), valid until {when}"), name=name,
                                value=Money.format(value), when=valid_until_text(until))
                    for name, value, until in coupons[:REMIND_LINES]]
                if len(coupons) > REMIND_LINES:
                    lines.append(format_lazy(gettext_lazy("…and {n} more"), n=len(coupons) - REMIND_LINES))
                notification_send(
                    recipients=[user], kind=NOTIFY_KIND,
                    title=format_lazy(gettext_lazy("Coupons expiring soon in your wallet: {n}"), n=len(coupons)),
                    body=format_lazy("\n".join("{}" for _line in lines), *lines), url=url)
                told += 1
    return told
