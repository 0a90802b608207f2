"""Writes of awards: an edition's award tiers by rank and their benefits (operators of the edition's park,
``competitions.award.manage`` on the edition), the awards given from the final round's published ranking,
the delivery of each benefit by the park, and the financing a participating enterprise raised after the
competition.

**Tiers** never overlap: a rank belongs to one tier at most (checked while the edition's row is locked, so
two organisers adding tiers at once cannot both pass the check).

**Granting** reads the last round of the edition, which must be PUBLISHED: every entry whose rank lies in a
tier's range gets an Award (one per application, a unique constraint). Granting again adds only what is
missing, and each new winner is told (notification kind "competition").

**Delivering** turns every benefit of an award into a catalog service order placed for the team's park
enterprise (``order_create_for``, key ``competitions.award:<award>:<benefit>``), so the butler follows it
to the end with its SLA; free workstations are also allocated as desks through bookings
(``allocation_for_award``, the same key as its reference), gift packs are granted through rewards to the
applicant and the enterprise's staff. Each benefit runs in its own savepoint: one that fails (no enterprise
yet, not enough free desks, a closed pack) is recorded FAILED with the reason and rolls back only its own
writes; the others are delivered. Delivering again retries only the deliveries without an order, so it is
idempotent and completes the failed ones once their cause is fixed. Locking: the award's row for the whole
delivery, so two organisers clicking "deliver" at once run one after the other.

A delivery's state follows its order's (``delivery_refresh``): delivered, confirmed or rated → DELIVERED;
cancelled or rejected → FAILED; otherwise IN_PROGRESS."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    ApplicationStatus,
    Award,
    AwardTier,
    Benefit,
    BenefitKind,
    Delivery,
    DeliveryStatus,
    Edition,
    Entry,
    EntryStatus,
    Round,
    RoundStatus,
)
from parkos.core import policy
from parkos.core.errors import Conflict, DomainError, ErrorCode, field_error

NAME_ZH_MAX = 40
NAME_EN_MAX = 80
DESCRIPTION_MAX = 200
RANK_MAX = 9999
DESKS_MAX = 500  # bookings' own limit for one allocation
MONTHS_MAX = 60
QUANTITY_MAX = 999
CASH_FEN_MAX = 10_000_000_000  # ¥1亿 for one prize: far beyond any
ERROR_MAX = 300
TIER_FIELDS = ("name_zh", "name_en", "rank_from", "rank_to")
BENEFIT_FIELDS = ("kind", "description", "service", "cash_fen", "desks", "months", "quantity", "pack_id", "position")
# Once a benefit has a delivery, what it delivers no longer changes (its description and place still may).
BENEFIT_FROZEN = ("kind", "service", "desks", "months", "quantity", "pack_id")

NO_ENTERPRISE = _("The team has no enterprise in the park yet: register the enterprise in the park first, "
                  "then deliver again.")


def delivery_key(award: Award | int, benefit: Benefit | int) -> str:
    """The idempotency key of a benefit's order (and of its desk allocation)."""
    return f"competitions.award:{getattr(award, 'pk', award)}:{getattr(benefit, 'pk', benefit)}"


# --- cleaning -------------------------------------------------------------------------------------------

