"""Writes on gift packs: an operator makes a pack (draft), adds its items (coupons of a template of the
same park, service credits, items to pick up), opens and closes it, grants a "granted" pack to members;
a member claims a pack once; the pickup desk hands over items; a member uses a service credit by
placing a service order.

Claiming (``pack_claim``) is all or nothing in one transaction, in this order of locks, the same for
every claim so two claims never wait on each other in a circle:
1. the claim row: ``UNIQUE(pack, user)`` refuses a second claim (also a concurrent one: the loser's
   insert waits for the winner and then fails);
2. the pack: ``UPDATE … SET claimed = claimed + 1 WHERE claimed < stock AND status = 'open'`` (one
   row or none: the last pack goes to exactly one of two racing members; the check constraint holds
   ``claimed <= stock`` even if this were wrong);
3. each item, in its order: the same conditional UPDATE where the item has its own stock;
4. each coupon item through ``coupons_issue`` (locks the template; idempotent by key
   ``pack:<claim>:<item>`` and by reason ``pack:<claim>:<item>:<n>``); a budget or per-member limit
   that cannot cover the whole quantity refuses the claim.
Any refusal raises, and the transaction undoes everything before it (no stock is consumed, no coupon
issued, no ledger entry posted)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, field_error
from parkos.core.models import Park
from parkos.core.text import clean_text
from parkos.rewards.models import (
    CouponTemplate,
    GiftPack,
    PackClaim,
    PackGrant,
    PackItem,
    Pickup,
    ServiceCredit,
)

PICKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at a desk
PICKUP_LENGTH = 8
MAX_STOCK = 1_000_000
MAX_QUANTITY = 20
MAX_ITEMS = 20
MAX_GRANT = 5000
PACK_FIELDS = ("name", "description", "audience", "claim_from", "claim_until", "stock")
OPEN_FIELDS = ("name", "description", "claim_until", "stock")  # what may still change once members claim


def pickup_code_new() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _n in range(PICKUP_LENGTH))


def pickup_code_normalise(value: str) -> str:
    """What a person typed or a scanner sent, spaces and dashes dropped, in upper case."""
    return "".join(ch for ch in str(value or "").upper() if ch.isalnum())[:PICKUP_LENGTH * 2]


# --- making a pack -------------------------------------------------------------------------------

def _clean_pack(data: dict[str, Any], pack: GiftPack) -> None:
    if "name" in data:
        pack.name = clean_text(data["name"], field="name", limit=60, multiline=False, markup=False)
    if "description" in data:
        pack.description = clean_text(data["description"], field="description", limit=500, required=False,
                                      markup=False)
    if "audience" in data:
        if data["audience"] not in GiftPack.Audience.values:
            raise field_error("audience", _("Choose who the pack is for."), code=ErrorCode.INVALID_CHOICE)
        pack.audience = data["audience"]
    for name in ("claim_from", "claim_until"):
        if name in data:
            value = data[name]
            if not isinstance(value, dt.datetime):
                raise field_error(name, _("Enter a date and time."), code=ErrorCode.REQUIRED)
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            setattr(pack, name, value)
    if "stock" in data:
        stock = data["stock"]
        if not isinstance(stock, int) or isinstance(stock, bool) or not 1 <= stock <= MAX_STOCK:
            raise field_error("stock", _("Enter a number of packs between 1 and %(max)s.") % {"max": MAX_STOCK},
                              code=ErrorCode.OUT_OF_RANGE)
        if stock < pack.claimed:
            raise field_error("stock", _("%(n)s packs are already claimed: the number cannot be lower.")
                              % {"n": pack.claimed}, code=ErrorCode.OUT_OF_RANGE)
        pack.stock = stock
    if not pack.claim_from or not pack.claim_until or pack.claim_until <= pack.claim_from:
        raise field_error("claim_until", _("The claim window must end after it starts."),
                          code=ErrorCode.ENDS_BEFORE_START)


def pack_create(*, actor: Any, park: Park, name: str, claim_from: dt.datetime, claim_until: dt.datetime,
                stock: int, audience: str = GiftPack.Audience.PARK, description: str = "") -> GiftPack:
    """A new pack, in draft: items are added before it opens."""
    policy.require(actor, "rewards.manage", park)
    pack = GiftPack(park=park, created_by=actor)
    _clean_pack({"name": name, "description": description, "audience": audience, "claim_from": claim_from,
                 "claim_until": claim_until, "stock": stock}, pack)
    with transaction.atomic():
        pack.save()
    return pack


def pack_update(*, actor: Any, pack: GiftPack, **fields: Any) -> GiftPack:
    """Change a pack: anything while in draft; once open only its name, description, end and stock
    (never below what is claimed); nothing once closed."""
    policy.require(actor, "rewards.manage", pack)
    unknown = set(fields) - set(PACK_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        row = GiftPack.objects.select_for_update().get(pk=pack.pk)
        if row.status == GiftPack.Status.CLOSED:
            raise Conflict(_("This pack is closed and can no longer be changed."), code=ErrorCode.CLOSED)
        if row.status == GiftPack.Status.OPEN:
            frozen = sorted(set(fields) - set(OPEN_FIELDS))
            if frozen:
                raise Conflict(_("Members are claiming this pack: only its name, description, end and number "
                                 "of packs can change."), code=ErrorCode.ILLEGAL_TRANSITION)
        _clean_pack(fields, row)
        row.save()
    return row


def _draft(pack_id: int) -> GiftPack:
    row = GiftPack.objects.select_for_update().get(pk=pack_id)
    if row.status != GiftPack.Status.DRAFT:
        raise Conflict(_("Items can only change while the pack is a draft."), code=ErrorCode.ILLEGAL_TRANSITION)
    return row


def pack_item_add(*, actor: Any, pack: GiftPack, kind: str, quantity: int = 1,
                  template: CouponTemplate | None = None, service: Any = None, name: str = "",
                  pickup_place: str = "", stock: int | None = None) -> PackItem:
    """Add an item to a draft pack: ``quantity`` coupons of ``template`` (a template of the pack's park),
    ``quantity`` free instances of the catalog ``service``, or a physical item (``name``, where it is
    picked up, and optionally its own ``stock``: empty means as many as packs)."""
    policy.require(actor, "rewards.manage", pack)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise field_error("quantity", _("Enter a quantity between 1 and %(max)s.") % {"max": MAX_QUANTITY},
                          code=ErrorCode.OUT_OF_RANGE)
    item = PackItem(pack=pack, kind=kind, quantity=quantity)
    if kind == PackItem.Kind.COUPON:
        if template is None:
            raise field_error("template", _("Choose a coupon."), code=ErrorCode.REQUIRED)
        if template.park_id != pack.park_id:
            raise field_error("template", _("The coupon must be one of this park's."), code=ErrorCode.INVALID_CHOICE)
        if template.status == CouponTemplate.Status.CLOSED:
            raise field_error("template", _("This coupon is closed."), code=ErrorCode.INACTIVE)
        item.template = template
    elif kind == PackItem.Kind.SERVICE:
        if service is None:
            raise field_error("service", _("Choose a service."), code=ErrorCode.REQUIRED)
        if not service.offered_in(pack.park_id) or not service.is_active:
            raise field_error("service", _("This service is not offered in this park."),
                              code=ErrorCode.INVALID_CHOICE)
        item.service = service
    elif kind == PackItem.Kind.PHYSICAL:
        item.name = clean_text(name, field="name", limit=60, multiline=False, markup=False)
        item.pickup_place = clean_text(pickup_place, field="pickup_place", limit=120, multiline=False, markup=False)
        if stock is not None:
            if not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK:
                raise field_error("stock", _("Enter a stock between 0 and %(max)s.") % {"max": MAX_STOCK},
                                  code=ErrorCode.OUT_OF_RANGE)
            item.stock = stock
    else:
        raise field_error("kind", _("Choose what the item is."), code=ErrorCode.INVALID_CHOICE)
    with transaction.atomic():
        row = _draft(pack.pk)
        count = PackItem.objects.filter(pack=row).count()
        if count >= MAX_ITEMS:
            raise Invalid(_("A pack holds at most %(max)s items.") % {"max": MAX_ITEMS}, code=ErrorCode.TOO_MANY)
        item.position = count
        item.save()
    return item


def pack_item_remove(*, actor: Any, item: PackItem) -> None:
    policy.require(actor, "rewards.manage", item.pack)
    with transaction.atomic():
        _draft(item.pack_id)
        PackItem.objects.filter(pk=item.pk).delete()


def pack_open(*, actor: Any, pack: GiftPack, now: dt.datetime | None = None) -> GiftPack:
    """Open a draft pack for claiming (from its ``claim_from``): it needs an item and a window not over."""
    policy.require(actor, "rewards.manage", pack)
    now = now or timezone.now()
    with transaction.atomic():
        row = _draft(pack.pk)
        if not PackItem.objects.filter(pack=row).exists():
            raise Invalid(_("Add at least one item before opening the pack."), code=ErrorCode.EMPTY)
        if row.claim_until <= now:
            raise Invalid(_("The claim window is over: move its end first."), code=ErrorCode.IN_THE_PAST)
        row.status = GiftPack.Status.OPEN
        row.save(update_fields=["status"])
    return row


def pack_close(*, actor: Any, pack: GiftPack) -> GiftPack:
    """Close a pack: no more claims (claimed items can still be picked up and credits used)."""
    policy.require(actor, "rewards.manage", pack)
    with transaction.atomic():
        row = GiftPack.objects.select_for_update().get(pk=pack.pk)
        if row.status == GiftPack.Status.CLOSED:
            raise Conflict(_("This pack is already closed."), code=ErrorCode.ALREADY_DONE)
        row.status = GiftPack.Status.CLOSED
        row.save(update_fields=["status"])
    return row


def pack_grant(*, actor: Any, pack: GiftPack, user_ids: Iterable[int], note: str = "",
               notify: bool = True) -> list[int]:
    """Grant a "granted" pack to members (an operator's list, a competition's winners, the year report's
    offers): each member may then claim it once. Granting twice is harmless. Returns the ids granted now
    (not before). ``actor`` None is the schedule (no permission to check); ``notify`` False when the
    caller tells the members itself (the year report's announcement)."""
    if actor is not None:
        policy.require(actor, "rewards.manage", pack)
    note = clean_text(note, field="note", limit=120, required=False, multiline=False, markup=False)
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        raise field_error("people", _("Name at least one member."), code=ErrorCode.REQUIRED)
    if len(ids) > MAX_GRANT:
        raise field_error("people", _("At most %(max)s members at once.") % {"max": MAX_GRANT},
                          code=ErrorCode.TOO_MANY)
    from parkos.accounts.models import User

    with transaction.atomic():
        row = GiftPack.objects.select_for_update().get(pk=pack.pk)
        if row.audience != GiftPack.Audience.GRANTED:
            raise Conflict(_("This pack is for every member of the park: there is nothing to grant."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        if row.status == GiftPack.Status.CLOSED:
            raise Conflict(_("This pack is closed."), code=ErrorCode.CLOSED)
        people = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(people) != len(ids):
            raise field_error("people", _("Some of these accounts do not exist or are closed."),
                              code=ErrorCode.NOT_FOUND)
        had = set(PackGrant.objects.filter(pack=row, user_id__in=ids).values_list("user_id", flat=True))
        new = [u for u in people if u.pk not in had]
        PackGrant.objects.bulk_create([PackGrant(pack=row, user=u, note=note) for u in new], ignore_conflicts=True)
        if row.status == GiftPack.Status.OPEN and notify:
            _notify_granted(row, new, actor)
    return [u.pk for u in new]


def _notify_granted(pack: GiftPack, people: list[Any], actor: Any) -> None:
    from parkos.notifications.services import notification_send

    if people:
        notification_send(recipients=people, kind="reward", actor=actor, url=reverse("rewards:pack_list"),
                          title=format_lazy(gettext_lazy("A gift pack for you: {name}"), name=pack.name),
                          body=gettext_lazy("Claim it before it closes."))


# --- claiming ------------------------------------------------------------------------------------

def pack_audience_includes(pack: GiftPack, user: Any) -> bool:
    """Whether ``user`` is someone the pack is for: staff of an enterprise of the pack's park, or (a
    granted pack) a member it was granted to."""
    if not getattr(user, "is_authenticated", False):
        return False
    if pack.audience == GiftPack.Audience.GRANTED:
        return PackGrant.objects.filter(pack_id=pack.pk, user_id=user.pk).exists()
    from parkos.enterprises.selectors import staff_ids_in_park

    return staff_ids_in_park(pack.park_id).filter(user_id=user.pk).exists()


def _refuse_window(pack: GiftPack, now: dt.datetime) -> None:
    if pack.status == GiftPack.Status.DRAFT:
        raise Conflict(_("This pack is not open yet."), code=ErrorCode.NOT_OPEN)
    if pack.status == GiftPack.Status.CLOSED:
        raise Conflict(_("This pack is closed."), code=ErrorCode.CLOSED)
    if now < pack.claim_from:
        raise Conflict(_("This pack can be claimed from %(when)s.")
                       % {"when": timezone.localtime(pack.claim_from).strftime("%Y-%m-%d %H:%M")},
                       code=ErrorCode.NOT_OPEN)
    if now >= pack.claim_until:
        raise Conflict(_("The time to claim this pack is over."), code=ErrorCode.CLOSED)


def _out_of_stock(what: str) -> Conflict:
    return Conflict(_("%(what)s has run out.") % {"what": what}, code=ErrorCode.OUT_OF_STOCK)


def pack_claim(*, actor: Any, pack: GiftPack, now: dt.datetime | None = None) -> PackClaim:
    """Claim ``pack`` for ``actor``: once, within its window, if they are in its audience and it (and
    each of its items with a stock) has some left. See the module's docstring for the locking; any
    refusal leaves nothing changed."""
    policy.require(actor, "rewards.pack.claim", pack)
    now = now or timezone.now()
    _refuse_window(pack, now)
    if PackClaim.objects.filter(pack_id=pack.pk, user_id=actor.pk).exists():
        raise Conflict(_("You have already claimed this pack."), code=ErrorCode.ALREADY_CLAIMED)
    if not pack_audience_includes(pack, actor):
        if pack.audience == GiftPack.Audience.GRANTED:
            raise Forbidden(_("This pack was not granted to you."), code=ErrorCode.NOT_ELIGIBLE)
        raise Forbidden(_("This pack is for the staff of the park's enterprises."), code=ErrorCode.NOT_ELIGIBLE)
    items = list(PackItem.objects.filter(pack_id=pack.pk).select_related("template", "service")
                 .order_by("position", "id"))
    from parkos.rewards.services.issuing import coupons_issue

    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = PackClaim.objects.create(pack_id=pack.pk, user=actor, claimed_at=now)
        except IntegrityError:
            raise Conflict(_("You have already claimed this pack."), code=ErrorCode.ALREADY_CLAIMED) from None
        taken = GiftPack.objects.filter(pk=pack.pk, status=GiftPack.Status.OPEN, claimed__lt=F("stock"),
                                        claim_from__lte=now, claim_until__gt=now
                                        ).update(claimed=F("claimed") + 1)
        if taken != 1:
            current = GiftPack.objects.get(pk=pack.pk)
            _refuse_window(current, now)  # closed meanwhile
            raise _out_of_stock(_("This pack"))
        for item in items:
            if item.stock is not None:
                got = PackItem.objects.filter(pk=item.pk, claimed__lt=F("stock")).update(claimed=F("claimed") + 1)
                if got != 1:
                    raise _out_of_stock(item.name or _("An item of this pack"))
            else:
                PackItem.objects.filter(pk=item.pk).update(claimed=F("claimed") + 1)
        credits: list[ServiceCredit] = []
        for item in items:
            if item.kind == PackItem.Kind.COUPON and item.template is not None:
                result = coupons_issue(
                    template=item.template, key=f"pack:{claim.pk}:{item.pk}", source="pack", target=pack.name,
                    recipients=[(actor.pk, f"pack:{claim.pk}:{item.pk}:{n}") for n in range(item.quantity)],
                    actor=actor, now=now, require_active=True)
                if result.over_budget:
                    raise Conflict(_("The coupons of this pack have run out (their budget is spent): the pack "
                                     "cannot be claimed now."), code=ErrorCode.BUDGET_EXCEEDED)
                if result.over_limit:
                    raise Conflict(_("You already hold as many of the coupon \"%(name)s\" as one member may.")
                                   % {"name": item.template.name}, code=ErrorCode.LIMIT_REACHED)
            elif item.kind == PackItem.Kind.SERVICE and item.service_id is not None:
                credits += [ServiceCredit(owner=actor, claim=claim, item=item, service_id=item.service_id,
                                          created_at=now) for _n in range(item.quantity)]
            elif item.kind == PackItem.Kind.PHYSICAL:
                _pickup_create(claim, item)
        ServiceCredit.objects.bulk_create(credits)
        from parkos.notifications.services import notification_send

        notification_send(recipients=[actor], kind="reward", url=reverse("rewards:pack_list"),
                          title=format_lazy(gettext_lazy("You claimed the gift pack {name}"), name=pack.name),
                          body=gettext_lazy("Your coupons are in your wallet; pickup codes and service credits "
                                            "are on the gift packs page."))
    return claim


def _pickup_create(claim: PackClaim, item: PackItem) -> Pickup:
    for _attempt in range(8):  # 32⁸ codes: a collision is rare; a savepoint lets us draw again
        try:
            with transaction.atomic():
                return Pickup.objects.create(claim=claim, item=item, code=pickup_code_new())
        except IntegrityError:
            if Pickup.objects.filter(claim=claim, item=item).exists():
                raise
    raise Conflict(_("The claim could not be recorded, please try again."))


# --- the pickup desk and service credits ---------------------------------------------------------

def pickup_hand_over(*, actor: Any, code: str, now: dt.datetime | None = None) -> Pickup:
    """Hand over the item of a pickup code, once (a conditional UPDATE: two desks scanning the same code
    at once cannot both hand it over). The desk is an operator of the pack's park."""
    value = pickup_code_normalise(code)
    if len(value) != PICKUP_LENGTH:
        raise field_error("code", _("A pickup code has 8 letters and digits."), code=ErrorCode.INVALID)
    pickup = (Pickup.objects.select_related("claim__pack", "claim__user", "item").filter(code=value).first())
    if pickup is None:
        raise field_error("code", _("No item has this pickup code."), code=ErrorCode.NOT_FOUND)
    policy.require(actor, "rewards.pickup.hand_over", pickup.claim.pack)
    now = now or timezone.now()
    with transaction.atomic():
        done = Pickup.objects.filter(pk=pickup.pk, picked_up_at__isnull=True).update(
            picked_up_at=now, handed_over_by=actor)
        if done != 1:
            pickup.refresh_from_db()
            when = timezone.localtime(pickup.picked_up_at).strftime("%Y-%m-%d %H:%M") if pickup.picked_up_at else ""
            raise Conflict(_("This item was already handed over (%(when)s).") % {"when": when},
                           code=ErrorCode.ALREADY_DONE)
    pickup.picked_up_at, pickup.handed_over_by = now, actor
    return pickup


def credit_use(*, actor: Any, credit: ServiceCredit, enterprise: Any = None, note: str = "",
               answers: dict[str, Any] | None = None) -> Any:
    """Use a service credit: place a service order for its service on behalf of ``enterprise`` (default:
    the member's own). Idempotent: the order's key is ``credit:<id>``, so a retry returns the same order;
    the credit moves available → used by a conditional UPDATE under its row lock, with the order."""
    policy.require(actor, "rewards.wallet.own", credit)
    from parkos.catalog.services.orders import order_create
    from parkos.enterprises.selectors import employer_of

    enterprise = enterprise or employer_of(actor)
    if enterprise is None:
        raise Invalid(_("A service order is placed for an enterprise: join your enterprise first."),
                      code=ErrorCode.NOT_STAFF)
    extra = clean_text(note, field="note", limit=300, required=False)
    with transaction.atomic():
        row = ServiceCredit.objects.select_for_update(of=("self",)).select_related("service", "order").get(pk=credit.pk)
        if row.status == ServiceCredit.Status.USED:
            if row.order is not None:
                return row.order
            raise Conflict(_("This credit is already used."), code=ErrorCode.ALREADY_DONE)
        gift = _("Free of charge: a gift-pack credit (#%(id)s).") % {"id": row.pk}
        order, _created = order_create(actor=actor, enterprise=enterprise, service=row.service,
                                       idempotency_key=f"credit:{row.pk}", answers=answers,
                                       note=f"{gift}\n{extra}" if extra else gift)
        used = ServiceCredit.objects.filter(pk=row.pk, status=ServiceCredit.Status.AVAILABLE).update(
            status=ServiceCredit.Status.USED, order=order, used_at=timezone.now())
        if used != 1:  # cannot happen under the lock; refuse rather than use twice
            raise Conflict(_("This credit is already used."), code=ErrorCode.ALREADY_DONE)
    credit.status, credit.order = ServiceCredit.Status.USED, order
    return order


__all__ = ["credit_use", "pack_audience_includes", "pack_claim", "pack_close", "pack_create", "pack_grant",
           "pack_item_add", "pack_item_remove", "pack_open", "pack_update", "pickup_code_new",
           "pickup_code_normalise", "pickup_hand_over"]
