"""/api/v1/community/groups…: interest groups and their members."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.community.schemas import AdminIn, GroupIn, GroupOut, GroupPatch, MembershipOut
from parkos.community.selectors import groups as selectors
from parkos.community.services import groups as services
from parkos.core.parks import park_param

router = Router(tags=["community"])


@router.get("/community/groups", response=list[GroupOut])
@paginate(PageNumberPagination, page_size=24)
def group_list(request: HttpRequest, q: str = "", mine: bool = False, park: str | None = None) -> Any:
    """``park`` (code or id): that park's groups and the portfolio-wide ones; without it, every park's."""
    return selectors.group_list(viewer=request.user, q=q, mine=mine, park=park_param(park))


@router.post("/community/groups", response={201: GroupOut})
def group_create(request: HttpRequest, payload: GroupIn) -> Status[Any]:
    return Status(201, services.group_create(actor=request.user, data=payload.dict()))


@router.get("/community/groups/{group_id}", response=GroupOut)
def group_get(request: HttpRequest, group_id: int) -> Any:
    return selectors.group_get(viewer=request.user, group_id=group_id)


@router.patch("/community/groups/{group_id}", response=GroupOut)
def group_update(request: HttpRequest, group_id: int, payload: GroupPatch) -> Any:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    return services.group_update(actor=request.user, group=group, data=payload.dict(exclude_unset=True))


@router.post("/community/groups/{group_id}/join", response=MembershipOut)
def group_join(request: HttpRequest, group_id: int) -> Any:
    """Join a public group, or ask to join a private one (status ``pending``)."""
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    return services.group_join(actor=request.user, group=group)


@router.post("/community/groups/{group_id}/leave", response={204: None})
def group_leave(request: HttpRequest, group_id: int) -> Status[None]:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    services.group_leave(actor=request.user, group=group)
    return Status(204, None)


@router.get("/community/groups/{group_id}/members", response=list[MembershipOut])
def members(request: HttpRequest, group_id: int) -> Any:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    return selectors.member_list(viewer=request.user, group=group)


@router.post("/community/groups/{group_id}/members/{user_id}/approve", response=MembershipOut)
def approve(request: HttpRequest, group_id: int, user_id: int) -> Any:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    return services.membership_approve(actor=request.user, group=group, user_id=user_id)


@router.delete("/community/groups/{group_id}/members/{user_id}", response={204: None})
def remove(request: HttpRequest, group_id: int, user_id: int) -> Status[None]:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    services.membership_remove(actor=request.user, group=group, user_id=user_id)
    return Status(204, None)


@router.post("/community/groups/{group_id}/members/{user_id}/admin", response=MembershipOut)
def set_admin(request: HttpRequest, group_id: int, user_id: int, payload: AdminIn) -> Any:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    return services.membership_set_admin(actor=request.user, group=group, user_id=user_id, admin=payload.admin)