def _name(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    from parkos.core.text import clean_text

    return clean_text(value, field=field, limit=limit, required=required, multiline=False, markup=False)


def _whole(value: Any, *, field: str, low: int, high: int, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
        return None
    if isinstance(value, bool | float):
        raise field_error(field, _("Enter a whole number."))
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or len(text) > 18:
        raise field_error(field, _("Enter a whole number."))
    number = int(text)
    if not low <= number <= high:
        raise field_error(field, format_lazy(_("Enter a number from {low} to {high}."), low=low, high=high),
                          code=ErrorCode.OUT_OF_RANGE)
    return number


def _locked_edition(edition: Edition) -> Edition:
    return Edition.objects.select_for_update().get(pk=edition.pk)


def _check_ranks(edition: Edition, rank_from: int, rank_to: int, *, exclude: int | None = None) -> None:
    if rank_to < rank_from:
        raise field_error("rank_to", _("The last rank must not be before the first."),
                          code=ErrorCode.ENDS_BEFORE_START)
    clashes = AwardTier.objects.filter(edition=edition, rank_from__lte=rank_to, rank_to__gte=rank_from)
    clash = (clashes.exclude(pk=exclude) if exclude is not None else clashes).first()
    if clash is not None:
        raise field_error("rank_from", format_lazy(
            _("Ranks {low}–{high} already belong to the tier “{tier}”: tiers must not overlap."),
            low=clash.rank_from, high=clash.rank_to, tier=clash.name_zh), code=ErrorCode.OVERLAP)


# --- tiers ----------------------------------------------------------------------------------------------

@transaction.atomic
def tier_create(*, actor: Any, edition: Edition, name_zh: Any, rank_from: Any, rank_to: Any,
                name_en: Any = "") -> AwardTier:
    """A prize of the edition for the final ranks ``rank_from``..``rank_to`` (一等奖: 1..1)."""
    policy.require(actor, "competitions.award.manage", edition)
    edition = _locked_edition(edition)
    tier = AwardTier(edition=edition, name_zh=_name(name_zh, field="name_zh", limit=NAME_ZH_MAX),
                     name_en=_name(name_en, field="name_en", limit=NAME_EN_MAX, required=False))
    tier.rank_from = _whole(rank_from, field="rank_from", low=1, high=RANK_MAX) or 1
    tier.rank_to = _whole(rank_to, field="rank_to", low=1, high=RANK_MAX) or 1
    _check_ranks(edition, tier.rank_from, tier.rank_to)
    tier.save()
    return tier


@transaction.atomic
def tier_update(*, actor: Any, tier: AwardTier, **fields: Any) -> AwardTier:
    """Change the fields given (see TIER_FIELDS). Awards already given keep their tier."""
    policy.require(actor, "competitions.award.manage", tier.edition)
    unknown = sorted(set(fields) - set(TIER_FIELDS))
    if unknown:
        raise field_error(unknown[0], _("Unknown field."))
    edition = _locked_edition(tier.edition)
    tier = AwardTier.objects.select_for_update().get(pk=tier.pk)
    if "name_zh" in fields:
        tier.name_zh = _name(fields["name_zh"], field="name_zh", limit=NAME_ZH_MAX)
    if "name_en" in fields:
        tier.name_en = _name(fields["name_en"], field="name_en", limit=NAME_EN_MAX, required=False)
    if "rank_from" in fields:
        tier.rank_from = _whole(fields["rank_from"], field="rank_from", low=1, high=RANK_MAX) or 1
    if "rank_to" in fields:
        tier.rank_to = _whole(fields["rank_to"], field="rank_to", low=1, high=RANK_MAX) or 1
    _check_ranks(edition, tier.rank_from, tier.rank_to, exclude=tier.pk)
    tier.save()
    return tier


@transaction.atomic
def tier_delete(*, actor: Any, tier: AwardTier) -> None:
    """Only a tier not given yet (an award names it)."""
    policy.require(actor, "competitions.award.manage", tier.edition)
    _locked_edition(tier.edition)
    if Award.objects.filter(tier=tier).exists():
        raise Conflict(_("This tier has been awarded already: it can no longer be deleted."),
                       code=ErrorCode.ALREADY_DONE)
    AwardTier.objects.filter(pk=tier.pk).delete()


# --- benefits -------------------------------------------------------------------------------------------

def _service(edition: Edition, value: Any) -> Any:
    from parkos.catalog.models import Service

    service_id = getattr(value, "pk", value)
    service = (Service.objects.filter(pk=service_id).first()
               if str(service_id or "").isdigit() and len(str(service_id)) < 18 else None)
    if service is None or not service.offered_in(edition.park_id):
        raise field_error("service", _("Choose a catalog service offered in the edition's park."),
                          code=ErrorCode.INVALID_CHOICE)
    if not service.is_active:
        raise field_error("service", _("This service is no longer offered."), code=ErrorCode.INACTIVE)
    return service


def _pack(edition: Edition, value: Any) -> int:
    from parkos.rewards.models import GiftPack

    pack_id = _whole(value, field="pack_id", low=1, high=2**63 - 1) or 0
    pack = GiftPack.objects.filter(pk=pack_id, park_id=edition.park_id).first()
    if pack is None:
        raise field_error("pack_id", _("Choose a gift pack of the edition's park."), code=ErrorCode.INVALID_CHOICE)
    if pack.audience != GiftPack.Audience.GRANTED:
        raise field_error("pack_id", _("Choose a pack that is granted to chosen members, not one for every member "
                                       "of the park."), code=ErrorCode.INVALID_CHOICE)
    if pack.status == GiftPack.Status.CLOSED:
        raise field_error("pack_id", _("This pack is closed."), code=ErrorCode.CLOSED)
    return pack.pk


def _benefit_values(edition: Edition, values: dict[str, Any]) -> dict[str, Any]:
    """Clean the full set of a benefit's fields; fields that do not fit its kind are emptied."""
    kind = str(values.get("kind") or "")
    if kind not in BenefitKind.values:
        raise field_error("kind", _("Select a valid choice. That choice is not one of the available choices."),
                          code=ErrorCode.INVALID_CHOICE)
    out: dict[str, Any] = {
        "kind": kind,
        "description": _name(values.get("description"), field="description", limit=DESCRIPTION_MAX),
        "service": _service(edition, values.get("service")),
        "quantity": _whole(values.get("quantity", 1), field="quantity", low=1, high=QUANTITY_MAX, required=False) or 1,
        "position": _whole(values.get("position", 0), field="position", low=0, high=RANK_MAX, required=False) or 0,
        "cash_fen": None, "desks": None, "months": None, "pack_id": None,
    }
    if kind == BenefitKind.CASH:
        out["cash_fen"] = _whole(values.get("cash_fen"), field="cash_fen", low=1, high=CASH_FEN_MAX, required=False)
    elif kind == BenefitKind.WORKSTATIONS:
        out["desks"] = _whole(values.get("desks"), field="desks", low=1, high=DESKS_MAX)
        out["months"] = _whole(values.get("months"), field="months", low=1, high=MONTHS_MAX)
    elif kind == BenefitKind.GIFT_PACK:
        out["pack_id"] = _pack(edition, values.get("pack_id"))
    return out


@transaction.atomic
def benefit_create(*, actor: Any, tier: AwardTier, kind: Any, description: Any, service: Any, cash_fen: Any = None,
                   desks: Any = None, months: Any = None, quantity: Any = 1, pack_id: Any = None,
                   position: Any = None) -> Benefit:
    """A benefit of a tier, delivered through ``service`` (a catalog service offered in the edition's park).
    Workstations need ``desks`` and ``months``; a gift pack names a "granted" pack of the park."""
    edition = tier.edition
    policy.require(actor, "competitions.award.manage", edition)
    AwardTier.objects.select_for_update().get(pk=tier.pk)
    if position in (None, ""):
        position = (Benefit.objects.filter(tier=tier).count() + 1) * 10
    values = _benefit_values(edition, {"kind": kind, "description": description, "service": service,
                                       "cash_fen": cash_fen, "desks": desks, "months": months,
                                       "quantity": quantity, "pack_id": pack_id, "position": position})
    return Benefit.objects.create(tier=tier, **values)


@transaction.atomic
def benefit_update(*, actor: Any, benefit: Benefit, **fields: Any) -> Benefit:
    """Change the fields given (BENEFIT_FIELDS). Once delivered to anyone, only its description and
    position change: what a winner was given stays what it was."""
    benefit = Benefit.objects.select_for_update().select_related("tier__edition", "service").get(pk=benefit.pk)
    edition = benefit.tier.edition
    policy.require(actor, "competitions.award.manage", edition)
    unknown = sorted(set(fields) - set(BENEFIT_FIELDS))
    if unknown:
        raise field_error(unknown[0], _("Unknown field."))
    current = {name: getattr(benefit, name) for name in BENEFIT_FIELDS}
    wanted = {**current, **fields}
    values = _benefit_values(edition, wanted)
    changed = [n for n in BENEFIT_FROZEN if values[n] != current[n]]
    if changed and Delivery.objects.filter(benefit=benefit).exists():
        raise field_error(changed[0], _("This benefit has been delivered already: only its description and "
                                        "position can change."), code=ErrorCode.ALREADY_DONE)
    for name, value in values.items():
        setattr(benefit, name, value)
    benefit.save()
    return benefit


@transaction.atomic
def benefit_delete(*, actor: Any, benefit: Benefit) -> None:
    policy.require(actor, "competitions.award.manage", benefit.tier.edition)
    Benefit.objects.select_for_update().filter(pk=benefit.pk).first()
    if Delivery.objects.filter(benefit=benefit).exists():
        raise Conflict(_("This benefit has been delivered already: it can no longer be deleted."),
                       code=ErrorCode.ALREADY_DONE)
    Benefit.objects.filter(pk=benefit.pk).delete()


# --- granting -------------------------------------------------------------------------------------------

def final_round(edition: Edition) -> Round | None:
    return Round.objects.filter(edition=edition).order_by("-position").first()


@transaction.atomic
def awards_grant(*, actor: Any, edition: Edition) -> list[Award]:
    """Give each tier to the entries of the last round whose rank lies in its range. The last round must be
    PUBLISHED. Idempotent: an application awarded already keeps its award; returns every award of the
    edition, by rank. Locks the edition's row."""
    policy.require(actor, "competitions.award.manage", edition)
    edition = _locked_edition(edition)
    last = final_round(edition)
    if last is None or last.status != RoundStatus.PUBLISHED:
        raise Conflict(_("The final round's results are not published yet: awards follow the published ranking."),
                       code=ErrorCode.NOT_READY)
    tiers = list(AwardTier.objects.filter(edition=edition).order_by("rank_from"))
    if not tiers:
        raise Conflict(_("Add the award tiers first."), code=ErrorCode.NOT_READY)
    awarded = set(Award.objects.filter(edition=edition).values_list("application_id", flat=True))
    entries = (Entry.objects.filter(round=last, rank__isnull=False, rank__lte=max(t.rank_to for t in tiers),
                                    application__status=ApplicationStatus.SUBMITTED)
               .exclude(status=EntryStatus.WITHDRAWN).exclude(application_id__in=awarded)
               .select_related("application").order_by("rank", "id"))
    new: list[Award] = []
    for entry in entries:
        rank = entry.rank or 0
        tier = next((t for t in tiers if t.rank_from <= rank <= t.rank_to), None)
        if tier is not None:
            new.append(Award(edition=edition, application=entry.application, tier=tier, rank=rank, granted_by=actor))
    Award.objects.bulk_create(new)
    every = list(Award.objects.filter(edition=edition).select_related("tier", "application__applicant")
                 .order_by("rank", "id"))
    fresh = {a.application_id for a in new}
    _notify_winners(edition, [a for a in every if a.application_id in fresh], actor)
    return every


def _notify_winners(edition: Edition, awards: list[Award], actor: Any) -> None:
    from parkos.notifications.services import notification_send

    for award in awards:
        notification_send(recipients=[award.application.applicant], kind="competition", actor=actor,
                          url=reverse("competitions:award", args=[award.pk]),
                          title=format_lazy(_("Your project won: {tier} of {edition}"), tier=award.tier.name_zh,
                                            edition=edition.name_zh),
                          body=_("The park will deliver its benefits; follow each of them on the award's page."))


# --- delivering -----------------------------------------------------------------------------------------

def benefit_note(edition: Edition, tier: AwardTier, benefit: Benefit) -> str:
    """The order's note: "东升杯 2026 一等奖：20 个工位，6 个月"."""
    return f"{edition.name_zh} {tier.name_zh}：{benefit.description}"[:1000]


def status_of_order(order: Any) -> tuple[str, str]:
    """(delivery status, error) that a service order's status means."""
    from parkos.catalog.models import OrderStatus

    if order is None:
        return DeliveryStatus.PENDING, ""
    if order.status in (OrderStatus.DELIVERED, OrderStatus.CONFIRMED, OrderStatus.RATED):
        return DeliveryStatus.DELIVERED, ""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
        return DeliveryStatus.FAILED, str(format_lazy(_("The service order {number} was {status}."),
                                                      number=order.number, status=order.get_status_display()))
    return DeliveryStatus.IN_PROGRESS, ""


def _deliver_one(*, actor: Any, award: Award, benefit: Benefit, delivery: Delivery) -> None:
    """Place the benefit's order (and its desks, its gift pack); raises a DomainError to fail it."""
    from parkos.bookings.services.desks import allocation_for_award
    from parkos.catalog.services.orders import order_create_for

    application = award.application
    edition = award.edition
    enterprise = application.enterprise
    if enterprise is None or enterprise.park_id != edition.park_id or not enterprise.is_active:
        raise Conflict(NO_ENTERPRISE, code=ErrorCode.NOT_ELIGIBLE)
    key = delivery_key(award, benefit)
    note = benefit_note(edition, award.tier, benefit)
    allocation = None
    if benefit.kind == BenefitKind.WORKSTATIONS:
        allocation = allocation_for_award(park=edition.park, enterprise=enterprise, count=benefit.desks,
                                          months=benefit.months, starts_on=timezone.localdate(),
                                          source_ref=key, note=note[:300])
    if benefit.kind == BenefitKind.GIFT_PACK:
        from parkos.enterprises.selectors import staff_of
        from parkos.rewards.models import GiftPack
        from parkos.rewards.services.packs import pack_grant

        pack = GiftPack.objects.filter(pk=benefit.pack_id or 0).first()
        if pack is None:
            raise Conflict(_("The gift pack of this benefit no longer exists."), code=ErrorCode.NOT_FOUND)
        people = {application.applicant_id, *staff_of(enterprise).values_list("pk", flat=True)}
        pack_grant(actor=actor, pack=pack, user_ids=people, note=note[:120])
    # The service's own questions are for enterprises asking by themselves; here the note says what the park
    # delivers, and the provider asks the winner for the rest.
    order, _created = order_create_for(actor=actor, enterprise=enterprise, service=benefit.service,
                                       idempotency_key=key, note=note, partial_answers=True)
    delivery.order = order
    delivery.allocation = allocation
    delivery.status, delivery.error = status_of_order(order)
    delivery.save()


def award_deliver(*, actor: Any, award: Award) -> list[Delivery]:
    """Deliver every benefit of the award (see the module's docstring); returns its deliveries in the order
    of the benefits. Deliveries that have an order already are left to follow it; the others (new, or
    failed before) are tried, each in its own savepoint."""
    policy.require(actor, "competitions.award.manage", award.edition)
    with transaction.atomic():
        award = (Award.objects.select_for_update(of=("self",))
                 .select_related("edition__park", "tier", "application__enterprise", "application__applicant")
                 .get(pk=award.pk))
        benefits = list(Benefit.objects.filter(tier=award.tier).select_related("service").order_by("position", "id"))
        existing = {d.benefit_id: d for d in Delivery.objects.filter(award=award)}
        out: list[Delivery] = []
        for benefit in benefits:
            delivery = existing.get(benefit.pk) or Delivery.objects.create(award=award, benefit=benefit)
            if delivery.order_id is None:
                try:
                    with transaction.atomic():
                        _deliver_one(actor=actor, award=award, benefit=benefit, delivery=delivery)
                except DomainError as error:
                    delivery.order = None
                    delivery.allocation = None
                    delivery.status = DeliveryStatus.FAILED
                    delivery.error = str(error.message)[:ERROR_MAX]
                    delivery.save()
            out.append(delivery)
    delivery_refresh(award=award)
    return list(Delivery.objects.filter(award=award).select_related("benefit", "order", "allocation")
                .order_by("benefit__position", "benefit_id"))


def awards_deliver(*, actor: Any, edition: Edition) -> list[Delivery]:
    """Deliver every award of the edition ("deliver all"): each award in its own transaction."""
    policy.require(actor, "competitions.award.manage", edition)
    out: list[Delivery] = []
    for award in Award.objects.filter(edition=edition).select_related("edition").order_by("rank", "id"):
        out.extend(award_deliver(actor=actor, award=award))
    return out


@transaction.atomic
def delivery_refresh(*, award: Award) -> list[Delivery]:
    """Set each delivery's status from its order's (the catalog's state is the truth). No actor: it only
    copies state; pages and the catalog's own changes may call it."""
    deliveries = list(Delivery.objects.select_for_update(of=("self",)).select_related("order")
                      .filter(award_id=award.pk, order__isnull=False))
    changed = []
    for delivery in deliveries:
        status, error = status_of_order(delivery.order)
        if (status, error) != (delivery.status, delivery.error):
            delivery.status, delivery.error = status, error
            delivery.updated_at = timezone.now()
            changed.append(delivery)
    if changed:
        Delivery.objects.bulk_update(changed, ["status", "error", "updated_at"])
    return deliveries


def deliveries_refresh(*, edition: Edition) -> int:
    """``delivery_refresh`` for every award of the edition in one pass; returns how many changed."""
    deliveries = list(Delivery.objects.select_related("order")
                      .filter(award__edition_id=edition.pk, order__isnull=False))
    changed = []
    for delivery in deliveries:
        status, error = status_of_order(delivery.order)
        if (status, error) != (delivery.status, delivery.error):
            delivery.status, delivery.error = status, error
            delivery.updated_at = timezone.now()
            changed.append(delivery)
    if changed:
        Delivery.objects.bulk_update(changed, ["status", "error", "updated_at"])
    return len(changed)


# --- financing after the competition ---------------------------------------------------------------------

def financing_after_competition(*, actor: Any, application: Any, round: Any, amount: Any, announced_on: Any,
                                currency: Any = "CNY", investors: Any = None, disclosure: Any = "disclosed",
                                note: Any = "") -> Any:
    """Record a round of financing the application's enterprise raised after the competition, naming the
    edition's year and the track (the park's "competing enterprises raised …" figures count it). The
    permission is the network's own (``network.financing.record``: the enterprise's admins, the park's
    operators); a retry of the same round returns the record already there."""
    from parkos.network.services.financing import financing_record

    enterprise = application.enterprise
    if enterprise is None:
        raise Conflict(NO_ENTERPRISE, code=ErrorCode.NOT_ELIGIBLE)
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(_("Only an application that was submitted took part in the competition."),
                       code=ErrorCode.NOT_ELIGIBLE)
    return financing_record(actor=actor, enterprise=enterprise, round=round, amount=amount,
                            announced_on=announced_on, currency=currency, investors=investors,
                            disclosure=disclosure, note=note, competition_year=application.edition.year,
                            competition_track=application.track.name_zh)


__all__ = ["BENEFIT_FIELDS", "TIER_FIELDS", "award_deliver", "awards_deliver", "awards_grant", "benefit_create",
           "benefit_delete", "benefit_note", "benefit_update", "deliveries_refresh", "delivery_key",
           "delivery_refresh", "final_round", "financing_after_competition", "status_of_order", "tier_create",
           "tier_delete", "tier_update"]
