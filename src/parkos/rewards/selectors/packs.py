"""Reads on gift packs: the operators' packs of their parks (with claimed / picked up / left over per
item, grants, the claims for the export, the pickup desk's recent hand-overs), and a member's packs to
claim, claims (pickup codes) and service credits. Permission is checked here, on the object or by
filtering the list (``policy.scope_filter``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.core.policy import OPERATOR
from parkos.rewards.models import (
    Coupon,
    CouponTemplate,
    GiftPack,
    PackClaim,
    PackGrant,
    PackItem,
    Pickup,
    ServiceCredit,
)

# --- operators ------------------------------------------------------------------------------------


def pack_list(*, viewer: Any, park: Park | None = None, status: str | None = None) -> QuerySet[GiftPack]:
    """The packs of the parks where ``viewer`` manages rewards (``park``: only that one's)."""
    if park is not None:
        policy.require(viewer, "rewards.manage", park)
    scope = policy.scope_filter(viewer, OPERATOR)
    if scope is None:
        policy.require(viewer, "rewards.manage", park)  # raises: no park where they operate
        return GiftPack.objects.none()
    qs = GiftPack.objects.filter(**scope).select_related("park").annotate(item_count=Count("items"))
    if park is not None:
        qs = qs.filter(park=park)
    if status:
        qs = qs.filter(status=status) if status in GiftPack.Status.values else qs.none()
    return qs.order_by("-claim_from", "-id")


def with_items(qs: QuerySet[GiftPack]) -> QuerySet[GiftPack]:
    """Packs with their items (and each item's coupon template and service) in two more queries."""
    return qs.select_related("park").prefetch_related(
        Prefetch("items", queryset=PackItem.objects.select_related("template", "service").order_by("position", "id")))


def pack_get(*, viewer: Any, pack_id: int) -> GiftPack:
    """One pack, for an operator of its park."""
    pack = GiftPack.objects.select_related("park", "created_by").filter(pk=pack_id).first()
    if pack is None:
        raise NotFound(_("No such gift pack."))
    policy.require(viewer, "rewards.manage", pack)
    return pack


def item_list(*, pack: GiftPack) -> list[PackItem]:
    """A pack's items in order (the caller has the pack from a selector that checked it)."""
    return list(PackItem.objects.filter(pack=pack).select_related("template", "service").order_by("position", "id"))


def item_get(*, viewer: Any, item_id: int) -> PackItem:
    item = PackItem.objects.select_related("pack").filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such item."))
    policy.require(viewer, "rewards.manage", item.pack)
    return item


@dataclass
class ItemFigures:
    """One item of a pack: how many packs took it, how many units that is, how many were picked up (an
    item to pick up), used (a coupon or a service credit), and how many are left over."""

    item: PackItem
    claimed: int
    units: int
    done: int
    left: int


def pack_figures(*, viewer: Any, pack: GiftPack) -> list[ItemFigures]:
    """Claimed / picked up or used / left over per item, in a fixed number of queries."""
    policy.require(viewer, "rewards.manage", pack)
    items = item_list(pack=pack)
    picked = dict(Pickup.objects.filter(item__pack=pack, picked_up_at__isnull=False).values("item_id")
                  .annotate(n=Count("id")).values_list("item_id", "n"))
    used_credits = dict(ServiceCredit.objects.filter(item__pack=pack, status=ServiceCredit.Status.USED)
                        .values("item_id").annotate(n=Count("id")).values_list("item_id", "n"))
    used_coupons: dict[int, int] = {}
    coupon_items = [i for i in items if i.kind == PackItem.Kind.COUPON]
    if coupon_items:
        # Pack coupons' batches are keyed pack:<claim>:<item>: the item is the key's last part.
        q = Q()
        for i in coupon_items:
            q |= Q(template_id=i.template_id, batch__key__endswith=f":{i.pk}")
        rows = (Coupon.objects.filter(q, batch__source="pack", batch__key__startswith="pack:",
                                      status=Coupon.Status.USED).values_list("template_id", "batch__key"))
        for _template, key in rows:
            item_id = int(key.rsplit(":", 1)[1])
            used_coupons[item_id] = used_coupons.get(item_id, 0) + 1
    figures = []
    for i in items:
        units = i.claimed * i.quantity
        if i.kind == PackItem.Kind.PHYSICAL:
            done = picked.get(i.pk, 0)
            stock = i.stock if i.stock is not None else pack.stock
            left = max(stock - i.claimed, 0)
        else:
            done = (used_credits if i.kind == PackItem.Kind.SERVICE else used_coupons).get(i.pk, 0)
            left = max(pack.stock - pack.claimed, 0) * i.quantity
        figures.append(ItemFigures(item=i, claimed=i.claimed, units=units, done=done, left=left))
    return figures


def coupon_budget_packs(items: Sequence[PackItem]) -> dict[int, int]:
    """For each coupon item: how many more packs its template's budget can still cover."""
    from parkos.rewards.services.issuing import budget_fits

    out = {}
    for i in items:
        if i.kind == PackItem.Kind.COUPON and i.template is not None:
            out[i.pk] = budget_fits(i.template, 10**9) // i.quantity
    return out


def grant_list(*, viewer: Any, pack: GiftPack) -> QuerySet[PackGrant]:
    policy.require(viewer, "rewards.manage", pack)
    claimed = PackClaim.objects.filter(pack_id=pack.pk, user_id=OuterRef("user_id"))
    return (PackGrant.objects.filter(pack=pack).select_related("user").annotate(has_claimed=Exists(claimed))
            .order_by("-created_at", "-id"))


def claim_list(*, viewer: Any, pack: GiftPack) -> QuerySet[PackClaim]:
    """A pack's claims (the operators' list and export), newest first, with pickups and credits."""
    policy.require(viewer, "rewards.manage", pack)
    return (PackClaim.objects.filter(pack=pack).select_related("user")
            .prefetch_related(Prefetch("pickups", queryset=Pickup.objects.select_related("item").order_by("item_id")),
                              Prefetch("credits", queryset=ServiceCredit.objects.select_related("service")
                                       .order_by("id")))
            .order_by("-claimed_at", "-id"))


def mask_mobile(mobile: str | None) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile and len(mobile) >= 7 else ""


def claim_rows(*, viewer: Any, pack: GiftPack) -> Iterator[list[Any]]:
    """The export's rows: claimed at, member, masked mobile, items to pick up (code and state), credits."""
    for claim in claim_list(viewer=viewer, pack=pack).iterator(chunk_size=1000):
        pickups = "；".join(f"{p.item.name} {p.code} " + (timezone.localtime(p.picked_up_at).strftime("%m-%d %H:%M")
                                                         if p.picked_up_at else _("not picked up"))
                           for p in claim.pickups.all())
        credits = "；".join(f"{c.service.name_zh} {c.get_status_display()}" for c in claim.credits.all())
        yield [timezone.localtime(claim.claimed_at).strftime("%Y-%m-%d %H:%M"), claim.user.display_name,
               mask_mobile(claim.user.mobile), pickups, credits]


def claim_header() -> list[str]:
    return [_("Claimed at"), _("Member"), _("Mobile"), _("Items to pick up"), _("Service credits")]


def pickups_recent(*, viewer: Any, park: Park, limit: int = 20) -> list[Pickup]:
    """The pickup desk's latest hand-overs in ``park``."""
    policy.require(viewer, "rewards.pickup.hand_over", park)
    return list(Pickup.objects.filter(claim__pack__park=park, picked_up_at__isnull=False)
                .select_related("item", "claim__user", "claim__pack", "handed_over_by")
                .order_by("-picked_up_at", "-id")[:limit])


def template_choices(*, park: Park) -> list[CouponTemplate]:
    """Coupons an operator can put in a pack of ``park`` (not closed)."""
    return list(CouponTemplate.objects.filter(park=park).exclude(status=CouponTemplate.Status.CLOSED)
                .order_by("-created_at", "-id")[:200])


def service_choices(*, viewer: Any, park: Park) -> list[Any]:
    from parkos.catalog.selectors.catalog import service_list

    return list(service_list(viewer=viewer, park=park)[:300])


def people_find(values: Sequence[str]) -> tuple[list[int], list[str]]:
    """Accounts by mobile number, e-mail or id, one per value: (ids found, values matching nobody)."""
    from parkos.accounts.selectors import user_find

    found: list[int] = []
    unknown: list[str] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        user = user_find(value=text)
        if user is None:
            unknown.append(text)
        elif user.pk not in found:
            found.append(user.pk)
    return found, unknown


# --- members --------------------------------------------------------------------------------------

def packs_claimable(*, viewer: Any, park: Park | None = None, now: dt.datetime | None = None) -> list[GiftPack]:
    """Open packs ``viewer`` may claim now and has not claimed (``park``: only that park's), with their
    items; those with none left stay in the list (the page says so)."""
    policy.require(viewer, "rewards.pack.claim")
    now = now or timezone.now()
    staff_parks = _staff_park_ids(viewer)
    granted = PackGrant.objects.filter(pack_id=OuterRef("pk"), user_id=viewer.pk)
    claimed = PackClaim.objects.filter(pack_id=OuterRef("pk"), user_id=viewer.pk)
    qs = (GiftPack.objects.filter(status=GiftPack.Status.OPEN, claim_from__lte=now, claim_until__gt=now)
          .filter(Q(audience=GiftPack.Audience.PARK, park_id__in=staff_parks)
                  | Q(audience=GiftPack.Audience.GRANTED, pk__in=granted.values("pack_id")))
          .exclude(Exists(claimed))
          .select_related("park")
          .prefetch_related(Prefetch("items", queryset=PackItem.objects.select_related("template", "service")
                                     .order_by("position", "id")))
          .order_by("claim_until", "id"))
    if park is not None:
        qs = qs.filter(park=park)
    return list(qs[:50])


def _staff_park_ids(viewer: Any) -> list[int]:
    from parkos.enterprises.models import Enterprise
    from parkos.enterprises.selectors import enterprise_ids_of

    return list(Enterprise.objects.filter(pk__in=enterprise_ids_of(viewer)).values_list("park_id", flat=True).distinct())


def claimable_get(*, viewer: Any, pack_id: int) -> GiftPack:
    """A pack a member asks to claim (the claim itself checks window, audience and stock)."""
    policy.require(viewer, "rewards.pack.claim")
    pack = GiftPack.objects.filter(pk=pack_id).exclude(status=GiftPack.Status.DRAFT).first()
    if pack is None:
        raise NotFound(_("No such gift pack."))
    return pack


def claim_list_mine(*, viewer: Any) -> QuerySet[PackClaim]:
    """My claims, newest first, with the pack's items, my pickup codes and my service credits."""
    policy.require(viewer, "rewards.wallet.own", viewer)
    return (PackClaim.objects.filter(user_id=viewer.pk).select_related("pack", "pack__park")
            .prefetch_related(
                Prefetch("pack__items", queryset=PackItem.objects.select_related("template", "service")
                         .order_by("position", "id")),
                Prefetch("pickups", queryset=Pickup.objects.select_related("item").order_by("item__position", "id")),
                Prefetch("credits", queryset=ServiceCredit.objects.select_related("service", "order").order_by("id")))
            .order_by("-claimed_at", "-id"))


def claim_get(*, viewer: Any, claim_id: int) -> PackClaim:
    claim = claim_list_mine(viewer=viewer).filter(pk=claim_id).first() if viewer.is_authenticated else None
    if claim is None:
        raise NotFound(_("No such claim."))
    policy.require(viewer, "rewards.wallet.own", claim)
    return claim


def credit_list_mine(*, viewer: Any, status: str | None = None) -> QuerySet[ServiceCredit]:
    policy.require(viewer, "rewards.wallet.own", viewer)
    qs = ServiceCredit.objects.filter(owner_id=viewer.pk).select_related("service", "order", "claim__pack")
    if status:
        qs = qs.filter(status=status) if status in ServiceCredit.Status.values else qs.none()
    return qs.order_by("status", "-created_at", "-id")


def credit_get(*, viewer: Any, credit_id: int) -> ServiceCredit:
    credit = ServiceCredit.objects.select_related("service", "order").filter(pk=credit_id).first()
    if credit is None:
        raise NotFound(_("No such service credit."))
    policy.require(viewer, "rewards.wallet.own", credit)
    return credit
