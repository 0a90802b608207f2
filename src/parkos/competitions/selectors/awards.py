"""Reads of awards: an edition's tiers and benefits (organisers), the fulfilment of every award (organisers:
each delivery's status, order number, SLA due date and butler), the winner's own award with its deliveries,
and the financing the edition's participants raised after the competition.

A delivery with an order shows the order's state as it is now (``status_of_order``), so the pages never lag
behind the catalog; ``delivery_refresh`` stores it. Each list is a handful of queries whatever its size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardTier,
    Benefit,
    Delivery,
    DeliveryStatus,
    Edition,
)
from parkos.competitions.services.awards import status_of_order
from parkos.core import policy
from parkos.core.errors import NotFound

PARTICIPANTS_MAX = 1000


# --- edition, tiers, benefits (organisers) --------------------------------------------------------------

def _id(value: Any) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 18 else 0


def awards_edition_get(*, viewer: Any, edition_id: Any) -> Edition:
    """An edition, for those who give and deliver its awards (operators of its park)."""
    edition = Edition.objects.select_related("park").filter(pk=_id(edition_id)).first()
    if edition is None:
        raise NotFound(_("No such edition."))
    policy.require(viewer, "competitions.award.manage", edition)
    return edition


def can_manage(viewer: Any, edition: Edition) -> bool:
    return policy.can(viewer, "competitions.award.manage", edition)


def _benefits() -> Prefetch[Any]:
    return Prefetch("benefits", Benefit.objects.select_related("service").order_by("position", "id"))


def tier_list(*, viewer: Any, edition: Edition) -> list[AwardTier]:
    """The edition's tiers by rank, each with its benefits (two queries)."""
    policy.require(viewer, "competitions.award.manage", edition)
    return list(AwardTier.objects.filter(edition=edition).prefetch_related(_benefits()).order_by("rank_from"))


def tier_get(*, viewer: Any, tier_id: Any) -> AwardTier:
    tier = AwardTier.objects.select_related("edition__park").filter(pk=_id(tier_id)).first()
    if tier is None:
        raise NotFound(_("No such award tier."))
    policy.require(viewer, "competitions.award.manage", tier.edition)
    return tier


def benefit_get(*, viewer: Any, benefit_id: Any) -> Benefit:
    benefit = Benefit.objects.select_related("tier__edition__park", "service").filter(pk=_id(benefit_id)).first()
    if benefit is None:
        raise NotFound(_("No such benefit."))
    policy.require(viewer, "competitions.award.manage", benefit.tier.edition)
    return benefit


def service_choices(*, edition: Edition) -> QuerySet[Any]:
    """Catalog services a benefit may be delivered through: active, offered in the edition's park."""
    from parkos.catalog.models import Service

    return (Service.objects.filter(Q(park__isnull=True) | Q(park_id=edition.park_id), is_active=True)
            .order_by("code"))


def pack_choices(*, edition: Edition) -> QuerySet[Any]:
    """Gift packs a benefit may name: the park's packs granted to chosen members, not closed."""
    from parkos.rewards.models import GiftPack

    return (GiftPack.objects.filter(park_id=edition.park_id, audience=GiftPack.Audience.GRANTED)
            .exclude(status=GiftPack.Status.CLOSED).order_by("-claim_from", "-id"))


def participants(*, viewer: Any, edition: Edition) -> QuerySet[Application]:
    """Submitted applications made for an enterprise (those whose financing can be recorded), organisers."""
    policy.require(viewer, "competitions.award.manage", edition)
    return (Application.objects.filter(edition=edition, status=ApplicationStatus.SUBMITTED, enterprise__isnull=False)
            .select_related("enterprise", "track").order_by("team_name", "id")[:PARTICIPANTS_MAX])


def participant_get(*, viewer: Any, edition: Edition, application_id: Any) -> Application:
    application = (Application.objects.select_related("edition", "track", "enterprise")
                   .filter(edition=edition, pk=_id(application_id)).first())
    if application is None:
        raise NotFound(_("No such application."))
    policy.require(viewer, "competitions.award.manage", edition)
    return application


# --- fulfilment -----------------------------------------------------------------------------------------

@dataclass
class DeliveryRow:
    """One benefit of an award and how its delivery stands (``delivery`` None: not started)."""

    benefit: Benefit
    delivery: Delivery | None
    status: str
    error: str
    order: Any = None

    @property
    def status_label(self) -> str:
        return str(DeliveryStatus(self.status).label)

    @property
    def order_number(self) -> str:
        return self.order.number if self.order is not None else ""

    @property
    def due_on(self) -> Any:
        return self.order.due_on if self.order is not None else None

    @property
    def butler(self) -> Any:
        return self.order.butler if self.order is not None else None

    @property
    def order_status_label(self) -> str:
        return str(self.order.get_status_display()) if self.order is not None else ""

    @property
    def order_url(self) -> str:
        return reverse("catalog:order_detail", args=[self.order.pk]) if self.order is not None else ""

    @property
    def allocation(self) -> Any:
        return self.delivery.allocation if self.delivery is not None else None


@dataclass
class AwardRow:
    award: Award
    rows: list[DeliveryRow]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def delivered(self) -> int:
        return self.count(DeliveryStatus.DELIVERED)

    @property
    def failed(self) -> int:
        return self.count(DeliveryStatus.FAILED)

    @property
    def complete(self) -> bool:
        return bool(self.rows) and self.delivered == len(self.rows)


