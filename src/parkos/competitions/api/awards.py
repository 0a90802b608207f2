"""The competition API: awards. Tiers and benefits (operators of the edition's park), granting from the final
ranking, delivering (one award or every award), the fulfilment, the winner's award with each benefit's
delivery, and the financing participants raised after the competition."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from parkos.competitions.schemas_awards import (
    CompAwardBenefitIn,
    CompAwardBenefitOut,
    CompAwardBenefitPatch,
    CompAwardFinancingIn,
    CompAwardFinancingOut,
    CompAwardFinancingRecordOut,
    CompAwardFulfilmentOut,
    CompAwardGrantedOut,
    CompAwardOut,
    CompAwardTierIn,
    CompAwardTierOut,
    CompAwardTierPatch,
)
from parkos.competitions.selectors import awards as selectors
from parkos.competitions.services import awards as services
from parkos.core.schemas import ErrorOut

router = Router(tags=["competitions: awards"])

READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _tier(request: HttpRequest, tier_id: int) -> Any:
    tier = selectors.tier_get(viewer=request.user, tier_id=tier_id)
    return next(t for t in selectors.tier_list(viewer=request.user, edition=tier.edition) if t.pk == tier.pk)


@router.get("/editions/{edition_id}/award-tiers", response={200: list[CompAwardTierOut], **READ_ERRORS})
def tier_list(request: HttpRequest, edition_id: int) -> Any:
    """The edition's award tiers by rank with their benefits (organisers)."""
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    return selectors.tier_list(viewer=request.user, edition=edition)


@router.post("/editions/{edition_id}/award-tiers", response={201: CompAwardTierOut, **WRITE_ERRORS})
def tier_create(request: HttpRequest, edition_id: int, payload: CompAwardTierIn) -> Status[Any]:
    """A tier for the final ranks ``rank_from``..``rank_to``; tiers of an edition never overlap (``overlap``)."""
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    tier = services.tier_create(actor=request.user, edition=edition, **payload.dict())
    return Status(201, _tier(request, tier.pk))


@router.patch("/award-tiers/{tier_id}", response={200: CompAwardTierOut, **WRITE_ERRORS})
def tier_update(request: HttpRequest, tier_id: int, payload: CompAwardTierPatch) -> Any:
    tier = selectors.tier_get(viewer=request.user, tier_id=tier_id)
    services.tier_update(actor=request.user, tier=tier, **payload.dict(exclude_unset=True))
    return _tier(request, tier_id)


@router.delete("/award-tiers/{tier_id}", response={204: None, **WRITE_ERRORS})
def tier_delete(request: HttpRequest, tier_id: int) -> Status[None]:
    """Only a tier not awarded yet."""
    tier = selectors.tier_get(viewer=request.user, tier_id=tier_id)
    services.tier_delete(actor=request.user, tier=tier)
    return Status(204, None)


@router.post("/award-tiers/{tier_id}/benefits", response={201: CompAwardBenefitOut, **WRITE_ERRORS})
def benefit_create(request: HttpRequest, tier_id: int, payload: CompAwardBenefitIn) -> Status[Any]:
    """A benefit delivered through a catalog service of the park; workstations need ``desks`` and ``months``,
    a gift pack a ``pack_id`` (a pack of the park granted to chosen members)."""
    tier = selectors.tier_get(viewer=request.user, tier_id=tier_id)
    benefit = services.benefit_create(actor=request.user, tier=tier, **payload.dict())
    return Status(201, selectors.benefit_get(viewer=request.user, benefit_id=benefit.pk))


@router.patch("/award-benefits/{benefit_id}", response={200: CompAwardBenefitOut, **WRITE_ERRORS})
def benefit_update(request: HttpRequest, benefit_id: int, payload: CompAwardBenefitPatch) -> Any:
    """Once delivered, only ``description`` and ``position`` change."""
    benefit = selectors.benefit_get(viewer=request.user, benefit_id=benefit_id)
    services.benefit_update(actor=request.user, benefit=benefit, **payload.dict(exclude_unset=True))
    return selectors.benefit_get(viewer=request.user, benefit_id=benefit_id)


