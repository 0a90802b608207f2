"""API: gift packs. Members list the packs they can claim, claim one, read their claims (pickup codes)
and service credits, and use a credit (a service order); operators make packs and their items, open,
close and grant them, read claimed / picked up / left over per item and the claims; the pickup desk
hands over items by code."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.core.models import Park
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.rewards.models import CouponTemplate
from parkos.rewards.schemas_packs import (
    ClaimAdminOut,
    ClaimOut,
    CreditOrderOut,
    CreditOut,
    CreditUseIn,
    HandOverIn,
    HandOverOut,
    ItemIn,
    ItemOut,
    PackDetailOut,
    PackGrantIn,
    PackGrantOut,
    PackIn,
    PackOut,
    PackPatch,
)
from parkos.rewards.selectors import packs as selectors
from parkos.rewards.services import packs as services

router = Router(tags=["rewards: gift packs"])


def _park(request: HttpRequest, value: str | None) -> Park:
    return park_param(value) or request.park  # type: ignore[attr-defined,no-any-return]


def _detail(request: HttpRequest, pack_id: int) -> dict[str, Any]:
    pack = selectors.pack_get(viewer=request.user, pack_id=pack_id)
    figures = selectors.pack_figures(viewer=request.user, pack=pack)
    pack = selectors.with_items(type(pack).objects.filter(pk=pack.pk)).get()
    return {"pack": pack, "figures": figures}


# --- members --------------------------------------------------------------------------------------

@router.get("/packs/claimable", response=list[PackOut])
@paginate(PageNumberPagination, page_size=50)
def packs_claimable(request: HttpRequest, park: str | None = None) -> Any:
    """Open packs I may claim now and have not claimed (every park, or ``park``'s)."""
    return selectors.packs_claimable(viewer=request.user, park=park_param(park))


@router.post("/packs/{pack_id}/claim", response={201: ClaimOut})
def pack_claim(request: HttpRequest, pack_id: int) -> Status[Any]:
    """Claim a pack: once; refused with ``already_claimed``, ``out_of_stock``, ``budget_exceeded``,
    ``not_open``, ``closed`` or ``not_eligible``, and then nothing changed."""
    pack = selectors.claimable_get(viewer=request.user, pack_id=pack_id)
    claim = services.pack_claim(actor=request.user, pack=pack)
    return Status(201, selectors.claim_get(viewer=request.user, claim_id=claim.pk))


@router.get("/packs/claims", response=list[ClaimOut])
@paginate(PageNumberPagination, page_size=50)
def claim_list_mine(request: HttpRequest) -> Any:
    """My claims with their pickup codes and service credits (the coupons are in the wallet)."""
    return selectors.claim_list_mine(viewer=request.user)


@router.get("/packs/credits", response=list[CreditOut])
@paginate(PageNumberPagination, page_size=50)
def credit_list_mine(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.credit_list_mine(viewer=request.user, status=status)


@router.post("/packs/credits/{credit_id}/use", response=CreditOrderOut)
def credit_use(request: HttpRequest, credit_id: int, payload: CreditUseIn) -> Any:
    """Use a service credit: a service order for my enterprise (or ``enterprise``); a retry returns the
    same order."""
    credit = selectors.credit_get(viewer=request.user, credit_id=credit_id)
    enterprise = None
    if payload.enterprise is not None:
        from parkos.enterprises.models import Enterprise

        enterprise = Enterprise.objects.filter(pk=payload.enterprise, is_active=True).first()
        if enterprise is None:
            raise field_error("enterprise", NotFound.default_message, code=ErrorCode.NOT_FOUND)
    return services.credit_use(actor=request.user, credit=credit, enterprise=enterprise, note=payload.note,
                               answers=payload.answers)


# --- the pickup desk ------------------------------------------------------------------------------

@router.post("/packs/pickups", response=HandOverOut)
def pickup_hand_over(request: HttpRequest, payload: HandOverIn) -> Any:
    """Hand over the item of a pickup code, once (``already_done`` the second time)."""
    pickup = services.pickup_hand_over(actor=request.user, code=payload.code)
    return {"pickup": pickup, "member": pickup.claim.user.display_name, "pack": pickup.claim.pack.name}


# --- operators ------------------------------------------------------------------------------------

@router.get("/packs", response=list[PackOut])
@paginate(PageNumberPagination, page_size=50)
def pack_list(request: HttpRequest, park: str | None = None, status: str | None = None) -> Any:
    """The packs of the parks where I manage rewards (``park``: one of them)."""
    return selectors.with_items(selectors.pack_list(viewer=request.user, park=park_param(park), status=status))


@router.post("/packs", response={201: PackOut})
def pack_create(request: HttpRequest, payload: PackIn) -> Status[Any]:
    pack = services.pack_create(actor=request.user, park=_park(request, payload.park), name=payload.name,
                                description=payload.description, audience=payload.audience,
                                claim_from=payload.claim_from, claim_until=payload.claim_until, stock=payload.stock)
    return Status(201, _detail(request, pack.pk)["pack"])


@router.get("/packs/{pack_id}", response=PackDetailOut)
def pack_get(request: HttpRequest, pack_id: int) -> Any:
    """A pack with claimed / picked up or used / left over per item."""
    return _detail(request, pack_id)


@router.patch("/packs/{pack_id}", response=PackOut)
def pack_update(request: HttpRequest, pack_id: int, payload: PackPatch) -> Any:
    pack = selectors.pack_get(viewer=request.user, pack_id=pack_id)
    services.pack_update(actor=request.user, pack=pack, **payload.dict(exclude_unset=True))
    return _detail(request, pack_id)["pack"]


@router.post("/packs/{pack_id}/items", response={201: ItemOut})
def pack_item_add(request: HttpRequest, pack_id: int, payload: ItemIn) -> Status[Any]:
    pack = selectors.pack_get(viewer=request.user, pack_id=pack_id)
    template = service = None
    if payload.template is not None:
        template = CouponTemplate.objects.filter(pk=payload.template, park_id=pack.park_id).first()
        if template is None:
            raise field_error("template", NotFound.default_message, code=ErrorCode.NOT_FOUND)
    if payload.service is not None:
        from parkos.catalog.selectors.catalog import service_get

        try:
            service = service_get(viewer=request.user, service_id=payload.service, park=pack.park)
        except NotFound:
            raise field_error("service", NotFound.default_message, code=ErrorCode.NOT_FOUND) from None
    item = services.pack_item_add(actor=request.user, pack=pack, kind=payload.kind, quantity=payload.quantity,
                                  template=template, service=service, name=payload.name,
                                  pickup_place=payload.pickup_place, stock=payload.stock)
    return Status(201, item)


@router.delete("/packs/items/{item_id}", response={204: None})
def pack_item_remove(request: HttpRequest, item_id: int) -> Status[None]:
    services.pack_item_remove(actor=request.user, item=selectors.item_get(viewer=request.user, item_id=item_id))
    return Status(204, None)


@router.post("/packs/{pack_id}/open", response=PackOut)
def pack_open(request: HttpRequest, pack_id: int) -> Any:
    services.pack_open(actor=request.user, pack=selectors.pack_get(viewer=request.user, pack_id=pack_id))
    return _detail(request, pack_id)["pack"]


@router.post("/packs/{pack_id}/close", response=PackOut)
def pack_close(request: HttpRequest, pack_id: int) -> Any:
    services.pack_close(actor=request.user, pack=selectors.pack_get(viewer=request.user, pack_id=pack_id))
    return _detail(request, pack_id)["pack"]


@router.post("/packs/{pack_id}/grants", response=PackGrantOut)
def pack_grant(request: HttpRequest, pack_id: int, payload: PackGrantIn) -> Any:
    """Grant a "granted" pack to members by mobile number, e-mail or account id; unknown ones are
    refused (``details.people`` lists them) and nothing is granted."""
    pack = selectors.pack_get(viewer=request.user, pack_id=pack_id)
    ids, unknown = selectors.people_find(payload.people)
    if unknown:
        raise field_error("people", _("Nobody has these mobile numbers or e-mail addresses: %(values)s")
                          % {"values": "、".join(unknown[:20])}, code=ErrorCode.NOT_FOUND)
    return {"granted": services.pack_grant(actor=request.user, pack=pack, user_ids=ids, note=payload.note)}


@router.get("/packs/{pack_id}/claims", response=list[ClaimAdminOut])
@paginate(PageNumberPagination, page_size=100)
def claim_list(request: HttpRequest, pack_id: int) -> Any:
    pack = selectors.pack_get(viewer=request.user, pack_id=pack_id)
    return selectors.claim_list(viewer=request.user, pack=pack)