@dataclass
class Fulfilment:
    edition: Edition
    awards: list[AwardRow]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def delivered(self) -> int:
        return self.counts.get(DeliveryStatus.DELIVERED, 0)

    @property
    def in_progress(self) -> int:
        return self.counts.get(DeliveryStatus.IN_PROGRESS, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(DeliveryStatus.FAILED, 0)

    @property
    def pending(self) -> int:
        return self.counts.get(DeliveryStatus.PENDING, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _deliveries() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("order__butler", "allocation")


def _rows(awards: Iterable[Award], deliveries: Iterable[Delivery]) -> list[AwardRow]:
    by_key = {(d.award_id, d.benefit_id): d for d in deliveries}
    out: list[AwardRow] = []
    for award in awards:
        rows: list[DeliveryRow] = []
        for benefit in award.tier.benefits.all():
            delivery = by_key.get((award.pk, benefit.pk))
            if delivery is None:
                rows.append(DeliveryRow(benefit=benefit, delivery=None, status=DeliveryStatus.PENDING, error=""))
                continue
            order = delivery.order
            status, error = (status_of_order(order) if order is not None else (delivery.status, delivery.error))
            rows.append(DeliveryRow(benefit=benefit, delivery=delivery, status=status, error=error, order=order))
        out.append(AwardRow(award=award, rows=rows))
    return out


def _awards() -> QuerySet[Award]:
    return (Award.objects.select_related("tier", "application__enterprise", "application__track",
                                         "application__applicant")
            .prefetch_related(Prefetch("tier__benefits",
                                       Benefit.objects.select_related("service").order_by("position", "id"))))


def fulfilment(*, viewer: Any, edition: Edition) -> Fulfilment:
    """Every award of the edition by rank with each benefit's delivery (status, order number, SLA due date,
    butler) and the counts by status. Four queries."""
    policy.require(viewer, "competitions.award.manage", edition)
    awards = list(_awards().filter(edition=edition).order_by("rank", "id"))
    deliveries = _deliveries().filter(award__edition_id=edition.pk)
    rows = _rows(awards, deliveries)
    counts: dict[str, int] = {}
    for award_row in rows:
        for row in award_row.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
    return Fulfilment(edition=edition, awards=rows, counts=counts)


# --- the winner's view ----------------------------------------------------------------------------------

def award_get(*, viewer: Any, award_id: Any) -> Award:
    """One award, for its team (applicant, the enterprise's admins and staff) and the park's operators."""
    award = _awards().select_related("edition__park").filter(pk=_id(award_id)).first()
    if award is None:
        raise NotFound(_("No such award."))
    policy.require(viewer, "competitions.award.view", award.application)
    return award


def award_rows(*, viewer: Any, award: Award) -> AwardRow:
    policy.require(viewer, "competitions.award.view", award.application)
    return _rows([award], _deliveries().filter(award=award))[0]


def award_for(*, viewer: Any, application: Application) -> AwardRow | None:
    """The application's award with its deliveries, or None when it won nothing (its team and operators)."""
    policy.require(viewer, "competitions.award.view", application)
    award = _awards().select_related("edition__park").filter(application=application).first()
    if award is None:
        return None
    return _rows([award], _deliveries().filter(award=award))[0]


# --- financing raised by the participants -------------------------------------------------------------

@dataclass
class CompetitionFinancing:
    """The park's financing figures by competition edition and track (cells of the network's figures, so
    confidential amounts are protected by the network's one rule), with this edition's own cells."""

    edition: Edition
    cells: list[Any]
    edition_cells: list[Any]
    rounds: int
    enterprises: int
    fen: int | None  # None: not shown (it would reveal one undisclosed amount)

    @property
    def reading(self) -> str:
        from parkos.network.selectors.financing import yuan_reading

        return yuan_reading(self.fen) if self.fen is not None else ""

    @property
    def text(self) -> str:
        from decimal import Decimal

        from parkos.network.selectors.financing import money_text

        return money_text(Decimal(self.fen) / 100, "CNY") if self.fen is not None else "—"


def competition_financing(*, viewer: Any, edition: Edition) -> CompetitionFinancing:
    """Financing recorded with a competition year, by edition and track, from the network's figures of the
    edition's park (``figures_get``: its permission, its rule against inferring confidential amounts). The
    headline sums every cell, and is hidden when a cell is (only then would it reveal one amount)."""
    from parkos.network.selectors.financing import figures_get

    figures = figures_get(viewer=viewer, park=edition.park)
    cells = list(figures.by_competition)
    prefix = f"{edition.year} · "
    fen: int | None = sum(c.fen for c in cells if c.fen is not None)
    if any(c.fen is None for c in cells):
        fen = None
    return CompetitionFinancing(edition=edition, cells=cells,
                                edition_cells=[c for c in cells if c.key.startswith(prefix)],
                                rounds=sum(c.rounds for c in cells),
                                enterprises=sum(c.enterprises for c in cells), fen=fen)


__all__ = ["AwardRow", "CompetitionFinancing", "DeliveryRow", "Fulfilment", "award_for", "award_get", "award_rows",
           "awards_edition_get", "benefit_get", "can_manage", "competition_financing", "fulfilment",
           "pack_choices", "participant_get", "participants", "service_choices", "tier_get", "tier_list"]