@router.delete("/award-benefits/{benefit_id}", response={204: None, **WRITE_ERRORS})
def benefit_delete(request: HttpRequest, benefit_id: int) -> Status[None]:
    benefit = selectors.benefit_get(viewer=request.user, benefit_id=benefit_id)
    services.benefit_delete(actor=request.user, benefit=benefit)
    return Status(204, None)


@router.post("/editions/{edition_id}/awards/grant", response={200: list[CompAwardGrantedOut], **WRITE_ERRORS})
def awards_grant(request: HttpRequest, edition_id: int) -> Any:
    """Give the tiers from the final round's published ranking (``not_ready`` before); idempotent. Returns
    every award of the edition."""
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    return services.awards_grant(actor=request.user, edition=edition)


@router.post("/editions/{edition_id}/awards/deliver", response={200: CompAwardFulfilmentOut, **WRITE_ERRORS})
def awards_deliver(request: HttpRequest, edition_id: int) -> Any:
    """Deliver every award (idempotent: benefits with an order are left to follow it, failed ones retried)."""
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    services.awards_deliver(actor=request.user, edition=edition)
    return selectors.fulfilment(viewer=request.user, edition=edition)


@router.get("/editions/{edition_id}/awards/fulfilment", response={200: CompAwardFulfilmentOut, **READ_ERRORS})
def fulfilment(request: HttpRequest, edition_id: int) -> Any:
    """Every award with each benefit's delivery: status, order number, SLA due date, butler; the counts."""
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    return selectors.fulfilment(viewer=request.user, edition=edition)


@router.get("/editions/{edition_id}/awards/financing", response={200: CompAwardFinancingOut, **READ_ERRORS})
def financing(request: HttpRequest, edition_id: int) -> Any:
    """Financing raised by the participants of the park's competitions, by edition and track."""
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    return selectors.competition_financing(viewer=request.user, edition=edition)


@router.get("/awards/{award_id}", response={200: CompAwardOut, **READ_ERRORS})
def award_get(request: HttpRequest, award_id: int) -> Any:
    """An award with each benefit's delivery (its team and the park's operators)."""
    award = selectors.award_get(viewer=request.user, award_id=award_id)
    return selectors.award_rows(viewer=request.user, award=award)


@router.post("/awards/{award_id}/deliver", response={200: CompAwardOut, **WRITE_ERRORS})
def award_deliver(request: HttpRequest, award_id: int) -> Any:
    """Deliver the award's benefits; a benefit that cannot be started is ``failed`` with its reason, the others
    go on. Asking again retries only the failed ones."""
    award = selectors.award_get(viewer=request.user, award_id=award_id)
    services.award_deliver(actor=request.user, award=award)
    return selectors.award_rows(viewer=request.user, award=award)


@router.post("/awards/{award_id}/refresh", response={200: CompAwardOut, **WRITE_ERRORS})
def award_refresh(request: HttpRequest, award_id: int) -> Any:
    """Store each delivery's status from its order's."""
    award = selectors.award_get(viewer=request.user, award_id=award_id)
    services.delivery_refresh(award=award)
    return selectors.award_rows(viewer=request.user, award=award)


@router.post("/applications/{application_id}/financing",
             response={201: CompAwardFinancingRecordOut, **WRITE_ERRORS})
def financing_record(request: HttpRequest, application_id: int, payload: CompAwardFinancingIn) -> Status[Any]:
    """Record a round the application's enterprise raised after the competition (the network's permission:
    the enterprise's admins, the park's operators); a retry of the same round returns the same record."""
    from parkos.competitions.selectors.applications import application_get

    application = application_get(viewer=request.user, application_id=application_id)
    record = services.financing_after_competition(actor=request.user, application=application, **payload.dict())
    return Status(201, record)
