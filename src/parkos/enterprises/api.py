from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.core.pagination import kept_api_pagination
from parkos.core.parks import park_param
from parkos.enterprises import selectors, services
from parkos.enterprises.schemas import (
    AcceptIn,
    BuildingOut,
    ButlerIn,
    EnterpriseDetailOut,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePatch,
    IndustryOut,
    InvitationIn,
    InvitationOut,
    MembershipOut,
    StaffOut,
    TransferIn,
)

router = Router(tags=["enterprises"])


def _viewer(request: HttpRequest) -> Any:
    return request.user


@router.get("/industries", auth=None, response=list[IndustryOut])
def industries(request: HttpRequest) -> Any:
    return selectors.industry_list().select_related("parent")


@router.get("/buildings", auth=None, response=list[BuildingOut])
def buildings(request: HttpRequest, park: str | None = None) -> Any:
    """Every park's buildings, or with ``?park=`` (code or id) one park's."""
    return selectors.building_list(park=park_param(park))


@router.get("/enterprises", auth=None, response=list[EnterpriseOut])
@paginate(kept_api_pagination("enterprises", ["enterprises"]), page_size=20)  # public: kept until one changes
def enterprise_list(request: HttpRequest, q: str = "", industry: str = "", stage: str = "",
                    building: str = "", park: str | None = None) -> Any:
    """The directory of every park, or with ``?park=`` (code or id) of one park."""
    return selectors.enterprise_list(viewer=_viewer(request), q=q, industry=industry, stage=stage, building=building,
                                     park=park_param(park))


@router.post("/enterprises", response={201: EnterpriseDetailOut})
def enterprise_create(request: HttpRequest, payload: EnterpriseIn) -> Status[Any]:
    return Status(201, services.enterprise_create(actor=request.user, data=payload.dict()))  # type: ignore[arg-type]


@router.get("/enterprises/{enterprise_id}", auth=None, response=EnterpriseOut)
def enterprise_get(request: HttpRequest, enterprise_id: int) -> Any:
    return selectors.enterprise_get(viewer=_viewer(request), enterprise_id=enterprise_id)


@router.patch("/enterprises/{enterprise_id}", response=EnterpriseDetailOut)
def enterprise_update(request: HttpRequest, enterprise_id: int, payload: EnterprisePatch) -> Any:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return services.enterprise_update(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                      data=payload.dict(exclude_unset=True))


@router.get("/enterprises/{enterprise_id}/staff", response=list[StaffOut])
def staff(request: HttpRequest, enterprise_id: int) -> Any:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return selectors.staff_list(viewer=request.user, enterprise=enterprise)  # type: ignore[arg-type]


@router.post("/enterprises/{enterprise_id}/staff/{user_id}/approve", response=StaffOut)
def staff_approve(request: HttpRequest, enterprise_id: int, user_id: int) -> Any:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return services.membership_approve(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                       user_id=user_id)


@router.delete("/enterprises/{enterprise_id}/staff/{user_id}", response={204: None})
def staff_remove(request: HttpRequest, enterprise_id: int, user_id: int) -> Status[None]:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    services.membership_remove(actor=request.user, enterprise=enterprise, user_id=user_id)  # type: ignore[arg-type]
    return Status(204, None)


@router.post("/enterprises/{enterprise_id}/admin", response=StaffOut)
def admin_transfer(request: HttpRequest, enterprise_id: int, payload: TransferIn) -> Any:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return services.admin_transfer(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                   to_user_id=payload.user_id)


@router.get("/enterprises/{enterprise_id}/invitations", response=list[InvitationOut])
def invitations(request: HttpRequest, enterprise_id: int) -> Any:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return selectors.invitation_list(viewer=request.user, enterprise=enterprise)  # type: ignore[arg-type]


@router.post("/enterprises/{enterprise_id}/invitations", response={201: InvitationOut})
def invitation_create(request: HttpRequest, enterprise_id: int, payload: InvitationIn) -> Status[Any]:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return Status(201, services.invitation_create(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                           **payload.dict()))


@router.delete("/enterprises/{enterprise_id}/invitations/{invitation_id}", response=InvitationOut)
def invitation_revoke(request: HttpRequest, enterprise_id: int, invitation_id: int) -> Any:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    invitation = selectors.invitation_get(viewer=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                          invitation_id=invitation_id)
    return services.invitation_revoke(actor=request.user, invitation=invitation)  # type: ignore[arg-type]


@router.post("/invitations/accept", response={201: MembershipOut})
def invitation_accept(request: HttpRequest, payload: AcceptIn) -> Status[Any]:
    return Status(201, services.invitation_accept(user=request.user, token=payload.token,  # type: ignore[arg-type]
                                           code=payload.code))


@router.put("/enterprises/{enterprise_id}/butler", response=EnterpriseDetailOut)
def butler_assign(request: HttpRequest, enterprise_id: int, payload: ButlerIn) -> Any:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return services.butler_assign(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                  butler=payload.butler_id)
